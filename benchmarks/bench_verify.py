"""Quality and cost of ``advisor verify`` on the bundled samples.

    python benchmarks/bench_verify.py            # the recommended epochs, 3 overhead repeats
    python benchmarks/bench_verify.py --quick    # CI mode: epochs capped at 20, 1 repeat

For each data set: the primary score of the recommended setup, the document's default and the
trivial baseline on the same test split, epochs and wall time; and the executor's overhead: one
``train_run`` (build, compile, fit on its tf.data pipeline, predict, score) against a plain
hand-written ``model.fit`` of the same compiled model on the same preprocessed numpy arrays with
the same callbacks and a fixed number of epochs (no early stopping, so both train the same
number of epochs), then ``model.predict`` on the test part. Target: overhead <= 10%.

Writes the table to docs/benchmarks.md (section "Verify"; other sections are kept) and exits 1
when the recommended setup loses to the trivial baseline or the overhead target is missed.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from _docs import DOC, write_section  # noqa: E402
from advisor.data import load_sample_dataset  # noqa: E402
from advisor.executor.verify import verify  # noqa: E402
from advisor.vocab import SAMPLE_DATASETS  # noqa: E402

OVERHEAD_TARGET = 0.10


def _overhead(name: str, epochs: int, repeats: int) -> dict[str, float]:
    """Seconds for the executor's train_run and for a plain model.fit, same data and epochs."""
    import keras

    from advisor import recommend
    from advisor.executor.build import build_model, compile_model, training_callbacks
    from advisor.executor.train import _dataset, train_run
    from advisor.executor.verify import Verification

    dataset = load_sample_dataset(name)
    setup = recommend(dataset.profile).setup()
    data = setup.model_dump()
    data["regularization"]["early_stopping"] = None  # the same epochs for both
    data["training"]["epochs"] = epochs
    setup = type(setup).model_validate(data)
    session = Verification(dataset, setup)
    started = time.perf_counter()
    prepared = session.prepare(setup)
    preprocess_s = time.perf_counter() - started
    batch = setup.training.batch_size

    def executor_run() -> None:
        train_run("recommended", setup, prepared, profile=dataset.profile, seed=0)

    def plain_run() -> None:
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = compile_model(build_model(setup), setup)
        model.fit(prepared.train.x, prepared.train.y,
                  validation_data=(prepared.validation.x, prepared.validation.y),
                  epochs=epochs, batch_size=batch, callbacks=training_callbacks(setup),
                  verbose=0)
        model.predict(prepared.test.x, verbose=0)

    def pipeline_run() -> None:
        # the same, fed from the executor's tf.data pipeline: what the bookkeeping costs
        keras.backend.clear_session()
        keras.utils.set_random_seed(0)
        model = compile_model(build_model(setup), setup)
        model.fit(_dataset(prepared.train.x, prepared.train.y, batch, shuffle=True, seed=0),
                  validation_data=_dataset(prepared.validation.x, prepared.validation.y, batch,
                                           shuffle=False, seed=0),
                  epochs=epochs, callbacks=training_callbacks(setup), verbose=0, shuffle=False)
        model.predict(prepared.test.x, verbose=0)

    timings: dict[str, list[float]] = {"executor": [], "plain": [], "pipeline": []}
    runs = [("executor", executor_run), ("plain", plain_run), ("pipeline", pipeline_run)]
    for repeat in range(repeats):
        # rotate the order so that no variant always runs first; the fastest of the repeats
        # counts (the others measured the machine's noise)
        for name, function in runs[repeat % 3:] + runs[:repeat % 3]:
            started = time.perf_counter()
            function()
            timings[name].append(time.perf_counter() - started)
        keras.backend.clear_session()
    executor, plain, pipeline = timings["executor"], timings["plain"], timings["pipeline"]
    executor_s, plain_s, pipeline_s = min(executor), min(plain), min(pipeline)
    return {"epochs": epochs, "preprocess_s": preprocess_s, "executor_s": executor_s,
            "plain_s": plain_s, "overhead": executor_s / plain_s - 1.0,
            "pipeline_s": pipeline_s, "pipeline_overhead": executor_s / pipeline_s - 1.0}


def _fmt(value: float) -> str:
    return f"{value:.4f}" if abs(value) < 10 else f"{value:.1f}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="CI mode: capped epochs, 1 repeat; docs/benchmarks.md is left alone")
    parser.add_argument("--no-write", action="store_true", help="do not update docs/benchmarks.md")
    args = parser.parse_args()
    cap = 20 if args.quick else None
    repeats = 1 if args.quick else 3
    overhead_epochs = 10 if args.quick else 30
    rows, overheads, failures = [], [], []
    for name in SAMPLE_DATASETS:
        started = time.perf_counter()
        report = verify(sample=name, max_epochs=cap)
        total = time.perf_counter() - started
        primary = report.comparison.primary_metric
        rec, doc = report.recommended, report.baselines["document_default"]
        trivial = report.baselines["trivial"]
        rows.append([name, primary, _fmt(rec.metrics[primary]), _fmt(doc.metrics[primary]),
                     _fmt(trivial.metrics[primary]), f"{rec.epochs_run}/{rec.epochs_planned}",
                     f"{rec.wall_time_s:.1f}", f"{doc.wall_time_s:.1f}", f"{total:.1f}",
                     ", ".join(f.code for f in report.diagnosis) or "-"])
        if not report.comparison.recommended_beats_trivial:
            failures.append(f"{name}: the recommended setup does not beat the trivial baseline")
        cost = _overhead(name, overhead_epochs, repeats)
        overheads.append([name, str(cost["epochs"]), f"{cost['preprocess_s']:.2f}",
                          f"{cost['plain_s']:.2f}", f"{cost['executor_s']:.2f}",
                          f"{cost['overhead']:+.0%}", f"{cost['pipeline_s']:.2f}",
                          f"{cost['pipeline_overhead']:+.0%}"])
        if cost["overhead"] > OVERHEAD_TARGET:
            failures.append(f"{name}: executor overhead {cost['overhead']:+.0%} > "
                            f"{OVERHEAD_TARGET:.0%}")
        print(" | ".join(rows[-1]), "||", " | ".join(overheads[-1]), flush=True)

    import tensorflow as tf

    header = ["data set", "metric", "recommended", "document default", "trivial",
              "epochs (run/planned)", "recommended s", "default s", "verify total s",
              "diagnosis"]
    cost_header = ["data set", "epochs", "preprocess s", "plain model.fit s", "executor s",
                   "overhead", "plain fit on tf.data s", "overhead vs tf.data fit"]
    mode = "quick (epochs capped at 20)" if args.quick else "full (the recommended epochs)"
    lines = ["## Verify", "",
             f"`python benchmarks/bench_verify.py{' --quick' if args.quick else ''}`: {mode}, "
             f"seed 0, {os.cpu_count()} CPU cores, Python {platform.python_version()}, "
             f"TensorFlow {tf.__version__}, "
             f"{'GPU' if tf.config.list_physical_devices('GPU') else 'no GPU'}. "
             "Scores on the same held-out test split (20%, stratified for classes); the primary "
             "metric is ROC AUC for binary, accuracy for multiclass, MAE for regression (lower "
             "is better). Times include building and compiling; each verify also pays the "
             "TensorFlow import once.", "",
             _markdown(header, rows), "",
             "Executor overhead: one `train_run` (build, compile, fit on a cached and shuffled "
             "`tf.data` pipeline, predict, score) against a plain `model.fit` of the same "
             f"compiled model on the same numpy arrays, callbacks and epochs (fastest of "
             f"{repeats}, order rotated; early stopping off so all train the same epochs). "
             "Target <= "
             f"{OVERHEAD_TARGET:.0%}; negative means the executor is faster (Keras's numpy "
             "adapter costs more per epoch than a cached tf.data pipeline on small data). The "
             "last two columns feed the plain fit from the executor's own tf.data pipeline: "
             "what remains is the executor's bookkeeping (one extra prediction on the "
             "validation part, scoring, TerminateOnNaN).", "",
             _markdown(cost_header, overheads), ""]
    if not (args.no_write or args.quick):  # CI's quick figures never overwrite the record
        write_section("Verify", "\n".join(lines))
        print(f"wrote {DOC.relative_to(ROOT)}")
    for failure in failures:
        print(f"FAIL: {failure}", file=sys.stderr)
    return 1 if failures else 0


def _markdown(header: list[str], rows: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |",
           "|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(out)


if __name__ == "__main__":
    sys.exit(main())
