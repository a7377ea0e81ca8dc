"""The classical reference: what a practitioner would fit instead of a network, on the same split.

* tables: scikit-learn's HistGradientBoosting (missing values and categories handled natively)
  and a linear model (logistic regression / ridge on imputed, standardized, one-hot encoded
  columns);
* images: the same two on the flattened pixels;
* text: TF-IDF of words and word pairs under a linear model;
* series classification: 1-nearest-neighbour with Euclidean distance on the z-normalised
  series, the UCR archive's reference classifier;
* other fixed-length series: the tabular pair on the flattened windows;
* forecasting: the seasonal naive forecast and Holt-Winters exponential smoothing
  (statsmodels), forecast from every origin of a part (rolling origin), with the parameters
  fitted on the series before the part.

Where there are several candidates, the one with the better validation score is chosen and only
then scored on the test part, so the test split never chooses. The chosen candidate is refitted
on the training and validation parts together before it is scored, as a practitioner would; 1-NN
has nothing to choose and always uses both. So the reference gets more data than the network
(which keeps the validation part for early stopping): a bar that is, if anything, too high.
"""

from __future__ import annotations

import math
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Callable, Optional, Sequence

import numpy as np

from ..dataset import Dataset
from .preprocess import Part, Split, is_series, seasonal_naive_index
from .train import METRIC_DIRECTION, primary_metric, score

TABLE_CANDIDATES = ("hist_gradient_boosting", "linear")
DESCRIPTIONS = {
    "hist_gradient_boosting": "scikit-learn HistGradientBoosting (native missing values and "
    "categories)",
    "logistic_regression": "logistic regression on imputed, standardized, one-hot encoded "
    "columns",
    "ridge": "ridge regression on imputed, standardized, one-hot encoded columns",
    "tfidf_logistic_regression": "TF-IDF of words and word pairs, logistic regression",
    "tfidf_ridge": "TF-IDF of words and word pairs, ridge regression",
    "1nn_euclidean": "1-nearest-neighbour, Euclidean distance on the z-normalised series "
    "(the UCR archive's reference classifier)",
    "seasonal_naive": "the value one season earlier (the last value when there is no season)",
    "holt_winters_additive": "Holt-Winters exponential smoothing (statsmodels), damped additive "
    "trend, additive season",
    "holt_winters_multiplicative": "Holt-Winters exponential smoothing (statsmodels), damped "
    "additive trend, multiplicative season",
}


@dataclass
class Candidate:
    name: str
    validation_metrics: dict[str, Optional[float]]
    metrics: dict[str, Optional[float]] = field(default_factory=dict)
    note: str = ""


@dataclass
class Reference:
    """The chosen classical method, its scores, and every candidate's."""

    name: str
    description: str
    metrics: dict[str, Optional[float]]
    validation_metrics: dict[str, Optional[float]]
    candidates: list[Candidate]
    wall_time_s: float
    notes: list[str] = field(default_factory=list)


def _better(kind: str, a: dict, b: dict) -> bool:
    name = primary_metric(kind)
    va, vb = a.get(name), b.get(name)
    if va is None:
        return False
    if vb is None:
        return True
    return va > vb if METRIC_DIRECTION[name] else va < vb


def _choose(kind: str, candidates: list[Candidate]) -> Candidate:
    best = candidates[0]
    for candidate in candidates[1:]:
        if _better(kind, candidate.validation_metrics, best.validation_metrics):
            best = candidate
    return best


def classical_reference(dataset: Dataset, target: np.ndarray, split: Split, *,
                        validation: Optional[Part], test: Part,
                        mase_scale: Any = None, seed: int = 0) -> Optional[Reference]:
    """Fit the data's classical reference on ``split`` and score it like the networks.

    ``validation`` and ``test`` are the recommended setup's parts: for forecasts their
    ``origins`` and raw targets; otherwise their raw targets.

    Returns None (with nothing fitted) where no classical method applies.
    """
    started = time.perf_counter()
    kind = dataset.profile.problem_type
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # convergence chatter of statsmodels and lbfgs
        if is_series(dataset):
            reference = _forecast_reference(dataset, target, split, validation, test,
                                            mase_scale)
        else:
            reference = _example_reference(dataset, target, split, kind, seed)
    if reference is not None:
        reference.wall_time_s = round(time.perf_counter() - started, 3)
    return reference


# -- independent examples -------------------------------------------------------------------------

def _example_reference(dataset: Dataset, target: np.ndarray, split: Split, kind: str,
                       seed: int) -> Optional[Reference]:
    structure = dataset.profile.data_structure
    features = dataset.features
    y = np.asarray(target)
    train, validation, test = split.train, split.validation, split.test
    if structure == "text":
        names = ["tfidf_logistic_regression" if kind != "regression" else "tfidf_ridge"]
        makers = {names[0]: lambda: _text_model(kind)}
    elif structure == "time_series" and kind in ("binary", "multiclass") and \
            isinstance(features, np.ndarray) and features.ndim == 3:
        model = _NearestNeighbour()
        rows = np.concatenate([train, validation])
        model.fit(features[rows], y[rows])
        predicted = model.predict_scores(features[test], kind, dataset.profile.n_classes or 2)
        metrics = score(kind, y[test], predicted)
        validation_metrics: dict[str, Optional[float]] = {}
        if len(validation):
            inner = _NearestNeighbour().fit(features[train], y[train])
            validation_metrics = score(kind, y[validation], inner.predict_scores(
                features[validation], kind, dataset.profile.n_classes or 2))
        candidate = Candidate("1nn_euclidean", validation_metrics, metrics,
                              note="fitted on the training and validation parts")
        return Reference("1nn_euclidean", DESCRIPTIONS["1nn_euclidean"], metrics,
                         validation_metrics, [candidate], 0.0)
    elif isinstance(features, np.ndarray) and features.dtype != object and features.ndim >= 2:
        flat = features.reshape(len(features), -1).astype(np.float64)
        features = flat
        names = _table_names(kind)
        if flat.shape[1] > 4096:  # boosting over tens of thousands of pixels: hours on a CPU
            names = names[1:]
        makers = {name: (lambda name=name: _table_model(name, kind, None, seed)) for name in names}
    elif hasattr(features, "columns"):
        names = _table_names(kind)
        makers = {name: (lambda name=name: _table_model(name, kind, features, seed))
                  for name in names}
    else:
        return None
    n_classes = dataset.profile.n_classes or 2
    candidates = []
    for name in names:
        candidate = Candidate(name, {})
        if len(validation):
            model = makers[name]().fit(_rows(features, train), _fit_target(kind, y[train]))
            candidate.validation_metrics = score(
                kind, y[validation], _predict(model, _rows(features, validation), kind,
                                              n_classes))
        candidates.append(candidate)
    chosen = _choose(kind, candidates)
    rows = np.concatenate([train, validation])
    model = makers[chosen.name]().fit(_rows(features, rows), _fit_target(kind, y[rows]))
    chosen.metrics = score(kind, y[test], _predict(model, _rows(features, test), kind, n_classes))
    chosen.note = "chosen on the validation part, refitted on the training and validation parts"
    return Reference(chosen.name, DESCRIPTIONS[chosen.name], chosen.metrics,
                     chosen.validation_metrics, candidates, 0.0)


def _table_names(kind: str) -> list[str]:
    return ["hist_gradient_boosting",
            "ridge" if kind == "regression" else "logistic_regression"]


def _rows(features: Any, rows: np.ndarray) -> Any:
    return features.iloc[rows] if hasattr(features, "iloc") else features[rows]


def _fit_target(kind: str, y: np.ndarray) -> np.ndarray:
    if kind in ("binary", "multiclass"):
        return y.reshape(-1).astype(np.int64)
    if kind == "multilabel":
        return y.astype(np.int64)
    return y.astype(np.float64)


def _predict(model: Any, x: Any, kind: str, n_classes: int) -> np.ndarray:
    """Predictions in the shape :func:`~advisor.executor.train.score` takes."""
    if kind == "regression":
        return np.asarray(model.predict(x), dtype=np.float64)
    if kind == "multilabel":
        probabilities = model.predict_proba(x)
        return np.stack([p[:, -1] if p.shape[1] > 1 else np.zeros(len(p))
                         for p in probabilities], axis=1)
    probabilities = model.predict_proba(x)
    classes = list(model.classes_)
    full = np.zeros((len(probabilities), max(n_classes, 2)))
    for column, label in enumerate(classes):
        full[:, int(label)] = probabilities[:, column]
    if kind == "binary":
        return full[:, 1:2]
    return full


def _table_model(name: str, kind: str, frame: Any, seed: int) -> Any:
    from sklearn.compose import ColumnTransformer
    from sklearn.impute import SimpleImputer
    from sklearn.multioutput import MultiOutputClassifier, MultiOutputRegressor
    from sklearn.pipeline import make_pipeline
    from sklearn.preprocessing import OneHotEncoder, OrdinalEncoder, StandardScaler

    categorical: list[Any] = []
    numeric: list[Any] = []
    if frame is not None:
        import pandas as pd

        for column in frame.columns:
            is_number = pd.api.types.is_numeric_dtype(frame[column]) and \
                not pd.api.types.is_bool_dtype(frame[column])
            (numeric if is_number else categorical).append(column)
    if name == "hist_gradient_boosting":
        from sklearn.ensemble import HistGradientBoostingClassifier, HistGradientBoostingRegressor

        if kind == "regression":
            estimator: Any = HistGradientBoostingRegressor(random_state=seed)
        else:
            estimator = HistGradientBoostingClassifier(random_state=seed)
        if categorical:
            estimator.set_params(categorical_features=[len(numeric) + i
                                                       for i in range(len(categorical))])
            encode = ColumnTransformer(
                [("numbers", "passthrough", numeric),
                 ("categories", make_pipeline(
                     SimpleImputer(strategy="constant", fill_value="missing"),
                     OrdinalEncoder(handle_unknown="use_encoded_value", unknown_value=np.nan)),
                  categorical)])
            estimator = make_pipeline(_as_text(categorical), encode, estimator)
    else:
        from sklearn.linear_model import LogisticRegression, Ridge

        estimator = Ridge() if kind == "regression" else LogisticRegression(max_iter=5000)
        scale = make_pipeline(SimpleImputer(strategy="median", keep_empty_features=True),
                              StandardScaler())
        if frame is None:
            estimator = make_pipeline(scale, estimator)
        else:
            encode = ColumnTransformer(
                [("numbers", scale, numeric),
                 ("categories", make_pipeline(
                     SimpleImputer(strategy="constant", fill_value="missing"),
                     OneHotEncoder(handle_unknown="ignore", max_categories=50)), categorical)])
            estimator = make_pipeline(_as_text(categorical), encode, estimator)
    if kind == "multilabel":
        return MultiOutputClassifier(estimator)
    if kind == "regression" and name == "hist_gradient_boosting":
        return _MaybeMultiOutput(estimator, MultiOutputRegressor)
    return estimator


def _as_text(columns: Sequence[Any]) -> Any:
    """Categorical columns as strings (a column of mixed numbers and text breaks the encoders)."""
    from sklearn.preprocessing import FunctionTransformer

    def convert(x: Any) -> Any:
        x = x.copy()
        for column in columns:
            x[column] = x[column].map(lambda v: v if v is None or v != v else str(v))
        return x

    return FunctionTransformer(convert if columns else None)


class _MaybeMultiOutput:
    """A single-output regressor, wrapped per target when there are several."""

    def __init__(self, estimator: Any, wrapper: Any) -> None:
        self.estimator, self.wrapper, self.model = estimator, wrapper, None

    def fit(self, x: Any, y: np.ndarray) -> "_MaybeMultiOutput":
        self.model = self.wrapper(self.estimator) if np.ndim(y) == 2 and y.shape[1] > 1 \
            else self.estimator
        self.model.fit(x, y.reshape(-1) if np.ndim(y) == 2 and y.shape[1] == 1 else y)
        return self

    def predict(self, x: Any) -> np.ndarray:
        return self.model.predict(x)  # type: ignore[union-attr]


def _text_model(kind: str) -> Any:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression, Ridge
    from sklearn.pipeline import make_pipeline

    model = Ridge() if kind == "regression" else LogisticRegression(max_iter=5000)
    vectorizer = TfidfVectorizer(ngram_range=(1, 2), min_df=1, sublinear_tf=True)
    if kind == "multilabel":
        from sklearn.multioutput import MultiOutputClassifier

        model = MultiOutputClassifier(model)
    from sklearn.preprocessing import FunctionTransformer

    flatten = FunctionTransformer(lambda x: np.asarray(x).astype(str).reshape(-1))
    return make_pipeline(flatten, vectorizer, model)


class _NearestNeighbour:
    """1-NN with Euclidean distance on series z-normalised per example and channel."""

    def fit(self, x: np.ndarray, y: np.ndarray) -> "_NearestNeighbour":
        self.x = _znormalise(x)
        self.y = np.asarray(y).reshape(-1)
        return self

    def predict_scores(self, x: np.ndarray, kind: str, n_classes: int) -> np.ndarray:
        query = _znormalise(x)
        nearest = np.empty(len(query), dtype=np.int64)
        train_sq = np.einsum("ij,ij->i", self.x, self.x)
        for start in range(0, len(query), 256):  # bounded memory: 256 x n_train distances
            block = query[start:start + 256]
            distances = train_sq[None, :] - 2 * block @ self.x.T
            nearest[start:start + 256] = distances.argmin(axis=1)
        labels = self.y[nearest].astype(np.int64)
        scores = np.eye(max(n_classes, 2))[labels]
        return scores[:, 1:2] if kind == "binary" else scores


def _znormalise(x: np.ndarray) -> np.ndarray:
    x = np.asarray(x, dtype=np.float64)
    if x.ndim == 2:
        x = x[:, :, None]
    mean = x.mean(axis=1, keepdims=True)
    std = x.std(axis=1, keepdims=True)
    return ((x - mean) / np.where(std > 1e-8, std, 1.0)).reshape(len(x), -1)


# -- forecasting ----------------------------------------------------------------------------------

def _forecast_reference(dataset: Dataset, target: np.ndarray, split: Split,
                        validation: Optional[Part], test: Part, mase_scale: Any
                        ) -> Optional[Reference]:
    series = np.asarray(target, dtype=np.float64).reshape(len(target), -1)
    horizon = dataset.profile.effective_horizon
    season = dataset.profile.season_length or 1
    (_, train_end), (_, validation_end), _ = split.ranges()
    validation_end = max(validation_end, train_end)
    methods: dict[str, Callable[[int, np.ndarray], np.ndarray]] = {
        "seasonal_naive": lambda fit_end, origins: _seasonal_naive(series, origins, horizon,
                                                                   season)}
    seasonal = season > 1 and train_end >= 2 * season + 2
    for form in (("additive", "multiplicative") if seasonal and series.min() > 0 else
                 ("additive",)):
        methods[f"holt_winters_{form}"] = (
            lambda fit_end, origins, form=form: _holt_winters(
                series, fit_end, origins, horizon, season if seasonal else 1, form))
    kind = "forecasting"
    candidates = []
    notes = []
    for name, method in methods.items():
        candidate = Candidate(name, {})
        try:
            if validation is not None and len(validation):
                predicted = method(train_end, validation.origins)
                candidate.validation_metrics = score(kind, validation.y_raw, predicted,
                                                     mase_scale=mase_scale)
            candidate.metrics = score(kind, test.y_raw, method(validation_end, test.origins),
                                      mase_scale=mase_scale)
        except (ValueError, np.linalg.LinAlgError) as exc:
            notes.append(f"{name} could not be fitted: {exc}")
            continue
        candidate.note = "parameters fitted on the series before the part scored"
        candidates.append(candidate)
    if not candidates:
        return None
    chosen = _choose(kind, candidates)
    description = DESCRIPTIONS[chosen.name]
    if season > 1:
        description += f", season {season}"
    return Reference(chosen.name, description, chosen.metrics, chosen.validation_metrics,
                     candidates, 0.0, notes)


def _seasonal_naive(series: np.ndarray, origins: np.ndarray, horizon: int,
                    season: int) -> np.ndarray:
    index = seasonal_naive_index(np.asarray(origins), horizon, season)
    if index.min() < 0:
        index = seasonal_naive_index(np.asarray(origins), horizon, 1)
    return series[index].reshape(len(origins), -1)


def _holt_winters(series: np.ndarray, fit_end: int, origins: np.ndarray, horizon: int,
                  season: int, form: str) -> np.ndarray:
    """Holt-Winters fitted on ``series[:fit_end]``, then run with those parameters over the
    series up to each origin and forecast ``horizon`` steps (exactly the fitted model's state
    there: fixed parameters and the fitted initial state)."""
    out = np.empty((len(origins), horizon, series.shape[1]))
    for column in range(series.shape[1]):
        values = series[:, column]
        settings = {"trend": "add", "damped_trend": True,
                    "seasonal": None if season < 2 else form[:3],
                    "seasonal_periods": season if season >= 2 else None}
        fitted = _hw_model(values[:fit_end], settings).fit()
        params = fitted.params
        known = {"initialization_method": "known",
                 "initial_level": params["initial_level"]}
        if settings["trend"]:
            known["initial_trend"] = params["initial_trend"]
        if settings["seasonal"]:
            known["initial_seasonal"] = params["initial_seasons"]
        fixed = {key: params[key] for key in ("smoothing_level", "smoothing_trend",
                                              "smoothing_seasonal", "damping_trend")
                 if key in params and params[key] is not None and
                 not (isinstance(params[key], float) and math.isnan(params[key]))}
        for row, origin in enumerate(origins):
            model = _hw_model(values[:int(origin)], settings, **known)
            out[row, :, column] = model.fit(optimized=False, **fixed).forecast(horizon)
    return out.reshape(len(origins), -1)


def _hw_model(values: np.ndarray, settings: dict[str, Any], **initial: Any) -> Any:
    from statsmodels.tsa.holtwinters import ExponentialSmoothing

    options = dict(settings)
    if not options["seasonal"]:
        options.pop("seasonal_periods")
    return ExponentialSmoothing(values, initialization_method=initial.pop(
        "initialization_method", "estimated"), **options, **initial)


def mase_scale(target: np.ndarray, end: int, season: Optional[int]) -> np.ndarray:
    """The in-sample MAE of the seasonal naive forecast on ``target[:end]`` (per series): the
    denominator of MASE (season 1, the naive forecast, when the series has none)."""
    series = np.asarray(target, dtype=np.float64).reshape(len(target), -1)[:end]
    lag = season if season and len(series) > season else 1
    error = np.mean(np.abs(series[lag:] - series[:-lag]), axis=0)
    return np.where(error > 1e-12, error, 1.0)


__all__ = ["classical_reference", "mase_scale", "Reference", "Candidate"]
