"""``verify()``: train the recommended setup on real data and show that it works.

profile (of the training data only) -> recommend (or a given TrainingConfig) -> split (seeded;
stratified for classes, chronological for series; the test part held out, or a given test
file) -> the recommended preprocessing fitted on the training split -> train (once per seed) ->
score on the test part, next to the source document's default setup, a trivial baseline and the
classical reference on the same split -> diagnose the learning curves -> optionally apply the
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
from ..diagnose import Diagnosis, RunSummary, apply_adjustments, diagnose
from .preprocess import (Preprocessor, check_target, features_of, is_series,
                         split_dataset, task_of)
from .reference import Reference, classical_reference, mase_scale
from .report import (CandidateReport, Comparison, RunReport, SavedModel, SplitReport,
                     TestPartReport, VerifyReport, write_report)
from .train import (DOCUMENT_DEFAULT, METRIC_DIRECTION, RECOMMENDED, TRIVIAL, Prepared,
                    RunResult, beats, device_name, document_default_setup, keras_verbosity,
                    mean_metrics, primary_metric, score, skill, train_run, trivial_predictions)

DEFAULT_TEST_FRACTION = 0.2
DESCRIPTIONS = {
    RECOMMENDED: "the advisor's recommendation for this data set",
    DOCUMENT_DEFAULT: "the source document's example: Dense 64-64 ReLU on flattened inputs, "
    "Adam 1e-3, 10 epochs of batch 32, cross-entropy / MSE, min-max scaled inputs",
    "refined": "the recommendation with the diagnosis applied once",
}
REFERENCE = "reference"


# -- inputs ---------------------------------------------------------------------------------------

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


def load_test(test_data: Any, like: Dataset) -> Dataset:
    """The test part: a Dataset as given, or a file read exactly as the training data was."""
    if isinstance(test_data, Dataset):
        return test_data
    from ..data import load_test_dataset

    return load_test_dataset(test_data, like)


def combine(train: Dataset, test: Dataset) -> Dataset:
    """The training data followed by the test data (a series: the test file continues it),
    with the training data's profile; the test rows are the last ``test.n_samples``."""
    import pandas as pd

    first, second = train.features, test.features
    if hasattr(first, "columns"):
        missing = [c for c in first.columns if c not in second.columns]
        if missing:
            raise AdvisorError(f"the test data lacks column(s) {', '.join(map(str, missing))}",
                               where=test.source)
        features: Any = pd.concat([first, second[list(first.columns)]], ignore_index=True)
    elif isinstance(first, np.ndarray) and isinstance(second, np.ndarray):
        if first.shape[1:] != second.shape[1:]:
            raise AdvisorError(f"the test examples have shape {list(second.shape[1:])}; the "
                               f"training examples {list(first.shape[1:])}", where=test.source)
        features = np.concatenate([first, second])
    else:
        features = list(first) + list(second)
    if (train.target is None) != (test.target is None):
        raise AdvisorError("the test data must have targets exactly when the training data "
                           "does", where=test.source)
    target = None if train.target is None else np.concatenate(
        [np.asarray(train.target), np.asarray(test.target)])
    time_index = None
    if train.time_index is not None and test.time_index is not None:
        time_index = np.concatenate([train.time_index, test.time_index])
    return Dataset(profile=train.profile, features=features, target=target,
                   target_names=train.target_names, classes=train.classes,
                   feature_names=train.feature_names, source=train.source,
                   sampled=train.sampled, time_index=time_index, overlap=train.overlap,
                   plan=train.plan, notes=train.notes + test.notes)


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
        from ..data import load_sample_dataset

        return load_sample_dataset(sample)
    targets = (target,) if isinstance(target, str) else tuple(target or ())
    return load_data(data, targets=targets, **data_options)


# -- one verification: the data, its split and every setup trained on it -----------------------

class Verification:
    """The data, the split and the scorer shared by every setup trained for one verify run.

    The benchmark (``benchmarks/bench_quality.py``) uses it to train more setups on the same
    split (the learning-rate sweep) without repeating the baselines.
    """

    def __init__(self, dataset: Dataset, setup: TrainingSetup, *, test: Optional[Dataset] = None,
                 seed: int = 0, seeds: int = 1, max_epochs: Optional[int] = None,
                 test_fraction: float = DEFAULT_TEST_FRACTION, quiet: bool = True) -> None:
        if seeds < 1:
            raise AdvisorError(f"seeds must be at least 1, got {seeds}")
        if max_epochs is not None and max_epochs < 1:
            raise AdvisorError(f"max_epochs must be at least 1, got {max_epochs}")
        self.train_source = dataset.source
        self.test_source = test.source if test is not None else None
        self.dataset = combine(dataset, test) if test is not None else dataset
        self.profile = self.dataset.profile
        self.kind = self.profile.problem_type
        self.target = check_target(self.dataset)
        self.setup = setup
        self.seed, self.seeds = seed, [seed + i for i in range(seeds)]
        self.max_epochs = max_epochs
        self.test_fraction = test_fraction
        self.verbose = keras_verbosity(quiet)
        self.width = _raw_width(self.dataset)
        processor = Preprocessor(setup.preprocessing, self.dataset)
        self.window = processor.window
        self.split = split_dataset(self.dataset, validation_split=setup.training.validation_split,
                                   test_fraction=test_fraction, seed=seed,
                                   window=processor.window_span(),
                                   given_test=test.n_samples if test is not None else 0)
        self.mase_scale = None
        if is_series(self.dataset):
            self.mase_scale = mase_scale(self.target, int(self.split.test[0]),
                                         self.profile.season_length)
        self.prepared = self.prepare(setup)

    # -- data for one setup
    def prepare(self, setup: TrainingSetup) -> Prepared:
        """The three parts transformed for ``setup`` (its preprocessing fitted on the training
        part only)."""
        dataset, split, target = self.dataset, self.split, self.target
        processor = Preprocessor(setup.preprocessing, dataset)
        processor.fit(features_of(dataset, split.train), target[split.train])
        if processor.window is not None:
            parts = processor.series_parts(dataset.features, target, split.ranges())
        else:
            parts = [processor.part(features_of(dataset, rows), target[rows]) if len(rows)
                     else None for rows in (split.train, split.validation, split.test)]
        if parts[2] is None or not len(parts[2]):
            raise AdvisorError("the test part holds no examples (a series: no forecast origin "
                               "whose whole horizon lies in it)", where=dataset.source)
        return Prepared(parts[0], parts[1], parts[2], self.mase_scale,  # type: ignore[arg-type]
                        processor=processor)

    # -- baselines
    def trivial(self) -> tuple[RunReport, dict[str, float]]:
        """The trivial baseline's report and its validation scores (for the diagnosis)."""
        started = time.perf_counter()
        prepared, kind = self.prepared, self.kind
        train_y = prepared.train.y_raw
        predicted, name = trivial_predictions(kind, train_y, len(prepared.test),
                                              last_value=prepared.test.last_value,
                                              n_classes=self.profile.n_classes)
        metrics = self._score(prepared.test.y_raw, predicted)
        validation: dict[str, float] = {}
        if prepared.validation is not None and len(prepared.validation):
            predicted, _ = trivial_predictions(kind, train_y, len(prepared.validation),
                                               last_value=prepared.validation.last_value,
                                               n_classes=self.profile.n_classes)
            validation = self._score(prepared.validation.y_raw, predicted)  # type: ignore
        report = RunReport(name=TRIVIAL, description=f"{name} (no training)", metrics=metrics,
                           validation_metrics=validation,
                           wall_time_s=round(time.perf_counter() - started, 3))
        return report, validation

    def reference(self) -> Optional[RunReport]:
        """The classical reference on the same split, or None where none applies."""
        found = classical_reference(self.dataset, self.target, self.split,
                                    validation=self.prepared.validation, test=self.prepared.test,
                                    mase_scale=self.mase_scale, seed=self.seed)
        return None if found is None else reference_report(found)

    def _score(self, y_true: Any, predicted: Any) -> dict[str, Optional[float]]:
        return score(self.kind, y_true, predicted, mase_scale=self.mase_scale)

    # -- training
    def train(self, name: str, setup: TrainingSetup, prepared: Optional[Prepared] = None,
              max_epochs: Optional[int] = None) -> list[RunResult]:
        """``setup`` trained once per seed (on ``prepared``, else its own preparation)."""
        if prepared is None:
            prepared = self.prepared if setup.preprocessing == self.setup.preprocessing \
                else self.prepare(setup)
        cap = self.max_epochs if max_epochs is None else max_epochs
        return [train_run(name, setup, prepared, profile=self.profile, seed=seed,
                          max_epochs=cap, verbose=self.verbose, raw_width=self.width)
                for seed in self.seeds]

    def summary(self, run: RunResult, trivial_validation: dict[str, float],
                default: Optional[RunResult] = None) -> RunSummary:
        """What the diagnosis reads from ``run``; ``default``: the document default's run on
        the same split, to compare the skill with (validation part, never the test part)."""
        basis = run.validation_metrics or run.metrics
        default_skill = None
        if default is not None:
            default_skill = skill(self.kind, default.validation_metrics or default.metrics,
                                  trivial_validation)
        return RunSummary(loss=run.history.get("loss", []) or [float("nan")],
                          val_loss=run.history.get("val_loss") or None,
                          epochs_planned=run.epochs_planned,
                          early_stopping=run.setup.regularization.early_stopping is not None,
                          skill=skill(self.kind, basis, trivial_validation),
                          default_skill=default_skill, task=task_of(self.kind))

    def split_report(self) -> SplitReport:
        split, prepared = self.split, self.prepared
        return SplitReport(
            method=split.method, seed=self.seed, test_fraction=self.test_fraction,
            validation_split=split.validation_split,
            unit="windows" if self.window is not None else "rows",
            n_train=len(prepared.train),
            n_validation=len(prepared.validation) if prepared.validation else 0,
            n_test=len(prepared.test),
            test=TestPartReport(source=split.test_source, path=self.test_source),
            notes=split.notes)


def _raw_width(dataset: Dataset) -> Optional[int]:
    if dataset.profile.data_structure == "tabular" and hasattr(dataset.features, "shape"):
        shape = dataset.features.shape
        return int(shape[1]) if len(shape) == 2 else None
    return None


def reference_report(found: Reference) -> RunReport:
    candidates = [CandidateReport(name=c.name, validation_metrics=c.validation_metrics,
                                  metrics=c.metrics, chosen=c.name == found.name, note=c.note)
                  for c in found.candidates]
    return RunReport(name=found.name, description=found.description, metrics=found.metrics,
                     validation_metrics=found.validation_metrics, wall_time_s=found.wall_time_s,
                     candidates=candidates)


def run_report(name: str, runs: Sequence[RunResult], findings: list[Diagnosis],
               applied: Sequence[str] = ()) -> RunReport:
    """One setup's report: the mean over its seeds; the first seed's curves and diagnosis."""
    first = runs[0]
    metrics, spread = mean_metrics(runs)
    validation, _ = mean_metrics(runs, "validation_metrics")
    several = len(runs) > 1
    return RunReport(name=name, description=DESCRIPTIONS.get(name, ""), metrics=metrics,
                     validation_metrics=validation,
                     seeds=[int(run.seed) for run in runs],
                     spread=spread if several else {},
                     per_seed=[run.metrics for run in runs] if several else [],
                     epochs_planned=first.epochs_planned, epochs_run=first.epochs_run,
                     best_epoch=first.best_epoch, stopped_early=first.stopped_early,
                     wall_time_s=round(sum(run.wall_time_s for run in runs), 3),
                     n_parameters=first.n_parameters, diagnosis=findings,
                     applied=list(applied), setup=first.setup.model_dump(mode="json"))


def _history(run: RunResult) -> dict[str, list[float]]:
    return {key: [round(v, 6) if np.isfinite(v) else None for v in values]  # type: ignore
            for key, values in run.history.items()}


def verify(data: Any = None, target: Any = None, *, sample: Optional[str] = None,
           dataset: Optional[Dataset] = None, config: Any = None, test_data: Any = None,
           report_dir: Union[str, Path, None] = None, refine: bool = False, seed: int = 0,
           seeds: int = 1, max_epochs: Optional[int] = None,
           test_fraction: float = DEFAULT_TEST_FRACTION, quiet: bool = True, plot: bool = True,
           reference: bool = True, save: Union[str, Path, None] = None,
           trials: int = 1, budget: Any = None, lr_find: bool = False,
           backend: str = "local", address: Optional[str] = None,
           gpus_per_trial: float = 0.0, **data_options: Any) -> VerifyReport:
    """Train the recommended setup (or ``config``) and compare it with the baselines.

    Args:
        data: a data file or image folder (read by :mod:`advisor.data`); or give ``sample``
            (wine, breast_cancer, diabetes, digits: bundled, no download) or ``dataset``.
        target: the target column (or columns) of ``data``.
        config: a TrainingConfig (path, object or mapping) to train instead of the
            recommendation; its Input shape must fit the data.
        test_data: the user's own test split: a file read exactly as ``data`` (or a Dataset).
            It is never profiled or used for fitting, early stopping or choosing; without it
            ``test_fraction`` of the data is held out. A forecasting test file continues the
            training series: every origin whose whole horizon lies in it is scored.
        report_dir: write report.json, report.md and curves.png here.
        refine: apply the diagnosis of the recommended run once and train again.
        seed: seeds the split, the weights and the shuffling.
        seeds: train every setup this many times (seeds ``seed``, ``seed + 1``, ...) and report
            the mean and spread of each metric; comparisons use the mean.
        max_epochs: caps every run's epochs (for quick checks; the report says so).
        test_fraction: share of the examples held out for the comparison.
        quiet: no Keras progress bars (they appear only on a terminal anyway).
        plot: write curves.png with the report.
        reference: fit the classical reference (scikit-learn / statsmodels) on the same split.
        save: save the trained recommended model (first seed) here, a ``.keras`` file, with its
            preprocessing as Keras layers so that it scores raw inputs, and
            ``<stem>.inputs.json`` beside it (inputs, classes, target scaling, test metrics);
            with ``refine`` the refined model too, as ``<stem>.refined.keras``.
        trials: advised search (:mod:`.search`): train up to this many setups, the
            recommendation first, then the rules' runners-up, each with the rule behind it;
            ranked on the validation part; ``report.trials``, ``report.search``.
        budget: wall-clock cap of all trials together (``90s``, ``10m``, ``2h`` or seconds).
        lr_find: run the learning-rate range test (rule LR030) first; its rate is a trial.
        backend: ``local`` or ``ray`` (one trial per Ray worker; the distributed extra).
        address: the Ray cluster to join (HOST:PORT); without it Ray starts locally.
        gpus_per_trial: GPUs per Ray trial.
        **data_options: passed to :func:`advisor.data.load_dataset` (text_column, time_column,
            forecast_horizon, overrides, ...).

    Returns:
        A :class:`~advisor.executor.report.VerifyReport`: ``report.recommended.metrics``,
        ``report.baselines["document_default"]``, ``report.baselines["trivial"]``,
        ``report.baselines["reference"]``, ``report.diagnosis``, ...

    Raises:
        AdvisorError: unreadable data, non-numeric features without an encoding step, NaN
            targets, too few rows to split, a config whose Input shape does not fit the data,
            a test file that is not read like the training data.

    Example:
        >>> report = verify(sample="wine", seeds=3)
        >>> report.recommended.metrics["accuracy"], report.recommended.spread["accuracy"]
    """
    searching = trials != 1 or lr_find or budget is not None or backend != "local"
    if searching:  # bad search options fail before any data is read or trained on
        from .backends import BACKENDS, check_address
        from .search import parse_budget

        parse_budget(budget)
        check_address(address)
        if backend not in BACKENDS:
            raise AdvisorError(f"backend {backend!r} is not known; expected one of "
                               f"{', '.join(BACKENDS)}")
    dataset = _resolve_dataset(data, target, sample, dataset, data_options)
    if save is not None:  # fail before training, not after
        from .export import check_exportable, check_save_path

        check_exportable(dataset)
        check_save_path(save)
    test = load_test(test_data, dataset) if test_data is not None else None
    notes: list[str] = []
    if config is not None:
        setup = load_setup(config)
        recommended_name = "the given config"
    else:
        from ..recommend import recommend

        setup = recommend(dataset.profile).setup()
        recommended_name = None
    session = Verification(dataset, setup, test=test, seed=seed, seeds=seeds,
                           max_epochs=max_epochs, test_fraction=test_fraction, quiet=quiet)
    profile, kind = session.profile, session.kind
    baseline_setup = document_default_setup(setup, profile)
    trivial, trivial_validation = session.trivial()
    runs: dict[str, list[RunResult]] = {}
    search = None
    if searching:
        from .search import run_search

        search = run_search(session, setup, trials=trials, budget=budget, lr_find=lr_find,
                            backend=backend, address=address, gpus_per_trial=gpus_per_trial,
                            config_given=config is not None)
        first = search.outcomes[0]
        if not first.runs:
            raise AdvisorError(f"advised search: {first.note or 'trial 1 did not run'}")
        runs[RECOMMENDED] = [run.__class__(**{**run.__dict__, "name": RECOMMENDED})
                             for run in first.runs]
    else:
        runs[RECOMMENDED] = session.train(RECOMMENDED, setup)
    runs[DOCUMENT_DEFAULT] = session.train(DOCUMENT_DEFAULT, baseline_setup)
    default_run = runs[DOCUMENT_DEFAULT][0]
    findings = {name: diagnose(session.summary(
        results[0], trivial_validation, default_run if name != DOCUMENT_DEFAULT else None),
        name=name) for name, results in runs.items()}
    refined_report = None
    if refine:
        refined_setup, applied = apply_adjustments(setup, findings[RECOMMENDED])
        if applied:
            refined_cap = max_epochs
            if max_epochs is not None:  # the cap grows with the epochs, or doubling is moot
                refined_cap = math.ceil(max_epochs * refined_setup.training.epochs
                                        / setup.training.epochs)
            runs["refined"] = session.train("refined", refined_setup, max_epochs=refined_cap)
            findings["refined"] = diagnose(session.summary(
                runs["refined"][0], trivial_validation, default_run), name="refined")
            refined_report = run_report("refined", runs["refined"], findings["refined"],
                                        applied)
        else:
            notes.append("refine: the diagnosis of the recommended run asked for no change, so "
                         "nothing was retrained")
    reference_run = session.reference() if reference else None
    if max_epochs is not None and any(results[0].epochs_planned < results[0].setup.training.epochs
                                      for results in runs.values()):
        notes.append(f"epochs were capped at {max_epochs} (max_epochs); the setups ask for more")
    if len(session.seeds) > 1:
        notes.append(f"each setup was trained with seeds {session.seeds[0]}..{session.seeds[-1]}"
                     f": metrics are means (spread: standard deviation); the curves and the "
                     f"diagnosis are those of seed {session.seeds[0]}")
    notes += session.dataset.notes + session.split.notes

    primary = primary_metric(kind)
    recommended = run_report(RECOMMENDED, runs[RECOMMENDED], findings[RECOMMENDED])
    if recommended_name:
        recommended.description = recommended_name
    document = run_report(DOCUMENT_DEFAULT, runs[DOCUMENT_DEFAULT], findings[DOCUMENT_DEFAULT])
    trivial_metrics = trivial.metrics
    comparison = Comparison(
        primary_metric=primary, higher_is_better=METRIC_DIRECTION[primary],
        recommended_beats_trivial=beats(kind, recommended.metrics, trivial_metrics) and
        recommended.metrics.get(primary) != trivial_metrics.get(primary),
        recommended_matches_document_default=beats(kind, recommended.metrics, document.metrics),
        recommended_matches_reference=(beats(kind, recommended.metrics, reference_run.metrics)
                                       if reference_run is not None else None),
        refined_matches_recommended=(beats(kind, refined_report.metrics, recommended.metrics)
                                     if refined_report else None))
    baselines = {DOCUMENT_DEFAULT: document, TRIVIAL: trivial}
    if reference_run is not None:
        baselines[REFERENCE] = reference_run
    report = VerifyReport(
        source=dataset.source, problem_type=kind, data_structure=profile.data_structure,
        device=device_name(), seed=seed, max_epochs=max_epochs,
        split=session.split_report(), recommended=recommended, baselines=baselines,
        refined=refined_report, comparison=comparison,
        history={name: _history(results[0]) for name, results in runs.items()},
        diagnosis=findings[RECOMMENDED], notes=notes,
        trained="config" if config is not None else "recommended")
    if save is not None:
        report = report.model_copy(update={"saved": _save_runs(save, runs, session)})
    if search is not None:
        report = report.model_copy(update={"trials": search.trials, "search": search.report})
        if search.selected is not None and search.selected.trial.number != 1:
            chosen = search.selected
            report.history[f"trial {chosen.trial.number}"] = _history(chosen.runs[0])
    if report_dir is not None:
        report = write_report(report, report_dir, plot=plot)
    return report


def _save_runs(path: Union[str, Path], runs: Mapping[str, list[RunResult]],
               session: Verification) -> list[SavedModel]:
    """Export the recommended run (and the refined one) with its preprocessing."""
    from .export import save_export

    saved = []
    for name in (RECOMMENDED, "refined"):
        if name not in runs:
            continue
        run = runs[name][0]
        target = Path(path) if name == RECOMMENDED else \
            Path(path).with_name(f"{Path(path).stem}.{name}.keras")
        model_path, inputs = save_export(target, run.model, run.processor, session.dataset,
                                         run.setup, metrics=run.metrics, run=name, seed=run.seed)
        saved.append(SavedModel(name=name, model=model_path, inputs=inputs, seed=run.seed,
                                metrics=run.metrics))
    return saved
