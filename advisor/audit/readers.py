"""Read a training setup from a file, as data, into a :class:`NormalizedSetup`.

Formats (chosen by extension, then checked against the file's first bytes):

* ``.keras`` - a Keras 3 archive: a zip whose ``config.json`` holds the model config with its
  ``compile_config``. Only ``config.json`` is read (size-limited, zip-bomb checked); weights are
  never touched.
* ``.h5`` / ``.hdf5`` - a legacy HDF5 model: the root attributes ``model_config`` and
  ``training_config`` (JSON; written by tf.keras 2.x and, with ``model.save("m.h5")``, by Keras 3).
  Needs ``h5py`` (imported only here).
* ``.json`` - ``model.to_json()`` output (a model config; Keras 3 adds a ``compile_config`` with
  the loss and metrics but without the optimizer), or an advisor TrainingConfig when it has
  ``advisor_config`` (or ``model`` + ``loss`` + ``optimizer``). Other JSON is
  :class:`NotASetupError`.
* ``.yaml`` / ``.yml`` - an advisor TrainingConfig (safe YAML, no aliases); a tf.keras 2.x
  ``model.to_yaml()`` model config is read too.

Nothing from the file is executed, unpickled or evaluated, and this module imports neither
TensorFlow, Keras nor NumPy: class names and arguments are read as plain JSON values.

How the model config is normalized:

* Layers are listed in execution order (a Functional model's config order is topological);
  nested models (a Sequential or Functional used as a layer) are flattened in place, their
  layers' ``path`` is ``"inner/dense"`` (the outermost model's name is left out, so a top-level
  layer's path is its name). ``InputLayer`` entries are not listed as layers: the first input of
  the outermost model gives ``input_shape`` and ``input_dtype``. In an advisor config, each
  layer's ``path`` is where it is in the file, ``model.layers[i]``.
* ``Bidirectional`` / ``TimeDistributed`` take units, activation, initializer, regularizer and
  ``return_sequences`` from the wrapped layer.
* ``rate`` is the rate of Dropout-family layers, and also the largest of ``dropout`` /
  ``recurrent_dropout`` of layers that drop out internally (RNNs, attention, the advisor's
  ``TransformerBlock``) when above zero.
* ``output_rank`` comes from the shapes the file records (``build_config.input_shape`` and the
  Functional tensors' shapes) and is otherwise inferred along the layer list.
* The output (:class:`OutputInfo`) is the model's first output, looking back through trailing
  activation layers (Activation, Softmax, ReLU, ...) and shape-only or noise layers (Reshape,
  Dropout, ...) to the layer that has units; the effective activation is the last non-linear
  one applied. A model that ends in a layer the reader cannot interpret gets activation
  ``"other"``.
* Multi-output models are audited on their first output: ``layers`` keeps only the layers it
  depends on (the other heads would read as hidden layers), and the loss and metrics are the
  first output's (a loss or metric list given once for every output applies to it too).
* Losses, metrics, activations and initializers become Keras's snake_case names (``mse`` ->
  ``mean_squared_error``, ``AUC`` -> ``auc``); unknown or custom losses are ``other:<name>``.
* Floats that Keras stored as float32 (0.10000000149011612) are rounded to 7 significant digits.
"""

from __future__ import annotations

import json
import re
import zipfile
import zlib
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional, Union

from ..errors import AdvisorError, NotAMappingError
from ..vocab import ACTIVATION_LAYERS, DROPOUT_LAYERS, KERAS_LOSSES, SETUP_SUFFIXES
from .setup import (InitializerInfo, LayerInfo, LossInfo, NormalizedSetup, NotASetupError,
                    OptimizerInfo, OutputInfo, RegularizerInfo)

if TYPE_CHECKING:  # pragma: no cover
    from ..models import TrainingSetup

__all__ = ["MAX_CONFIG_BYTES", "MAX_COMPRESSION_RATIO", "read_setup",
           "setup_from_config", "setup_from_keras_config"]

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""Largest model config read (``config.json`` in a .keras, an h5 attribute, a .json file)."""
MAX_COMPRESSION_RATIO = 200
"""A ``config.json`` compressed more than this (and over 1 MiB) is refused as a zip bomb."""
_RATIO_CHECK_BYTES = 1024 * 1024
MAX_NESTING = 64
"""Deepest nesting of models inside models that is read."""

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

# -- name tables ----------------------------------------------------------------------------------

MODEL_CLASSES = {"Sequential", "Functional", "Model"}
WRAPPERS = {"Bidirectional", "TimeDistributed"}
RNN_CLASSES = {"LSTM", "GRU", "SimpleRNN", "RNN", "ConvLSTM1D", "ConvLSTM2D", "ConvLSTM3D",
               "CuDNNLSTM", "CuDNNGRU"}
INPUT_CLASSES = {"InputLayer", "Input"}
# layers whose default activation is linear when the file does not name one (advisor configs)
LINEAR_DEFAULT = re.compile(r"^(Dense|EinsumDense|(Separable|Depthwise)?Conv\dD(Transpose)?)$")
# layers the output walk looks through: they change neither units nor the activation
TRANSPARENT = DROPOUT_LAYERS | {"Reshape", "Flatten", "Permute", "GaussianNoise",
                                 "ActivityRegularization", "Identity", "Masking"}
SAME_RANK = (ACTIVATION_LAYERS | DROPOUT_LAYERS | {
    "Dense", "BatchNormalization", "LayerNormalization", "GroupNormalization",
    "UnitNormalization", "RMSNormalization", "Rescaling", "Normalization", "GaussianNoise",
    "ActivityRegularization", "Masking", "Permute", "Identity", "Add", "Subtract", "Multiply",
    "Average", "Maximum", "Minimum", "Concatenate", "MultiHeadAttention", "Attention",
    "AdditiveAttention", "GroupQueryAttention", "LayerScale", "PositionEmbedding",
    "TransformerBlock", "Resizing", "CenterCrop", "RandomFlip", "RandomRotation", "RandomZoom",
    "RandomTranslation", "RandomContrast", "RandomBrightness", "RandomCrop", "RandomHeight",
    "RandomWidth", "RandAugment", "AutoContrast", "Solarization", "RandomGrayscale"})
SPATIAL = re.compile(r"^(Separable|Depthwise)?Conv(\d)D(Transpose)?$|"
                     r"^(Max|Average)Pooling(\d)D$|^(UpSampling|ZeroPadding|Cropping)(\d)D$")
GLOBAL_POOLING = re.compile(r"^Global(Max|Average)Pooling\dD$")

_SPECIAL_SNAKE = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu",
                  "ThresholdedReLU": "thresholded_relu", "RMSprop": "rmsprop",
                  "KLDivergence": "kl_divergence", "CTC": "ctc", "MeanIoU": "mean_iou",
                  "IoU": "iou", "BinaryIoU": "binary_iou", "OneHotIoU": "one_hot_iou",
                  "OneHotMeanIoU": "one_hot_mean_iou", "AUC": "auc", "R2Score": "r2_score"}

LOSS_ALIASES = {
    "mse": "mean_squared_error", "mae": "mean_absolute_error",
    "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
    "kld": "kl_divergence", "kullback_leibler_divergence": "kl_divergence",
    "logcosh": "log_cosh", "huber_loss": "huber", "bce": "binary_crossentropy",
    "cosine_proximity": "cosine_similarity",
}
METRIC_ALIASES = {
    "acc": "accuracy", "mae": "mean_absolute_error", "mse": "mean_squared_error",
    "mape": "mean_absolute_percentage_error", "msle": "mean_squared_logarithmic_error",
    "rmse": "root_mean_squared_error", "kld": "kl_divergence", "roc_auc": "auc",
    "logcosh": "log_cosh", "cosine_proximity": "cosine_similarity",
}
ACTIVATION_ALIASES = {"silu": "swish", "none": "linear", "": "linear", "identity": "linear",
                      "leakyrelu": "leaky_relu"}
INITIALIZER_ALIASES = {"normal": "random_normal", "uniform": "random_uniform", "zero": "zeros",
                       "one": "ones", "identity_initializer": "identity"}
# parameters of initializers named by a string (Keras defaults)
INITIALIZER_DEFAULTS: dict[str, dict[str, float]] = {
    "random_normal": {"stddev": 0.05}, "truncated_normal": {"stddev": 0.05},
    "random_uniform": {"minval": -0.05, "maxval": 0.05}, "constant": {"value": 0.0},
    "zeros": {"value": 0.0}, "ones": {"value": 1.0},
}
# regularizers named by a string (Keras defaults; "l1_l2" is Keras 2's)
REGULARIZER_STRINGS = {"l1": (0.01, 0.0), "l2": (0.0, 0.01), "l1_l2": (0.01, 0.01),
                       "l1l2": (0.01, 0.01)}

# Keras 3 defaults of optimizers given by name (learning_rate, epsilon, momentum, weight_decay)
OPTIMIZER_DEFAULTS: dict[str, dict[str, Any]] = {
    "adam": {"learning_rate": 0.001, "epsilon": 1e-7},
    "adamw": {"learning_rate": 0.001, "epsilon": 1e-7, "weight_decay": 0.004},
    "nadam": {"learning_rate": 0.001, "epsilon": 1e-7},
    "adamax": {"learning_rate": 0.001, "epsilon": 1e-7},
    "lamb": {"learning_rate": 0.001, "epsilon": 1e-7},
    "sgd": {"learning_rate": 0.01, "momentum": 0.0, "nesterov": False},
    "rmsprop": {"learning_rate": 0.001, "epsilon": 1e-7, "momentum": 0.0},
    "adagrad": {"learning_rate": 0.001, "epsilon": 1e-7},
    "adadelta": {"learning_rate": 0.001, "epsilon": 1e-7},
    "ftrl": {"learning_rate": 0.001},
    "lion": {"learning_rate": 0.001},
    "adafactor": {"learning_rate": 0.001},
}
OPTIMIZER_ALIASES = {"gradientdescent": "sgd", "gradient_descent": "sgd"}
# advisor config schedule names -> the Keras class (or callback) that carries them out
CONFIG_SCHEDULES = {"cosine_decay": "CosineDecay", "reduce_on_plateau": "ReduceLROnPlateau"}


# -- small helpers --------------------------------------------------------------------------------

def _snake(name: str) -> str:
    """Keras class name -> snake_case (``SparseCategoricalCrossentropy`` ->
    ``sparse_categorical_crossentropy``, ``AUC`` -> ``auc``)."""
    if name in _SPECIAL_SNAKE:
        return _SPECIAL_SNAKE[name]
    text = re.sub(r"(.)([A-Z][a-z]+)", r"\1_\2", name)
    return re.sub(r"([a-z0-9])([A-Z])", r"\1_\2", text).lower()


def _bare(name: str) -> str:
    """Drop a registration package prefix: ``advisor>TransformerBlock`` -> ``TransformerBlock``,
    ``Custom>Adam`` -> ``Adam``."""
    return name.rsplit(">", 1)[-1]


def _num(value: Any) -> Optional[float]:
    """A finite-or-not float from a JSON number, rounded to 7 significant digits (Keras stores
    many values as float32: 0.10000000149011612 reads as 0.1). Anything else is None."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    number = float(value)
    if number != number or number in (float("inf"), float("-inf")):
        return number
    return float(f"{number:.7g}")


def _int(value: Any) -> Optional[int]:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def _split(entry: Any) -> tuple[Optional[str], dict[str, Any]]:
    """(class name, config) of a serialized Keras object ``{"class_name", "config"}`` or an
    advisor layer dict ``{"type": ..., **arguments}``."""
    if not isinstance(entry, Mapping):
        return None, {}
    if "class_name" in entry:
        name = entry.get("class_name")
        config = entry.get("config")
        return (_bare(name) if isinstance(name, str) else None,
                dict(config) if isinstance(config, Mapping) else {})
    if isinstance(entry.get("type"), str):
        return _bare(entry["type"]), {k: v for k, v in entry.items() if k != "type"}
    return None, {}


def _shape(value: Any) -> Optional[list[Optional[int]]]:
    """A recorded shape without the batch axis; the first shape of a list of shapes."""
    if isinstance(value, Mapping):  # Keras 3 may record {"input_name": shape}
        value = next(iter(value.values()), None)
    if not isinstance(value, (list, tuple)) or not value:
        return None
    if isinstance(value[0], (list, tuple, Mapping)):
        return _shape(value[0])
    if not all(v is None or _int(v) is not None for v in value):
        return None
    return [None if v is None else _int(v) for v in value[1:]]


def _unbatched(value: Any) -> Optional[list[Optional[int]]]:
    """A shape given without its batch axis (advisor ``Input(shape=...)``)."""
    if not isinstance(value, (list, tuple)):
        return None
    if not all(v is None or _int(v) is not None for v in value):
        return None
    return [None if v is None else _int(v) for v in value]


def _dtype(value: Any) -> Optional[str]:
    if isinstance(value, str):
        return value
    _, config = _split(value)
    name = config.get("name")
    return name if isinstance(name, str) else None


# -- activations, initializers, regularizers ------------------------------------------------------

def activation_name(value: Any) -> Optional[str]:
    """Normalize an activation: a string, None ('linear'), or a serialized function / layer."""
    if value is None:
        return "linear"
    if isinstance(value, str):
        name = _bare(value).strip()
        lowered = name.lower()
        if lowered in ACTIVATION_ALIASES:
            return ACTIVATION_ALIASES[lowered]
        if name in _SPECIAL_SNAKE:
            return _SPECIAL_SNAKE[name]
        return lowered
    if isinstance(value, Mapping):
        cls, config = _split(value)
        raw = value.get("config")
        if cls == "function" or (cls is None and isinstance(raw, str)):
            return activation_name(raw if isinstance(raw, str) else value.get("registered_name"))
        if cls is not None:
            fields = _activation_layer(cls, config)
            return fields if fields is not None else _snake(cls)
    return None


def _activation_layer(cls: str, config: Mapping[str, Any]) -> Optional[str]:
    """The activation an activation layer (Activation, Softmax, ReLU, ...) applies."""
    if cls == "Activation":
        return activation_name(config.get("activation"))
    if cls == "Softmax":
        return "softmax"
    if cls == "ReLU":
        slope = _num(config.get("negative_slope")) or _num(config.get("alpha")) or 0.0
        if slope > 0:
            return "leaky_relu"
        return "relu6" if _num(config.get("max_value")) == 6 else "relu"
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
        name = INITIALIZER_ALIASES.get(value.lower(), _snake(_bare(value)).lower())
        return InitializerInfo(name=name, **INITIALIZER_DEFAULTS.get(name, {}))
    cls, config = _split(value)
    if cls is None:
        return None
    name = _snake(cls)
    name = INITIALIZER_ALIASES.get(name, name)
    params: dict[str, Any] = dict(INITIALIZER_DEFAULTS.get(name, {}))
    for key in ("stddev", "minval", "maxval", "value"):
        number = _num(config.get(key))
        if number is not None:
            params[key] = number
    return InitializerInfo(name=name, **params)


def regularizer_info(value: Any) -> Optional[RegularizerInfo]:
    if value is None:
        return None
    if isinstance(value, str):
        l1, l2 = REGULARIZER_STRINGS.get(value.lower(), (0.0, 0.0))
        return RegularizerInfo(l1=l1, l2=l2)
    cls, config = _split(value)
    if cls is None:
        return None
    return RegularizerInfo(l1=_num(config.get("l1")) or 0.0, l2=_num(config.get("l2")) or 0.0)


# -- layers ---------------------------------------------------------------------------------------

def _first(config: Mapping[str, Any], *keys: str) -> Any:
    for key in keys:
        if config.get(key) is not None:
            return config[key]
    return None


def layer_fields(cls: str, config: Mapping[str, Any]) -> dict[str, Any]:
    """What a layer's config tells the audit (LayerInfo fields, without index/name/path)."""
    fields: dict[str, Any] = {}
    inner_cls, inner = cls, config
    if cls in WRAPPERS:
        wrapped_cls, wrapped = _split(config.get("layer"))
        if wrapped_cls is not None:
            inner_cls, inner = wrapped_cls, wrapped
    cell_cls, cell = _split(inner.get("cell")) if inner_cls == "RNN" else (None, {})
    units_from = cell if cell_cls else inner
    units = _int(units_from.get("units"))
    if units is None:
        units = _int(inner.get("filters"))
    fields["units"] = units
    if cls in ACTIVATION_LAYERS:
        fields["activation"] = _activation_layer(cls, config)
    elif "activation" in units_from:
        fields["activation"] = activation_name(units_from.get("activation"))
    elif LINEAR_DEFAULT.match(inner_cls):
        fields["activation"] = "linear"
    elif inner_cls in RNN_CLASSES and inner_cls != "RNN":
        fields["activation"] = "tanh"
    if cls in DROPOUT_LAYERS:
        fields["rate"] = _num(config.get("rate"))
    else:
        rates = [r for r in (_num(inner.get("dropout")), _num(inner.get("recurrent_dropout")),
                             _num(cell.get("dropout")), _num(cell.get("recurrent_dropout")))
                 if r is not None and r > 0]
        if rates:
            fields["rate"] = max(rates)
    use_bias = units_from.get("use_bias")
    if isinstance(use_bias, bool):
        fields["use_bias"] = use_bias
    fields["kernel_initializer"] = initializer_info(_first(
        units_from, "kernel_initializer", "depthwise_initializer", "pointwise_initializer"))
    fields["kernel_regularizer"] = regularizer_info(_first(
        units_from, "kernel_regularizer", "depthwise_regularizer", "pointwise_regularizer",
        "embeddings_regularizer"))
    if inner_cls in RNN_CLASSES:
        fields["return_sequences"] = bool(inner.get("return_sequences", False))
    if cls == "Rescaling":
        scale = config.get("scale")
        if isinstance(scale, (list, tuple)):
            numbers = [_num(s) for s in scale]
            scale = max((n for n in numbers if n is not None), default=None)
        fields["scale"] = _num(scale)
    return {k: v for k, v in fields.items() if v is not None}


def _output_rank(cls: str, config: Mapping[str, Any], in_rank: Optional[int]) -> Optional[int]:
    """Rank (without batch axis) of a layer's output, from its class and its input's rank."""
    if cls in WRAPPERS:
        inner_cls, inner = _split(config.get("layer"))
        if inner_cls is None:
            return None
        if cls == "Bidirectional":
            return _output_rank(inner_cls, inner, in_rank)
        inner_rank = _output_rank(inner_cls, inner, None if in_rank is None else in_rank - 1)
        return None if inner_rank is None else inner_rank + 1
    if cls in SAME_RANK or cls in ACTIVATION_LAYERS:
        return in_rank
    if cls == "Flatten":
        return 1
    if GLOBAL_POOLING.match(cls):
        return in_rank if config.get("keepdims") else 1
    match = SPATIAL.match(cls)
    if match:
        return int(next(g for g in match.groups() if g and g.isdigit())) + 1
    if cls == "Reshape":
        target = config.get("target_shape")
        return len(target) if isinstance(target, (list, tuple)) else None
    if cls == "RepeatVector":
        return 2
    if cls in ("Embedding", "TokenAndPositionEmbedding"):
        return (in_rank or 1) + 1
    if cls in RNN_CLASSES:
        if config.get("return_sequences"):
            return in_rank if in_rank is not None else (2 if not cls.startswith("Conv") else None)
        if in_rank is not None:
            return in_rank - 1
        return 1 if not cls.startswith("Conv") else None
    if cls == "EinsumDense":
        shape = config.get("output_shape")
        if isinstance(shape, (list, tuple)):
            return len(shape)
        return 1 if _int(shape) is not None else None
    if cls == "Backbone":
        return 1 if config.get("pooling") in ("avg", "max") else in_rank
    return None


class _Node:
    __slots__ = ("cls", "config", "name", "path", "pred", "in_shape", "others")

    def __init__(self, cls: str, config: dict[str, Any], name: str, path: str,
                 pred: Optional[int], in_shape: Optional[list[Optional[int]]],
                 others: Optional[list[int]] = None):
        self.cls, self.config, self.name, self.path = cls, config, name, path
        self.pred, self.in_shape = pred, in_shape
        self.others = others or []  # producers of the further inputs (merge layers)


class _Flattener:
    """Flattens a (possibly nested) Keras model config into nodes in execution order."""

    def __init__(self) -> None:
        self.nodes: list[_Node] = []
        self.input_shape: Optional[list[Optional[int]]] = None
        self.input_dtype: Optional[str] = None
        self.output_names: list[str] = []
        self._input_recorded = False

    def _record_input(self, config: Mapping[str, Any], depth: int) -> Optional[list]:
        shape = _shape(_first(config, "batch_shape", "batch_input_shape"))
        if shape is None and config.get("shape") is not None:
            shape = _unbatched(config.get("shape"))
        if depth == 0 and not self._input_recorded:  # the first InputLayer wins
            self._input_recorded = True
            self.input_shape = shape if shape is not None else self.input_shape
            self.input_dtype = _dtype(config.get("dtype"))
        return shape

    def model(self, entry: Mapping[str, Any], prefix: str, pred: Optional[int],
              depth: int = 0) -> Optional[int]:
        """Add a model's layers; the index of the node that computes its first output."""
        if depth > MAX_NESTING:
            raise AdvisorError(f"models nested more than {MAX_NESTING} deep")
        cls, config = _split(entry)
        layers = config.get("layers")
        if isinstance(entry.get("config"), list):  # Keras <= 2.2 Sequential: config is the list
            layers = entry["config"]
        if not isinstance(layers, list):
            return pred
        if depth == 0 and self.input_shape is None:
            build = _shape(config.get("build_input_shape"))
            if build is not None:
                self.input_shape = build
        if cls != "Sequential" and "output_layers" in config:
            return self._functional(config, layers, prefix, pred, depth)
        for layer in layers:
            pred = self._add(layer, prefix, pred, depth, None)
        return pred

    def _functional(self, config: Mapping[str, Any], layers: list, prefix: str,
                    pred: Optional[int], depth: int) -> Optional[int]:
        produced: dict[str, Optional[int]] = {}
        for layer in layers:
            if not isinstance(layer, Mapping):
                continue
            _, layer_config = _split(layer)
            name = layer.get("name") or layer_config.get("name") or ""
            source, in_shape = _inbound(layer.get("inbound_nodes"))
            layer_pred = produced.get(source, pred) if source is not None else pred
            others = [produced[other] for other in _inbound_names(layer.get("inbound_nodes"))[1:]
                      if produced.get(other) is not None]
            produced[str(name)] = self._add(layer, prefix, layer_pred, depth, in_shape, others)
        outputs = _output_names(config.get("output_layers"))
        if depth == 0:
            self.output_names = outputs
        if outputs and outputs[0] in produced:
            return produced[outputs[0]]
        return next(reversed(produced.values()), pred) if produced else pred

    def _add(self, layer: Any, prefix: str, pred: Optional[int], depth: int,
             in_shape: Optional[list], others: Optional[list[int]] = None) -> Optional[int]:
        cls, config = _split(layer)
        if cls is None:
            return pred
        name = str(config.get("name") or (layer.get("name") if isinstance(layer, Mapping)
                                          else "") or "")
        if cls in INPUT_CLASSES:
            self._record_input(config, depth)
            return pred
        if cls in MODEL_CLASSES and (isinstance(config.get("layers"), list)
                                     or isinstance(layer.get("config"), list)):
            inner_prefix = f"{prefix}{name}/" if name else prefix
            return self.model(layer, inner_prefix, pred, depth + 1)
        if depth == 0 and self.input_shape is None and not self.nodes:
            first = _shape(_first(config, "batch_shape", "batch_input_shape"))
            if first is not None:  # Keras 2 Sequential without InputLayer
                self.input_shape, self.input_dtype = first, _dtype(config.get("dtype"))
        build = layer.get("build_config") if isinstance(layer, Mapping) else None
        recorded = _shape(build.get("input_shape")) if isinstance(build, Mapping) else None
        if recorded is None:
            recorded = in_shape or _shape(config.get("batch_input_shape"))
        self.nodes.append(_Node(cls, config, name, prefix + name, pred, recorded, others))
        return len(self.nodes) - 1


def _inbound(nodes: Any) -> tuple[Optional[str], Optional[list]]:
    """The first inbound layer name of a Functional layer's first node, and that tensor's shape
    where recorded (Keras 3 ``__keras_tensor__``; Keras 2 ``[[["name", 0, 0, {}]]]``)."""
    if not isinstance(nodes, list) or not nodes:
        return None, None
    found = _find_tensor(nodes[0], 0)
    return found if found is not None else (None, None)


def _inbound_names(nodes: Any) -> list[str]:
    """Every inbound layer name of a Functional layer's first node, in order."""
    names: list[str] = []
    if isinstance(nodes, list) and nodes:
        _collect_tensors(nodes[0], names, 0)
    return names


def _collect_tensors(value: Any, names: list[str], depth: int) -> None:
    if depth > 8 or len(names) > 256:
        return
    if isinstance(value, Mapping):
        config = value.get("config")
        if value.get("class_name") == "__keras_tensor__" and isinstance(config, Mapping):
            history = config.get("keras_history")
            if isinstance(history, list) and history and isinstance(history[0], str):
                names.append(history[0])
            return
        for key in ("args", "kwargs"):
            if key in value:
                _collect_tensors(value[key], names, depth + 1)
        return
    if isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and _int(value[1]) is not None:
            names.append(value[0])
            return
        for item in value:
            _collect_tensors(item, names, depth + 1)


def _first_output_only(nodes: list[_Node], output: int) -> tuple[list[_Node], int]:
    """The nodes the first output depends on (a multi-output model is audited on its first
    output: the other heads would read as hidden layers)."""
    keep: set[int] = set()
    stack = [output]
    while stack:
        index = stack.pop()
        if index in keep:
            continue
        keep.add(index)
        node = nodes[index]
        stack.extend(i for i in [node.pred, *node.others] if i is not None)
    new_index = {old: new for new, old in enumerate(sorted(keep))}
    kept = []
    for old in sorted(keep):
        node = nodes[old]
        kept.append(_Node(node.cls, node.config, node.name, node.path,
                          new_index.get(node.pred) if node.pred is not None else None,
                          node.in_shape, [new_index[i] for i in node.others if i in new_index]))
    return kept, new_index[output]


def _find_tensor(value: Any, depth: int) -> Optional[tuple[Optional[str], Optional[list]]]:
    if depth > 8:
        return None
    if isinstance(value, Mapping):
        config = value.get("config")
        if value.get("class_name") == "__keras_tensor__" and isinstance(config, Mapping):
            history = config.get("keras_history")
            name = history[0] if isinstance(history, list) and history else None
            return (str(name) if name is not None else None), _shape(config.get("shape"))
        for key in ("args", "kwargs"):
            if key in value:
                found = _find_tensor(value[key], depth + 1)
                if found is not None:
                    return found
        return None
    if isinstance(value, list):
        if len(value) >= 3 and isinstance(value[0], str) and _int(value[1]) is not None:
            return value[0], None
        for item in value:
            found = _find_tensor(item, depth + 1)
            if found is not None:
                return found
    return None


def _output_names(value: Any) -> list[str]:
    if not isinstance(value, list) or not value:
        return []
    if isinstance(value[0], str):  # Keras 3, one output: ["name", 0, 0]
        return [value[0]]
    return [item[0] for item in value if isinstance(item, list) and item
            and isinstance(item[0], str)]


def _resolve_layers(nodes: list[_Node], model_rank: Optional[int]
                    ) -> tuple[list[LayerInfo], list[Optional[int]]]:
    """LayerInfos and output ranks: recorded shapes first, inference along the list second."""
    observed: dict[int, int] = {}
    for node in nodes:
        if node.pred is not None and node.in_shape is not None:
            observed.setdefault(node.pred, len(node.in_shape))
    ranks: list[Optional[int]] = []
    infos = []
    for index, node in enumerate(nodes):
        if node.in_shape is not None:
            in_rank: Optional[int] = len(node.in_shape)
        elif node.pred is not None:
            in_rank = ranks[node.pred]
        else:
            in_rank = model_rank
        rank = observed.get(index)
        if rank is None:
            rank = _output_rank(node.cls, node.config, in_rank)
        ranks.append(rank)
        fields = layer_fields(node.cls, node.config)
        infos.append(LayerInfo(index=index, name=node.name, path=node.path, class_name=node.cls,
                               input_shape=node.in_shape, output_rank=rank, **fields))
    return infos, ranks


def _output_info(nodes: list[_Node], infos: list[LayerInfo], ranks: list[Optional[int]],
                 output: Optional[int]) -> Optional[OutputInfo]:
    if output is None or not infos:
        return None
    activation: Optional[str] = None
    index: Optional[int] = output
    seen = set()
    while index is not None and index not in seen:
        seen.add(index)
        info = infos[index]
        if info.class_name in ACTIVATION_LAYERS:
            if activation is None and info.activation not in (None, "linear"):
                activation = info.activation
        elif info.class_name in TRANSPARENT:
            pass
        elif info.units is not None:
            if activation is None:
                activation = info.activation or "linear"
            return OutputInfo(layer=info.path or info.name, units=info.units,
                              activation=activation, rank=ranks[output])
        else:
            break
        index = nodes[index].pred
    last = infos[output]
    if activation is None:
        # only activation layers back to the input: they act on the input; else unreadable
        activation = "linear" if index is None and last.class_name in ACTIVATION_LAYERS \
            else "other"
    return OutputInfo(layer=last.path or last.name, units=None, activation=activation,
                      rank=ranks[output])


# -- losses, optimizers, metrics ------------------------------------------------------------------

def loss_name(name: str) -> str:
    """Keras snake_case name of a loss given by alias, function or class name."""
    bare = _bare(name).strip()
    lowered = bare.lower()
    if lowered in LOSS_ALIASES:
        return LOSS_ALIASES[lowered]
    if lowered in KERAS_LOSSES:
        return lowered
    snake = _snake(bare)
    if snake in KERAS_LOSSES:
        return snake
    return f"other:{bare}"


def _pick_output(value: Any, output_names: list[str]) -> Any:
    """The first output's entry of a per-output dict (by name, else the first)."""
    if isinstance(value, Mapping) and "class_name" not in value:
        if output_names and output_names[0] in value:
            return value[output_names[0]]
        return next(iter(value.values()), None)
    return value


def loss_info(value: Any, output_names: Iterable[str] = ()) -> Optional[LossInfo]:
    value = _pick_output(value, list(output_names))
    if isinstance(value, (list, tuple)):
        value = value[0] if value else None
    if value is None:
        return None
    if isinstance(value, str):
        return LossInfo(name=loss_name(value))
    if not isinstance(value, Mapping):
        return None
    cls, config = _split(value)
    raw = value.get("config")
    if cls == "function" or (cls is None and isinstance(raw, str)):
        return LossInfo(name=loss_name(raw if isinstance(raw, str) else "function"))
    if cls is None:
        return None
    if cls == "LossFunctionWrapper":
        fn = config.get("fn")
        fn_name = fn if isinstance(fn, str) else _split(fn)[1].get("name") if fn else None
        name = loss_name(str(fn_name or config.get("name") or cls))
    else:
        name = loss_name(cls)
    return LossInfo(name=name, from_logits=bool(config.get("from_logits", False)))


def optimizer_info(value: Any) -> Optional[OptimizerInfo]:
    if value is None:
        return None
    if isinstance(value, str):
        name = _bare(value).lower()
        name = OPTIMIZER_ALIASES.get(name, name)
        return OptimizerInfo(name=name, **OPTIMIZER_DEFAULTS.get(name, {}))
    cls, config = _split(value)
    if cls is None:
        return None
    if cls == "LossScaleOptimizer" and config.get("inner_optimizer") is not None:
        return optimizer_info(config["inner_optimizer"])
    name = OPTIMIZER_ALIASES.get(cls.lower(), cls.lower())
    defaults = OPTIMIZER_DEFAULTS.get(name, {})
    fields: dict[str, Any] = {"name": name}
    rate = config.get("learning_rate", config.get("lr"))
    if isinstance(rate, Mapping):
        schedule, schedule_config = _split(rate)
        fields["schedule"] = schedule
        fields["learning_rate"] = _schedule_rate(schedule_config)
    elif rate is None:
        fields["learning_rate"] = defaults.get("learning_rate")
    else:
        fields["learning_rate"] = _num(rate)
    for key in ("epsilon", "momentum", "weight_decay"):
        number = _num(config.get(key))
        fields[key] = number if number is not None else defaults.get(key)
    if isinstance(config.get("nesterov"), bool):
        fields["nesterov"] = config["nesterov"]
    else:
        fields["nesterov"] = defaults.get("nesterov")
    fields["clipnorm"] = _num(_first(config, "clipnorm", "global_clipnorm"))
    return OptimizerInfo(**fields)


def _schedule_rate(config: Mapping[str, Any]) -> Optional[float]:
    """The rate a schedule trains at: a warm-up's target (its start is usually 0), else the
    initial rate (PiecewiseConstantDecay: its first value)."""
    target = _num(config.get("warmup_target"))
    if target is not None and target > 0:
        return target
    for key in ("initial_learning_rate", "learning_rate", "maximal_learning_rate"):
        number = _num(config.get(key))
        if number is not None:
            return number
    values = config.get("values")
    if isinstance(values, list) and values:
        return _num(values[0])
    return None


def metric_names(value: Any, output_names: Iterable[str] = ()) -> list[str]:
    """Normalized metric names of the first output (a flat list applies to every output)."""
    names: list[str] = []
    value = _pick_output(value, list(output_names))
    if isinstance(value, (list, tuple)) and value and all(
            isinstance(v, (list, tuple, Mapping)) or v is None for v in value) and not any(
            isinstance(v, Mapping) and "class_name" in v for v in value):
        value = _pick_output(value[0], list(output_names))  # per-output lists
    items = value if isinstance(value, (list, tuple)) else [value]
    for item in items:
        name = _metric_name(item)
        if name and name not in names:
            names.append(name)
    return names


def _metric_name(item: Any) -> Optional[str]:
    if isinstance(item, str):
        bare = _bare(item).strip()
        lowered = bare.lower()
        if lowered in METRIC_ALIASES:
            return METRIC_ALIASES[lowered]
        return _snake(bare) if bare[:1].isupper() else lowered
    if isinstance(item, Mapping):
        cls, config = _split(item)
        raw = item.get("config")
        if cls == "function" or (cls is None and isinstance(raw, str)):
            return _metric_name(raw) if isinstance(raw, str) else None
        if cls == "MeanMetricWrapper":
            fn = config.get("fn")
            return _metric_name(config.get("name") or (fn if isinstance(fn, str) else None))
        if cls is not None:
            return METRIC_ALIASES.get(_snake(cls), _snake(cls))
    return None


# -- public entry points --------------------------------------------------------------------------

def setup_from_keras_config(model_config: Mapping[str, Any],
                            compile_config: Optional[Mapping[str, Any]], *, source: str = "",
                            format: str = "json") -> NormalizedSetup:
    """A NormalizedSetup from a Keras model config (``{"class_name", "config"}``) and its compile
    config (Keras 3 ``compile_config``: optimizer, loss, metrics, weighted_metrics; h5
    ``training_config`` with ``optimizer_config`` is accepted too)."""
    if not isinstance(model_config, Mapping) or not isinstance(model_config.get("class_name"),
                                                                 str):
        raise AdvisorError("not a Keras model config: no class_name", where=source or None)
    flat = _Flattener()
    try:
        output = flat.model(model_config, "", None)
    except AdvisorError as exc:
        raise AdvisorError(str(exc), where=source or None) from None
    nodes = flat.nodes
    if len(flat.output_names) > 1 and output is not None:
        nodes, output = _first_output_only(nodes, output)
    model_rank = len(flat.input_shape) if flat.input_shape is not None else None
    infos, ranks = _resolve_layers(nodes, model_rank)
    outputs = flat.output_names
    setup: dict[str, Any] = {
        "source": source, "format": format, "model_class": _bare(model_config["class_name"]),
        "input_shape": flat.input_shape, "input_dtype": flat.input_dtype, "layers": infos,
        "output": _output_info(nodes, infos, ranks, output),
    }
    compile_config = compile_config or {}
    if isinstance(compile_config, Mapping) and compile_config:
        setup["loss"] = loss_info(compile_config.get("loss"), outputs)
        setup["optimizer"] = optimizer_info(_first(compile_config, "optimizer",
                                                   "optimizer_config"))
        metrics = metric_names(compile_config.get("metrics"), outputs)
        for name in metric_names(compile_config.get("weighted_metrics"), outputs):
            if name not in metrics:
                metrics.append(name)
        setup["metrics"] = metrics
    return NormalizedSetup(**setup)


def setup_from_config(config: "TrainingSetup", source: str = "") -> NormalizedSetup:
    """A NormalizedSetup from an advisor :class:`~advisor.models.TrainingConfig` (or any
    TrainingSetup, e.g. a Recommendation)."""
    layers = config.model.layers
    flat_nodes: list[_Node] = []
    input_shape: Optional[list[Optional[int]]] = None
    input_dtype: Optional[str] = None
    for position, layer in enumerate(layers):
        cls, arguments = _split(layer)
        if cls is None:
            continue
        if cls in INPUT_CLASSES:
            if input_shape is None:
                input_shape = (_unbatched(arguments.get("shape"))
                               or _shape(_first(arguments, "batch_shape", "batch_input_shape")))
                input_dtype = _dtype(arguments.get("dtype")) or "float32"
            continue
        pred = len(flat_nodes) - 1 if flat_nodes else None
        name = arguments.get("name") if cls != "Backbone" else None
        flat_nodes.append(_Node(cls, arguments, str(name or ""), f"model.layers[{position}]",
                                pred, None))
    infos, ranks = _resolve_layers(flat_nodes, len(input_shape) if input_shape else None)
    output = len(flat_nodes) - 1 if flat_nodes else None
    loss = LossInfo(name=loss_name(config.loss.name), from_logits=config.loss.from_logits)
    extras = config.optimizer.model_extra or {}
    name = config.optimizer.name.lower()
    name = OPTIMIZER_ALIASES.get(name, name)
    defaults = OPTIMIZER_DEFAULTS.get(name, {})
    optimizer: dict[str, Any] = {"name": name, "learning_rate": config.optimizer.learning_rate}
    for key in ("epsilon", "momentum", "weight_decay", "nesterov", "clipnorm"):
        value = extras.get(key, defaults.get(key))
        optimizer[key] = value if key == "nesterov" and isinstance(value, bool) else _num(value)
    if config.lr_schedule is not None:
        schedule = config.lr_schedule.name
        optimizer["schedule"] = CONFIG_SCHEDULES.get(
            schedule, "".join(part.title() for part in schedule.split("_")))
    training = config.training
    regularization = config.regularization
    return NormalizedSetup(
        source=source, format="config", model_class="Sequential", input_shape=input_shape,
        input_dtype=input_dtype if input_shape is not None else None, layers=infos,
        output=_output_info(flat_nodes, infos, ranks, output), loss=loss,
        optimizer=OptimizerInfo(**optimizer),
        metrics=metric_names(list(config.metrics)),
        batch_size=training.batch_size, epochs=training.epochs,
        validation_split=training.validation_split, class_weight=training.class_weight,
        early_stopping=regularization.early_stopping is not None,
        preprocessing=[dict(step) for step in config.preprocessing],
        profile=getattr(config, "profile", None))


def read_setup(path: Union[str, Path]) -> NormalizedSetup:
    """Read one file into a NormalizedSetup, as data (nothing in it is executed).

    Raises:
        NotASetupError: a YAML/JSON file that is neither a Keras model nor an advisor config.
        AdvisorError: the file cannot be read; the message names the file and the reason.
    """
    path = Path(path)
    where = str(path)
    suffix = path.suffix.lower()
    if not path.exists():
        raise AdvisorError("no such file or folder; check the path", where=where)
    if path.is_dir():
        raise AdvisorError("is a folder; expected a model or config file (a Keras 3 .keras file "
                           "is a zip archive, not a SavedModel folder)", where=where)
    if suffix not in SETUP_SUFFIXES:
        kind = f"'{path.suffix}'" if path.suffix else "without an extension"
        raise AdvisorError(f"unsupported file type {kind}; supported: "
                           f"{', '.join(SETUP_SUFFIXES)}", where=where)
    if suffix in (".keras", ".h5", ".hdf5"):
        head = _head(path)
        if head.startswith(_HDF5_MAGIC) or (suffix != ".keras" and not head.startswith(
                (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC))):
            return _read_h5(path)
        return _read_keras(path, head)
    if suffix == ".json":
        return _read_json(path)
    return _read_yaml(path)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None


def _parse_json(data: Union[bytes, str], what: str, where: str) -> Any:
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise AdvisorError(f"{what} is not UTF-8 text", where=where) from None
    except json.JSONDecodeError as exc:
        raise AdvisorError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                           f"{exc.colno}", where=where) from None
    except RecursionError:
        raise AdvisorError(f"{what} is nested too deeply", where=where) from None


def _read_keras(path: Path, head: bytes) -> NormalizedSetup:
    where = str(path)
    if not head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        raise AdvisorError("not a zip archive: a Keras 3 .keras file is a zip holding "
                           "config.json (is it a renamed file or a download error page?)",
                           where=where)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                names = archive.namelist()
                shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
                raise AdvisorError("not a Keras 3 archive: the zip has no config.json "
                                   f"(it holds: {shown or 'nothing'})", where=where) from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise AdvisorError(f"config.json claims {info.file_size} bytes uncompressed; "
                                   f"the limit is {MAX_CONFIG_BYTES} bytes (refusing a possible "
                                   "zip bomb)", where=where)
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_CHECK_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise AdvisorError(f"config.json is compressed {ratio:.0f}:1 (limit "
                                   f"{MAX_COMPRESSION_RATIO}:1); refusing a possible zip bomb",
                                   where=where)
            with archive.open(info) as handle:
                data = handle.read(MAX_CONFIG_BYTES + 1)
    except AdvisorError:
        raise
    except zipfile.BadZipFile as exc:
        raise AdvisorError(f"truncated or corrupt zip archive ({exc}); save the model again",
                           where=where) from None
    except (zlib.error, EOFError) as exc:
        raise AdvisorError(f"corrupt or truncated config.json in the archive: {exc}",
                           where=where) from None
    except NotImplementedError as exc:
        raise AdvisorError(f"cannot read the archive: {exc}", where=where) from None
    except RuntimeError as exc:  # encrypted entries
        raise AdvisorError(f"cannot read the archive: {exc}", where=where) from None
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror or exc}", where=where) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise AdvisorError(f"config.json is larger than {MAX_CONFIG_BYTES} bytes", where=where)
    config = _parse_json(data, "config.json", where)
    if not isinstance(config, Mapping) or not isinstance(config.get("class_name"), str):
        raise AdvisorError("config.json is not a Keras model config (no class_name)",
                           where=where)
    return setup_from_keras_config(config, config.get("compile_config"), source=where,
                                   format="keras")


def _read_h5(path: Path) -> NormalizedSetup:
    where = str(path)
    try:
        import h5py
    except ImportError:
        raise AdvisorError("reading .h5 models needs h5py: pip install h5py (it comes with "
                           "the train extra)", where=where) from None
    try:
        handle = h5py.File(path, "r")
    except OSError as exc:
        text = str(exc)
        reason = ("truncated HDF5 file" if "truncated" in text else
                  "not an HDF5 file" if "signature" in text else "cannot open as HDF5")
        raise AdvisorError(f"{reason} ({text})", where=where) from None
    with handle:
        attributes = handle.attrs
        if "model_config" not in attributes:
            weights_only = "layer_names" in attributes or "layers" in handle  # Keras 2 / 3
            hint = (" (it holds weights only: save the whole model with model.save)"
                    if weights_only else "")
            raise AdvisorError(f"not a Keras model file: no model_config attribute{hint}",
                               where=where)
        model_config = _h5_json(handle, "model_config", where)
        training = (_h5_json(handle, "training_config", where)
                    if "training_config" in attributes else None)
    if not isinstance(model_config, Mapping):
        raise AdvisorError("model_config is not a Keras model config", where=where)
    if training is not None and not isinstance(training, Mapping):
        training = None
    return setup_from_keras_config(model_config, training, source=where, format="h5")


def _h5_json(handle: Any, name: str, where: str) -> Any:
    try:
        size = handle.attrs.get_id(name).get_storage_size()
    except Exception:  # noqa: BLE001 - h5py raises several kinds here
        size = 0
    if size > MAX_CONFIG_BYTES:
        raise AdvisorError(f"the {name} attribute is {size} bytes; the limit is "
                           f"{MAX_CONFIG_BYTES}", where=where)
    try:
        value = handle.attrs[name]
    except Exception as exc:  # noqa: BLE001
        raise AdvisorError(f"cannot read the {name} attribute: {exc}", where=where) from None
    if hasattr(value, "tolist") and not isinstance(value, (bytes, str)):
        value = value.tolist()
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
    if not isinstance(value, (bytes, str)):
        raise AdvisorError(f"the {name} attribute is not JSON text", where=where)
    return _parse_json(value, f"the {name} attribute", where)


def _read_bounded(path: Path) -> bytes:
    where = str(path)
    try:
        size = path.stat().st_size
        if size > MAX_CONFIG_BYTES:
            raise AdvisorError(f"file is {size} bytes; the limit is {MAX_CONFIG_BYTES} bytes",
                               where=where)
        with path.open("rb") as handle:
            return handle.read(MAX_CONFIG_BYTES + 1)
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror or exc}", where=where) from None


def _is_model(data: Mapping[str, Any]) -> bool:
    """A Keras model config (not some other serialized Keras object): it has layers, is a model
    class, or carries a compile config (a subclassed model)."""
    config = data.get("config")
    return (isinstance(config, list) or (isinstance(config, Mapping) and isinstance(
        config.get("layers"), list)) or _bare(str(data.get("class_name"))) in MODEL_CLASSES
        or isinstance(data.get("compile_config"), Mapping))


def _is_config(data: Mapping[str, Any]) -> bool:
    return "advisor_config" in data or {"model", "loss", "optimizer"} <= set(data)


def _config_setup(data: Mapping[str, Any], where: str) -> NormalizedSetup:
    from pydantic import ValidationError

    from ..errors import format_validation_error
    from ..models import TrainingConfig

    try:
        config = TrainingConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise AdvisorError(format_validation_error(exc, what="training config",
                                                   where=where)) from None
    return setup_from_config(config, source=where)


def _read_json(path: Path) -> NormalizedSetup:
    where = str(path)
    data = _parse_json(_read_bounded(path), "the file", where)
    if isinstance(data, Mapping):
        if _is_config(data):
            return _config_setup(data, where)
        if isinstance(data.get("class_name"), str) and "config" in data and _is_model(data):
            return setup_from_keras_config(data, data.get("compile_config"), source=where,
                                           format="json")
    raise NotASetupError("neither a Keras model config (class_name/config, from "
                         "model.to_json()) nor an advisor config (advisor_config)", where=where)


def _read_yaml(path: Path) -> NormalizedSetup:
    from ..textio import parse_mapping, read_text

    where = str(path)
    try:
        data = parse_mapping(read_text(path), where=where)
    except NotAMappingError as exc:  # a YAML list, scalar or empty file
        raise NotASetupError(exc.message, where=where) from None
    if _is_config(data):
        return _config_setup(data, where)
    if isinstance(data.get("class_name"), str) and "config" in data and _is_model(data):
        # Keras 2 model.to_yaml()
        return setup_from_keras_config(data, data.get("compile_config"), source=where,
                                       format="json")
    raise NotASetupError("not an advisor config (no advisor_config, or model/loss/optimizer)",
                         where=where)
