"""``verify()``: train the recommended setup on real data and show that it works.

profile -> recommend (or a given TrainingConfig) -> split (seeded; stratified for classes,
chronological for series) -> the recommended preprocessing fitted on the training split ->
train -> score on the held-out test split, next to the source document's default setup and a
trivial baseline on the same split -> diagnose the learning curves -> optionally apply the
diagnosis once (``refine``) and train again -> report (text, JSON, Markdown, learning-curve PNG).
"""

from __future__ import annotations

import math
import time
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

import numpy as np

from ..dataset import Dataset
from ..errors import AdvisorError
from ..models import TrainingConfig, TrainingSetup
from .diagnose import Diagnosis, RunSummary, apply_adjustments, diagnose
from .preprocess import Preprocessor, Split, check_target, features_of, split_dataset, task_of
from .report import (Comparison, RunReport, SplitReport, VerifyReport, write_report)
from .train import (DOCUMENT_DEFAULT, METRIC_DIRECTION, RECOMMENDED, TRIVIAL, Prepared,
                    RunResult, beats, device_name, document_default_setup, keras_verbosity,
                    primary_metric, score, skill, train_run, trivial_predictions)

DEFAULT_TEST_FRACTION = 0.2
DESCRIPTIONS = {
    RECOMMENDED: "the advisor's recommendation for this data set",
    DOCUMENT_DEFAULT: "the source document's example: Dense 64-64 ReLU on flattened inputs, "
    "Adam 1e-3, 10 epochs of batch 32, cross-entropy / MSE, min-max scaled inputs",
    "refined": "the recommendation with the diagnosis applied once",
}


# -- inputs ---------------------------------------------------------------------------------------

def load_sample(name: str) -> Dataset:
    """A bundled sample (scikit-learn's wine, breast_cancer, diabetes, digits) as a Dataset."""
    from ..data import load_sample_dataset

    return load_sample_dataset(name)


def load_data(path: Union[str, Path], *, targets: Sequence[str] = (), **options: Any) -> Dataset:
    """A data file (CSV, Parquet, NPZ, image folder ...) as a Dataset, read by advisor.data."""
    from ..data import load_dataset

    return load_dataset(path, targets=tuple(targets), **options)


def load_setup(config: Any) -> TrainingSetup:
    """A TrainingSetup from a config path, TrainingConfig, Recommendation, setup or mapping."""
    from .build import as_setup

    if isinstance(config, (str, Path)):
        return as_setup(TrainingConfig.from_file(config))
    return as_setup(config)


def _resolve_dataset(data: Any, target: Any, sample: Optional[str], dataset: Optional[Dataset],
                     data_options: Mapping[str, Any]) -> Dataset:
    given = [name for name, value in (("data", data), ("sample", sample), ("dataset", dataset))
             if value is not None]
    if len(given) != 1:
        raise AdvisorError("give exactly one of data (a file), sample (a bundled data set) or "
                           f"dataset (a Dataset); got {', '.join(given) or 'none'}")
    if dataset is not None:
        if not isinstance(dataset, Dataset):
            raise AdvisorError(f"dataset must be an advisor.dataset.Dataset, got "
                               f"{type(dataset).__name__}")
        return dataset
    if sample is not None:
        return load_sample(sample)
    targets = (target,) if isinstance(target, str) else tuple(target or ())
    return load_data(data, targets=targets, **data_options)


# -- preparing the data for one setup -------------------------------------------------------------

def _prepare(setup: TrainingSetup, dataset: Dataset, target: np.ndarray, split: Split
             ) -> tuple[Prepared, Preprocessor]:
    processor = Preprocessor(setup.preprocessing, dataset)
    processor.fit(features_of(dataset, split.train), target[split.train])
    parts = [processor.part(features_of(dataset, rows), target[rows]) if len(rows) else None
             for rows in (split.train, split.validation, split.test)]
    inverse = processor.inverse_target if processor.target_steps else None
    return Prepared(parts[0], parts[1], parts[2], inverse), processor


def _raw_width(dataset: Dataset) -> Optional[int]:
    if dataset.profile.data_structure == "tabular" and hasattr(dataset.features, "shape"):
        shape = dataset.features.shape
        return int(shape[1]) if len(shape) == 2 else None
    return None


# -- the run --------------------------------------------------------------------------------------

def _summary(run: RunResult, problem_type: str, trivial_validation: dict[str, float]
             ) -> RunSummary:
    basis = run.validation_metrics or run.metrics
    return RunSummary(loss=run.history.get("loss", []) or [float("nan")],
                      val_loss=run.history.get("val_loss") or None,
                      epochs_planned=run.epochs_planned,
                      early_stopping=run.setup.regularization.early_stopping is not None,
                      skill=skill(problem_type, basis, trivial_validation),
                      task=task_of(problem_type))


def _run_report(name: str, run: RunResult, findings: list[Diagnosis],
                applied: Sequence[str] = ()) -> RunReport:
    return RunReport(name=name, description=DESCRIPTIONS.get(name, ""), metrics=run.metrics,
                     validation_metrics=run.validation_metrics,
                     epochs_planned=run.epochs_planned, epochs_run=run.epochs_run,
                     best_epoch=run.best_epoch, stopped_early=run.stopped_early,
                     wall_time_s=round(run.wall_time_s, 3), n_parameters=run.n_parameters,
                     diagnosis=findings, applied=list(applied),
                     setup=run.setup.model_dump(mode="json"))


def _history(run: RunResult) -> dict[str, list[float]]:
    return {key: [round(v, 6) if np.isfinite(v) else None for v in values]  # type: ignore
            for key, values in run.history.items()}


def verify(data: Any = None, target: Any = None, *, sample: Optional[str] = None,
           dataset: Optional[Dataset] = None, config: Any = None,
           report_dir: Union[str, Path, None] = None, refine: bool = False, seed: int = 0,
           max_epochs: Optional[int] = None, test_fraction: float = DEFAULT_TEST_FRACTION,
           quiet: bool = True, plot: bool = True, **data_options: Any) -> VerifyReport:
    """Train the recommended setup (or ``config``) and compare it with the baselines.

    Args:
        data: a data file or image folder (read by :mod:`advisor.data`); or give ``sample``
            (wine, breast_cancer, diabetes, digits: bundled, no download) or ``dataset``.
        target: the target column (or columns) of ``data``.
        config: a TrainingConfig (path, object or mapping) to train instead of the
            recommendation; its Input shape must fit the data.
        report_dir: write report.json, report.md and curves.png here.
        refine: apply the diagnosis of the recommended run once and train again.
        seed: seeds the split, the weights and the shuffling.
        max_epochs: caps every run's epochs (for quick checks; the report says so).
        test_fraction: share of the examples held out for the comparison.
        quiet: no Keras progress bars (they appear only on a terminal anyway).
        **data_options: passed to :func:`advisor.data.load_dataset` (text_column, time_column,
            forecast_horizon, overrides, ...).

    Returns:
        A :class:`~advisor.executor.report.VerifyReport`: ``report.recommended.metrics``,
        ``report.baselines["document_default"]``, ``report.baselines["trivial"]``,
        ``report.diagnosis``, ...

    Raises:
        AdvisorError: unreadable data, non-numeric features without an encoding step, NaN
            targets, too few rows to split, a config whose Input shape does not fit the data.

    Example:
        >>> report = verify(sample="wine")
        >>> report.recommended.metrics["accuracy"], report.baselines["trivial"].metrics
    """
    if max_epochs is not None and max_epochs < 1:
        raise AdvisorError(f"max_epochs must be at least 1, got {max_epochs}")
    dataset = _resolve_dataset(data, target, sample, dataset, data_options)
    profile = dataset.profile
    y = check_target(dataset)
    notes: list[str] = []
    if config is not None:
        setup = load_setup(config)
        recommended_name = "the given config"
    else:
        from ..recommend import recommend

        setup = recommend(profile).setup()
        recommended_name = None
    baseline_setup = document_default_setup(setup, profile)
    processor = Preprocessor(setup.preprocessing, dataset)
    split = split_dataset(dataset, validation_split=setup.training.validation_split,
                          test_fraction=test_fraction, seed=seed, window=processor.window_span())
    verbose = keras_verbosity(quiet)
    width = _raw_width(dataset)
    kind = profile.problem_type

    prepared, _ = _prepare(setup, dataset, y, split)
    baseline_data, _ = _prepare(baseline_setup, dataset, y, split)

    # trivial baseline, on the test part (and the validation part, for the diagnosis)
    started = time.perf_counter()
    train_y = prepared.train.y_raw
    trivial_test, trivial_name = trivial_predictions(
        kind, train_y, len(prepared.test), last_value=prepared.test.last_value,
        n_classes=profile.n_classes)
    trivial_metrics = score(kind, prepared.test.y_raw, trivial_test)
    trivial_validation: dict[str, float] = {}
    if prepared.validation is not None and len(prepared.validation):
        predicted, _ = trivial_predictions(kind, train_y, len(prepared.validation),
                                           last_value=prepared.validation.last_value,
                                           n_classes=profile.n_classes)
        trivial_validation = score(kind, prepared.validation.y_raw, predicted)
    trivial_time = time.perf_counter() - started

    runs: dict[str, RunResult] = {}
    runs[RECOMMENDED] = train_run(RECOMMENDED, setup, prepared, profile=profile, seed=seed,
                                  max_epochs=max_epochs, verbose=verbose, raw_width=width)
    runs[DOCUMENT_DEFAULT] = train_run(DOCUMENT_DEFAULT, baseline_setup, baseline_data,
                                       profile=profile, seed=seed, max_epochs=max_epochs,
                                       verbose=verbose, raw_width=width)
    findings = {name: diagnose(_summary(run, kind, trivial_validation), name=name)
                for name, run in runs.items()}
    refined_report = None
    if refine:
        refined_setup, applied = apply_adjustments(setup, findings[RECOMMENDED])
        if applied:
            refined_data = prepared
            if refined_setup.preprocessing != setup.preprocessing:  # pragma: no cover
                refined_data, _ = _prepare(refined_setup, dataset, y, split)
            refined_cap = max_epochs
            if max_epochs is not None:  # the cap grows with the epochs, or doubling is moot
                refined_cap = math.ceil(max_epochs * refined_setup.training.epochs
                                        / setup.training.epochs)
            runs["refined"] = train_run("refined", refined_setup, refined_data, profile=profile,
                                        seed=seed, max_epochs=refined_cap, verbose=verbose,
                                        raw_width=width)
            findings["refined"] = diagnose(_summary(runs["refined"], kind, trivial_validation),
                                           name="refined")
            refined_report = _run_report("refined", runs["refined"], findings["refined"],
                                         applied)
        else:
            notes.append("refine: the diagnosis of the recommended run asked for no change, so "
                         "nothing was retrained")
    if max_epochs is not None and any(run.epochs_planned < run.setup.training.epochs
                                      for run in runs.values()):
        notes.append(f"epochs were capped at {max_epochs} (max_epochs); the setups ask for more")
    notes += split.notes

    primary = primary_metric(kind)
    recommended = _run_report(RECOMMENDED, runs[RECOMMENDED], findings[RECOMMENDED])
    if recommended_name:
        recommended.description = recommended_name
    trivial = RunReport(name=TRIVIAL, description=f"{trivial_name} (no training)",
                        metrics=trivial_metrics, validation_metrics=trivial_validation,
                        wall_time_s=round(trivial_time, 3))
    comparison = Comparison(
        primary_metric=primary, higher_is_better=METRIC_DIRECTION[primary],
        recommended_beats_trivial=beats(kind, recommended.metrics, trivial_metrics) and
        recommended.metrics.get(primary) != trivial_metrics.get(primary),
        recommended_matches_document_default=beats(kind, recommended.metrics,
                                                   runs[DOCUMENT_DEFAULT].metrics),
        refined_matches_recommended=(beats(kind, refined_report.metrics, recommended.metrics)
                                     if refined_report else None))
    unit = "windows" if processor.window is not None else "rows"
    report = VerifyReport(
        source=dataset.source, problem_type=kind, data_structure=profile.data_structure,
        device=device_name(), seed=seed, max_epochs=max_epochs,
        split=SplitReport(method=split.method, seed=seed, test_fraction=test_fraction,
                          validation_split=split.validation_split, unit=unit,
                          n_train=len(prepared.train),
                          n_validation=len(prepared.validation) if prepared.validation else 0,
                          n_test=len(prepared.test), notes=split.notes),
        recommended=recommended,
        baselines={DOCUMENT_DEFAULT: _run_report(DOCUMENT_DEFAULT, runs[DOCUMENT_DEFAULT],
                                                 findings[DOCUMENT_DEFAULT]),
                   TRIVIAL: trivial},
        refined=refined_report, comparison=comparison,
        history={name: _history(run) for name, run in runs.items()},
        diagnosis=findings[RECOMMENDED], notes=notes)
    if report_dir is not None:
        report = write_report(report, report_dir, plot=plot)
    return report
