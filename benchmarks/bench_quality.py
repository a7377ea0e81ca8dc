"""The real-data quality benchmark: is the advice right on data people have?

    python benchmarks/bench_quality.py              # every data set -> docs/quality.md
    python benchmarks/bench_quality.py --quick      # CI: a small subset against recorded floors
    python benchmarks/bench_quality.py --only GunPoint,airline --seeds 3
    python benchmarks/bench_quality.py --resume     # keep the cases a killed full run finished

Every data set ships inside a package's wheel (scikit-learn, sktime, statsmodels,
palmerpenguins), or is generated here with a fixed seed; nothing downloads. Each is written to
the files a user would have (CSV, NPZ, image folders) and goes through ``advisor verify`` as a
user's would: profiled (the training file only), recommended, trained, and scored on the data's
official test split where it has one (the UCR/UEA sets: ``--test-data``), else on a seeded
held-out 20% (the last 20% of a series, forecast from every origin), next to the document's
default setup, the trivial baseline and the classical reference fitted on the same split. Then
an LR sweep: the recommended setup trained again at 1/10, 1/3, 3 and 10 times its learning
rate on the same split; the rates are ranked on the validation part, never the test part.

Full mode writes docs/quality.md and docs/quality.json and checks the targets of issue 8; quick
mode (CI) runs a few small sets with the same recommendation and exits 1 when a score falls below
its recorded floor.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import platform
import sys
import tempfile
import time
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

DOC = ROOT / "docs" / "quality.md"
RESULTS = ROOT / "docs" / "quality.json"
PARTIAL = ROOT / "build" / "quality-partial.jsonl"      # build/ is ignored by git
LR_FACTORS = (0.1, 1 / 3, 1.0, 3.0, 10.0)

# Published accuracies on the official splits. FCN and ResNet: Fawaz et al. 2019, "Deep learning
# for time series classification: a review" (DMKD 33), mean over the runs in the authors' results
# files (github.com/hfawaz/dl-4-tsc: results/results-ucr-128.csv, 5 runs; JapaneseVowels:
# results/results-mts.csv, 10 runs). 1-NN ED: the UCR archive's Euclidean 1-NN baseline
# (Dau et al. 2019).
PUBLISHED = {
    "GunPoint": {"FCN": 1.000, "ResNet": 0.991, "1-NN ED": 0.913},
    "ItalyPowerDemand": {"FCN": 0.963, "ResNet": 0.962, "1-NN ED": 0.955},
    "ArrowHead": {"FCN": 0.843, "ResNet": 0.838, "1-NN ED": 0.800},
    "OSULeaf": {"FCN": 0.979, "ResNet": 0.980, "1-NN ED": 0.521},
    "ACSF1": {"FCN": 0.898, "ResNet": 0.916, "1-NN ED": 0.540},
    "BasicMotions": {"1-NN ED": 0.600},
    "JapaneseVowels": {"FCN": 0.993, "ResNet": 0.992},
}

# quick mode (CI): the score each set must reach (primary metric; mase: at most). Recorded from
# the full run's figures in docs/quality.md with a margin for seed and platform noise.
QUICK_FLOORS = {
    "iris": ("accuracy", 0.90),
    "ItalyPowerDemand": ("accuracy", 0.93),
    "airline": ("mase", 1.10),
    "text_topics": ("accuracy", 0.85),
}


@dataclass
class Case:
    name: str
    domain: str                 # table | series | forecast | image | text
    source: str
    split: str
    make: Callable[[Path], dict[str, Any]]
    metric: str                 # the metric the targets are judged on
    published: dict[str, float] = field(default_factory=dict)


# -- data: written as a user would have it -------------------------------------------------------

def _sklearn_table(loader: str, target_names: Optional[list[str]] = None
                   ) -> Callable[[Path], dict[str, Any]]:
    def make(folder: Path) -> dict[str, Any]:
        from sklearn import datasets

        bunch = getattr(datasets, loader)(as_frame=True)
        frame = bunch.frame.copy()
        path = folder / f"{loader}.csv"
        frame.to_csv(path, index=False)
        targets = target_names or ["target"]
        return {"data": path, "target": targets if len(targets) > 1 else targets[0]}

    return make


def _linnerud(folder: Path) -> dict[str, Any]:
    from sklearn.datasets import load_linnerud

    bunch = load_linnerud(as_frame=True)
    frame = bunch.frame.copy()
    path = folder / "linnerud.csv"
    frame.to_csv(path, index=False)
    return {"data": path, "target": list(bunch.target_names)}


def _penguins(folder: Path) -> dict[str, Any]:
    from palmerpenguins import load_penguins

    path = folder / "penguins.csv"
    load_penguins().to_csv(path, index=False)
    return {"data": path, "target": "species"}


def _fair(folder: Path) -> dict[str, Any]:
    import statsmodels.api as sm

    frame = sm.datasets.fair.load_pandas().data.copy()
    frame["had_affair"] = (frame.pop("affairs") > 0).astype(int)
    path = folder / "fair.csv"
    frame.to_csv(path, index=False)
    return {"data": path, "target": "had_affair"}


def _ucr(name: str, loader: str) -> Callable[[Path], dict[str, Any]]:
    def make(folder: Path) -> dict[str, Any]:
        import sktime.datasets as sd

        paths = {}
        for split in ("train", "test"):
            x, y = getattr(sd, loader)(split=split, return_type="numpy3D")
            path = folder / f"{name}_{split}.npz"
            # channels last, as Keras and most users keep series: (n, steps, channels)
            np.savez(path, x=np.ascontiguousarray(x.transpose(0, 2, 1)), y=np.asarray(y, str))
            paths[split] = path
        return {"data": paths["train"], "test_data": paths["test"]}

    return make


def _japanese_vowels(folder: Path) -> dict[str, Any]:
    """Unequal lengths (7-29 steps, 12 channels), resampled to the longest by linear
    interpolation, as Fawaz et al. did for the variable-length multivariate sets."""
    from sktime.datasets import load_japanese_vowels

    frames = {split: load_japanese_vowels(split=split) for split in ("train", "test")}
    longest = max(len(cell) for frame, _ in frames.values() for cell in frame.iloc[:, 0])
    paths = {}
    for split, (frame, y) in frames.items():
        series = []
        for _, row in frame.iterrows():
            channels = [np.asarray(cell, dtype=float) for cell in row]
            grid = np.linspace(0, len(channels[0]) - 1, longest)
            series.append(np.stack([np.interp(grid, np.arange(len(c)), c) for c in channels],
                                   axis=1))
        path = folder / f"JapaneseVowels_{split}.npz"
        np.savez(path, x=np.stack(series), y=np.asarray(y, str))
        paths[split] = path
    return {"data": paths["train"], "test_data": paths["test"]}


def _forecast(name: str, horizon: int) -> Callable[[Path], dict[str, Any]]:
    def make(folder: Path) -> dict[str, Any]:
        import pandas as pd
        import statsmodels.api as sm

        if name in ("airline", "lynx", "shampoo"):
            import sktime.datasets as sd

            series = {"airline": sd.load_airline, "lynx": sd.load_lynx,
                      "shampoo": sd.load_shampoo_sales}[name]()
            times = [str(t) for t in series.index]
            values = series.to_numpy(dtype=float)
        elif name == "sunspots":
            frame = sm.datasets.sunspots.load_pandas().data
            times, values = frame["YEAR"].astype(int), frame["SUNACTIVITY"]
        elif name == "co2":
            frame = sm.datasets.co2.load_pandas().data
            # 61 of 2,284 weeks are missing: filled by linear interpolation, as statsmodels'
            # own examples do, so that the weeks stay evenly spaced
            times = [str(t.date()) for t in frame.index]
            values = frame["co2"].interpolate()
        elif name == "nile":
            frame = sm.datasets.nile.load_pandas().data
            times, values = frame["year"].astype(int), frame["volume"]
        else:  # pragma: no cover
            raise KeyError(name)
        path = folder / f"{name}.csv"
        pd.DataFrame({"time": list(times), "value": np.asarray(values, float)}).to_csv(
            path, index=False)
        return {"data": path, "target": "value", "time_column": "time",
                "forecast_horizon": horizon}

    return make


def _digits_images(folder: Path) -> dict[str, Any]:
    from sklearn.datasets import load_digits

    bunch = load_digits()
    path = folder / "digits.npz"
    np.savez(path, x=bunch.images[..., None], y=bunch.target)
    return {"data": path}


def _shapes(folder: Path) -> dict[str, Any]:
    """Generated 32x32 grey images of circles, squares and triangles at random positions and
    sizes with noise: one PNG per image in class sub-folders, train and test folders."""
    from PIL import Image, ImageDraw

    rng = np.random.default_rng(8)
    for split, count in (("train", 600), ("test", 300)):
        for index in range(count):
            kind = ("circle", "square", "triangle")[index % 3]
            image = Image.new("L", (32, 32), 0)
            draw = ImageDraw.Draw(image)
            size = int(rng.integers(8, 16))
            x0, y0 = (int(v) for v in rng.integers(1, 31 - size, 2))
            shade = int(rng.integers(150, 256))
            if kind == "circle":
                draw.ellipse([x0, y0, x0 + size, y0 + size], fill=shade)
            elif kind == "square":
                draw.rectangle([x0, y0, x0 + size, y0 + size], fill=shade)
            else:
                draw.polygon([(x0, y0 + size), (x0 + size, y0 + size), (x0 + size // 2, y0)],
                             fill=shade)
            pixels = np.asarray(image, float) + rng.normal(0, 25, (32, 32))
            target = folder / split / kind
            target.mkdir(parents=True, exist_ok=True)
            Image.fromarray(np.clip(pixels, 0, 255).astype(np.uint8)).save(
                target / f"{index}.png")
    return {"data": folder / "train", "test_data": folder / "test"}


def _text_topics(folder: Path) -> dict[str, Any]:
    """Generated short texts of three topics: each text mixes topic words with common words
    and words of the other topics (noise), so no single word decides."""
    import pandas as pd

    rng = np.random.default_rng(5)
    topics = {
        "sport": "match goal team player coach league score season win referee stadium cup",
        "finance": "market stock price bank profit loss share trade investor rate fund bond",
        "weather": "rain storm wind cloud sunny forecast cold snow temperature heat fog sky",
    }
    common = ("the a of and to in is was on for with this that it at by from very "
              "today new big small").split()
    vocab = {k: v.split() for k, v in topics.items()}
    names = list(topics)
    for split, count in (("train", 1500), ("test", 600)):
        rows = []
        for index in range(count):
            topic = names[index % 3]
            other = names[(index + 1 + int(rng.integers(0, 2))) % 3]
            words = list(rng.choice(vocab[topic], int(rng.integers(2, 5))))
            words += list(rng.choice(vocab[other], int(rng.integers(0, 3))))
            words += list(rng.choice(common, int(rng.integers(4, 10))))
            rows.append({"text": " ".join(rng.permutation(words)), "topic": topic})
        pd.DataFrame(rows).to_csv(folder / f"text_{split}.csv", index=False)
    return {"data": folder / "text_train.csv", "test_data": folder / "text_test.csv",
            "target": "topic", "text_column": "text"}


HELD_OUT = "held out 20% (seeded, stratified)"
OFFICIAL = "official train/test"
LAST = "last 20%, every forecast origin"

CASES = [
    Case("iris", "table", "scikit-learn", HELD_OUT, _sklearn_table("load_iris"), "accuracy"),
    Case("wine", "table", "scikit-learn", HELD_OUT, _sklearn_table("load_wine"), "accuracy"),
    Case("breast_cancer", "table", "scikit-learn", HELD_OUT,
         _sklearn_table("load_breast_cancer"), "roc_auc"),
    Case("diabetes", "table", "scikit-learn", HELD_OUT, _sklearn_table("load_diabetes"), "mae"),
    Case("linnerud", "table", "scikit-learn", HELD_OUT, _linnerud, "mae"),
    Case("penguins", "table", "palmerpenguins", HELD_OUT, _penguins, "accuracy"),
    Case("fair", "table", "statsmodels", HELD_OUT, _fair, "roc_auc"),
    Case("GunPoint", "series", "sktime (UCR)", OFFICIAL, _ucr("GunPoint", "load_gunpoint"),
         "accuracy", PUBLISHED["GunPoint"]),
    Case("ItalyPowerDemand", "series", "sktime (UCR)", OFFICIAL,
         _ucr("ItalyPowerDemand", "load_italy_power_demand"), "accuracy",
         PUBLISHED["ItalyPowerDemand"]),
    Case("ArrowHead", "series", "sktime (UCR)", OFFICIAL, _ucr("ArrowHead", "load_arrow_head"),
         "accuracy", PUBLISHED["ArrowHead"]),
    Case("OSULeaf", "series", "sktime (UCR)", OFFICIAL, _ucr("OSULeaf", "load_osuleaf"),
         "accuracy", PUBLISHED["OSULeaf"]),
    Case("ACSF1", "series", "sktime (UCR)", OFFICIAL, _ucr("ACSF1", "load_acsf1"), "accuracy",
         PUBLISHED["ACSF1"]),
    Case("BasicMotions", "series", "sktime (UEA)", OFFICIAL,
         _ucr("BasicMotions", "load_basic_motions"), "accuracy", PUBLISHED["BasicMotions"]),
    Case("JapaneseVowels", "series", "sktime (UEA)", OFFICIAL, _japanese_vowels, "accuracy",
         PUBLISHED["JapaneseVowels"]),
    Case("airline", "forecast", "sktime", LAST, _forecast("airline", 12), "mase"),
    Case("lynx", "forecast", "sktime", LAST, _forecast("lynx", 5), "mase"),
    Case("shampoo", "forecast", "sktime", LAST, _forecast("shampoo", 3), "mase"),
    Case("sunspots", "forecast", "statsmodels", LAST, _forecast("sunspots", 10), "mase"),
    Case("co2", "forecast", "statsmodels", LAST, _forecast("co2", 13), "mase"),
    Case("nile", "forecast", "statsmodels", LAST, _forecast("nile", 5), "mase"),
    Case("digits_images", "image", "scikit-learn (8x8)", HELD_OUT, _digits_images, "accuracy"),
    Case("shapes", "image", "generated (seed 8)", "generated train/test", _shapes, "accuracy"),
    Case("text_topics", "text", "generated (seed 5)", "generated train/test", _text_topics,
         "accuracy"),
]
QUICK = tuple(QUICK_FLOORS)


# -- running one case -----------------------------------------------------------------------------

def _higher(metric: str) -> bool:
    from advisor.executor.train import METRIC_DIRECTION

    return METRIC_DIRECTION[metric]


def _sweep(session: Any, setup: Any, primary: str) -> list[dict[str, Any]]:
    """The recommended setup at each learning-rate factor: validation and test scores."""
    from advisor.executor.verify import run_report

    rows = []
    base = setup.optimizer.learning_rate
    for factor in LR_FACTORS:
        if factor == 1.0:
            continue
        data = setup.model_dump()
        data["optimizer"]["learning_rate"] = float(f"{base * factor:.3g}")
        variant = type(setup).model_validate(data)
        runs = session.train(f"lr x{factor:g}", variant)
        report = run_report("sweep", runs, [])
        rows.append({"factor": factor, "learning_rate": variant.optimizer.learning_rate,
                     "validation": report.validation_metrics.get(primary),
                     "test": report.metrics.get(primary)})
    return rows


def run_case(case: Case, folder: Path, *, seeds: int, sweep: bool) -> dict[str, Any]:
    from advisor.executor.train import primary_metric
    from advisor.executor.verify import Verification, verify

    kwargs = case.make(folder)
    started = time.perf_counter()
    report = verify(seeds=seeds, plot=False, **kwargs)
    verify_s = time.perf_counter() - started
    primary = report.comparison.primary_metric
    metric = case.metric
    reference = report.baselines.get("reference")
    row: dict[str, Any] = {
        "name": case.name, "domain": case.domain, "source": case.source, "split": case.split,
        "metric": metric, "primary": primary,
        "recommended": report.recommended.metrics.get(metric),
        "recommended_spread": report.recommended.spread.get(metric),
        "document_default": report.baselines["document_default"].metrics.get(metric),
        "trivial": report.baselines["trivial"].metrics.get(metric),
        "reference": reference.metrics.get(metric) if reference else None,
        "reference_name": reference.name if reference else None,
        "candidates": {c.name: {"test": c.metrics.get(metric),
                                "validation": c.validation_metrics.get(metric)}
                       for c in reference.candidates} if reference else {},
        "published": case.published,
        "family": (report.recommended.setup or {}).get("model", {}).get("family"),
        "learning_rate": (report.recommended.setup or {}).get("optimizer", {}).get(
            "learning_rate"),
        "epochs": f"{report.recommended.epochs_run}/{report.recommended.epochs_planned}",
        "n_train": report.split.n_train, "n_validation": report.split.n_validation,
        "n_test": report.split.n_test, "unit": report.split.unit,
        "verify_s": round(verify_s, 1),
        "recommended_s": report.recommended.wall_time_s,
        "diagnosis": [f.code for f in report.diagnosis],
    }
    if sweep:
        from advisor.executor.build import as_setup

        setup = as_setup(report.recommended.setup)
        data = dict(kwargs)
        dataset, test = _datasets(data)
        # one seed per swept rate (the rule's rate: the mean over its seeds), which keeps the
        # full run near two hours on 2 cores
        session = Verification(dataset, setup, test=test, seeds=1)
        started = time.perf_counter()
        rows = _sweep(session, setup, primary)
        rows.append({"factor": 1.0, "learning_rate": setup.optimizer.learning_rate,
                     "validation": report.recommended.validation_metrics.get(primary),
                     "test": report.recommended.metrics.get(primary)})
        rows.sort(key=lambda r: r["factor"])
        row["sweep"] = rows
        row["sweep_s"] = round(time.perf_counter() - started, 1)
        row.update(_rank(rows, primary_metric(report.problem_type)))
    return row


def _datasets(kwargs: dict[str, Any]) -> tuple[Any, Any]:
    from advisor.data import load_dataset, load_test_dataset

    options = {k: v for k, v in kwargs.items() if k not in ("data", "target", "test_data")}
    target = kwargs.get("target")
    targets = [] if target is None else ([target] if isinstance(target, str) else target)
    dataset = load_dataset(kwargs["data"], targets=targets, **options)
    test = load_test_dataset(kwargs["test_data"], dataset) if kwargs.get("test_data") else None
    return dataset, test


def _rank(rows: list[dict[str, Any]], primary: str) -> dict[str, Any]:
    """Where the rule's rate (factor 1) ranks among the sweep by validation score, and whether
    the best rate lies within a factor of 3 of it."""
    scored = [r for r in rows if r["validation"] is not None and math.isfinite(r["validation"])]
    if not scored:
        return {"lr_rank": None, "lr_best_factor": None, "lr_within_3x": None}
    higher = _higher(primary)
    ordered = sorted(scored, key=lambda r: -r["validation"] if higher else r["validation"])
    best = ordered[0]
    rank = next((i + 1 for i, r in enumerate(ordered) if r["factor"] == 1.0), None)
    tied = [r for r in scored if r["validation"] == best["validation"]]
    within = any(1 / 3 - 1e-9 <= r["factor"] <= 3 + 1e-9 for r in tied)
    return {"lr_rank": rank, "lr_best_factor": best["factor"], "lr_within_3x": within}


# -- targets --------------------------------------------------------------------------------------

def _close(metric: str, ours: Optional[float], theirs: Optional[float], *, points: float = 0.02,
           share: float = 0.10) -> bool:
    """ours is no worse than theirs by more than 0.02 (scores) or 10% (errors)."""
    if ours is None or theirs is None:
        return False
    if _higher(metric):
        return ours >= theirs - points
    return ours <= theirs * (1 + share)


def targets(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The issue's targets, each with its measured figure and whether it is met."""
    out = []
    series = [r for r in rows if r["domain"] == "series"]
    if series:
        below = [r["name"] for r in series if r["reference"] is None
                 or r["recommended"] < r["reference"] - 1e-9]
        out.append({"target": "series classification: at least 1-NN Euclidean accuracy on "
                    "every UCR/UEA set", "met": not below,
                    "figure": "below 1-NN on: " + (", ".join(below) or "none")})
        published = [r for r in series if "FCN" in r["published"]]
        if published:
            gap = float(np.mean([r["published"]["FCN"] - r["recommended"] for r in published]))
            out.append({"target": "series classification: on average within 0.03 of the "
                        "published FCN accuracy", "met": gap <= 0.03,
                        "figure": f"mean shortfall {gap:+.3f} over {len(published)} sets "
                                  f"({', '.join(r['name'] for r in published)})"})
    tables = [r for r in rows if r["domain"] == "table"]
    if tables:
        misses = [r["name"] for r in tables if not _close(r["metric"], r["recommended"],
                                                           r["reference"])]
        out.append({"target": "tables: within 0.02 (accuracy, ROC-AUC) or 10% (MAE) of the "
                    "classical reference on all but one set", "met": len(misses) <= 1,
                    "figure": "outside on: " + (", ".join(misses) or "none")})
        worse = [r["name"] for r in tables if not _close(r["metric"], r["recommended"],
                                                          r["document_default"])]
        out.append({"target": "tables: never more than that below the document default",
                    "met": not worse, "figure": "below on: " + (", ".join(worse) or "none")})
    forecasts = [r for r in rows if r["domain"] == "forecast"]
    if forecasts:
        naive = [r["name"] for r in forecasts
                 if not r["recommended"] < _candidate(r, "seasonal_naive", math.inf)]
        out.append({"target": "forecasting: MASE below the seasonal naive forecast on every "
                    "series", "met": not naive,
                    "figure": "not below on: " + (", ".join(naive) or "none")})
        hw = [r["name"] for r in forecasts if not _close("mase", r["recommended"], _hw(r))]
        out.append({"target": "forecasting: within 10% of Holt-Winters on all but one",
                    "met": len(hw) <= 1, "figure": "outside on: " + (", ".join(hw) or "none")})
    swept = [r for r in rows if r.get("lr_within_3x") is not None]
    if swept:
        share = sum(r["lr_within_3x"] for r in swept) / len(swept)
        out.append({"target": "learning rate: the rule's rate within a factor of 3 of the "
                    "sweep's best on at least 80% of sets", "met": share >= 0.8,
                    "figure": f"{share:.0%} of {len(swept)} sets"})
    other = [r for r in rows if r["domain"] in ("image", "text")]
    if other:
        losing = [r["name"] for r in other if not (
            r["recommended"] > r["trivial"] and r["recommended"] >= r["document_default"])]
        out.append({"target": "images and text: every set beats its trivial baseline and the "
                    "document default", "met": not losing,
                    "figure": "not on: " + (", ".join(losing) or "none")})
    return out


def _candidate(row: dict[str, Any], name: str, default: Any = None) -> Any:
    found = row["candidates"].get(name)
    return default if found is None or found["test"] is None else found["test"]


def _hw(row: dict[str, Any]) -> Optional[float]:
    """The Holt-Winters test figure of a forecast row: of its forms (additive, multiplicative
    season) the one with the better validation score, as a practitioner would choose."""
    forms = [(v["validation"], v["test"]) for k, v in row["candidates"].items()
             if k.startswith("holt_winters") and v["test"] is not None]
    if not forms:
        return None
    return min(forms, key=lambda f: math.inf if f[0] is None else f[0])[1]


# -- the report -----------------------------------------------------------------------------------

def _fmt(value: Any, metric: str = "") -> str:
    if value is None:
        return "-"
    if isinstance(value, float):
        return f"{value:.3f}" if metric != "mae" or abs(value) < 100 else f"{value:.1f}"
    return str(value)


def render(rows: list[dict[str, Any]], seeds: int, total_s: float,
           missing: tuple[str, ...] = ()) -> str:
    import tensorflow as tf

    lines = [
        "# Quality on real data", "",
        "Generated by `python benchmarks/bench_quality.py` (do not edit by hand). "
        f"{platform.machine()}, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
        f"TensorFlow {tf.__version__}, no GPU; {seeds} seed(s) per setup (mean"
        + (" ± standard deviation" if seeds > 1 else "") + f"); total {total_s / 60:.0f} min.",
        "",
        "Every data set goes through `advisor verify` as a user's file would: the training "
        "file is profiled, the advice trained, and every setup scored on the same test split "
        "(the official one where the data has one). *document default*: the source document's "
        "Dense 64-64 setup; *trivial*: majority class, mean or last value; *reference*: the "
        "classical method a practitioner would try instead, chosen on the validation part and "
        "refitted on training + validation (so it sees more data than the network). Errors "
        "(MAE, MASE): lower is better.", ""]
    if missing:
        lines += [f"**Partial run:** {', '.join(missing)} did not run in this pass (stopped to "
                  "fit the session's time); `python benchmarks/bench_quality.py --resume` "
                  "completes it. The targets below count the data sets that ran.", ""]
    lines += ["## Targets", "", "| target | measured | met |", "|---|---|---|"]
    for item in targets(rows):
        lines.append(f"| {item['target']} | {item['figure']} | {'yes' if item['met'] else 'no'} |")
    sections = (("table", "Tables"), ("series", "Series classification (UCR / UEA)"),
                ("forecast", "Forecasting"), ("image", "Images"), ("text", "Text"))
    for domain, title in sections:
        chosen = [r for r in rows if r["domain"] == domain]
        if not chosen:
            continue
        lines += ["", f"## {title}", ""]
        extra = ""
        if domain == "series":
            extra = " FCN (published) | ResNet (published) | 1-NN ED (published) |"
        if domain == "forecast":
            extra = " seasonal naive | Holt-Winters |"
        lines.append("| data set | source, split | metric | recommended | document default | "
                     f"trivial | reference |{extra} model | train/val/test | epochs | "
                     "verify s |")
        lines.append("|" + "---|" * (11 + extra.count("|")))
        for r in chosen:
            spread = (f" ± {r['recommended_spread']:.3f}" if r.get("recommended_spread")
                      else "")
            cells = [r["name"], f"{r['source']}, {r['split']}", r["metric"],
                     _fmt(r["recommended"], r["metric"]) + spread,
                     _fmt(r["document_default"], r["metric"]), _fmt(r["trivial"], r["metric"]),
                     f"{_fmt(r['reference'], r['metric'])} ({r['reference_name']})"]
            if domain == "series":
                cells += [_fmt(r["published"].get(k)) for k in ("FCN", "ResNet", "1-NN ED")]
            if domain == "forecast":
                cells += [_fmt(_candidate(r, "seasonal_naive")), _fmt(_hw(r))]
            cells += [r["family"], f"{r['n_train']}/{r['n_validation']}/{r['n_test']} "
                      f"{r['unit']}", r["epochs"], _fmt(r["verify_s"])]
            lines.append("| " + " | ".join(str(c) for c in cells) + " |")
    swept = [r for r in rows if r.get("sweep")]
    if swept:
        lines += ["", "## Learning-rate sweep", "",
                  "The recommended setup trained again at 1/10, 1/3, 3 and 10 times the rule's "
                  "learning rate on the same split (one seed each; the rule's rate: the mean "
                  "over its seeds); rates ranked on the **validation** part (the primary "
                  "metric; a rate that ties the best counts as the best). Cells: validation / "
                  "test.", "",
                  "| data set | rule's rate | x0.1 | x1/3 | x1 (rule) | x3 | x10 | rule's rank | "
                  "best factor | within 3x | sweep s |", "|" + "---|" * 11]
        for r in swept:
            by = {round(s["factor"], 4): s for s in r["sweep"]}
            cells = [r["name"], _fmt(r["learning_rate"])]
            for factor in LR_FACTORS:
                s = by.get(round(factor, 4))
                cells.append("-" if s is None else f"{_fmt(s['validation'])} / {_fmt(s['test'])}")
            best = r["lr_best_factor"]
            cells += [_fmt(r["lr_rank"]), "-" if best is None else f"{best:.3g}",
                      "yes" if r["lr_within_3x"] else "no", _fmt(r.get("sweep_s"))]
            lines.append("| " + " | ".join(cells) + " |")
    lines += ["", "Published figures: FCN and ResNet from Fawaz et al. 2019 (the authors' "
              "results files, github.com/hfawaz/dl-4-tsc); 1-NN ED: the UCR/UEA archive's "
              "published 1-NN Euclidean accuracies. JapaneseVowels' series "
              "(7-29 steps) are resampled to 29 steps by linear interpolation; CO2's 61 missing "
              "weeks are interpolated.", ""]
    return "\n".join(lines)


def _finished(seeds: int, sweep: bool) -> dict[str, dict[str, Any]]:
    """The rows an earlier, interrupted run finished with the same settings."""
    done: dict[str, dict[str, Any]] = {}
    if PARTIAL.is_file():
        for line in PARTIAL.read_text(encoding="utf-8").splitlines():
            try:
                item = json.loads(line)
            except json.JSONDecodeError:     # the line a kill cut short
                continue
            if item.get("seeds") == seeds and item.get("sweep") == sweep:
                done[item["row"]["name"]] = item["row"]
    return done


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="CI: a small subset and floors")
    parser.add_argument("--only", default=None, help="comma-separated data set names")
    parser.add_argument("--seeds", type=int, default=None, help="seeds per setup (full: 2)")
    parser.add_argument("--no-sweep", action="store_true", help="skip the learning-rate sweep")
    parser.add_argument("--no-write", action="store_true", help="do not write docs/quality.*")
    parser.add_argument("--render-partial", action="store_true",
                        help="write docs/quality.* from the cases an interrupted full run "
                             "finished, naming the ones that did not run")
    parser.add_argument("--resume", action="store_true",
                        help=f"reuse the cases finished in {PARTIAL.relative_to(ROOT)} by an "
                             "earlier full run with the same seeds and sweep (with --only: run "
                             "those cases and add them)")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")
    names = args.only.split(",") if args.only else (QUICK if args.quick else None)
    cases = [c for c in CASES if names is None or c.name in names]
    unknown = set(names or ()) - {c.name for c in CASES}
    if unknown:
        print(f"unknown data set(s): {', '.join(sorted(unknown))}; known: "
              f"{', '.join(c.name for c in CASES)}", file=sys.stderr)
        return 2
    seeds = args.seeds or (1 if args.quick else 2)
    sweep = not (args.quick or args.no_sweep)
    if args.render_partial:
        done = _finished(seeds, sweep)
        rows = [done[c.name] for c in CASES if c.name in done]
        missing = tuple(c.name for c in CASES if c.name not in done)
        total = sum(row.get("case_s", 0.0) for row in rows)
        DOC.write_text(render(rows, seeds, total, missing), encoding="utf-8")
        RESULTS.write_text(json.dumps({"seeds": seeds, "rows": rows, "not_run": list(missing)},
                                      indent=1) + "\n", encoding="utf-8")
        for item in targets(rows):
            print(f"{'met ' if item['met'] else 'MISS'} {item['target']}: {item['figure']}")
        print(f"wrote {DOC.relative_to(ROOT)} from {len(rows)} finished case(s); not run: "
              f"{', '.join(missing) or 'none'}")
        return 0
    rows = []
    started = time.perf_counter()
    # a full run keeps (and resumes) its finished cases; --resume --only adds cases to them
    full = names is None or args.resume
    done = _finished(seeds, sweep) if args.resume and full else {}
    if full:
        PARTIAL.parent.mkdir(exist_ok=True)
        if not args.resume:
            PARTIAL.write_text("", encoding="utf-8")
    with tempfile.TemporaryDirectory() as tmp:
        for case in cases:
            if case.name in done:
                row = done[case.name]
            else:
                folder = Path(tmp) / case.name
                folder.mkdir()
                case_started = time.perf_counter()
                row = run_case(case, folder, seeds=seeds, sweep=sweep)
                row["case_s"] = round(time.perf_counter() - case_started, 1)
                if full:
                    with PARTIAL.open("a", encoding="utf-8") as out:
                        out.write(json.dumps({"seeds": seeds, "sweep": sweep, "row": row}) + "\n")
            rows.append(row)
            print(f"{case.name:18s} {row['metric']:8s} recommended {_fmt(row['recommended'])} "
                  f"default {_fmt(row['document_default'])} trivial {_fmt(row['trivial'])} "
                  f"reference {_fmt(row['reference'])} ({row['reference_name']}) "
                  f"[{row['family']}, {row['verify_s']} s]"
                  + (f" lr rank {row.get('lr_rank')} best x{row.get('lr_best_factor'):.3g} "
                     "(validation: " + ", ".join(f"x{s['factor']:.3g} {_fmt(s['validation'])}"
                                                 for s in row["sweep"]) + ")"
                     if sweep and row.get("sweep") else ""), flush=True)
    total = sum(row.get("case_s", 0.0) for row in rows) or time.perf_counter() - started
    failed = []
    if args.quick:
        for row in rows:
            metric, floor = QUICK_FLOORS[row["name"]]
            value = row["recommended"] if metric == row["metric"] else None
            ok = value is not None and (value >= floor if _higher(metric) else value <= floor)
            print(f"{row['name']}: {metric} {_fmt(value)} (floor {floor}): "
                  f"{'ok' if ok else 'BELOW THE FLOOR'}")
            if not ok:
                failed.append(row["name"])
    else:
        for item in targets(rows):
            print(f"{'met ' if item['met'] else 'MISS'} {item['target']}: {item['figure']}")
        if not args.no_write and names is None:
            DOC.write_text(render(rows, seeds, total), encoding="utf-8")
            RESULTS.write_text(json.dumps({"seeds": seeds, "rows": rows}, indent=1) + "\n",
                               encoding="utf-8")
            print(f"wrote {DOC.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}")
    print(f"total {total:.0f} s")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
