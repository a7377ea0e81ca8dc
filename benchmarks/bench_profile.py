"""How long `advisor profile` takes on a large CSV, and how much memory it needs.

Generates a CSV of about --size-mb megabytes (default 1024; --quick: 50) in a temporary folder
(20 float features with some missing values, a text category, an integer class label), then
profiles it in a child process and prints the wall time and the child's peak resident memory.
Profiling streams the file in chunks, so the peak memory must stay bounded (well under 500 MB)
whatever the file size.

    python benchmarks/bench_profile.py            # ~1 GB
    python benchmarks/bench_profile.py --quick    # ~50 MB, for CI
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

RSS_LIMIT_MB = 500


def generate(path: Path, size_mb: int, seed: int = 0) -> int:
    """Write a CSV of about size_mb MB; returns the number of data rows."""
    import numpy as np
    import pandas as pd

    rng = np.random.default_rng(seed)
    blocks = []
    for _ in range(4):  # a few distinct blocks, cycled: generation stays fast
        rows = 50_000
        frame = pd.DataFrame(rng.normal(size=(rows, 20)).round(4),
                             columns=[f"f{i}" for i in range(20)])
        frame.iloc[rng.integers(0, rows, 500), 3] = np.nan
        frame["city"] = rng.choice(["paris", "lima", "oslo", "pune", "kyiv"], rows)
        frame["label"] = rng.integers(0, 5, rows)
        blocks.append((frame.to_csv(index=False, header=False), rows))
    header = ",".join([f"f{i}" for i in range(20)] + ["city", "label"]) + "\n"
    target = size_mb * 1024 * 1024
    written, rows, i = 0, 0, 0
    with open(path, "w") as handle:
        handle.write(header)
        while written < target:
            text, count = blocks[i % len(blocks)]
            handle.write(text)
            written += len(text)
            rows += count
            i += 1
    return rows


def child(path: str) -> None:
    from advisor.data import profile_data

    start = time.perf_counter()
    profiled = profile_data(path, targets=["label"])
    elapsed = time.perf_counter() - start
    print(json.dumps({"seconds": elapsed, "profile": profiled.profile.model_dump(mode="json"),
                      "sampled": profiled.sampled}))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size-mb", type=int, default=1024)
    parser.add_argument("--quick", action="store_true", help="about 50 MB")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child)
        return 0
    size = 50 if args.quick else args.size_mb
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "big.csv"
        start = time.perf_counter()
        rows = generate(path, size)
        generated = time.perf_counter() - start
        file_mb = path.stat().st_size / 1024 / 1024
        print(f"generated {path.name}: {file_mb:.0f} MB, {rows} rows, in {generated:.1f} s")
        wall = time.perf_counter()
        result = subprocess.run([sys.executable, __file__, "--child", str(path)],
                                capture_output=True, text=True,
                                env={**os.environ, "PYTHONPATH": str(Path(__file__).parents[1])})
        wall = time.perf_counter() - wall
        if result.returncode:
            print(result.stderr, file=sys.stderr)
            return 1
        report = json.loads(result.stdout.strip().splitlines()[-1])
        peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
        profile = report["profile"]
        print(f"profile_data: {report['seconds']:.1f} s ({file_mb / report['seconds']:.0f} MB/s); "
              f"process wall time {wall:.1f} s (with start-up); peak RSS {peak_mb:.0f} MB")
        print(f"n_samples {profile['n_samples']}, input_shape {profile['input_shape']}, "
              f"n_classes {profile['n_classes']}, missing_ratio {profile['missing_ratio']}, "
              f"categorical_features {profile['categorical_features']}, "
              f"sampled {report['sampled']}")
        if profile["n_samples"] != rows:
            print(f"FAIL: n_samples {profile['n_samples']} != {rows} rows", file=sys.stderr)
            return 1
        if peak_mb > RSS_LIMIT_MB:
            print(f"FAIL: peak RSS {peak_mb:.0f} MB > {RSS_LIMIT_MB} MB", file=sys.stderr)
            return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
