"""Splitting a :class:`~advisor.dataset.Dataset` and applying a setup's ``preprocessing`` steps.

Every statistic (medians, categories, quantiles, means, minima, vocabularies) is fitted on the
training split only and then applied unchanged to the validation and test splits.

Steps, by the names of :mod:`advisor.steps` (where each step's arguments and defaults are
declared and a setup's steps are checked), applied in the order given:

========================  ===================================================================
``impute``                ``strategy``: median | mean | most_frequent | forward_fill;
                          ``add_indicator``: a 0/1 column per numeric column with gaps
``one_hot``               non-numeric columns, ``max_categories`` most frequent kept, the rest
                          (and categories unseen in training) share an "other" column
``clip``                  to the training ``quantiles`` [low, high] of each numeric column
``standardize``           (x - mean) / std; tabular per column, arrays per channel
``min_max``               (x - min) / (max - min); tabular per column, images over all values;
                          ``range`` [low, high] maps to that interval instead of [0, 1]
``rescale``               x / ``divide_by``
``tokenize``              Keras ``TextVectorization`` (``max_tokens``, ``output_sequence_length``,
                          ``standardize``, ``output_mode``) adapted on the training texts
``multi_hot``             token-id sequences as a 0/1 bag over ``num_tokens`` ids
``pad``                   token-id sequences padded / truncated to ``length`` with ``value``
``window``                forecasting: windows of ``length`` steps and the next ``horizon``
                          target values, every ``stride`` steps; a window's targets lie inside
                          one split, its inputs may reach back into earlier ones (rolling
                          origins); ``base``: none | last_value | seasonal_naive (with
                          ``season_length``): the network predicts the change from that
                          forecast, in units of the training series' typical change, and its
                          inputs are the window less its last value (both mapped back)
``standardize_target``    regression targets as z-scores; predictions are mapped back
``log_target``            regression targets as log1p(y); predictions are mapped back
                          (forecasting: the forecast series, as input and as target)
========================  ===================================================================

An unknown step name, a non-numeric column no step encodes, missing values no step imputes and
targets with NaN are :class:`~advisor.errors.AdvisorError`\\ s naming the fix.

The training script of ``advisor recommend --format keras`` embeds this module verbatim
(:mod:`advisor.executor.script`): it may import from other advisor modules only the names the
script defines (a test and the script writer check), and Keras only through ``import_keras``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..dataset import Dataset
from ..errors import AdvisorError
from ..profile import CLASSIFICATION
from ..steps import PREPROCESSING_STEPS, STEP_DEFAULTS, TARGET_STEPS
from . import import_keras

SUPPORTED_PROBLEMS = CLASSIFICATION + ("regression", "forecasting")
MIN_SPLIT_ROWS = 2  # the fewest examples a training, validation or test split may hold
BASES = ("none", "last_value", "seasonal_naive")  # what a forecast window is relative to


def task_of(problem_type: str) -> str:
    return "classification" if problem_type in CLASSIFICATION else "regression"


# -- split ----------------------------------------------------------------------------------------

@dataclass
class Split:
    """Row positions of the three parts (time series: contiguous, in time order)."""

    train: np.ndarray
    validation: np.ndarray
    test: np.ndarray
    method: str  # stratified | random | chronological
    seed: int
    test_fraction: float
    validation_split: float
    notes: list[str] = field(default_factory=list)
    test_source: str = "held_out"  # held_out (cut from the data) | given (a test file)

    def ranges(self) -> list[tuple[int, int]]:
        """(start, end) rows of the three parts of a series split (contiguous, in order)."""
        return [(int(p[0]), int(p[-1]) + 1) if len(p) else (0, 0)
                for p in (self.train, self.validation, self.test)]


def is_series(dataset: Dataset) -> bool:
    """A series in time order (one row per step) rather than one example per row."""
    return dataset.profile.problem_type == "forecasting"


def split_dataset(dataset: Dataset, *, validation_split: float, test_fraction: float = 0.2,
                  seed: int = 0, window: Optional[tuple[int, int]] = None,
                  given_test: int = 0) -> Split:
    """Hold out a test part, then the validation share of the rest (seeded).

    Classification is split stratified (scikit-learn's ``train_test_split``), falling back to a
    random split when a class is too rare to be in every part; forecasting series are cut in
    time order: the training part long enough for one window, the others for one horizon (their
    windows reach back into the earlier parts). Windows cut from one series (``overlap``) are
    split in time order with ``overlap`` examples dropped at each boundary, so no step is in two
    parts. With ``given_test`` the last ``given_test`` examples are the test part (a test file)
    and only the validation share is split off the rest.

    Raises:
        AdvisorError: too few rows for the parts (the message says how many are needed).
    """
    if not 0 < test_fraction < 1:
        raise AdvisorError(f"test_fraction must be in (0, 1), got {test_fraction}")
    n = dataset.n_samples
    if is_series(dataset):
        return _chronological(n, validation_split, test_fraction, seed, window, given_test)
    if dataset.overlap:
        return _in_time_order(dataset, validation_split, test_fraction, seed, given_test)
    problem = dataset.profile.problem_type
    positions = np.arange(n)
    notes: list[str] = []
    stratify = None
    method = "random"
    labels = None
    if problem in ("binary", "multiclass"):
        labels = np.asarray(dataset.target).reshape(-1)
    if given_test:
        rest, test = positions[:n - given_test], positions[n - given_test:]
        fractions = [validation_split] if validation_split > 0 else [1.0]
    else:
        rest, test = positions, None
        fractions = [f for f in (test_fraction, (1 - test_fraction) * validation_split) if f > 0]
    n_split = len(rest) if given_test else n
    needed = math.ceil(MIN_SPLIT_ROWS / min(fractions)) + MIN_SPLIT_ROWS
    if problem in ("binary", "multiclass"):
        needed = max(needed, math.ceil(dataset.profile.n_classes / min(fractions)))
    if n_split < needed:
        shares = (f"a validation share of {validation_split:.0%}" if given_test else
                  f"a test part of {test_fraction:.0%} and a validation share of "
                  f"{validation_split:.0%}")
        raise AdvisorError(
            f"too few rows to split: {n_split}; {shares} need at least {needed} rows",
            where=dataset.source)
    from sklearn.model_selection import train_test_split

    if labels is not None:
        counts = np.bincount(labels[rest].astype(np.int64))
        if counts[counts > 0].min() >= 3:
            stratify, method = labels, "stratified"
        else:
            notes.append("a class has fewer than 3 examples: the split is random, not "
                         "stratified")
    if test is None:
        rest, test = train_test_split(positions, test_size=test_fraction, random_state=seed,
                                      stratify=stratify)
    if validation_split > 0:
        train, validation = train_test_split(
            rest, test_size=validation_split, random_state=seed,
            stratify=None if stratify is None else stratify[rest])
    else:
        train, validation = rest, np.arange(0)
    return Split(np.sort(train), np.sort(validation), np.sort(test), method, seed,
                 test_fraction, validation_split, notes,
                 test_source="given" if given_test else "held_out")


def _chronological(n: int, validation_split: float, test_fraction: float, seed: int,
                   window: Optional[tuple[int, int]], given_test: int = 0) -> Split:
    length, horizon = window if window else (MIN_SPLIT_ROWS - 1, 1)
    n_test = given_test or int(round(n * test_fraction))
    n_val = int(round((n - n_test) * validation_split))
    n_train = n - n_test - n_val
    what = (f"windows of {length} steps plus a horizon of {horizon}" if window else "the parts")
    short = [name for name, size, need in (
        ("training", n_train, length + horizon),
        ("validation", n_val if validation_split > 0 else horizon, horizon),
        ("test", n_test, horizon)) if size < need]
    if short:
        if given_test and "test" in short:
            raise AdvisorError(f"the test file holds {n_test} steps, fewer than the forecast "
                               f"horizon of {horizon}: no forecast can be scored")
        rest = (1 - test_fraction) * (1 - validation_split) if not given_test else \
            (1 - validation_split)
        needed = max(math.ceil((length + horizon) / rest),
                     math.ceil(horizon / test_fraction) if not given_test else 0,
                     math.ceil(horizon / ((1 - test_fraction) * validation_split))
                     if validation_split > 0 and not given_test else 0) + 1
        raise AdvisorError(
            f"too few rows to split the series in time order: {n}; {what} (the training part "
            f"needs a whole window, the others one horizon) need at least {needed} rows")
    order = np.arange(n)
    return Split(order[:n_train], order[n_train:n_train + n_val], order[n_train + n_val:],
                 "chronological", seed, test_fraction, validation_split,
                 test_source="given" if given_test else "held_out")


def _in_time_order(dataset: Dataset, validation_split: float, test_fraction: float, seed: int,
                   given_test: int) -> Split:
    """Windows of one series as examples: contiguous parts in time order, with ``overlap``
    windows dropped before each boundary (they share steps with the next part)."""
    n, gap = dataset.n_samples, dataset.overlap
    n_test = given_test or int(round(n * test_fraction))
    rest = n - n_test - (0 if given_test else gap)
    n_val = int(round(rest * validation_split)) if validation_split > 0 else 0
    n_train = rest - n_val - (gap if n_val else 0)
    if min(n_train, n_test, n_val if validation_split > 0 else MIN_SPLIT_ROWS) < MIN_SPLIT_ROWS:
        raise AdvisorError(
            f"too few windows to split the series in time order: {n} windows of "
            f"{gap + 1} steps; each part needs {MIN_SPLIT_ROWS} and {gap} are dropped at each "
            "boundary", where=dataset.source)
    train = np.arange(n_train)
    validation = np.arange(n_train + gap, n_train + gap + n_val) if n_val else np.arange(0)
    test = np.arange(n - n_test, n)
    notes = [f"windows overlap by {gap} steps: {gap} windows are left out before each later "
             "part so that no step is in two parts"]
    return Split(train, validation, test, "chronological", seed, test_fraction,
                 validation_split, notes, test_source="given" if given_test else "held_out")


# -- arrays ---------------------------------------------------------------------------------------

@dataclass
class Part:
    """One split, ready for Keras: inputs, targets in training space and raw; for forecasts the
    last observed target before each window's horizon (the persistence baseline) and the row of
    each forecast origin (the first forecast step)."""

    x: Any
    y: Any
    y_raw: Any
    last_value: Any = None
    origins: Any = None
    inverse: Optional[Callable[[np.ndarray], np.ndarray]] = None  # predictions -> raw scale

    def __len__(self) -> int:
        return len(self.x)

    def restore(self, predictions: np.ndarray) -> np.ndarray:
        """Model outputs for this part on the raw target scale."""
        return self.inverse(predictions) if self.inverse is not None else predictions


def seasonal_naive_index(origins: np.ndarray, horizon: int, season: int) -> np.ndarray:
    """Rows of the seasonal naive forecast from each origin (its first forecast step): for step
    h the last observed value a whole number of seasons back (season 1: the last value)."""
    steps = np.arange(horizon)
    back = season * ((steps + season) // season)
    return np.asarray(origins)[:, None] + steps[None, :] - back[None, :]


def _take(features: Any, positions: np.ndarray) -> Any:
    if hasattr(features, "iloc"):
        return features.iloc[positions].reset_index(drop=True)
    if isinstance(features, np.ndarray):
        return features[positions]
    return [features[int(i)] for i in positions]  # ragged sequences as a list


def check_target(dataset: Dataset) -> np.ndarray:
    """The target as a numpy array, checked for the problem type."""
    profile = dataset.profile
    if profile.problem_type not in SUPPORTED_PROBLEMS:
        raise AdvisorError(f"verify trains {', '.join(SUPPORTED_PROBLEMS)} problems; got "
                           f"problem_type {profile.problem_type!r}")
    if dataset.target is None:
        raise AdvisorError("the data set has no target; give the target column with --target",
                           where=dataset.source)
    y = np.asarray(dataset.target)
    if len(y) != dataset.n_samples:
        raise AdvisorError(f"{len(y)} targets for {dataset.n_samples} examples",
                           where=dataset.source)
    if y.dtype.kind not in "biuf":
        raise AdvisorError(f"targets must be numbers (integer class codes or values), got dtype "
                           f"{y.dtype}", where=dataset.source)
    if y.dtype.kind == "f" and not np.all(np.isfinite(y)):
        bad = int(np.count_nonzero(~np.isfinite(y)))
        raise AdvisorError(f"{bad} target value(s) are NaN or infinite; drop those rows or fill "
                           "them before training", where=dataset.source)
    if profile.problem_type in ("binary", "multiclass"):
        y = y.reshape(-1)
        if y.dtype.kind == "f" and not np.all(np.mod(y, 1) == 0):
            raise AdvisorError("classification targets must be integer class codes",
                               where=dataset.source)
        y = y.astype(np.int64)
        k = profile.n_classes or 2
        if y.min() < 0 or y.max() >= k:
            raise AdvisorError(f"class codes must lie in 0..{k - 1} (n_classes={k}); got "
                               f"{int(y.min())}..{int(y.max())}", where=dataset.source)
    elif profile.problem_type == "multilabel":
        y = y.astype(np.float32)
        if y.ndim != 2:
            raise AdvisorError(f"multilabel targets are (n, labels) 0/1 rows; got shape "
                               f"{y.shape}", where=dataset.source)
    else:
        y = y.astype(np.float32)
    return y


# -- the preprocessor -----------------------------------------------------------------------------

@dataclass
class Fitted:
    """One input step fitted on the training split: its transform and the statistics it learnt.

    ``params`` holds what :mod:`advisor.executor.export` turns into Keras layers (fill values,
    categories, bounds, means ...); ``columns`` the DataFrame columns a scaling step acts on
    (None: the whole array).
    """

    name: str
    apply: Callable[[Any], Any]
    params: dict[str, Any] = field(default_factory=dict)
    columns: Optional[list[Any]] = None

    def __call__(self, x: Any) -> Any:
        return self.apply(x)


class Preprocessor:
    """A setup's preprocessing steps for one data set: fit on training rows, apply to any rows."""

    def __init__(self, steps: Sequence[dict[str, Any]], dataset: Dataset) -> None:
        self.dataset = dataset
        self.profile = dataset.profile
        for index, step in enumerate(steps):
            name = step.get("step")
            if name not in PREPROCESSING_STEPS:
                raise AdvisorError(f"unknown preprocessing step {name!r}; the executor knows "
                                   f"{', '.join(PREPROCESSING_STEPS)}",
                                   where=f"preprocessing[{index}]")
        # every argument, the defaults of advisor.steps where a step leaves one out
        self.steps = [{**STEP_DEFAULTS[step["step"]], **step} for step in steps]
        self.input_steps = [s for s in self.steps if s["step"] not in TARGET_STEPS + ("window",)]
        self.target_steps = [s for s in self.steps if s["step"] in TARGET_STEPS]
        windows = [s for s in self.steps if s["step"] == "window"]
        self.window = windows[0] if windows else None
        if self.window is not None and not is_series(dataset):
            raise AdvisorError("the window step cuts a forecasting series; this data set is not "
                               "one (problem_type forecasting)", where="preprocessing")
        if is_series(dataset) and self.window is None:
            raise AdvisorError("a forecasting series needs a window step (length, horizon) to "
                               "cut it into examples", where="preprocessing")
        if self.target_steps and task_of(self.profile.problem_type) != "regression":
            raise AdvisorError(f"{self.target_steps[0]['step']} scales regression targets; "
                               f"this is a {self.profile.problem_type} problem",
                               where="preprocessing")
        self._fitted: list[tuple[dict[str, Any], Fitted]] = []
        self._encoded: set[str] = set()  # 0/1 columns made by one_hot / add_indicator
        self._target: list[tuple[Callable, Callable]] = []
        self.target_params: list[dict[str, Any]] = []  # the fitted target steps, in order

    # -- window geometry
    def window_span(self) -> Optional[tuple[int, int]]:
        if self.window is None:
            return None
        return int(self.window.get("length", 1)), int(self.window.get("horizon", 1))

    # -- fitting
    def fit(self, features: Any, target: np.ndarray) -> "Preprocessor":
        """Fit every step on the training rows (a series: its training steps, in order)."""
        y = np.asarray(target, dtype=np.float32)
        if self.window is not None:  # the series' target steps apply to its own inputs too
            y = y.reshape(len(y), -1)
        for step in self.target_steps:
            forward, inverse = self._fit_target(step, y)
            y = forward(y)
            self._target.append((forward, inverse))
        x = self._start(features)
        self.raw_columns = _raw_columns(x)
        for index, step in enumerate(self.input_steps):
            transform = self._fit_step(index, step, x)
            x = transform(x)
            self._fitted.append((step, transform))
        self._finish(x, where="after preprocessing (training split)")
        if self.window is not None:
            self._fit_base(y)
        return self

    @property
    def fitted(self) -> list[Fitted]:
        """The input steps as fitted on the training split, in the order they apply."""
        return [transform for _, transform in self._fitted]

    def transform_features(self, features: Any) -> np.ndarray:
        x = self._start(features)
        for _, transform in self._fitted:
            x = transform(x)
        return self._finish(x, where="after preprocessing")

    def transform_target(self, y: np.ndarray) -> np.ndarray:
        for forward, _ in self._target:
            y = forward(np.asarray(y, dtype=np.float32))
        return y

    def inverse_target(self, y: np.ndarray) -> np.ndarray:
        for _, inverse in reversed(self._target):
            y = inverse(y)
        return y

    def part(self, features: Any, target: np.ndarray) -> Part:
        """One split of independent examples, transformed."""
        if self.window is not None:
            raise AdvisorError("a series is cut into windows over all its parts at once: use "
                               "series_parts()")
        x = self.transform_features(features)
        y_raw = np.asarray(target)
        y = self.transform_target(y_raw) if self._target else y_raw
        return Part(x, y, y_raw, inverse=self.inverse_target if self._target else None)

    # -- series: windows and their forecast base
    @property
    def base(self) -> str:
        """What the network's forecast is relative to: none, last_value or seasonal_naive."""
        base = str((self.window or {}).get("base") or "none")
        if base not in BASES:
            raise AdvisorError(f"unknown window base {base!r}; expected one of "
                               f"{', '.join(BASES)}", where="preprocessing (window)")
        return base

    def base_lag(self) -> int:
        """The lag of the base forecast: the season length for seasonal_naive, else 1."""
        if self.base != "seasonal_naive":
            return 1
        season = int((self.window or {}).get("season_length") or 0)
        length, _ = self.window_span()  # type: ignore[misc]
        if season < 2 or season > length:
            raise AdvisorError(f"a seasonal_naive base needs season_length between 2 and the "
                               f"window length {length}; got {season or 'none'}",
                               where="preprocessing (window)")
        return season

    def _fit_base(self, y: np.ndarray) -> None:
        """The scale of the base-relative targets: the training series' mean absolute change
        over the base's lag (1 when the series does not change)."""
        self._scale = np.ones(y.shape[1], dtype=np.float32)
        if self.base == "none":
            return
        lag = self.base_lag()
        if len(y) > lag:
            change = np.nanmean(np.abs(y[lag:] - y[:-lag]), axis=0)
            self._scale = np.where(np.isfinite(change) & (change > 1e-12), change, 1.0
                                   ).astype(np.float32)

    def target_columns(self, features: Any) -> list[int]:
        """Positions of the forecast series among the series' input columns."""
        names = list(getattr(features, "columns", self.dataset.feature_names or []))
        return [names.index(t) for t in self.dataset.target_names if t in names]

    def series_parts(self, features: Any, target: np.ndarray,
                     ranges: Sequence[tuple[int, int]]) -> list[Optional[Part]]:
        """Windows of the whole series (every part transformed with the training fit), one
        :class:`Part` per (start, end) row range: the windows whose forecast steps all lie in
        the range; their inputs may reach back into earlier rows (rolling origins)."""
        length, horizon = self.window_span()  # type: ignore[misc]
        stride = int(self.window["stride"] or 1)  # type: ignore[union-attr]
        x = self.transform_features(features)
        if x.ndim == 1:
            x = x[:, None]
        raw = np.asarray(target, dtype=np.float64).reshape(len(target), -1)
        model_y = self.transform_target(raw.astype(np.float32)) if self._target else \
            raw.astype(np.float32)
        columns = self.target_columns(features)
        base, lag = self.base, self.base_lag()
        steps = np.arange(horizon)
        parts: list[Optional[Part]] = []
        for start, end in ranges:
            origins = np.arange(max(start, length), end - horizon + 1, stride)
            if end <= start or not len(origins):
                parts.append(None if end <= start else self._empty_part(x, raw, length))
                continue
            index = origins[:, None] + steps[None, :]                      # (count, H)
            reference_rows = seasonal_naive_index(origins, horizon, lag)
            inputs = np.stack([x[o - length:o] for o in origins]).astype(np.float32)
            future = model_y[index]                                        # (count, H, T)
            reference = np.zeros_like(future)
            if base != "none":
                reference = model_y[reference_rows]
                if columns:
                    inputs[:, :, columns] -= inputs[:, -1:, columns]
            y = ((future - reference) / self._scale).reshape(len(origins), -1)
            y_raw = raw[index].reshape(len(origins), -1)
            last = np.repeat(raw[origins - 1][:, None, :], horizon, axis=1).reshape(
                len(origins), -1)
            parts.append(Part(np.ascontiguousarray(inputs), y.astype(np.float32), y_raw, last,
                              origins, self._series_inverse(reference)))
        return parts

    def _empty_part(self, x: np.ndarray, raw: np.ndarray, length: int) -> Part:
        outputs = raw.shape[1] * self.window_span()[1]  # type: ignore[index]
        return Part(np.zeros((0, length, x.shape[1]), np.float32),
                    np.zeros((0, outputs), np.float32), np.zeros((0, outputs)),
                    np.zeros((0, outputs)), np.zeros(0, np.int64))

    def _series_inverse(self, reference: np.ndarray) -> Callable[[np.ndarray], np.ndarray]:
        scale = self._scale

        def inverse(predictions: np.ndarray) -> np.ndarray:
            shaped = np.asarray(predictions, dtype=np.float64).reshape(reference.shape)
            values = shaped * scale + reference
            if self._target:
                values = self.inverse_target(values)
            return np.asarray(values).reshape(len(values), -1)

        return inverse

    # -- structure-specific start / finish
    def _start(self, features: Any) -> Any:
        structure = self.profile.data_structure
        if structure == "tabular" or (structure == "time_series" and is_series(self.dataset)):
            import pandas as pd

            if isinstance(features, pd.DataFrame):
                frame = features.copy()
            else:
                array = np.asarray(features)
                if array.ndim == 1:
                    array = array[:, None]
                if array.ndim != 2:
                    raise AdvisorError(f"{structure} features are (rows, columns); got shape "
                                       f"{array.shape}")
                names = self.dataset.feature_names or [f"x{i}" for i in range(array.shape[1])]
                frame = pd.DataFrame(array, columns=list(names)[:array.shape[1]])
            if self.window is not None and self._target:  # the forecast series as an input
                names = [t for t in self.dataset.target_names if t in frame.columns]
                if len(names) == len(self.dataset.target_names):
                    values = frame[names].to_numpy(dtype=np.float32)
                    frame[names] = self.transform_target(values)
            return frame
        if structure == "text":
            array = np.asarray(features)
            if array.ndim == 2 and array.shape[1] == 1:
                array = array[:, 0]
            return array
        if hasattr(features, "to_numpy"):
            features = features.to_numpy()
        if isinstance(features, np.ndarray) and features.dtype != object:
            array = features
            shape = list(self.profile.input_shape)
            if structure == "image" and array.ndim == len(shape) and shape[-1] == 1:
                array = array[..., None]  # (n, H, W) grey images get their channel axis
            return array
        return features  # ragged sequences: handled by the pad step

    def _finish(self, x: Any, *, where: str) -> np.ndarray:
        if hasattr(x, "columns"):  # a DataFrame no step turned into numbers yet
            x = self._frame_to_array(x)
        if isinstance(x, np.ndarray) and x.dtype.kind in "biuf":
            if x.dtype.kind == "f" and not np.all(np.isfinite(x)):
                raise AdvisorError(f"{where}: the inputs hold NaN or infinite values and the "
                                   "setup has no impute step; give missing_ratio in the profile "
                                   "(recommend then adds median imputation) or fill the gaps")
            return x if x.dtype in (np.int32, np.int64) and self._token_input() \
                else x.astype(np.float32, copy=False)
        kind = "text" if self.profile.data_structure == "text" else "non-numeric"
        fix = ("the setup needs a tokenize step (recommend adds one for data_structure text)"
               if kind == "text" else "give the profile categorical_features (recommend then "
               "adds a one_hot step) or encode them as numbers")
        raise AdvisorError(f"{where}: the inputs are {kind} and no step turns them into numbers; "
                           f"{fix}")

    def _token_input(self) -> bool:
        return any(s["step"] in ("tokenize", "pad") for s in self.steps)

    def _frame_to_array(self, frame: Any) -> np.ndarray:
        import pandas as pd

        bad = [str(c) for c in frame.columns if not pd.api.types.is_numeric_dtype(frame[c])]
        if bad:
            raise AdvisorError(
                f"non-numeric column(s) {', '.join(bad[:8])}{' ...' if len(bad) > 8 else ''} and "
                "no one_hot step in the setup; give the profile categorical_features (recommend "
                "then adds one-hot encoding) or encode them as numbers")
        return frame.to_numpy(dtype=np.float64)

    # -- fitting one step on the training data
    def _fit_step(self, index: int, step: dict[str, Any], x: Any) -> Fitted:
        name = step["step"]
        where = f"preprocessing[{index}] ({name})"
        fitted = self._fit_one(name, step, x, where)
        return fitted if isinstance(fitted, Fitted) else Fitted(name, fitted)

    def _fit_one(self, name: str, step: dict[str, Any], x: Any, where: str) -> Any:
        try:
            if name == "impute":
                transform, made = _fit_impute(step, x, where)
                self._encoded |= made
                return transform
            if name == "one_hot":
                transform, made = _fit_one_hot(step, x, where)
                self._encoded |= made
                return transform
            if name == "tokenize":
                return _fit_tokenize(step, x, where)
            if name == "pad":
                return _fit_pad(step, where)
            if name == "multi_hot":
                return _fit_multi_hot(step, where)
            columns = None
            if hasattr(x, "columns"):  # scale measured columns, not 0/1 encodings
                columns = [c for c in x.columns if str(c) not in self._encoded]
                if not columns:
                    return Fitted(name, lambda a: a, columns=[])
            numeric = self._numeric(x[columns] if columns is not None else x, where)
            if name == "clip":
                transform = _fit_clip(step, numeric, self._axes(numeric))
            elif name == "standardize":
                transform = _fit_standardize(numeric, self._axes(numeric))
            elif name == "min_max":
                axes = self._axes(numeric, images_global=True)
                transform = _fit_min_max(numeric, axes, step["range"])
            elif name == "rescale":
                divide_by = float(step["divide_by"] or 0)
                if divide_by == 0:
                    raise AdvisorError("divide_by must not be 0", where=where)
                # a product, as Keras' Rescaling computes it, so the export scores the same
                factor = np.float32(1.0 / divide_by)
                transform = Fitted(name, lambda a: a * factor, {"scale": float(factor)})
            else:  # pragma: no cover - every step name is handled above
                raise AdvisorError(f"step {name!r} does not apply to inputs here", where=where)
            return Fitted(name, _on_columns(transform, columns), transform.params, columns)
        except AdvisorError as exc:
            if exc.where is None:
                raise AdvisorError(str(exc), where=where) from None
            raise
        raise AdvisorError(f"step {name!r} does not apply to inputs here", where=where)

    def _axes(self, array: np.ndarray, images_global: bool = False) -> tuple[int, ...]:
        """Axes statistics are taken over: all but the features / channels (images: all for
        min-max, whose bounds are those of the pixel format)."""
        if images_global and self.profile.data_structure == "image":
            return tuple(range(array.ndim))
        return tuple(range(array.ndim - 1)) if array.ndim > 1 else (0,)

    def _numeric(self, x: Any, where: str) -> np.ndarray:
        if hasattr(x, "columns"):
            return self._frame_to_array(x)
        array = np.asarray(x)
        if array.dtype.kind not in "biuf":
            raise AdvisorError(f"scaling needs numeric inputs, got dtype {array.dtype}",
                               where=where)
        return array.astype(np.float32)

    def _fit_target(self, step: dict[str, Any], y: np.ndarray) -> tuple[Callable, Callable]:
        if step["step"] == "standardize_target":
            mean = y.mean(axis=0)
            std = y.std(axis=0)
            std = np.where(std > 0, std, 1.0).astype(np.float32)
            self.target_params.append({"step": "standardize_target", "mean": mean, "std": std})
            return (lambda v: ((v - mean) / std).astype(np.float32),
                    lambda v: v * std + mean)
        if y.min() <= -1:
            raise AdvisorError("log_target needs targets above -1 (log1p)",
                               where="preprocessing (log_target)")
        self.target_params.append({"step": "log_target"})
        return (lambda v: np.log1p(v).astype(np.float32), lambda v: np.expm1(v))


def _on_columns(transform: Callable[[np.ndarray], np.ndarray], columns: Optional[list[Any]]
                ) -> Callable[[Any], Any]:
    """A numeric transform applied to an array, or to the given columns of a DataFrame."""

    def apply(x: Any) -> Any:
        if hasattr(x, "columns"):
            x = x.copy()
            values = x[columns].to_numpy(dtype=np.float32)
            x[columns] = transform(values).astype(np.float32)
            return x
        return transform(np.asarray(x, dtype=np.float32)).astype(np.float32)

    return apply


def _raw_columns(x: Any) -> Optional[list[tuple[str, str]]]:
    """A DataFrame's columns as (name, "number" | "string"), as the steps read them (booleans
    are categories); None for arrays."""
    if not hasattr(x, "columns"):
        return None
    numeric = set(_numeric_columns(x))
    return [(str(c), "number" if c in numeric else "string") for c in x.columns]


def _numeric_columns(frame: Any) -> list[Any]:
    import pandas as pd

    return [c for c in frame.columns if pd.api.types.is_numeric_dtype(frame[c])
            and not pd.api.types.is_bool_dtype(frame[c])]


def _fit_impute(step: dict[str, Any], x: Any, where: str) -> tuple[Callable[[Any], Any], set]:
    strategy = step["strategy"]
    if strategy not in ("median", "mean", "most_frequent", "forward_fill"):
        raise AdvisorError(f"unknown impute strategy {strategy!r}; expected median, mean, "
                           "most_frequent or forward_fill", where=where)
    if not hasattr(x, "columns"):  # arrays (images, sequences): one fill value
        array = np.asarray(x, dtype=np.float32)
        fill = float(np.nanmedian(array)) if np.isfinite(array).any() else 0.0
        return (Fitted("impute", lambda a: np.where(np.isfinite(a), a, np.float32(fill)
                                                    ).astype(np.float32), {"fill": fill}),
                set())
    numeric = _numeric_columns(x)
    indicator = [c for c in numeric if step["add_indicator"] and x[c].isna().any()]
    fills: dict[Any, Any] = {}
    for column in x.columns:
        values = x[column].dropna()
        if column in numeric and strategy in ("median", "mean", "forward_fill"):
            value = values.median() if strategy != "mean" else values.mean()
            fills[column] = 0.0 if values.empty or value != value else float(value)
        else:
            mode = values.mode()
            fills[column] = mode.iloc[0] if not mode.empty else "missing"

    def apply(frame: Any) -> Any:
        frame = frame.copy()
        flags = {f"{c}__missing": frame[c].isna().astype(np.float32) for c in indicator}
        if strategy == "forward_fill":
            frame = frame.ffill()
        frame = frame.fillna(value=fills)
        for name, flag in flags.items():
            frame[name] = flag
        return frame

    params = {"strategy": strategy, "fills": fills, "indicator": indicator}
    return Fitted("impute", apply, params), {f"{c}__missing" for c in indicator}


def _fit_one_hot(step: dict[str, Any], x: Any, where: str) -> tuple[Callable[[Any], Any], set]:
    if not hasattr(x, "columns"):
        raise AdvisorError("one_hot encodes columns of tabular data", where=where)
    import pandas as pd

    limit = int(step["max_categories"])
    numeric = set(_numeric_columns(x))
    categorical = [c for c in x.columns if c not in numeric]
    kept: dict[Any, list[str]] = {}
    for column in categorical:
        counts = x[column].astype(str).value_counts()
        kept[column] = sorted(counts.index[:limit].tolist())

    def apply(frame: Any) -> Any:
        out = frame[[c for c in frame.columns if c not in kept]].copy()
        for column, categories in kept.items():
            values = frame[column].astype(str)
            for category in categories:
                out[f"{column}={category}"] = (values == category).astype(np.float32)
            out[f"{column}=<other>"] = (~values.isin(categories)).astype(np.float32)
        return out.astype({c: np.float32 for c in out.columns
                           if pd.api.types.is_bool_dtype(out[c])})

    made = {f"{column}={category}" for column, categories in kept.items()
            for category in categories} | {f"{column}=<other>" for column in kept}
    return Fitted("one_hot", apply, {"categories": kept}), made


def _fit_clip(step: dict[str, Any], x: np.ndarray, axes: tuple[int, ...]) -> Callable:
    low_q, high_q = list(step["quantiles"])[:2]
    moved = np.moveaxis(x, -1, 0).reshape(x.shape[-1], -1) if x.ndim > 1 else x[None, :]
    low = np.nanquantile(moved, low_q, axis=1).astype(np.float32)
    high = np.nanquantile(moved, high_q, axis=1).astype(np.float32)
    if x.ndim == 1:
        low, high = low[0], high[0]
    return Fitted("clip", lambda a: np.clip(a, low, high), {"low": low, "high": high})


def _fit_standardize(x: np.ndarray, axes: tuple[int, ...]) -> Callable:
    mean = np.nanmean(x, axis=axes, keepdims=True).astype(np.float32)
    std = np.nanstd(x, axis=axes, keepdims=True).astype(np.float32)
    std = np.where(std > 1e-12, std, 1.0).astype(np.float32)
    return Fitted("standardize", lambda a: (a - mean) / std, {"mean": mean, "std": std})


def _fit_min_max(x: np.ndarray, axes: tuple[int, ...], target_range: Any = None) -> Callable:
    low = np.nanmin(x, axis=axes, keepdims=True).astype(np.float32)
    high = np.nanmax(x, axis=axes, keepdims=True).astype(np.float32)
    span = np.where(high - low > 1e-12, high - low, 1.0).astype(np.float32)
    out_low, out_high = (float(v) for v in (target_range or (0.0, 1.0))[:2])
    factor = np.float32(out_high - out_low)
    return Fitted("min_max", lambda a: (a - low) / span * factor + np.float32(out_low),
                  {"low": low, "span": span, "factor": factor, "offset": np.float32(out_low)})


def _fit_tokenize(step: dict[str, Any], x: Any, where: str) -> Callable:
    keras = import_keras()

    texts = np.asarray(x).astype(str).reshape(-1)
    mode = step["output_mode"]
    length = int(step.get("output_sequence_length") or 200)
    layer = keras.layers.TextVectorization(
        max_tokens=int(step.get("max_tokens") or 20000),
        standardize=step["standardize"],
        output_mode=mode,
        **({"output_sequence_length": length} if mode == "int" else {}))
    layer.adapt(texts, batch_size=1024)

    def apply(a: Any) -> np.ndarray:
        values = np.asarray(a).astype(str).reshape(-1)
        out = np.asarray(layer(values))
        return out.astype(np.int32) if mode == "int" else out.astype(np.float32)

    return Fitted("tokenize", apply, {"layer": layer, "output_mode": mode})


def _fit_pad(step: dict[str, Any], where: str) -> Callable:
    keras = import_keras()

    length = int(step.get("length") or 0)
    if length <= 0:
        raise AdvisorError("pad needs length, a positive integer", where=where)
    padding = step["padding"]
    value = step["value"]

    def apply(a: Any) -> np.ndarray:
        rows = [list(np.asarray(row).reshape(-1)) for row in a]
        return keras.utils.pad_sequences(rows, maxlen=length, padding=padding,
                                         truncating=padding, value=value).astype(np.int32)

    return apply


def _fit_multi_hot(step: dict[str, Any], where: str) -> Callable:
    size = int(step.get("num_tokens") or 0)
    if size <= 0:
        raise AdvisorError("multi_hot needs num_tokens, a positive integer", where=where)

    def apply(a: Any) -> np.ndarray:
        out = np.zeros((len(a), size), dtype=np.float32)
        for row, ids in enumerate(a):
            ids = np.asarray(ids, dtype=np.int64).reshape(-1)
            out[row, ids[(ids >= 0) & (ids < size)]] = 1.0
        return out

    return apply


def features_of(dataset: Dataset, positions: np.ndarray) -> Any:
    return _take(dataset.features, positions)


def balanced_class_weights(y: Any) -> dict[int, float]:
    """``{class: n / (k * count)}`` over the k classes present in ``y`` (integer labels, a 0/1
    column, or one-hot rows): what ``class_weight: balanced`` trains with."""
    array = np.asarray(y)
    if array.ndim == 2 and array.shape[1] > 1:
        array = array.argmax(axis=1)
    array = array.reshape(-1)
    if array.size == 0:
        raise AdvisorError("class weights need at least one label")
    if np.issubdtype(array.dtype, np.floating) and not np.all(np.equal(np.mod(array, 1), 0)):
        raise AdvisorError("balanced class weights need integer class labels (or one-hot "
                           "rows), got fractional values")
    labels, counts = np.unique(array.astype(np.int64), return_counts=True)
    n, k = int(array.size), len(labels)
    return {int(label): n / (k * int(count)) for label, count in zip(labels, counts)}
