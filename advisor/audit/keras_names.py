"""Keras class names, aliases and defaults the audit readers recognise (as plain strings:
nothing of Keras is imported)."""

from __future__ import annotations

import re
from typing import Any, Mapping

from ..vocab import ACTIVATION_LAYERS, DROPOUT_LAYERS

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

SPECIAL_SNAKE = {"ReLU": "relu", "LeakyReLU": "leaky_relu", "PReLU": "prelu", "ELU": "elu",
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

# modules Keras's own classes are serialized from (Keras 3 records ``module``; tf.keras 2 does
# not, and a class it registered carries its package in the name, ``package>Class``)
KERAS_MODULES = ("keras", "tf_keras", "tensorflow")


def is_custom_entry(entry: Any) -> bool:
    """A serialized layer of a user's own class (registered or not), as the file records it:
    ``package>Class`` in its class or registered name, or a module that is not Keras's."""
    if not isinstance(entry, Mapping):
        return False
    names = [entry.get("class_name"), entry.get("registered_name")]
    if any(isinstance(name, str) and ">" in name for name in names):
        return True
    module = entry.get("module")
    return isinstance(module, str) and module.split(".")[0] not in KERAS_MODULES


# -- training scripts (advisor.audit.script) ------------------------------------------------------

# the positional parameters of Keras constructors, in order (a script writes Dense(10, "relu"))
LAYER_POSITIONAL: dict[str, tuple[str, ...]] = {
    "Dense": ("units", "activation"), "EinsumDense": ("equation", "output_shape", "activation"),
    "Activation": ("activation",), "Dropout": ("rate",), "SpatialDropout1D": ("rate",),
    "SpatialDropout2D": ("rate",), "SpatialDropout3D": ("rate",), "AlphaDropout": ("rate",),
    "GaussianDropout": ("rate",), "GaussianNoise": ("stddev",),
    "LSTM": ("units", "activation"), "GRU": ("units", "activation"),
    "SimpleRNN": ("units", "activation"), "Embedding": ("input_dim", "output_dim"),
    "Reshape": ("target_shape",), "Rescaling": ("scale", "offset"), "RepeatVector": ("n",),
    "Bidirectional": ("layer",), "TimeDistributed": ("layer",), "Permute": ("dims",),
    "LeakyReLU": ("negative_slope",), "ReLU": ("max_value",), "Softmax": ("axis",),
    "MultiHeadAttention": ("num_heads", "key_dim"), "Normalization": ("axis",),
    "BatchNormalization": ("axis",), "MaxPooling1D": ("pool_size",),
    "MaxPooling2D": ("pool_size",), "MaxPooling3D": ("pool_size",),
    "AveragePooling1D": ("pool_size",), "AveragePooling2D": ("pool_size",),
    "AveragePooling3D": ("pool_size",), "RandomFlip": ("mode",), "RandomRotation": ("factor",),
    "RandomZoom": ("height_factor",), "Concatenate": ("axis",),
    # initializers (their arguments are read as a layer's are)
    "RandomNormal": ("mean", "stddev"), "TruncatedNormal": ("mean", "stddev"),
    "RandomUniform": ("minval", "maxval"), "Constant": ("value",),
}
SCHEDULE_POSITIONAL: dict[str, tuple[str, ...]] = {
    "ExponentialDecay": ("initial_learning_rate", "decay_steps", "decay_rate"),
    "InverseTimeDecay": ("initial_learning_rate", "decay_steps", "decay_rate"),
    "PolynomialDecay": ("initial_learning_rate", "decay_steps", "end_learning_rate"),
    "CosineDecay": ("initial_learning_rate", "decay_steps"),
    "CosineDecayRestarts": ("initial_learning_rate", "first_decay_steps"),
    "PiecewiseConstantDecay": ("boundaries", "values"),
}
# keras.datasets: what each data set is known to hold (its documented shape, size, classes and
# value range); "raw": its inputs are unscaled as loaded
KERAS_DATASETS: dict[str, dict[str, Any]] = {
    "mnist": {"problem_type": "multiclass", "data_structure": "image", "n_samples": 60000,
              "input_shape": [28, 28, 1], "n_classes": 10, "input_range": [0, 255],
              "raw": True},
    "fashion_mnist": {"problem_type": "multiclass", "data_structure": "image",
                      "n_samples": 60000, "input_shape": [28, 28, 1], "n_classes": 10,
                      "input_range": [0, 255], "raw": True},
    "cifar10": {"problem_type": "multiclass", "data_structure": "image", "n_samples": 50000,
                "input_shape": [32, 32, 3], "n_classes": 10, "input_range": [0, 255],
                "raw": True},
    "cifar100": {"problem_type": "multiclass", "data_structure": "image", "n_samples": 50000,
                 "input_shape": [32, 32, 3], "n_classes": 100, "input_range": [0, 255],
                 "raw": True},
    "boston_housing": {"problem_type": "regression", "data_structure": "tabular",
                       "n_samples": 404, "input_shape": [13], "target_range": [5, 50],
                       "input_range": [0, 711], "raw": True},
    # token ids: no scaling wanted; the class count is known
    "imdb": {"n_classes": 2}, "reuters": {"n_classes": 46},
}
# Keras 2 optimizer arguments: Keras 3 raises "Argument(s) not recognized" for ``lr`` and warns
# and ignores ``decay`` (keras/src/optimizers/base_optimizer.py)
LEGACY_OPTIMIZER_ARGUMENTS = ("lr", "decay")
# loaders of image folders: 8-bit pixels, unscaled
PIXEL_LOADERS = frozenset({"image_dataset_from_directory"})
# calls that change an array's shape or type or a pipeline's order, never its values
SHAPE_ONLY_CALLS = frozenset({
    "astype", "reshape", "expand_dims", "squeeze", "transpose", "copy", "array", "asarray",
    "float32", "flatten", "ravel", "concatenate", "stack", "batch", "shuffle", "prefetch",
    "cache", "repeat", "take", "skip", "unbatch", "padded_batch", "with_options",
    "pad_sequences", "to_numpy", "values"})
