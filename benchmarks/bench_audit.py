"""Throughput of the batch audit: files per second over a folder of real .keras archives.

    python benchmarks/bench_audit.py            # 1,000 files, every core
    python benchmarks/bench_audit.py --quick    # CI mode: 300 files
    python benchmarks/bench_audit.py --files 5000 --jobs 1

The .keras files are real: tests/audit/make_fixtures.py saves ~30 small compiled Keras models
(correct and faulty setups, Sequential, functional and nested) in a separate process — the
only process that imports TensorFlow — and the benchmark copies them, with their sidecar
profiles, to reach the file count. The audit runs in this process through ``audit_paths``
(the library path ``advisor audit`` uses), in passes of growing size, recording the peak RSS
after each pass to show that memory stays flat as the batch grows.

Targets (issue 3, on a 2-core machine, all cores): >= 200 files/s; peak RSS growth between
the half-size and full-size pass under 50 MB; TensorFlow never imported here. Exits 1 when a
target is missed.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from advisor.audit.core import audit_paths

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"files_per_s": 200.0, "rss_growth_mb": 50.0}


def make_sources(folder: Path) -> list[Path]:
    """Real .keras archives (and their sidecar profiles), saved by Keras in a subprocess."""
    done = subprocess.run([sys.executable, str(ROOT / "tests" / "audit" / "make_fixtures.py"),
                           str(folder)], capture_output=True, text=True,
                          env={**os.environ, "TF_CPP_MIN_LOG_LEVEL": "3"})
    if done.returncode:
        sys.exit(f"making the .keras files failed:\n{done.stderr}")
    return sorted(p for p in folder.glob("*.keras")
                  if not p.name.startswith("broken_") and _is_model(p))


def _is_model(path: Path) -> bool:
    """Leave out the deliberately broken archives: this measures audits, not refusals."""
    import zipfile

    try:
        with zipfile.ZipFile(path) as archive:
            return "config.json" in archive.namelist()
    except zipfile.BadZipFile:
        return False


def populate(sources: list[Path], folder: Path, count: int) -> None:
    """``count`` .keras files in subfolders of 100, each beside its sidecar profile."""
    for index in range(count):
        source = sources[index % len(sources)]
        sub = folder / f"batch{index // 100:03d}"
        sub.mkdir(parents=True, exist_ok=True)
        target = sub / f"m{index:05d}_{source.name}"
        shutil.copyfile(source, target)
        profile = source.with_name(source.name[: -len(".keras")] + ".profile.json")
        if profile.exists():
            shutil.copyfile(profile, target.with_name(target.name[: -len(".keras")]
                                                      + ".profile.json"))


def peak_rss_mb() -> float:
    """Peak resident memory of this process and of its largest finished worker (Linux: KiB)."""
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
    return max(own, children) / 1024


def audit_pass(folder: str, jobs: int | None) -> dict[str, float]:
    """One timed audit of ``folder`` (run in a fresh process, so its peak RSS is its own)."""
    start = time.perf_counter()
    report = audit_paths([folder], jobs=jobs)
    elapsed = time.perf_counter() - start
    return {"files": report.summary.files, "errors": len(report.errors),
            "findings": report.summary.findings, "seconds": elapsed,
            "peak_rss_mb": peak_rss_mb(), "tensorflow_imported": "tensorflow" in sys.modules}


def run(count: int, jobs: int | None) -> dict[str, float]:
    with tempfile.TemporaryDirectory(prefix="bench_audit_") as tmp:
        tmp_path = Path(tmp)
        start = time.perf_counter()
        sources = make_sources(tmp_path / "sources")
        made = time.perf_counter() - start
        print(f"{len(sources)} distinct real .keras models saved by Keras in {made:.1f} s "
              "(a separate process)")
        results: dict[str, float] = {"tensorflow_imported": 0.0}
        rss = {}
        for label, size in (("half", count // 2), ("full", count)):
            folder = tmp_path / label
            populate(sources, folder, size)
            command = [sys.executable, __file__, "--pass", str(folder)]
            if jobs:
                command += ["--jobs", str(jobs)]
            done = subprocess.run(command, capture_output=True, text=True, check=True)
            figures = json.loads(done.stdout.strip().splitlines()[-1])
            assert figures["files"] == size and not figures["errors"], figures
            rss[label] = figures["peak_rss_mb"]
            rate = size / figures["seconds"]
            print(f"{label:>4}: {size:5d} files in {figures['seconds']:6.2f} s = "
                  f"{rate:7.1f} files/s, {figures['findings']} findings, "
                  f"peak RSS {rss[label]:.0f} MB")
            results[f"{label}_files_per_s"] = rate
            results["tensorflow_imported"] += float(figures["tensorflow_imported"])
        results["files_per_s"] = results["full_files_per_s"]
        results["rss_growth_mb"] = rss["full"] - rss["half"]
        results["peak_rss_mb"] = rss["full"]
        return results


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="CI mode: 300 files")
    parser.add_argument("--files", type=int, default=None, help="files to audit (default 1000)")
    parser.add_argument("--jobs", type=int, default=None, help="worker processes (default: all)")
    parser.add_argument("--json", action="store_true", help="print the figures as JSON too")
    parser.add_argument("--pass", dest="one_pass", metavar="FOLDER", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.one_pass:
        print(json.dumps(audit_pass(args.one_pass, args.jobs)))
        return 0
    count = args.files or (300 if args.quick else 1000)
    cores = os.cpu_count() or 1
    print(f"advisor audit benchmark: {count} files, {args.jobs or cores} worker(s) on "
          f"{cores} core(s)")
    results = run(count, args.jobs)
    failures = []
    if results["files_per_s"] < TARGETS["files_per_s"]:
        failures.append(f"throughput {results['files_per_s']:.0f} files/s < "
                        f"{TARGETS['files_per_s']:.0f}")
    if results["rss_growth_mb"] > TARGETS["rss_growth_mb"]:
        failures.append(f"memory grew {results['rss_growth_mb']:.0f} MB from the half-size to "
                        f"the full-size batch (> {TARGETS['rss_growth_mb']:.0f})")
    if results["tensorflow_imported"]:
        failures.append("TensorFlow was imported by the audit")
    print(f"throughput {results['files_per_s']:.0f} files/s (target >= "
          f"{TARGETS['files_per_s']:.0f}); memory growth {results['rss_growth_mb']:+.0f} MB "
          f"(target <= {TARGETS['rss_growth_mb']:.0f}); TensorFlow imported: "
          f"{bool(results['tensorflow_imported'])}")
    if args.json:
        print(json.dumps(results, indent=2))
    for failure in failures:
        print(f"MISSED: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
