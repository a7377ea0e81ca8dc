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
