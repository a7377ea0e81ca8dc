"""Build real Keras model files for the reader and audit tests.

Every case is a tiny compiled Keras model saved three ways: a Keras 3 archive (``.keras``), a
legacy HDF5 file (``.h5``) and ``model.to_json()`` (``.json``, no compile information), with its
data-set profile next to it as ``<name>.profile.json`` (the audit's sidecar convention).

* Correct setups, taken from the Keras / TensorFlow examples: they must audit clean.
* Faulty setups: one per row of ``shared/research/audit-catalog.md`` that a config can decide;
  ``Case.catalog`` names the row. Apart from that one fault each is a sensible setup.
* Broken inputs (``BROKEN``): files the readers must refuse with a specific reason.

Usage::

    python tests/audit/make_fixtures.py OUTDIR     # prints one line per file written

or ``make_fixtures(folder)`` -> ``{file name: path}``. Keras is imported only when called.
"""

from __future__ import annotations

import json
import logging
import sys
import time
import warnings
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable

FORMATS = (".keras", ".h5", ".json")


@dataclass(frozen=True)
class Case:
    name: str
    build: Callable[[Any], tuple[Any, dict[str, Any]]]
    """keras -> (model, compile arguments)"""
    profile: dict[str, Any]
    catalog: str = ""
    """the audit-catalog row this case is an instance of; empty for correct setups"""
    note: str = ""
    formats: tuple[str, ...] = field(default=FORMATS)


def _tabular(n_features: int, **extra: Any) -> dict[str, Any]:
    return {"data_structure": "tabular", "input_shape": [n_features], "n_samples": 5000, **extra}


def _multiclass(n_classes: int = 3, encoding: str = "integer", features: int = 8) -> dict:
    return _tabular(features, problem_type="multiclass", n_classes=n_classes,
                    label_encoding=encoding)


BINARY = _tabular(8, problem_type="binary", n_classes=2, label_encoding="integer")
REGRESSION = _tabular(8, problem_type="regression", label_encoding="continuous")


def _mlp(keras: Any, units: int, activation: Any, *, features: int = 8, hidden: int = 16,
         **output: Any) -> Any:
    """Input -> Dense(hidden, relu) -> Dense(units, activation): the shape of most cases."""
    layers = keras.layers
    return keras.Sequential([keras.Input((features,)), layers.Dense(hidden, activation="relu"),
                             layers.Dense(units, activation=activation, name="output", **output)])


def _adam(keras: Any, **kwargs: Any) -> Any:
    return keras.optimizers.Adam(**kwargs)


# -- correct setups -------------------------------------------------------------------------------

def mnist_convnet(keras):
    """keras-io "Simple MNIST convnet", scaled down: Dropout(0.5) right before the output."""
    L = keras.layers
    model = keras.Sequential([
        keras.Input((12, 12, 1)),
        L.Conv2D(4, 3, activation="relu"), L.MaxPooling2D(2),
        L.Conv2D(8, 3, activation="relu"), L.MaxPooling2D(2),
        L.Flatten(), L.Dropout(0.5), L.Dense(10, activation="softmax"),
    ], name="mnist_convnet")
    return model, {"loss": "categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def logits_from_logits(keras):
    """TensorFlow beginner quickstart: logits and SparseCategoricalCrossentropy(from_logits)."""
    model = _mlp(keras, 10, None)
    return model, {"loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                   "optimizer": "adam", "metrics": ["accuracy"]}


def linear_adam_0_1(keras):
    """TensorFlow regression tutorial: a linear model trained with Adam(learning_rate=0.1)."""
    model = keras.Sequential([keras.Input((9,)), keras.layers.Dense(1)])
    return model, {"loss": "mse", "optimizer": _adam(keras, learning_rate=0.1),
                   "metrics": ["mae"]}


def multilabel_sigmoid_bce(keras):
    model = _mlp(keras, 5, "sigmoid", features=20)
    return model, {"loss": "binary_crossentropy", "optimizer": "adam",
                   "metrics": [keras.metrics.AUC(multi_label=True)]}


def binary_two_unit_softmax(keras):
    model = _mlp(keras, 2, "softmax")
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def separate_softmax_layer(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"),
                              L.Dense(10, name="logits"), L.Activation("softmax", name="probs")])
    return model, {"loss": "categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def nested_model(keras):
    """A Sequential feature extractor used as a layer of a Functional model."""
    L = keras.layers
    features = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(4, 3, activation="relu"),
                                 L.GlobalAveragePooling2D()], name="features")
    inputs = keras.Input((8, 8, 1), name="image")
    x = features(inputs)
    x = L.Dropout(0.2, name="head_dropout")(x)
    outputs = L.Dense(3, activation="softmax", name="head")(x)
    model = keras.Model(inputs, outputs, name="classifier")
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def rnn_text(keras):
    """keras-io bidirectional-LSTM IMDB example, scaled down (one direction)."""
    L = keras.layers
    model = keras.Sequential([keras.Input((20,), dtype="int32"), L.Embedding(100, 8),
                              L.LSTM(8), L.Dense(1, activation="sigmoid")])
    return model, {"loss": "binary_crossentropy", "optimizer": "adam", "metrics": ["accuracy"]}


def multi_output(keras):
    """Two heads: the audit reads the first output's loss and metrics."""
    L = keras.layers
    inputs = keras.Input((8,), name="features")
    x = L.Dense(16, activation="relu")(inputs)
    label = L.Dense(3, activation="softmax", name="label")(x)
    score = L.Dense(1, name="score")(x)
    model = keras.Model(inputs, [label, score])
    return model, {"loss": {"label": "sparse_categorical_crossentropy", "score": "mse"},
                   "optimizer": "adam",
                   "metrics": {"label": ["accuracy"], "score": ["mae"]}}


def custom_layer(keras):
    """A user-registered layer class in the middle: kept by name, never an error."""
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"),
                              _scale_layer(keras)(name="scale"),
                              L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


_SCALE: list = []


def _scale_layer(keras):
    if not _SCALE:
        @keras.saving.register_keras_serializable(package="fixtures")
        class Scale(keras.layers.Layer):
            def call(self, inputs):
                return inputs * 2.0

        _SCALE.append(Scale)
    return _SCALE[0]


# -- faulty setups (one catalog row each) ---------------------------------------------------------

def softmax_one_unit(keras):
    return _mlp(keras, 1, "softmax"), {"loss": "binary_crossentropy", "optimizer": "adam",
                                       "metrics": ["accuracy"]}


def sigmoid_mse_classifier(keras):
    return _mlp(keras, 1, "sigmoid"), {"loss": "mean_squared_error", "optimizer": "adam"}


def multiclass_bce(keras):
    return _mlp(keras, 10, "softmax"), {"loss": "binary_crossentropy", "optimizer": "adam",
                                        "metrics": ["accuracy"]}


def one_unit_categorical(keras):
    return _mlp(keras, 1, "sigmoid"), {"loss": "categorical_crossentropy", "optimizer": "adam",
                                       "metrics": ["accuracy"]}


def logits_without_from_logits(keras):
    return _mlp(keras, 10, None), {"loss": "sparse_categorical_crossentropy",
                                   "optimizer": "adam", "metrics": ["accuracy"]}


def softmax_with_from_logits(keras):
    return _mlp(keras, 10, "softmax"), {
        "loss": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
        "optimizer": "adam", "metrics": ["accuracy"]}


def relu_output_classifier(keras):
    return _mlp(keras, 10, "relu"), {"loss": "categorical_crossentropy", "optimizer": "adam",
                                     "metrics": ["accuracy"]}


def linear_stack(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)), L.Dense(64), L.Dense(64),
                              L.Dense(1, name="output")])
    return model, {"loss": "mse", "optimizer": "adam", "metrics": ["mae"]}


def hidden_softmax(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="softmax"),
                              L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def dense_on_conv_output(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8, 8, 1)), L.Conv2D(4, 3, activation="relu"),
                              L.Dense(10, activation="softmax", name="output")])
    return model, {"loss": "categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def dropout_before_bn(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"), L.Dropout(0.3),
                              L.BatchNormalization(), L.Dense(3, activation="softmax",
                                                              name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def spatial_dropout3d_before_bn(keras):
    """B6 for volumes: every Dropout-family layer shifts the variance, SpatialDropout3D too."""
    L = keras.layers
    model = keras.Sequential([keras.Input((4, 4, 4, 1)), L.Conv3D(4, 3, activation="relu"),
                              L.SpatialDropout3D(0.2), L.BatchNormalization(), L.Flatten(),
                              L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def adam_lr_0_5(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,))] +
                             [L.Dense(32, activation="relu") for _ in range(4)] +
                             [L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy",
                   "optimizer": _adam(keras, learning_rate=0.5), "metrics": ["accuracy"]}


def sgd_lr_tiny(keras):
    return _mlp(keras, 3, "softmax"), {
        "loss": "sparse_categorical_crossentropy",
        "optimizer": keras.optimizers.SGD(learning_rate=1e-7, momentum=0.9),
        "metrics": ["accuracy"]}


def adam_tiny_epsilon(keras):
    return _mlp(keras, 3, "softmax"), {"loss": "sparse_categorical_crossentropy",
                                       "optimizer": _adam(keras, epsilon=1e-12),
                                       "metrics": ["accuracy"]}


def dropout_0_8(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)), L.Dense(16, activation="relu"), L.Dropout(0.8),
                              L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def l2_0_5(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)),
                              L.Dense(16, activation="relu",
                                      kernel_regularizer=keras.regularizers.L2(0.5)),
                              L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def zeros_init(keras):
    L = keras.layers
    model = keras.Sequential([keras.Input((8,)),
                              L.Dense(16, activation="relu", kernel_initializer="zeros"),
                              L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def random_normal_stddev_2(keras):
    L = keras.layers
    init = keras.initializers.RandomNormal(stddev=2.0)
    model = keras.Sequential([keras.Input((8,)),
                              L.Dense(64, activation="relu", kernel_initializer=init),
                              L.Dense(3, activation="softmax", name="output")])
    return model, {"loss": "sparse_categorical_crossentropy", "optimizer": "adam",
                   "metrics": ["accuracy"]}


def accuracy_on_regression(keras):
    return _mlp(keras, 1, None), {"loss": "mse", "optimizer": "adam", "metrics": ["accuracy"]}


def adadelta_default(keras):
    return _mlp(keras, 3, "softmax"), {"loss": "sparse_categorical_crossentropy",
                                       "optimizer": keras.optimizers.Adadelta(),
                                       "metrics": ["accuracy"]}


IMAGE_12 = {"problem_type": "multiclass", "data_structure": "image", "n_samples": 60000,
            "input_shape": [12, 12, 1], "n_classes": 10, "label_encoding": "one_hot",
            "input_range": [0.0, 1.0]}
IMAGE_8 = {"problem_type": "multiclass", "data_structure": "image", "n_samples": 3000,
           "input_shape": [8, 8, 1], "input_range": [0.0, 1.0]}

CASES: list[Case] = [
    # correct
    Case("mnist_convnet", mnist_convnet, IMAGE_12,
         note="https://keras.io/examples/vision/mnist_convnet/"),
    Case("logits_from_logits", logits_from_logits, _multiclass(10),
         note="https://www.tensorflow.org/tutorials/quickstart/beginner"),
    Case("linear_adam_0_1", linear_adam_0_1,
         {**REGRESSION, "input_shape": [9], "n_samples": 314},
         note="https://www.tensorflow.org/tutorials/keras/regression"),
    Case("multilabel_sigmoid_bce", multilabel_sigmoid_bce,
         _tabular(20, problem_type="multilabel", n_classes=5, label_encoding="multi_hot")),
    Case("binary_two_unit_softmax", binary_two_unit_softmax, BINARY),
    Case("separate_softmax_layer", separate_softmax_layer, _multiclass(10, "one_hot")),
    Case("nested_model", nested_model, {**IMAGE_8, "n_classes": 3, "label_encoding": "integer"}),
    Case("rnn_text", rnn_text,
         {"problem_type": "binary", "data_structure": "text", "n_samples": 25000,
          "input_shape": [20], "n_classes": 2, "vocab_size": 98, "label_encoding": "integer"},
         note="https://keras.io/examples/nlp/bidirectional_lstm_imdb/"),
    Case("multi_output", multi_output, _multiclass(3)),
    Case("custom_layer", custom_layer, _multiclass(3)),
    # faulty: one catalog row each
    Case("softmax_one_unit", softmax_one_unit, BINARY, "A1"),
    Case("sigmoid_mse_classifier", sigmoid_mse_classifier, BINARY, "A2"),
    Case("multiclass_bce", multiclass_bce, _multiclass(10, "one_hot"), "A3"),
    Case("one_unit_categorical", one_unit_categorical, BINARY, "A5"),
    Case("logits_without_from_logits", logits_without_from_logits, _multiclass(10), "A7"),
    Case("softmax_with_from_logits", softmax_with_from_logits, _multiclass(10), "A8"),
    Case("relu_output_classifier", relu_output_classifier, _multiclass(10, "one_hot"), "A9"),
    Case("accuracy_on_regression", accuracy_on_regression, REGRESSION, "A12"),
    Case("linear_stack", linear_stack, {**REGRESSION, "n_samples": 50000}, "B1"),
    Case("hidden_softmax", hidden_softmax, _multiclass(3), "B3"),
    Case("dense_on_conv_output", dense_on_conv_output,
         {**IMAGE_8, "n_classes": 10, "label_encoding": "one_hot"}, "B5"),
    Case("dropout_before_bn", dropout_before_bn, _multiclass(3), "B6"),
    Case("spatial_dropout3d_before_bn", spatial_dropout3d_before_bn,
         {**IMAGE_8, "input_shape": [4, 4, 4, 1], "n_classes": 3, "label_encoding": "integer"},
         "B6"),
    Case("adam_lr_0_5", adam_lr_0_5, {**_multiclass(3), "n_samples": 50000}, "C1"),
    Case("sgd_lr_tiny", sgd_lr_tiny, _multiclass(3), "C2"),
    Case("adam_tiny_epsilon", adam_tiny_epsilon, _multiclass(3), "C4"),
    Case("adadelta_default", adadelta_default, _multiclass(3), "C6"),
    Case("dropout_0_8", dropout_0_8, _multiclass(3), "E1"),
    Case("l2_0_5", l2_0_5, _multiclass(3), "E2"),
    Case("zeros_init", zeros_init, _multiclass(3), "F1"),
    Case("random_normal_stddev_2", random_normal_stddev_2, _multiclass(3), "F2"),
]
CASES_BY_NAME = {case.name: case for case in CASES}

# broken inputs: file name -> a fragment the reader's error message must contain
BROKEN: dict[str, str] = {
    "broken_truncated.keras": "truncated or corrupt zip archive",
    "broken_not_zip.keras": "not a zip archive",
    "broken_no_config.keras": "has no config.json",
    "broken_bad_json.keras": "config.json is not valid JSON",
    "broken_not_a_model.keras": "not a Keras model config",
    "broken_zip_bomb.keras": "claims 10737418240 bytes",
    "broken_compression_bomb.keras": "refusing a possible zip bomb",
    "broken_no_model_config.h5": "not a Keras model file: no model_config attribute",
    "broken_not_hdf5.h5": "not an HDF5 file",
    "broken_truncated.h5": "truncated HDF5 file",
    "broken_unknown.pt": "unsupported file type '.pt'",
}

ZIP_BOMB_CLAIM = 10 * 1024 ** 3


def _save(model: Any, folder: Path, name: str, formats: tuple[str, ...]) -> dict[str, Path]:
    written = {}
    for suffix in formats:
        path = folder / f"{name}{suffix}"
        if suffix == ".json":
            path.write_text(model.to_json(), encoding="utf-8")
        else:
            model.save(path)
        written[path.name] = path
    return written


def _zip(path: Path, entries: dict[str, bytes]) -> None:
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in entries.items():
            archive.writestr(name, data)


def write_broken(folder: Path, sample_keras: Path, sample_h5: Path) -> dict[str, Path]:
    """The broken inputs of :data:`BROKEN` (a .keras and an .h5 of a real model are cut short)."""
    import h5py

    out = {name: folder / name for name in BROKEN}
    data = sample_keras.read_bytes()
    out["broken_truncated.keras"].write_bytes(data[: len(data) // 2])
    out["broken_not_zip.keras"].write_bytes(b"<html><body>404 Not Found</body></html>\n")
    _zip(out["broken_no_config.keras"], {"metadata.json": b'{"keras_version": "3.0.0"}'})
    _zip(out["broken_bad_json.keras"],
         {"config.json": b'{"class_name": "Sequential", "config": {"layers": [',
          "metadata.json": b"{}"})
    _zip(out["broken_not_a_model.keras"], {"config.json": b'["not", "a", "model"]'})
    # central directory claims a 10 GB config.json (zip64), the entry itself is tiny
    with zipfile.ZipFile(out["broken_zip_bomb.keras"], "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("config.json", "w", force_zip64=True) as handle:
            handle.write(b'{"class_name": "Sequential", "config": {"layers": []}}')
        archive.filelist[-1].file_size = ZIP_BOMB_CLAIM
    # a real 4 MiB config.json that deflates about 1000:1
    _zip(out["broken_compression_bomb.keras"],
         {"config.json": b'{"class_name": "Sequential", "config": {"layers": []}' +
          b" " * (4 * 1024 * 1024) + b"}"})
    with h5py.File(out["broken_no_model_config.h5"], "w") as handle:
        handle.attrs["keras_version"] = "3.0.0"
    out["broken_not_hdf5.h5"].write_text("model weights go here\n")
    data = sample_h5.read_bytes()
    out["broken_truncated.h5"].write_bytes(data[: len(data) // 2])
    out["broken_unknown.pt"].write_bytes(b"\x80\x04\x95not a model\x00")
    return out


def make_fixtures(folder: str | Path, *, profiles: bool = True,
                  cases: list[Case] | None = None) -> dict[str, Path]:
    """Write every case (and the broken inputs) into ``folder``: {file name: path}."""
    import os

    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    import keras

    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    written: dict[str, Path] = {}
    absl = logging.getLogger("absl")  # Keras logs its legacy-HDF5 notice there
    level = absl.level
    absl.setLevel(logging.ERROR)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # Keras chatter
            _write_all(folder, cases or CASES, profiles, keras, written)
    finally:
        absl.setLevel(level)
    return written


def _write_all(folder: Path, cases: list[Case], profiles: bool, keras: Any,
               written: dict[str, Path]) -> None:
    for case in cases:
        model, compile_args = case.build(keras)
        model.compile(**compile_args)
        written.update(_save(model, folder, case.name, case.formats))
        if profiles:
            path = folder / f"{case.name}.profile.json"
            path.write_text(json.dumps(case.profile, indent=2), encoding="utf-8")
            written[path.name] = path
    keras_file, h5_file = folder / "mnist_convnet.keras", folder / "mnist_convnet.h5"
    if not (keras_file.exists() and h5_file.exists()):  # the broken files cut a real model
        model, compile_args = mnist_convnet(keras)
        model.compile(**compile_args)
        _save(model, folder, "mnist_convnet", (".keras", ".h5"))
    written.update(write_broken(folder, keras_file, h5_file))


def main(argv: list[str]) -> int:
    if len(argv) != 1:
        print("usage: python tests/audit/make_fixtures.py OUTDIR", file=sys.stderr)
        return 2
    start = time.perf_counter()
    written = make_fixtures(argv[0])
    for name in sorted(written):
        print(written[name])
    print(f"{len(written)} files in {time.perf_counter() - start:.1f} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
