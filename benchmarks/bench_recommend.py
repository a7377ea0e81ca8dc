"""Speed of the advice path: in-process latency of recommend() and cold start of the CLI.

    python benchmarks/bench_recommend.py            # 10,000 profiles, 15 cold starts
    python benchmarks/bench_recommend.py --quick    # CI mode: 1,000 profiles, 5 cold starts

Targets (issue 2, on a 2-core machine): p50 <= 1 ms, p99 <= 5 ms, cold start <= 0.35 s, and
TensorFlow never imported. Exits 1 when a target is missed. The quick mode runs in CI on
shared runners whose timings jitter (a busy neighbour adds 30-50%): there it fails on a timing
only beyond QUICK_TOLERANCE x the target (a real regression, such as a heavy import on the
start-up path) and reports smaller misses without failing; TensorFlow is never tolerated.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import time
from pathlib import Path

from advisor import recommend
from advisor._random_profiles import random_profile
from advisor.engine import get_engine

TARGETS = {"p50_ms": 1.0, "p99_ms": 5.0, "cold_start_s": 0.35}
QUICK_TOLERANCE = 2.0
CLI_ARGS = ["recommend", "--problem-type", "binary", "--data-structure", "tabular",
            "--n-samples", "5000", "--input-shape", "20", "--n-classes", "2"]


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def latency(count: int) -> dict[str, float]:
    rng = random.Random(0)
    profiles = [random_profile(rng) for _ in range(count)]
    for profile in profiles[:200]:  # warm up: rule loading and engine registration
        recommend(profile)
    timings = []
    for profile in profiles:
        start = time.perf_counter()
        recommend(profile)
        timings.append((time.perf_counter() - start) * 1e3)
    return {"profiles": count, "p50_ms": percentile(timings, 0.50),
            "p90_ms": percentile(timings, 0.90), "p99_ms": percentile(timings, 0.99),
            "max_ms": max(timings), "mean_ms": statistics.fmean(timings)}


def cold_start(runs: int) -> dict[str, float]:
    advisor = Path(sys.executable).with_name("advisor")
    env = dict(os.environ, PYTHONDONTWRITEBYTECODE="0")

    def timed(cmd: list[str]) -> float:
        start = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL, env=env)
        return time.perf_counter() - start

    timed([str(advisor), *CLI_ARGS])  # compile bytecode once
    python = statistics.median(timed([sys.executable, "-c", "pass"]) for _ in range(runs))
    cli = statistics.median(timed([str(advisor), *CLI_ARGS]) for _ in range(runs))
    return {"runs": runs, "python_pass_s": python, "cold_start_s": cli,
            "advisor_over_python_s": cli - python}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI mode: fewer profiles and runs")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON")
    args = parser.parse_args()
    lat = latency(1000 if args.quick else 10_000)
    cold = cold_start(5 if args.quick else 15)
    tf_loaded = any(m in sys.modules for m in ("tensorflow", "keras"))
    result = {"engine": get_engine().name, "python": sys.version.split()[0],
              "cores": os.cpu_count(), **{f"latency_{k}": v for k, v in lat.items()},
              **cold, "tensorflow_imported": tf_loaded}
    def value(name: str) -> float:
        return result.get(name, result.get(f"latency_{name}", 0))

    misses = [name for name, limit in TARGETS.items() if value(name) > limit]
    tolerance = QUICK_TOLERANCE if args.quick else 1.0
    failures = [name for name, limit in TARGETS.items() if value(name) > limit * tolerance]
    if tf_loaded:
        misses.append("tensorflow_imported")
        failures.append("tensorflow_imported")
    if args.json:
        print(json.dumps({**result, "missed": misses}, indent=2))
    else:
        print(f"recommend() latency over {lat['profiles']} random profiles "
              f"({result['engine']}, Python {result['python']}, {result['cores']} cores)")
        print(f"  p50 {lat['p50_ms']:.3f} ms   p90 {lat['p90_ms']:.3f} ms   "
              f"p99 {lat['p99_ms']:.3f} ms   max {lat['max_ms']:.2f} ms   "
              f"(targets: p50 <= {TARGETS['p50_ms']} ms, p99 <= {TARGETS['p99_ms']} ms)")
        print(f"cold start, median of {cold['runs']} runs")
        print(f"  python -c pass        {cold['python_pass_s']:.3f} s")
        print(f"  advisor recommend ... {cold['cold_start_s']:.3f} s   "
              f"(+{cold['advisor_over_python_s']:.3f} s; target <= {TARGETS['cold_start_s']} s)")
        print(f"TensorFlow imported: {'yes' if tf_loaded else 'no'}")
        print("all targets met" if not misses else f"MISSED: {', '.join(misses)}")
        if misses and not failures:
            print(f"(quick mode: within {QUICK_TOLERANCE:g}x of the targets, reported without "
                  "failing; run without --quick on an idle machine to check them)")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
