"""Training one setup on a split, the document's default setup, the trivial baseline, scores.

:func:`train_run` builds exactly the setup's layers (:func:`~advisor.executor.build.build_model`),
compiles them, and fits them on a cached, shuffled ``tf.data`` pipeline (about 2.5x less
per-epoch overhead than handing Keras numpy arrays on small data sets) with the setup's callbacks
(early stopping with restored best weights, ReduceLROnPlateau), class weights and seed. Keras uses
a GPU when TensorFlow sees one.
"""

from __future__ import annotations

import math
import sys
import time
from dataclasses import dataclass, field
from typing import Any, Optional, Sequence

import numpy as np

from ..errors import AdvisorError
from ..models import TrainingSetup
from ..profile import DatasetProfile
from ..steps import SCALING_STEPS, TARGET_STEPS
from .build import as_setup, build_model, class_weights, compile_model, training_callbacks
from .preprocess import Part, task_of

DOCUMENT_DEFAULT = "document_default"
RECOMMENDED = "recommended"
TRIVIAL = "trivial"
# metric -> higher is better
METRIC_DIRECTION = {"accuracy": True, "macro_f1": True, "roc_auc": True, "micro_f1": True,
                    "mase": False, "mae": False, "rmse": False}
ONE_HOT_LOSSES = {"categorical_crossentropy", "categorical_focal_crossentropy",
                  "categorical_hinge", "kl_divergence"}


def primary_metric(problem_type: str) -> str:
    """The score runs are compared on."""
    return {"binary": "roc_auc", "multiclass": "accuracy", "multilabel": "micro_f1",
            "forecasting": "mase"}.get(problem_type, "mae")


# -- the document's default setup -----------------------------------------------------------------

def document_default_setup(recommended: Any, profile: DatasetProfile) -> TrainingSetup:
    """The source document's example setup for this task, on the same inputs.

    Dense(64, relu) -> Dense(64, relu) -> the output, on flattened inputs; Adam at 1e-3; 10
    epochs of batch 32; cross-entropy for classification, mean squared error for regression
    (section 4 of the document). Its preprocessing is the document's min-max normalization
    (section 2) in place of the recommended scaling steps and no target scaling; the steps that
    make the data usable at all (imputation, encoding, tokenizing, windows, padding) are kept.
    """
    recommended = as_setup(recommended)
    kind = profile.problem_type
    first = dict(recommended.model.layers[0])
    first.pop("dtype", None)
    layers: list[dict[str, Any]] = [first]
    if len(first.get("shape", [])) > 1:
        layers.append({"type": "Flatten"})
    units = recommended.model.output.units
    if kind == "binary":
        units, activation, loss, metrics = 1, "sigmoid", "binary_crossentropy", ["accuracy"]
    elif kind == "multiclass":
        activation, loss, metrics = "softmax", "sparse_categorical_crossentropy", ["accuracy"]
        units = profile.n_classes or units
    elif kind == "multilabel":
        activation, loss, metrics = "sigmoid", "binary_crossentropy", ["binary_accuracy"]
    else:
        activation, loss, metrics = "linear", "mean_squared_error", ["mean_absolute_error"]
    layers += [{"type": "Dense", "units": 64, "activation": "relu"},
               {"type": "Dense", "units": 64, "activation": "relu"},
               {"type": "Dense", "units": units, "activation": activation, "name": "output"}]
    token_input = any(s.get("step") in ("tokenize", "pad") for s in recommended.preprocessing)
    scale = not token_input and profile.data_structure != "text"
    steps: list[dict[str, Any]] = []
    for step in recommended.preprocessing:
        name = step.get("step")
        if name in TARGET_STEPS or name in SCALING_STEPS:
            continue
        step = dict(step)
        if name == "window":  # plain windows of raw values: no base forecast to correct
            step.pop("base", None)
            step.pop("season_length", None)
        steps.append(step)
    if scale:  # min-max after cleaning and encoding, before windows are cut
        position = max((i + 1 for i, s in enumerate(steps)
                        if s.get("step") in ("impute", "one_hot")), default=0)
        steps.insert(position, {"step": "min_max"})
    return TrainingSetup.model_validate({
        "model": {"family": "mlp", "layers": layers,
                  "output": {"units": units, "activation": activation}},
        "loss": {"name": loss},
        "optimizer": {"name": "adam", "learning_rate": 0.001},
        "lr_schedule": None,
        "regularization": {"dropout": 0.0, "l1": 0.0, "l2": 0.0, "early_stopping": None,
                           "augmentation": []},
        "training": {"batch_size": 32, "epochs": 10,
                     "validation_split": recommended.training.validation_split,
                     "class_weight": None},
        "preprocessing": steps,
        "metrics": metrics,
    })


# -- one training run -----------------------------------------------------------------------------

@dataclass
class Prepared:
    """The three parts of one split, transformed for one setup."""

    train: Part
    validation: Optional[Part]
    test: Part
    mase_scale: Any = None  # forecasting: the training series' seasonal-naive MAE per series
    processor: Any = None  # the Preprocessor fitted on the training part (for the export)


@dataclass
class RunResult:
    name: str
    setup: TrainingSetup
    history: dict[str, list[float]]
    epochs_planned: int
    epochs_run: int
    best_epoch: int
    stopped_early: bool
    nan_seen: bool
    wall_time_s: float
    fit_time_s: float
    n_parameters: int
    metrics: dict[str, Optional[float]]
    validation_metrics: dict[str, Optional[float]] = field(default_factory=dict)
    test_predictions: Any = None
    seed: int = 0
    stopped_at_deadline: bool = False
    model: Any = None  # the trained Keras model (verify --save exports it)
    processor: Any = None  # the Preprocessor its inputs were made with


def _keras():
    from .build import _keras as load

    return load()


def _labels_for_loss(y: np.ndarray, setup: TrainingSetup, n_outputs: int) -> np.ndarray:
    """Integer class codes become one-hot rows for losses that need them."""
    if setup.loss.name.lower() in ONE_HOT_LOSSES and y.ndim == 1:
        return np.eye(n_outputs, dtype=np.float32)[y.astype(np.int64)]
    return y


def _dataset(x: np.ndarray, y: np.ndarray, batch_size: int, *, shuffle: bool, seed: int) -> Any:
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle:
        data = data.shuffle(len(x), seed=seed, reshuffle_each_iteration=True)
    return data.batch(batch_size).prefetch(tf.data.AUTOTUNE)


def check_input_shape(setup: TrainingSetup, example_shape: tuple[int, ...],
                      raw_width: Optional[int]) -> Optional[list[int]]:
    """The Input shape to build with: None (the config's) or the data's where it only differs
    by encoding (tabular columns widened by one-hot / indicator columns).

    Raises:
        AdvisorError: the config's Input shape does not fit the data.
    """
    configured = list(setup.model.layers[0].get("shape") or [])
    actual = list(example_shape)
    if configured == actual:
        return None
    if raw_width is not None and len(configured) == 1 and len(actual) == 1 \
            and configured[0] == raw_width:
        return actual
    raise AdvisorError(f"the config's Input shape {configured} does not match the data's examples "
                       f"{actual} (after preprocessing); recommend a setup for this data set "
                       "(advisor recommend --data ...) or fix model.layers[0].shape",
                       where="model.layers[0] (Input)")


def train_run(name: str, setup: Any, data: Prepared, *, profile: DatasetProfile, seed: int = 0,
              max_epochs: Optional[int] = None, verbose: int = 0,
              raw_width: Optional[int] = None, deadline: Optional[float] = None) -> RunResult:
    """Build, compile and fit one setup on prepared data; score it on the test part.

    ``deadline`` (a ``time.time()`` value; advised search's budget): training stops at the
    first batch that ends after it, keeping the best weights seen (early stopping's, or the
    best epoch's by the monitored loss).
    """
    keras = _keras()
    _quiet_tensorflow()
    setup = as_setup(setup)
    started = time.perf_counter()
    input_shape = check_input_shape(setup, data.train.x.shape[1:], raw_width)
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    model = compile_model(build_model(setup, input_shape=input_shape), setup)
    n_outputs = int(model.output_shape[-1])
    has_validation = data.validation is not None and len(data.validation) > 0
    epochs = setup.training.epochs if max_epochs is None else min(setup.training.epochs,
                                                                  max_epochs)
    batch = setup.training.batch_size
    y_train = _labels_for_loss(data.train.y, setup, n_outputs)
    train_data = _dataset(data.train.x, y_train, batch, shuffle=True, seed=seed)
    validation_data = None
    if has_validation:
        validation_data = _dataset(data.validation.x,
                                   _labels_for_loss(data.validation.y, setup, n_outputs),
                                   batch, shuffle=False, seed=seed)
    callbacks = training_callbacks(setup, validation=has_validation)
    callbacks.append(_stop_on_nan(keras))
    deadline_stop = None
    if deadline is not None:
        deadline_stop = _stop_at_deadline(keras, deadline, setup, has_validation)
        callbacks.append(deadline_stop)
    weights = None
    if profile.problem_type in ("binary", "multiclass"):
        weights = class_weights(data.train.y, setup)
    fit_started = time.perf_counter()
    history = model.fit(train_data, validation_data=validation_data, epochs=epochs,
                        callbacks=callbacks, class_weight=weights, verbose=verbose,
                        shuffle=False)
    fit_time = time.perf_counter() - fit_started
    logs = {key: [float(v) for v in values] for key, values in history.history.items()}
    epochs_run = len(logs.get("loss", []))
    nan_seen = any(not math.isfinite(v) for key in ("loss", "val_loss") for v in logs.get(key, []))
    monitor = "val_loss" if has_validation and "val_loss" in logs else "loss"
    curve = [v if math.isfinite(v) else math.inf for v in logs.get(monitor, [])]
    best_epoch = int(np.argmin(curve)) + 1 if curve else 0
    # one predict call for both parts: each call with new shapes costs a tf.function trace
    n_test = len(data.test.x)
    inputs = (np.concatenate([data.test.x, data.validation.x]) if has_validation
              else data.test.x)
    predictions = _predict(model, inputs, batch)
    test_pred = data.test.restore(predictions[:n_test])
    metrics = score(profile.problem_type, data.test.y_raw, test_pred,
                    mase_scale=data.mase_scale)
    validation_metrics = {}
    if has_validation:
        validation_metrics = score(profile.problem_type, data.validation.y_raw,
                                   data.validation.restore(predictions[n_test:]),
                                   mase_scale=data.mase_scale)
    n_parameters = int(model.count_params())
    # no clear_session here: it costs ~0.2 s (a full gc.collect); the next run starts with one
    return RunResult(name=name, setup=setup, history=logs, epochs_planned=epochs,
                     epochs_run=epochs_run, best_epoch=best_epoch,
                     stopped_early=epochs_run < epochs, nan_seen=nan_seen,
                     wall_time_s=time.perf_counter() - started, fit_time_s=fit_time,
                     n_parameters=n_parameters, metrics=metrics,
                     validation_metrics=validation_metrics, test_predictions=test_pred,
                     seed=seed, model=model, processor=data.processor,
                     stopped_at_deadline=bool(deadline_stop and deadline_stop.stopped))


def _stop_at_deadline(keras: Any, deadline: float, setup: TrainingSetup,
                      has_validation: bool) -> Any:
    """Stop at the first batch that ends after ``deadline`` and keep the best weights. Early
    stopping with restore_best_weights restores them at the end of training anyway; without
    it this callback keeps a copy of the best epoch's weights itself. A per-batch hook costs
    10-20% of the fit on small models, so it is added only when there is a deadline."""
    stopping = setup.regularization.early_stopping
    restores = stopping is not None and stopping.restore_best_weights
    monitor = "val_loss" if has_validation else "loss"

    class StopAtDeadline(keras.callbacks.Callback):
        stopped = False
        best = math.inf
        best_weights = None

        def _check(self) -> None:
            if not self.stopped and time.time() >= deadline:
                self.stopped = True
                self.model.stop_training = True

        def on_train_batch_end(self, batch: int, logs: Optional[dict] = None) -> None:
            self._check()

        def on_epoch_begin(self, epoch: int, logs: Optional[dict] = None) -> None:
            self._check()

        def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
            value = (logs or {}).get(monitor)
            if not restores and value is not None and math.isfinite(float(value)) \
                    and float(value) < self.best:
                self.best = float(value)
                self.best_weights = self.model.get_weights()

        def on_train_end(self, logs: Optional[dict] = None) -> None:
            if self.stopped and self.best_weights is not None:
                self.model.set_weights(self.best_weights)

    return StopAtDeadline()


def _stop_on_nan(keras: Any) -> Any:
    """Stop after an epoch whose loss is NaN or infinite. Like TerminateOnNaN, but checked per
    epoch: a per-batch hook makes Keras fetch the logs after every step, which costs 10-20% of
    the fit on small models."""

    class StopOnNaN(keras.callbacks.Callback):
        def on_epoch_end(self, epoch: int, logs: Optional[dict] = None) -> None:
            values = [logs.get(key) for key in ("loss", "val_loss")] if logs else []
            if any(v is not None and not math.isfinite(float(v)) for v in values):
                self.model.stop_training = True

    return StopOnNaN()


def _quiet_tensorflow() -> None:
    """Silence TensorFlow's Python logger below errors: each run builds a fresh model, which
    its retracing warnings misread as a performance bug."""
    import logging

    logging.getLogger("tensorflow").setLevel(logging.ERROR)


def _predict(model: Any, x: np.ndarray, batch_size: int) -> np.ndarray:
    import tensorflow as tf

    data = tf.data.Dataset.from_tensor_slices(x).batch(max(batch_size, 256))
    return np.asarray(model.predict(data, verbose=0), dtype=np.float64)


# -- trivial baseline and scores ------------------------------------------------------------------

def trivial_predictions(problem_type: str, y_train: np.ndarray, n: int, *,
                        last_value: Optional[np.ndarray] = None, n_classes: Optional[int] = None
                        ) -> tuple[np.ndarray, str]:
    """Predictions of the trivial baseline and its name: the majority class (scored with the
    class frequencies as probabilities), each label's majority, the training mean, or the last
    observed value (forecasts)."""
    if problem_type in ("binary", "multiclass"):
        k = max(int(n_classes or 2), int(y_train.max()) + 1)
        prior = np.bincount(y_train.astype(np.int64), minlength=k) / len(y_train)
        if problem_type == "binary":
            return np.full((n, 1), prior[1]), "majority class"
        return np.tile(prior, (n, 1)), "majority class"
    if problem_type == "multilabel":
        prior = y_train.mean(axis=0)
        return np.tile(prior, (n, 1)), "majority of each label"
    if problem_type == "forecasting" and last_value is not None:
        return np.asarray(last_value, dtype=np.float64), "last value"
    mean = np.asarray(y_train, dtype=np.float64).mean(axis=0)
    return np.tile(mean, (n, 1)) if np.ndim(mean) else np.full(n, float(mean)), "training mean"


METRICS = {"binary": ("accuracy", "macro_f1", "roc_auc"), "multiclass": ("accuracy", "macro_f1"),
           "multilabel": ("micro_f1", "macro_f1"), "forecasting": ("mase", "mae", "rmse")}


def score(problem_type: str, y_true: Any, predictions: np.ndarray, *,
          mase_scale: Any = None) -> dict[str, Optional[float]]:
    """The task's metrics (scikit-learn): accuracy and macro F1 for classes, plus ROC AUC for
    binary; micro and macro F1 for multilabel; MAE and RMSE for regression and forecasts, and
    for forecasts MASE: the mean absolute error over the horizon divided by ``mase_scale``, the
    training series' in-sample seasonal-naive MAE (one value per series; Hyndman and Koehler
    2006). Every metric is None when the model predicted NaN or infinity (a diverged run)."""
    from sklearn import metrics as sk

    y_true = np.asarray(y_true)
    p = np.asarray(predictions, dtype=np.float64)
    names = METRICS.get(problem_type, ("mae", "rmse"))
    if problem_type == "forecasting" and mase_scale is None:
        names = ("mae", "rmse")
    if not np.all(np.isfinite(p)):
        return {name: None for name in names}
    if problem_type == "binary":
        probability = p[:, -1] if p.ndim == 2 and p.shape[1] == 2 else p.reshape(-1)
        if p.ndim == 2 and p.shape[1] == 2 and not np.allclose(p.sum(axis=1), 1, atol=1e-3):
            probability = _sigmoid(p[:, 1] - p[:, 0])  # two logits
        labels = (probability >= 0.5).astype(np.int64)
        y = y_true.reshape(-1).astype(np.int64)
        out = {"accuracy": sk.accuracy_score(y, labels),
               "macro_f1": sk.f1_score(y, labels, average="macro", zero_division=0)}
        if len(np.unique(y)) == 2:
            out["roc_auc"] = sk.roc_auc_score(y, probability)
        return _rounded(out)
    if problem_type == "multiclass":
        labels = p.argmax(axis=1)
        y = y_true.reshape(-1).astype(np.int64)
        return _rounded({"accuracy": sk.accuracy_score(y, labels),
                         "macro_f1": sk.f1_score(y, labels, average="macro", zero_division=0)})
    if problem_type == "multilabel":
        labels = (p >= 0.5).astype(np.int64)
        y = y_true.astype(np.int64)
        return _rounded({"micro_f1": sk.f1_score(y, labels, average="micro", zero_division=0),
                         "macro_f1": sk.f1_score(y, labels, average="macro", zero_division=0)})
    y = y_true.reshape(len(y_true), -1).astype(np.float64)
    p = p.reshape(len(p), -1)
    out = {"mae": sk.mean_absolute_error(y, p), "rmse": math.sqrt(sk.mean_squared_error(y, p))}
    if "mase" in names:
        scale = np.asarray(mase_scale, dtype=np.float64).reshape(-1)
        errors = np.abs(y - p).reshape(len(y), -1, len(scale))  # (windows, horizon, series)
        out = {"mase": float(np.mean(errors / scale)), **out}
    return _rounded(out)


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _rounded(values: dict[str, float]) -> dict[str, float]:
    return {k: round(float(v), 6) for k, v in values.items()}


def skill(problem_type: str, metrics: dict[str, float], trivial: dict[str, float]
          ) -> Optional[float]:
    """How much of the gap between the trivial baseline and a perfect score a run closed:
    1 perfect, 0 no better than trivial, negative worse (on the primary metric)."""
    name = primary_metric(problem_type)
    if name not in metrics or name not in trivial:
        return None
    value, base = metrics[name], trivial[name]
    if value is None or base is None or not (math.isfinite(value) and math.isfinite(base)):
        return -1.0
    if METRIC_DIRECTION[name]:
        best = 1.0
        return 0.0 if best - base <= 1e-12 else (value - base) / (best - base)
    return 0.0 if base <= 1e-12 else 1.0 - value / base


def beats(problem_type: str, a: dict[str, float], b: dict[str, float], *,
          tolerance: float = 0.0) -> bool:
    """Whether scores ``a`` match or beat ``b`` on the primary metric (within ``tolerance``)."""
    name = primary_metric(problem_type)
    if a.get(name) is None:
        return False
    if b.get(name) is None:
        return True
    if METRIC_DIRECTION[name]:
        return a[name] >= b[name] - tolerance
    return a[name] <= b[name] + tolerance


def keras_verbosity(quiet: bool) -> int:
    """Keras progress bars only on a terminal, never in scripts and logs."""
    if quiet:
        return 0
    stream = sys.stdout
    return 1 if getattr(stream, "isatty", lambda: False)() else 0


def device_name() -> str:
    import tensorflow as tf

    from . import native_stderr_silenced

    with native_stderr_silenced():  # CUDA probing logs "failed call to cuInit" on CPU hosts
        gpus = tf.config.list_physical_devices("GPU")
    return f"GPU ({len(gpus)})" if gpus else "CPU"


__all__ = ["document_default_setup", "train_run", "trivial_predictions", "score", "skill",
           "beats", "primary_metric", "RunResult", "Prepared", "task_of"]


def mean_metrics(runs: Sequence[RunResult], key: str = "metrics"
                  ) -> tuple[dict[str, Optional[float]], dict[str, Optional[float]]]:
    """The mean and the standard deviation over seeds of each metric (None if any is None)."""
    names = list(getattr(runs[0], key))
    mean: dict[str, Optional[float]] = {}
    spread: dict[str, Optional[float]] = {}
    for name in names:
        values = [getattr(run, key).get(name) for run in runs]
        if any(v is None for v in values):
            mean[name] = spread[name] = None
            continue
        mean[name] = round(float(np.mean(values)), 6)
        spread[name] = round(float(np.std(values, ddof=1)), 6) if len(values) > 1 else 0.0
    return mean, spread
