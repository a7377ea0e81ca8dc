"""Values inside a Keras config read as data: numbers, shapes, activations, initializers,
regularizers, losses, optimizers and metrics, in Keras's snake_case names."""

from __future__ import annotations

import re
from typing import Any, Iterable, Mapping, Optional

from ..vocab import KERAS_LOSSES
from .keras_names import (ACTIVATION_ALIASES, INITIALIZER_ALIASES, INITIALIZER_DEFAULTS,
                          LOSS_ALIASES, METRIC_ALIASES, OPTIMIZER_ALIASES, OPTIMIZER_DEFAULTS,
                          REGULARIZER_STRINGS, SPECIAL_SNAKE)
from .setup import InitializerInfo, LossInfo, OptimizerInfo, RegularizerInfo

# -- small helpers --------------------------------------------------------------------------------

def snake_name(name: str) -> str:
    """Keras class name -> snake_case (``SparseCategoricalCrossentropy`` ->
    ``sparse_categorical_crossentropy``, ``AUC`` -> ``auc``)."""
    if name in SPECIAL_SNAKE:
        return SPECIAL_SNAKE[name]
    text = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()


def bare_name(name: str) -> str:
    """Drop a registration package prefix: ``advisor>TransformerBlock`` -> ``TransformerBlock``,
    ``Custom>Adam`` -> ``Adam``."""
    return name.rsplit(">", 1)[-1]


def as_number(value: Any) -> Optional[float]:
    """A finite-or-not float from a JSON number, rounded to 7 significant digits (Keras stores
    many values as float32: 0.10000000149011612 reads as 0.1). Anything else is None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return number
    return float(f"{number:.7g}")


def as_int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def split_entry(entry: Any) -> tuple[Optional[str], dict[str, Any]]:
    """(class name, config) of a serialized Keras object ``{"class_name", "config"}`` or an
    advisor layer dict ``{"type": ..., **arguments}``."""
    if not isinstance(entry, Mapping):
        return None, {}
    if "class_name" in entry:
        name = entry.get("class_name")
        config = entry.get("config")
        return (bare_name(name) if isinstance(name, str) else None,
                dict(config) if isinstance(config, Mapping) else {})
    if isinstance(entry.get("type"), str):
        return bare_name(entry["type"]), {k: v for k, v in entry.items() if k != "type"}
    return None, {}


def shape_of(value: Any) -> Optional[list[Optional[int]]]:
    """A recorded shape without the batch axis; the first shape of a list of shapes."""
    if isinstance(value, Mapping):  # Keras 3 may record {"input_name": shape}
        value = next(iter(value.values()), None)
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if isinstance(value[0], (list, tuple, Mapping)):
        return shape_of(value[0])
    if not all(v is None or as_int(v) is not None for v in value):
        return None
    return [None if v is None else as_int(v) for v in value[1:]]


def unbatched_shape(value: Any) -> Optional[list[Optional[int]]]:
    """A shape given without its batch axis (advisor ``Input(shape=...)``)."""
    if not isinstance(value, (list, tuple)):
        return None
    if not all(v is None or as_int(v) is not None for v in value):
        return None
    return [None if v is None else as_int(v) for v in value]


def dtype_name(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return value
    _, config = split_entry(value)
    name = config.get("name")
    return name if isinstance(name, str) else None


def first_of(config: Mapping[str, Any], *keys: str) -> Any:
    """The value of the first of ``keys`` that ``config`` sets (Keras renamed several)."""
    for key in keys:
        if config.get(key) is not None:
            return config[key]
    return None


# -- activations, initializers, regularizers ------------------------------------------------------

def activation_name(value: Any) -> Optional[str]:
    """Normalize an activation: a string, None ('linear'), or a serialized function / layer."""
    if value is None:
        return "linear"
    if isinstance(value, str):
        name = bare_name(value).strip()
        lowered = name.lower()
        if lowered in ACTIVATION_ALIASES:
            return ACTIVATION_ALIASES[lowered]
        if name in SPECIAL_SNAKE:
            return SPECIAL_SNAKE[name]
        return lowered
    if isinstance(value, Mapping):
        cls, config = split_entry(value)
        raw = value.get("config")
        if cls == "function" or (cls is None and isinstance(raw, str)):
            return activation_name(raw if isinstance(raw, str) else value.get("registered_name"))
        if cls is not None:
            fields = activation_layer_name(cls, config)
            return fields if fields is not None else snake_name(cls)
    return None


def activation_layer_name(cls: str, config: Mapping[str, Any]) -> Optional[str]:
    """The activation an activation layer (Activation, Softmax, ReLU, ...) applies."""
    if cls == "Activation":
        return activation_name(config.get("activation"))
    if cls == "Softmax":
        return "softmax"
    if cls == "ReLU":
        slope = as_number(config.get("negative_slope")) or as_number(config.get("alpha")) or 0.0
        if slope > 0:
            return "leaky_relu"
        return "relu6" if as_number(config.get("max_value")) == 6 else "relu"
    if cls == "LeakyReLU":
        return "leaky_relu"
    if cls == "ELU":
        return "elu"
    if cls == "PReLU":
        return "prelu"
    if cls == "ThresholdedReLU":
        return "relu"
    return None


def initializer_info(value: Any) -> Optional[InitializerInfo]:
    if value is None:
        return None
    if isinstance(value, str):
        name = INITIALIZER_ALIASES.get(value.lower(), snake_name(bare_name(value)).lower())
        return InitializerInfo(name=name, **INITIALIZER_DEFAULTS.get(name, {}))
    cls, config = split_entry(value)
    if cls is None:
        return None
    name = snake_name(cls)
    name = INITIALIZER_ALIASES.get(name, name)
    params: dict[str, Any] = dict(INITIALIZER_DEFAULTS.get(name, {}))
    for key in ("stddev", "minval", "maxval", "value"):
        number = as_number(config.get(key))
        if number is not None:
            params[key] = number
    return InitializerInfo(name=name, **params)


def regularizer_info(value: Any) -> Optional[RegularizerInfo]:
    if value is None:
        return None
    if isinstance(value, str):
        l1, l2 = REGULARIZER_STRINGS.get(value.lower(), (0.0, 0.0))
        return RegularizerInfo(l1=l1, l2=l2)
    cls, config = split_entry(value)
    if cls is None:
        return None
    return RegularizerInfo(l1=as_number(config.get("l1")) or 0.0,
                           l2=as_number(config.get("l2")) or 0.0)


# -- losses, optimizers, metrics ------------------------------------------------------------------

def loss_name(name: str) -> str:
    """Keras snake_case name of a loss given by alias, function or class name."""
    bare = bare_name(name).strip()
    lowered = bare.lower()
    if lowered in LOSS_ALIASES:
        return LOSS_ALIASES[lowered]
    if lowered in KERAS_LOSSES:
        return lowered
    snake = snake_name(bare)
    if snake in KERAS_LOSSES:
        return snake
    return f"other:{bare}"


def _pick_output(value: Any, output_names: list[str], index: int = 0) -> Any:
    """Output ``index``'s entry of a per-output dict (by name; for the first output, else the
    dict's first entry; another output the dict does not name has none)."""
    if isinstance(value, Mapping) and "class_name" not in value:
        if index < len(output_names) and output_names[index] in value:
            return value[output_names[index]]
        return next(iter(value.values()), None) if index == 0 else None
    return value


def _pick_item(value: list, index: int) -> Any:
    """Output ``index``'s entry of a per-output list (a one-entry list applies to every one)."""
    if index < len(value):
        return value[index]
    return value[0] if len(value) == 1 else None


def loss_info(value: Any, output_names: Iterable[str] = (), index: int = 0
              ) -> Optional[LossInfo]:
    """The loss of output ``index`` (a single loss applies to every output)."""
    value = _pick_output(value, list(output_names), index)
    if isinstance(value, (list, tuple)):
        value = _pick_item(list(value), index) if value else None
    if value is None:
        return None
    if isinstance(value, str):
        return LossInfo(name=loss_name(value))
    if not isinstance(value, Mapping):
        return None
    cls, config = split_entry(value)
    raw = value.get("config")
    if cls == "function" or (cls is None and isinstance(raw, str)):
        return LossInfo(name=loss_name(raw if isinstance(raw, str) else "function"))
    if cls is None:
        return None
    if cls == "LossFunctionWrapper":
        fn = config.get("fn")
        fn_name = fn if isinstance(fn, str) else split_entry(fn)[1].get("name") if fn else None
        name = loss_name(str(fn_name or config.get("name") or cls))
    else:
        name = loss_name(cls)
    return LossInfo(name=name, from_logits=bool(config.get("from_logits", False)))


def optimizer_info(value: Any) -> Optional[OptimizerInfo]:
    if value is None:
        return None
    if isinstance(value, str):
        name = bare_name(value).lower()
        name = OPTIMIZER_ALIASES.get(name, name)
        return OptimizerInfo(name=name, **OPTIMIZER_DEFAULTS.get(name, {}))
    cls, config = split_entry(value)
    if cls is None:
        return None
    if cls == "LossScaleOptimizer" and config.get("inner_optimizer") is not None:
        return optimizer_info(config["inner_optimizer"])
    name = OPTIMIZER_ALIASES.get(cls.lower(), cls.lower())
    defaults = OPTIMIZER_DEFAULTS.get(name, {})
    fields: dict[str, Any] = {"name": name}
    rate = config.get("learning_rate", config.get("lr"))
    if isinstance(rate, Mapping):
        schedule, schedule_config = split_entry(rate)
        fields["schedule"] = schedule
        fields["learning_rate"] = _schedule_rate(schedule_config)
    elif rate is None:
        fields["learning_rate"] = defaults.get("learning_rate")
    else:
        fields["learning_rate"] = as_number(rate)
    for key in ("epsilon", "momentum", "weight_decay"):
        number = as_number(config.get(key))
        fields[key] = number if number is not None else defaults.get(key)
    if isinstance(config.get("nesterov"), bool):
        fields["nesterov"] = config["nesterov"]
    else:
        fields["nesterov"] = defaults.get("nesterov")
    fields["clipnorm"] = as_number(first_of(config, "clipnorm", "global_clipnorm"))
    return OptimizerInfo(**fields)


def _schedule_rate(config: Mapping[str, Any]) -> Optional[float]:
    """The rate a schedule trains at: a warm-up's target (its start is usually 0), else the
    initial rate (PiecewiseConstantDecay: its first value)."""
    target = as_number(config.get("warmup_target"))
    if target is not None and target > 0:
        return target
    for key in ("initial_learning_rate", "learning_rate", "maximal_learning_rate"):
        number = as_number(config.get(key))
        if number is not None:
            return number
    values = config.get("values")
    if isinstance(values, list) and values:
        return as_number(values[0])
    return None


def metric_names(value: Any, output_names: Iterable[str] = (), index: int = 0) -> list[str]:
    """Normalized metric names of output ``index`` (a flat list applies to every output)."""
    names: list[str] = []
    value = _pick_output(value, list(output_names), index)
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (list, tuple, Mapping)) or v is None for v in value) and not any(
            isinstance(v, Mapping) and "class_name" in v for v in value):
        value = _pick_output(_pick_item(list(value), index), list(output_names), index)
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        name = _metric_name(item)
        if name and name not in names:
            names.append(name)
    return names


def _metric_name(item: Any) -> Optional[str]:
    if isinstance(item, str):
        bare = bare_name(item).strip()
        lowered = bare.lower()
        if lowered in METRIC_ALIASES:
            return METRIC_ALIASES[lowered]
        return snake_name(bare) if bare[:1].isupper() else lowered
    if isinstance(item, Mapping):
        cls, config = split_entry(item)
        raw = item.get("config")
        if cls == "function" or (cls is None and isinstance(raw, str)):
            return _metric_name(raw) if isinstance(raw, str) else None
        if cls == "MeanMetricWrapper":
            fn = config.get("fn")
            return _metric_name(config.get("name") or (fn if isinstance(fn, str) else None))
        if cls is not None:
            return METRIC_ALIASES.get(snake_name(cls), snake_name(cls))
    return None
