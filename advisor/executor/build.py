"""Build, compile and train-configure the Keras model a :class:`~advisor.models.TrainingSetup`
describes.

* :func:`build_model` builds exactly ``setup.model.layers`` as a ``keras.Sequential``: each entry
  ``{"type": <keras.layers class>, **keyword arguments}``; ``Input`` first; ``Bidirectional``
  wraps a nested layer entry; ``{"class_name": ..., "config": ...}`` values of ``*_regularizer``,
  ``*_initializer`` and ``*_constraint`` arguments become Keras objects; the composite layers of
  :mod:`advisor.executor.layers`; ``Backbone`` is a ``keras.applications`` network whose ImageNet
  weights come from the local Keras cache only (never downloaded).
* :func:`compile_model` resolves the optimizer, learning-rate schedule, loss and metrics by name.
* :func:`training_callbacks` and :func:`class_weights` give what ``model.fit`` needs besides data.

Keras is imported only when a function needs it. The name tables and the ``*_arguments``
functions are plain Python: :mod:`advisor.executor.script` uses them to write the same model as
source code, so a generated script and :func:`build_model` cannot drift apart.
"""

from __future__ import annotations

import inspect
import keyword
from typing import Any, Mapping

from ..errors import AdvisorError
from ..models import TrainingSetup

COMPOSITE_LAYERS = ("TokenAndPositionEmbedding", "PositionEmbedding", "TransformerBlock")

# Loss names a setup may use (Keras's function names and common aliases) -> keras.losses class.
LOSS_CLASSES: dict[str, str] = {
    "binary_crossentropy": "BinaryCrossentropy",
    "categorical_crossentropy": "CategoricalCrossentropy",
    "sparse_categorical_crossentropy": "SparseCategoricalCrossentropy",
    "binary_focal_crossentropy": "BinaryFocalCrossentropy",
    "categorical_focal_crossentropy": "CategoricalFocalCrossentropy",
    "mean_squared_error": "MeanSquaredError",
    "mse": "MeanSquaredError",
    "mean_absolute_error": "MeanAbsoluteError",
    "mae": "MeanAbsoluteError",
    "mean_absolute_percentage_error": "MeanAbsolutePercentageError",
    "mean_squared_logarithmic_error": "MeanSquaredLogarithmicError",
    "huber": "Huber",
    "log_cosh": "LogCosh",
    "poisson": "Poisson",
    "kl_divergence": "KLDivergence",
    "hinge": "Hinge",
    "squared_hinge": "SquaredHinge",
    "categorical_hinge": "CategoricalHinge",
    "cosine_similarity": "CosineSimilarity",
}
# Losses that take from_logits (the others reject the argument).
LOGIT_LOSSES = frozenset({"BinaryCrossentropy", "CategoricalCrossentropy",
                          "SparseCategoricalCrossentropy", "BinaryFocalCrossentropy",
                          "CategoricalFocalCrossentropy"})

OPTIMIZER_CLASSES: dict[str, str] = {
    "adam": "Adam", "adamw": "AdamW", "sgd": "SGD", "rmsprop": "RMSprop", "nadam": "Nadam",
    "adamax": "Adamax", "adagrad": "Adagrad", "adadelta": "Adadelta", "adafactor": "Adafactor",
    "ftrl": "Ftrl", "lion": "Lion", "lamb": "Lamb",
}

# Metric names Keras 3 does not accept (or accepts under another name) -> the name to compile
# with. Every name a recommendation uses today (accuracy, binary_accuracy, auc, precision, recall,
# mean_absolute_error, root_mean_squared_error) is accepted by keras.metrics.get as it is;
# "accuracy" is resolved by model.compile to binary / categorical / sparse categorical accuracy
# from the shapes of labels and predictions.
METRIC_ALIASES: dict[str, str] = {
    "acc": "accuracy",
    "rmse": "root_mean_squared_error",
    "mse": "mean_squared_error",
    "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error",
    "AUC": "auc",
    "roc_auc": "auc",
}

SCHEDULES = ("cosine_decay", "reduce_on_plateau")

# keyword-argument suffix -> keras module whose objects it takes as {"class_name", "config"}
KERAS_OBJECT_MODULES = {"_regularizer": "regularizers", "_initializer": "initializers",
                        "_constraint": "constraints"}


class _SetupWeights:
    def __repr__(self) -> str:
        return "<the setup's weights>"


SETUP_WEIGHTS: Any = _SetupWeights()


def _keras():
    from . import import_keras

    try:
        keras = import_keras()
    except ImportError as exc:  # pragma: no cover - the train extra is missing
        raise AdvisorError("building a model needs Keras: pip install 'advisor[train]' "
                           f"(tensorflow>=2.16); import failed: {exc}") from None
    return keras


def as_setup(setup: Any) -> TrainingSetup:
    """A :class:`TrainingSetup` from a setup, recommendation, config or plain mapping."""
    if type(setup) is TrainingSetup:
        return setup
    if isinstance(setup, TrainingSetup):  # a Recommendation or TrainingConfig
        fields = set(TrainingSetup.model_fields)
        return TrainingSetup.model_validate(setup.model_dump(include=fields))
    if isinstance(setup, Mapping):
        from ..errors import format_validation_error
        from pydantic import ValidationError

        data = {k: v for k, v in setup.items() if k in TrainingSetup.model_fields}
        try:
            return TrainingSetup.model_validate(data)
        except ValidationError as exc:
            raise AdvisorError(format_validation_error(exc, what="training setup")) from None
    raise AdvisorError(f"expected a TrainingSetup, Recommendation or mapping, got "
                       f"{type(setup).__name__}")


# -- plain-Python descriptions (shared with the script writer) ------------------------------------

def _where(index: int, layer: Any) -> str:
    kind = layer.get("type") if isinstance(layer, Mapping) else None
    return f"model.layers[{index}] ({kind})" if kind else f"model.layers[{index}]"


def layer_arguments(index: int, layer: Any) -> tuple[str, dict[str, Any]]:
    """Check one layer entry: its type and its keyword arguments (a copy, without ``type``)."""
    where = _where(index, layer)
    if not isinstance(layer, Mapping):
        raise AdvisorError(f"a layer is a mapping {{type: <Keras layer class>, ...}}, got "
                           f"{type(layer).__name__}", where=where)
    kind = layer.get("type")
    if not isinstance(kind, str) or not kind.isidentifier() or keyword.iskeyword(kind):
        raise AdvisorError(f"'type' must name a Keras layer class such as Dense or Conv2D, got "
                           f"{kind!r}", where=where)
    arguments = {k: v for k, v in layer.items() if k != "type"}
    bad = [k for k in arguments if not (isinstance(k, str) and k.isidentifier())]
    if bad:
        raise AdvisorError(f"argument names must be identifiers, got {bad}", where=where)
    if kind == "Input":
        shape = arguments.get("shape")
        if not (isinstance(shape, (list, tuple)) and shape
                and all(isinstance(d, int) and d > 0 for d in shape)):
            raise AdvisorError(f"Input needs 'shape', a list of positive integers, got {shape!r}",
                               where=where)
    elif kind == "Bidirectional":
        if not isinstance(arguments.get("layer"), Mapping):
            raise AdvisorError("Bidirectional needs 'layer', the recurrent layer it wraps "
                               "(a mapping with its own type)", where=where)
        layer_arguments(index, arguments["layer"])
    elif kind == "Backbone":
        if not isinstance(arguments.get("name"), str):
            raise AdvisorError("Backbone needs 'name', a keras.applications model such as "
                               "EfficientNetB0", where=where)
        unknown = set(arguments) - {"name", "weights", "trainable", "pooling"}
        if unknown:
            raise AdvisorError(f"unknown Backbone arguments {sorted(unknown)}; expected name, "
                               "weights, trainable, pooling", where=where)
    for key, value in arguments.items():
        module = keras_object_module(key)
        if module and isinstance(value, Mapping):
            if set(value) != {"class_name", "config"} or not isinstance(value["config"], Mapping):
                raise AdvisorError(f"{key} must be a name or {{class_name: ..., config: {{...}}}}, "
                                   f"got {value!r}", where=where)
    return kind, arguments


def keras_object_module(argument: str) -> str | None:
    """The keras module (regularizers, initializers, constraints) an argument takes objects of."""
    for suffix, module in KERAS_OBJECT_MODULES.items():
        if argument.endswith(suffix):
            return module
    return None


def check_layers(setup: Any) -> list[tuple[str, dict[str, Any]]]:
    """Every layer entry checked (see :func:`layer_arguments`); the first must be the Input."""
    entries = [layer_arguments(i, layer) for i, layer in enumerate(as_setup(setup).model.layers)]
    if entries[0][0] != "Input":
        raise AdvisorError(f"the first layer must be an Input with the example's shape, got "
                           f"{entries[0][0]}", where="model.layers[0]")
    for index, (kind, _) in enumerate(entries[1:], start=1):
        if kind == "Input":
            raise AdvisorError("only the first layer may be an Input (the model is a stack of "
                               "layers)", where=f"model.layers[{index}] (Input)")
    return entries


def _class_name(name: str) -> bool:
    """A Keras class name given directly (``Huber``), rather than a function name."""
    return name[:1].isupper() and name.isidentifier()


def loss_arguments(setup: Any) -> tuple[str, dict[str, Any]]:
    """The keras.losses class for the setup's loss and its keyword arguments."""
    spec = as_setup(setup).loss
    data = spec.model_dump()
    name, from_logits = data.pop("name"), data.pop("from_logits")
    cls = LOSS_CLASSES.get(name.lower()) or (name if _class_name(name) else None)
    if cls is None:
        raise AdvisorError(f"unknown loss {name!r}; known: {', '.join(sorted(LOSS_CLASSES))} "
                           "(or a keras.losses class name)", where="loss.name")
    if cls in LOGIT_LOSSES:
        data = {"from_logits": from_logits, **data}
    elif from_logits:
        raise AdvisorError(f"loss {name!r} takes no logits; set from_logits: false",
                           where="loss.from_logits")
    return cls, data


def optimizer_arguments(setup: Any) -> tuple[str, dict[str, Any]]:
    """The keras.optimizers class and its keyword arguments other than ``learning_rate``."""
    data = as_setup(setup).optimizer.model_dump()
    name = data.pop("name")
    data.pop("learning_rate")
    cls = OPTIMIZER_CLASSES.get(name.lower()) or (name if _class_name(name) else None)
    if cls is None:
        raise AdvisorError(f"unknown optimizer {name!r}; known: "
                           f"{', '.join(sorted(OPTIMIZER_CLASSES))}", where="optimizer.name")
    return cls, data


def schedule_arguments(setup: Any) -> dict[str, Any] | None:
    """``keras.optimizers.schedules.CosineDecay`` arguments for a cosine_decay schedule (warm-up
    from 0 to the learning rate over warmup_steps, then cosine decay over decay_steps); None for
    no schedule or reduce_on_plateau (a callback, see :func:`training_callbacks`)."""
    setup = as_setup(setup)
    schedule = setup.lr_schedule
    if schedule is None:
        return None
    data = schedule.model_dump()
    name = data.pop("name")
    if name == "reduce_on_plateau":
        return None
    if name != "cosine_decay":
        raise AdvisorError(f"unknown schedule {name!r}; known: {', '.join(SCHEDULES)}",
                           where="lr_schedule.name")
    try:
        decay_steps = int(data["decay_steps"])
    except (KeyError, TypeError, ValueError):
        raise AdvisorError("cosine_decay needs decay_steps, a positive integer",
                           where="lr_schedule.decay_steps") from None
    warmup = int(data.get("warmup_steps") or 0)
    arguments: dict[str, Any] = {"decay_steps": max(1, decay_steps),
                                 "alpha": float(data.get("alpha", 0.0))}
    rate = setup.optimizer.learning_rate
    if warmup > 0:
        arguments = {"initial_learning_rate": 0.0, **arguments, "warmup_target": rate,
                     "warmup_steps": warmup}
    else:
        arguments = {"initial_learning_rate": rate, **arguments}
    return arguments


def plateau_arguments(setup: Any) -> dict[str, Any] | None:
    """``keras.callbacks.ReduceLROnPlateau`` arguments when the schedule is reduce_on_plateau."""
    schedule = as_setup(setup).lr_schedule
    if schedule is None or schedule.name != "reduce_on_plateau":
        return None
    data = schedule.model_dump()
    data.pop("name")
    return data


def metric_names(setup_or_names: Any) -> list[str]:
    """The names to compile with (:data:`METRIC_ALIASES` applied)."""
    names = (setup_or_names if isinstance(setup_or_names, (list, tuple))
             else as_setup(setup_or_names).metrics)
    return [METRIC_ALIASES.get(name, name) for name in names]


def early_stopping_arguments(setup: Any, *, validation: bool = True) -> dict[str, Any] | None:
    """``keras.callbacks.EarlyStopping`` arguments (None when not recommended); without
    validation data a ``val_`` monitor falls back to the training value."""
    spec = as_setup(setup).regularization.early_stopping
    if spec is None:
        return None
    data = spec.model_dump()
    if not validation and data["monitor"].startswith("val_"):
        data["monitor"] = data["monitor"][len("val_"):]
    return data


# -- Keras objects --------------------------------------------------------------------------------

def _keras_object(keras: Any, key: str, value: Any) -> Any:
    module = keras_object_module(key)
    if module and isinstance(value, Mapping):
        cls = getattr(getattr(keras, module), value["class_name"], None)
        if cls is None:
            raise ValueError(f"{key}: keras.{module} has no {value['class_name']!r}")
        return cls(**value["config"])
    return value


def _layer_kwargs(keras: Any, arguments: Mapping[str, Any]) -> dict[str, Any]:
    kwargs = {}
    for key, value in arguments.items():
        value = _keras_object(keras, key, value)
        if key in ("shape", "target_shape", "dims") and isinstance(value, list):
            value = tuple(value)
        kwargs[key] = value
    return kwargs


def _make_layer(keras: Any, index: int, kind: str, arguments: Mapping[str, Any]) -> Any:
    from . import layers as composite

    if kind in COMPOSITE_LAYERS:
        return getattr(composite, kind)(**arguments)
    if kind == "Bidirectional":
        inner_kind, inner = layer_arguments(index, arguments["layer"])
        rest = {k: v for k, v in arguments.items() if k != "layer"}
        return keras.layers.Bidirectional(_make_layer(keras, index, inner_kind, inner),
                                          **_layer_kwargs(keras, rest))
    cls = getattr(keras.layers, kind, None)
    if not (inspect.isclass(cls) and issubclass(cls, keras.layers.Layer)):
        raise AdvisorError(f"unknown layer type {kind!r}: not a keras.layers class nor one of "
                           f"Input, Backbone, {', '.join(COMPOSITE_LAYERS)}",
                           where=f"model.layers[{index}] ({kind})")
    return cls(**_layer_kwargs(keras, arguments))


def _backbone(index: int, arguments: Mapping[str, Any], weights: Any, input_shape: tuple) -> Any:
    from . import layers as composite

    chosen = arguments.get("weights", "imagenet") if weights is SETUP_WEIGHTS else weights
    try:
        return composite.make_backbone(arguments["name"], weights=chosen, input_shape=input_shape,
                                       pooling=arguments.get("pooling", "avg"),
                                       trainable=arguments.get("trainable", False))
    except composite.MissingWeightsError as exc:
        raise AdvisorError(str(exc), where=f"model.layers[{index}] (Backbone)") from None


def build_model(setup: Any, *, weights: Any = SETUP_WEIGHTS,
                input_shape: Any = None) -> Any:
    """Build ``setup.model.layers`` as an (uncompiled) ``keras.Sequential``.

    Args:
        setup: a TrainingSetup, Recommendation, TrainingConfig or mapping.
        weights: for a ``Backbone``: the setup's choice by default ("imagenet", read from the
            local Keras cache only); ``None`` for random weights; or a weights file path.
        input_shape: replaces the Input's shape (e.g. tabular data widened by one-hot columns).

    Raises:
        AdvisorError: an unknown or misconfigured layer (naming its index and type), or ImageNet
            weights missing from the local cache (naming the file and the fix).
    """
    keras = _keras()
    setup = as_setup(setup)
    entries = check_layers(setup)
    model = keras.Sequential(name=f"advisor_{setup.model.family}")
    for index, (kind, arguments) in enumerate(entries):
        where = f"model.layers[{index}] ({kind})"
        try:
            if kind == "Input":
                shape = tuple(input_shape) if input_shape is not None else tuple(arguments["shape"])
                model.add(keras.Input(**{**arguments, "shape": shape}))
            elif kind == "Backbone":
                model.add(_backbone(index, arguments, weights, tuple(model.output_shape[1:])))
            else:
                model.add(_make_layer(keras, index, kind, arguments))
        except AdvisorError:
            raise
        except Exception as exc:  # Keras raises TypeError/ValueError and backend errors
            message = str(exc).strip().splitlines()[0] if str(exc).strip() else type(exc).__name__
            raise AdvisorError(f"cannot build this layer: {message}", where=where) from exc
    return model


def make_loss(setup: Any) -> Any:
    keras = _keras()
    cls_name, arguments = loss_arguments(setup)
    cls = getattr(keras.losses, cls_name, None)
    if not (inspect.isclass(cls) and issubclass(cls, keras.losses.Loss)):
        raise AdvisorError(f"keras.losses has no loss class {cls_name!r}", where="loss.name")
    try:
        return cls(**arguments)
    except TypeError as exc:
        raise AdvisorError(f"bad arguments for {cls_name}: {exc}", where="loss") from None


def make_learning_rate(setup: Any) -> Any:
    """The learning rate: a float, or a CosineDecay schedule with warm-up."""
    keras = _keras()
    arguments = schedule_arguments(setup)
    if arguments is None:
        return as_setup(setup).optimizer.learning_rate
    return keras.optimizers.schedules.CosineDecay(**arguments)


def make_optimizer(setup: Any) -> Any:
    keras = _keras()
    cls_name, arguments = optimizer_arguments(setup)
    cls = getattr(keras.optimizers, cls_name, None)
    if not (inspect.isclass(cls) and issubclass(cls, keras.optimizers.Optimizer)):
        raise AdvisorError(f"keras.optimizers has no optimizer class {cls_name!r}",
                           where="optimizer.name")
    try:
        return cls(learning_rate=make_learning_rate(setup), **arguments)
    except (TypeError, ValueError) as exc:
        raise AdvisorError(f"bad arguments for {cls_name}: {exc}", where="optimizer") from None


def compile_model(model: Any, setup: Any) -> Any:
    """Compile ``model`` with the setup's optimizer (and schedule), loss and metrics; returns it."""
    model.compile(optimizer=make_optimizer(setup), loss=make_loss(setup),
                  metrics=metric_names(setup))
    return model


def training_callbacks(setup: Any, *, validation: bool = True) -> list[Any]:
    """EarlyStopping (when recommended) and ReduceLROnPlateau (when that is the schedule).

    ``validation=False`` (training without held-out data) monitors the training loss instead.
    """
    keras = _keras()
    callbacks = []
    stopping = early_stopping_arguments(setup, validation=validation)
    if stopping is not None:
        callbacks.append(keras.callbacks.EarlyStopping(**stopping))
    plateau = plateau_arguments(setup)
    if plateau is not None:
        if not validation and str(plateau.get("monitor", "")).startswith("val_"):
            plateau["monitor"] = plateau["monitor"][len("val_"):]
        try:
            callbacks.append(keras.callbacks.ReduceLROnPlateau(**plateau))
        except TypeError as exc:
            raise AdvisorError(f"bad arguments for ReduceLROnPlateau: {exc}",
                               where="lr_schedule") from None
    return callbacks


def class_weights(y: Any, setup: Any) -> dict[int, float] | None:
    """Balanced class weights (:func:`~.preprocess.balanced_class_weights`) when the setup
    says "balanced"; otherwise None."""
    if as_setup(setup).training.class_weight != "balanced":
        return None
    from .preprocess import balanced_class_weights  # numpy: imported when training

    return balanced_class_weights(y)


__all__ = ["build_model", "compile_model", "training_callbacks", "class_weights", "as_setup",
           "SETUP_WEIGHTS", "LOSS_CLASSES", "OPTIMIZER_CLASSES", "METRIC_ALIASES"]
