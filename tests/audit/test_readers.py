"""The readers: real Keras files (.keras, legacy .h5, model.to_json()) and advisor configs become
the same NormalizedSetup, read as data; broken inputs fail with the path and a specific reason.

The Keras files are built once per session by ``make_fixtures.py`` (about 5 s with the Keras
import); hand-written tf.keras 2.x configs cover the older layout.
"""

from __future__ import annotations

import importlib.util
import json
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

import pytest

keras = pytest.importorskip("keras")

from advisor import recommend  # noqa: E402
from advisor.audit.readers import (MAX_CONFIG_BYTES, read_setup, setup_from_config,  # noqa: E402
                                   setup_from_keras_config)
from advisor.audit.setup import NotASetupError  # noqa: E402
from advisor.errors import AdvisorError  # noqa: E402
from advisor.profile import DatasetProfile  # noqa: E402
from advisor.samples import load_sample_profile  # noqa: E402

pytestmark = pytest.mark.keras

_spec = importlib.util.spec_from_file_location("audit_make_fixtures",
                                               Path(__file__).with_name("make_fixtures.py"))
fixtures_module = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fixtures_module  # dataclasses look their module up
_spec.loader.exec_module(fixtures_module)
CASES, BROKEN = fixtures_module.CASES, fixtures_module.BROKEN


@pytest.fixture(scope="session")
def files(tmp_path_factory) -> dict[str, Path]:
    return fixtures_module.make_fixtures(tmp_path_factory.mktemp("audit_fixtures"))


def _read(files, name: str, suffix: str = ".keras"):
    return read_setup(files[name + suffix])


# -- what each case reads as ----------------------------------------------------------------------

# name -> (output units, output activation, loss name, from_logits, metrics)
HEADS = {
    "mnist_convnet": (10, "softmax", "categorical_crossentropy", False, ["accuracy"]),
    "logits_from_logits": (10, "linear", "sparse_categorical_crossentropy", True, ["accuracy"]),
    "linear_adam_0_1": (1, "linear", "mean_squared_error", False, ["mean_absolute_error"]),
    "multilabel_sigmoid_bce": (5, "sigmoid", "binary_crossentropy", False, ["auc"]),
    "binary_two_unit_softmax": (2, "softmax", "sparse_categorical_crossentropy", False,
                                ["accuracy"]),
    "separate_softmax_layer": (10, "softmax", "categorical_crossentropy", False, ["accuracy"]),
    "nested_model": (3, "softmax", "sparse_categorical_crossentropy", False, ["accuracy"]),
    "rnn_text": (1, "sigmoid", "binary_crossentropy", False, ["accuracy"]),
    "multi_output": (3, "softmax", "sparse_categorical_crossentropy", False, ["accuracy"]),
    "custom_layer": (3, "softmax", "sparse_categorical_crossentropy", False, ["accuracy"]),
    "softmax_one_unit": (1, "softmax", "binary_crossentropy", False, ["accuracy"]),
    "sigmoid_mse_classifier": (1, "sigmoid", "mean_squared_error", False, []),
    "multiclass_bce": (10, "softmax", "binary_crossentropy", False, ["accuracy"]),
    "one_unit_categorical": (1, "sigmoid", "categorical_crossentropy", False, ["accuracy"]),
    "logits_without_from_logits": (10, "linear", "sparse_categorical_crossentropy", False,
                                   ["accuracy"]),
    "softmax_with_from_logits": (10, "softmax", "sparse_categorical_crossentropy", True,
                                 ["accuracy"]),
    "relu_output_classifier": (10, "relu", "categorical_crossentropy", False, ["accuracy"]),
    "accuracy_on_regression": (1, "linear", "mean_squared_error", False, ["accuracy"]),
    "linear_stack": (1, "linear", "mean_squared_error", False, ["mean_absolute_error"]),
    "dense_on_conv_output": (10, "softmax", "categorical_crossentropy", False, ["accuracy"]),
}
SCC3 = (3, "softmax", "sparse_categorical_crossentropy", False, ["accuracy"])
for _name in ("hidden_softmax", "dropout_before_bn", "spatial_dropout3d_before_bn",
              "adam_lr_0_5", "sgd_lr_tiny", "adam_tiny_epsilon", "adadelta_default",
              "dropout_0_8", "l2_0_5", "zeros_init", "random_normal_stddev_2"):
    HEADS[_name] = SCC3

# name -> (optimizer, learning rate, epsilon, momentum)
OPTIMIZERS = {
    "linear_adam_0_1": ("adam", 0.1, 1e-7, None),
    "adam_lr_0_5": ("adam", 0.5, 1e-7, None),
    "sgd_lr_tiny": ("sgd", 1e-7, None, 0.9),
    "adam_tiny_epsilon": ("adam", 0.001, 1e-12, None),
    "adadelta_default": ("adadelta", 0.001, 1e-7, None),
}


def test_every_case_has_expectations():
    assert set(HEADS) == {case.name for case in CASES}
    for case in CASES:
        DatasetProfile.model_validate(case.profile)


@pytest.mark.parametrize("name", sorted(HEADS))
def test_case_reads_as_expected(files, name):
    setup = _read(files, name)
    units, activation, loss, from_logits, metrics = HEADS[name]
    assert setup.format == "keras" and setup.source == str(files[name + ".keras"])
    assert (setup.output.units, setup.output.activation) == (units, activation)
    assert (setup.loss.name, setup.loss.from_logits) == (loss, from_logits)
    assert setup.metrics == metrics
    optimizer, rate, epsilon, momentum = OPTIMIZERS.get(name, ("adam", 0.001, 1e-7, None))
    assert setup.optimizer.name == optimizer
    assert setup.optimizer.learning_rate == rate  # float32 0.10000000149 reads as 0.1
    assert (setup.optimizer.epsilon, setup.optimizer.momentum) == (epsilon, momentum)
    assert setup.input_dtype == ("int32" if name == "rnn_text" else "float32")
    assert all(layer.class_name != "InputLayer" for layer in setup.layers)
    assert [layer.index for layer in setup.layers] == list(range(len(setup.layers)))


def test_layer_details(files):
    mnist = _read(files, "mnist_convnet")
    assert mnist.model_class == "Sequential" and mnist.input_shape == [12, 12, 1]
    assert [l.class_name for l in mnist.layers] == [
        "Conv2D", "MaxPooling2D", "Conv2D", "MaxPooling2D", "Flatten", "Dropout", "Dense"]
    assert [l.output_rank for l in mnist.layers] == [3, 3, 3, 3, 1, 1, 1]
    assert mnist.layers[0].units == 4 and mnist.layers[0].activation == "relu"
    assert mnist.layers[0].input_shape == [12, 12, 1]
    assert mnist.layers[0].kernel_initializer.name == "glorot_uniform"
    assert mnist.layers[5].rate == 0.5
    assert mnist.output.rank == 1

    assert _read(files, "dropout_0_8").layers[1].rate == 0.8
    assert _read(files, "l2_0_5").layers[0].kernel_regularizer.model_dump() == {"l1": 0.0,
                                                                                "l2": 0.5}
    assert _read(files, "zeros_init").layers[0].kernel_initializer.name == "zeros"
    wide = _read(files, "random_normal_stddev_2").layers[0].kernel_initializer
    assert (wide.name, wide.stddev) == ("random_normal", 2.0)
    stack = _read(files, "linear_stack")
    assert [l.activation for l in stack.layers] == ["linear", "linear", "linear"]
    assert [l.class_name for l in _read(files, "dropout_before_bn").layers] == [
        "Dense", "Dropout", "BatchNormalization", "Dense"]
    assert _read(files, "hidden_softmax").layers[0].activation == "softmax"
    rnn = _read(files, "rnn_text")
    assert rnn.input_shape == [20]
    assert [(l.class_name, l.output_rank) for l in rnn.layers] == [
        ("Embedding", 2), ("LSTM", 1), ("Dense", 1)]
    assert rnn.layers[1].return_sequences is False and rnn.layers[1].activation == "tanh"


def test_dense_on_conv_output_keeps_the_feature_map_rank(files):
    for suffix in (".keras", ".h5", ".json"):
        setup = _read(files, "dense_on_conv_output", suffix)
        assert [(l.class_name, l.output_rank) for l in setup.layers] == [("Conv2D", 3),
                                                                         ("Dense", 3)]
        assert setup.output.rank == 3


def test_output_looks_through_a_separate_activation_layer(files):
    setup = _read(files, "separate_softmax_layer")
    assert [l.class_name for l in setup.layers] == ["Dense", "Dense", "Activation"]
    assert setup.layers[1].activation == "linear" and setup.layers[2].activation == "softmax"
    assert setup.output.layer == "logits" and setup.output.units == 10


def test_nested_model_is_flattened_with_paths(files):
    setup = _read(files, "nested_model")
    assert setup.model_class == "Functional" and setup.input_shape == [8, 8, 1]
    assert [(l.path, l.class_name) for l in setup.layers] == [
        ("features/" + setup.layers[0].name, "Conv2D"),
        ("features/" + setup.layers[1].name, "GlobalAveragePooling2D"),
        ("head_dropout", "Dropout"), ("head", "Dense")]
    assert [l.output_rank for l in setup.layers] == [3, 1, 1, 1]
    assert setup.output.layer == "head"


def test_multi_output_model_is_audited_on_its_first_output(files):
    for suffix in (".keras", ".h5"):
        setup = _read(files, "multi_output", suffix)
        assert setup.output.layer == "label"
        assert [l.name for l in setup.layers][-1] == "label"
        assert "score" not in [l.name for l in setup.layers]  # the other head is left out
        assert setup.metrics == ["accuracy"]


def test_custom_layer_is_kept_by_class_name(files):
    for suffix in (".keras", ".h5", ".json"):
        layers = _read(files, "custom_layer", suffix).layers
        assert layers[1].class_name == "Scale" and layers[1].units is None


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.name)
def test_formats_agree(files, case):
    """.keras, .h5 and model.to_json() of one model give the same audited fields; the JSON has
    no optimizer (Keras 3's to_json() carries loss and metrics, not the optimizer)."""
    def audited(setup, ranks=True):
        layers = [layer.model_dump(include={"class_name", "name", "path", "units", "activation",
                                            "rate", "kernel_initializer", "kernel_regularizer",
                                            "return_sequences", "use_bias"} |
                                   ({"output_rank"} if ranks else set()))
                  for layer in setup.layers]
        output = setup.output.model_dump(exclude=set() if ranks else {"rank"})
        return (setup.model_class, setup.input_shape, setup.input_dtype, layers, output,
                setup.loss, setup.metrics)

    keras_file = _read(files, case.name, ".keras")
    h5 = _read(files, case.name, ".h5")
    js = _read(files, case.name, ".json")
    assert (keras_file.format, h5.format, js.format) == ("keras", "h5", "json")
    # a legacy .h5 records no layer shapes: a custom layer's output rank stays unknown there
    ranks = case.name != "custom_layer"
    assert audited(h5, ranks) == audited(keras_file, ranks)
    assert audited(js) == audited(keras_file)
    assert h5.optimizer == keras_file.optimizer
    assert js.optimizer is None


# -- broken inputs --------------------------------------------------------------------------------

@pytest.mark.parametrize("name", sorted(BROKEN))
def test_broken_input_names_the_file_and_the_reason(files, name):
    path = files[name]
    with pytest.raises(AdvisorError) as caught:
        read_setup(path)
    message = str(caught.value)
    assert message.startswith(f"{path}: ")
    assert BROKEN[name] in message
    assert not isinstance(caught.value, NotASetupError)


def test_zip_bomb_is_refused_fast_and_bounded(files):
    path = files["broken_zip_bomb.keras"]
    assert path.stat().st_size < 1024
    tracemalloc.start()
    start = time.perf_counter()
    with pytest.raises(AdvisorError, match="claims 10737418240 bytes"):
        read_setup(path)
    elapsed = time.perf_counter() - start
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert elapsed < 0.5 and peak < 2 * 1024 * 1024
    # the real 4 MiB, ~1000:1 archive is refused before it is inflated
    tracemalloc.start()
    with pytest.raises(AdvisorError, match="compressed"):
        read_setup(files["broken_compression_bomb.keras"])
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert peak < 2 * 1024 * 1024


def test_content_decides_over_the_extension(files, tmp_path):
    h5_named_keras = tmp_path / "legacy.keras"
    h5_named_keras.write_bytes(files["mnist_convnet.h5"].read_bytes())
    assert read_setup(h5_named_keras).format == "h5"
    zip_named_h5 = tmp_path / "archive.h5"
    zip_named_h5.write_bytes(files["mnist_convnet.keras"].read_bytes())
    assert read_setup(zip_named_h5).format == "keras"


def test_missing_folder_and_other_files(tmp_path):
    with pytest.raises(AdvisorError, match="no such file or folder"):
        read_setup(tmp_path / "nope.keras")
    folder = tmp_path / "saved_model.keras"
    folder.mkdir()
    with pytest.raises(AdvisorError, match="is a folder"):
        read_setup(folder)
    with pytest.raises(AdvisorError, match="no such file or folder"):  # existence is checked first
        read_setup(tmp_path / "Makefile")
    (tmp_path / "Makefile").write_text("all:\n")
    with pytest.raises(AdvisorError, match="unsupported file type without an extension"):
        read_setup(tmp_path / "Makefile")
    other = tmp_path / "package.json"
    other.write_text('{"name": "left-pad", "version": "1.3.0"}')
    with pytest.raises(NotASetupError, match="neither a Keras model config"):
        read_setup(other)
    optimizer_json = tmp_path / "adam.json"  # a serialized Keras object, but not a model
    optimizer_json.write_text('{"class_name": "Adam", "config": {"learning_rate": 0.001}}')
    with pytest.raises(NotASetupError):
        read_setup(optimizer_json)
    ci = tmp_path / "ci.yml"
    ci.write_text("on: [push]\njobs: {}\n")
    with pytest.raises(NotASetupError):
        read_setup(ci)
    listing = tmp_path / "list.yaml"
    listing.write_text("- a\n- b\n")
    with pytest.raises(NotASetupError):
        read_setup(listing)
    broken = tmp_path / "broken.yaml"
    broken.write_text("model: [unclosed\n")
    with pytest.raises(AdvisorError, match="not valid YAML") as caught:
        read_setup(broken)
    assert not isinstance(caught.value, NotASetupError)
    bad_json = tmp_path / "bad.json"
    bad_json.write_text('{"class_name": ')
    with pytest.raises(AdvisorError, match="not valid JSON: .* line 1"):
        read_setup(bad_json)
    deep = tmp_path / "deep.json"
    deep.write_text("[" * 100_000 + "]" * 100_000)
    with pytest.raises(AdvisorError, match="nested too deeply"):
        read_setup(deep)


def test_oversized_json_is_refused_without_reading_it(tmp_path):
    big = tmp_path / "big.json"
    with big.open("wb") as handle:
        handle.truncate(MAX_CONFIG_BYTES + 1)  # sparse: nothing is written
    with pytest.raises(AdvisorError, match="limit"):
        read_setup(big)


def test_reading_imports_no_tensorflow_keras_or_numpy(files, tmp_path):
    config = tmp_path / "rec.yaml"
    config.write_text(recommend(load_sample_profile("imdb")).to_config().to_yaml())
    paths = [str(files["mnist_convnet.keras"]), str(files["nested_model.json"]), str(config)]
    code = (
        "import sys, json\n"
        "from advisor.audit.readers import read_setup\n"
        f"for p in {paths!r}:\n"
        "    read_setup(p)\n"
        "heavy = sorted({m.split('.')[0] for m in sys.modules} & "
        "{'tensorflow', 'keras', 'numpy', 'h5py', 'tf_keras'})\n"
        "print(json.dumps(heavy))\n")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


# -- tf.keras 2.x layout (written by hand: TF 2.12 h5 attributes) ---------------------------------

TF2_MODEL = {
    "class_name": "Functional",
    "config": {
        "name": "model",
        "layers": [
            {"class_name": "InputLayer", "config": {
                "batch_input_shape": [None, 28, 28, 1], "dtype": "float32", "sparse": False,
                "ragged": False, "name": "image"}, "name": "image", "inbound_nodes": []},
            {"class_name": "Sequential", "config": {"name": "features", "layers": [
                {"class_name": "InputLayer", "config": {
                    "batch_input_shape": [None, 28, 28, 1], "dtype": "float32",
                    "name": "conv2d_input"}},
                {"class_name": "Conv2D", "config": {
                    "name": "conv2d", "trainable": True, "dtype": "float32", "filters": 8,
                    "kernel_size": [3, 3], "activation": "relu", "use_bias": False,
                    "kernel_initializer": {"class_name": "HeNormal", "config": {"seed": None}},
                    "kernel_regularizer": {"class_name": "L2",
                                           "config": {"l2": 0.0010000000474974513}}}},
                {"class_name": "BatchNormalization", "config": {"name": "bn", "axis": [3]}},
                {"class_name": "Flatten", "config": {"name": "flatten"}}]},
             "name": "features", "inbound_nodes": [[["image", 0, 0, {}]]]},
            {"class_name": "Dropout", "config": {"name": "drop", "rate": 0.25},
             "name": "drop", "inbound_nodes": [[["features", 1, 0, {}]]]},
            {"class_name": "Dense", "config": {
                "name": "logits", "units": 10, "activation": "linear", "use_bias": True,
                "kernel_initializer": {"class_name": "RandomNormal",
                                       "config": {"mean": 0.0, "stddev": 0.05, "seed": None}},
                "kernel_regularizer": None},
             "name": "logits", "inbound_nodes": [[["drop", 0, 0, {}]]]},
            {"class_name": "Softmax", "config": {"name": "probs", "axis": -1},
             "name": "probs", "inbound_nodes": [[["logits", 0, 0, {}]]]},
        ],
        "input_layers": [["image", 0, 0]],
        "output_layers": [["probs", 0, 0]],
    },
    "keras_version": "2.12.0",
    "backend": "tensorflow",
}
TF2_TRAINING = {
    "loss": {"class_name": "CategoricalCrossentropy", "config": {
        "reduction": "auto", "name": "categorical_crossentropy", "from_logits": False,
        "label_smoothing": 0.0, "axis": -1}},
    "metrics": [[{"class_name": "MeanMetricWrapper", "config": {
        "name": "accuracy", "dtype": "float32", "fn": "categorical_accuracy"}}]],
    "weighted_metrics": None, "loss_weights": None,
    "optimizer_config": {"class_name": "Custom>Adam", "config": {
        "name": "Adam", "weight_decay": None, "clipnorm": None, "global_clipnorm": None,
        "clipvalue": None, "use_ema": False, "jit_compile": True, "is_legacy_optimizer": False,
        "learning_rate": 0.0010000000474974513, "beta_1": 0.9, "beta_2": 0.999,
        "epsilon": 1e-07, "amsgrad": False}},
}
# standalone Keras 2.2: the Sequential config is the layer list; "lr"; Adadelta at 1.0
KERAS22_MODEL = {"class_name": "Sequential", "config": [
    {"class_name": "Dense", "config": {
        "name": "dense_1", "units": 64, "activation": "relu", "batch_input_shape": [None, 20],
        "dtype": "float32", "kernel_initializer": {"class_name": "VarianceScaling", "config": {
            "scale": 1.0, "mode": "fan_avg", "distribution": "uniform", "seed": None}}}},
    {"class_name": "Dense", "config": {"name": "dense_2", "units": 1, "activation": "sigmoid"}},
]}
KERAS22_TRAINING = {"optimizer_config": {"class_name": "Adadelta", "config": {
    "lr": 1.0, "rho": 0.95, "decay": 0.0, "epsilon": 1e-07}},
    "loss": "binary_crossentropy", "metrics": ["acc"], "sample_weight_mode": None,
    "loss_weights": None}


def _write_h5(path: Path, model: dict, training: dict | None, *, as_bytes: bool) -> Path:
    import h5py

    with h5py.File(path, "w") as handle:
        text = json.dumps(model)
        handle.attrs["model_config"] = text.encode() if as_bytes else text
        if training is not None:
            handle.attrs["training_config"] = json.dumps(training).encode()
        handle.attrs["keras_version"] = b"2.12.0"
        handle.create_group("model_weights")
    return path


def test_tf_keras_2_h5_layout(tmp_path):
    setup = read_setup(_write_h5(tmp_path / "tf2.h5", TF2_MODEL, TF2_TRAINING, as_bytes=True))
    assert setup.format == "h5" and setup.model_class == "Functional"
    assert setup.input_shape == [28, 28, 1] and setup.input_dtype == "float32"
    assert [(l.path, l.class_name, l.output_rank) for l in setup.layers] == [
        ("features/conv2d", "Conv2D", 3), ("features/bn", "BatchNormalization", 3),
        ("features/flatten", "Flatten", 1), ("drop", "Dropout", 1), ("logits", "Dense", 1),
        ("probs", "Softmax", 1)]
    conv = setup.layers[0]
    assert conv.use_bias is False and conv.kernel_initializer.name == "he_normal"
    assert conv.kernel_regularizer.l2 == 0.001
    assert setup.layers[4].kernel_initializer.stddev == 0.05
    assert setup.output.model_dump() == {"layer": "logits", "units": 10,
                                         "activation": "softmax", "rank": 1}
    assert setup.loss.model_dump() == {"name": "categorical_crossentropy", "from_logits": False}
    assert setup.metrics == ["accuracy"]
    assert (setup.optimizer.name, setup.optimizer.learning_rate, setup.optimizer.epsilon) == (
        "adam", 0.001, 1e-7)


def test_keras_2_2_layout(tmp_path):
    setup = read_setup(_write_h5(tmp_path / "old.h5", KERAS22_MODEL, KERAS22_TRAINING,
                                 as_bytes=False))
    assert setup.input_shape == [20]
    assert [l.units for l in setup.layers] == [64, 1]
    assert setup.layers[0].input_shape == [20]
    assert setup.layers[0].kernel_initializer.name == "variance_scaling"
    assert (setup.output.units, setup.output.activation) == (1, "sigmoid")
    assert setup.optimizer.name == "adadelta" and setup.optimizer.learning_rate == 1.0
    assert setup.loss.name == "binary_crossentropy" and setup.metrics == ["accuracy"]


def test_h5_weights_only_files(files, tmp_path):
    import h5py
    import zipfile

    keras2 = tmp_path / "weights.h5"
    with h5py.File(keras2, "w") as handle:
        handle.attrs["layer_names"] = [b"dense"]
    keras3 = tmp_path / "model.weights.h5"  # what a .keras archive carries besides config.json
    with zipfile.ZipFile(files["mnist_convnet.keras"]) as archive:
        keras3.write_bytes(archive.read("model.weights.h5"))
    for path in (keras2, keras3):
        with pytest.raises(AdvisorError, match="no model_config attribute .*weights only"):
            read_setup(path)


# -- serialized forms, one at a time --------------------------------------------------------------

def _dense(units, activation="linear", **config):
    return {"module": "keras.layers", "class_name": "Dense",
            "config": {"name": config.pop("name", f"dense_{units}"), "units": units,
                       "activation": activation, **config}}


def _sequential(*layers, input_shape=(8,), dtype="float32"):
    first = {"module": "keras.layers", "class_name": "InputLayer",
             "config": {"batch_shape": [None, *input_shape], "dtype": dtype, "name": "in"}}
    return {"module": "keras", "class_name": "Sequential",
            "config": {"name": "m", "layers": [first, *layers]}}


@pytest.mark.parametrize("loss, expected", [
    ("categorical_crossentropy", ("categorical_crossentropy", False)),
    ("mse", ("mean_squared_error", False)),
    ("MAE", ("mean_absolute_error", False)),
    ("binary_crossentropy", ("binary_crossentropy", False)),
    ({"module": "keras.losses", "class_name": "SparseCategoricalCrossentropy",
      "config": {"from_logits": True, "name": "sparse_categorical_crossentropy"}},
     ("sparse_categorical_crossentropy", True)),
    ({"module": "keras.losses", "class_name": "function", "config": "mean_squared_error"},
     ("mean_squared_error", False)),
    ({"module": "builtins", "class_name": "function", "config": "mean_absolute_error",
      "registered_name": "function"}, ("mean_absolute_error", False)),
    ({"class_name": "Huber", "config": {"delta": 1.0}}, ("huber", False)),
    ({"class_name": "KLDivergence", "config": {}}, ("kl_divergence", False)),
    ({"class_name": "BinaryFocalCrossentropy", "config": {"from_logits": True}},
     ("binary_focal_crossentropy", True)),
    ("my_package>focal_dice", ("other:focal_dice", False)),
    ({"module": None, "class_name": "function", "config": "weighted_loss",
      "registered_name": "Custom>weighted_loss"}, ("other:weighted_loss", False)),
    (["mse", "binary_crossentropy"], ("mean_squared_error", False)),
    ({"first": "hinge", "second": "mse"}, ("hinge", False)),
])
def test_loss_forms(loss, expected):
    setup = setup_from_keras_config(_sequential(_dense(1)), {"loss": loss, "optimizer": "adam"})
    assert (setup.loss.name, setup.loss.from_logits) == expected


@pytest.mark.parametrize("optimizer, expected", [
    ("adam", {"name": "adam", "learning_rate": 0.001, "epsilon": 1e-7}),
    ("sgd", {"name": "sgd", "learning_rate": 0.01, "momentum": 0.0, "nesterov": False}),
    ("rmsprop", {"name": "rmsprop", "learning_rate": 0.001, "epsilon": 1e-7, "momentum": 0.0}),
    ("adadelta", {"name": "adadelta", "learning_rate": 0.001}),
    ("AdamW", {"name": "adamw", "weight_decay": 0.004}),
    ({"module": "keras.optimizers", "class_name": "SGD", "config": {
        "learning_rate": 0.10000000149011612, "momentum": 0.9, "nesterov": True,
        "clipnorm": 1.0, "weight_decay": None}},
     {"name": "sgd", "learning_rate": 0.1, "momentum": 0.9, "nesterov": True, "clipnorm": 1.0}),
    ({"module": "keras.optimizers", "class_name": "Adam", "config": {
        "learning_rate": {"module": "keras.optimizers.schedules", "class_name": "CosineDecay",
                          "config": {"initial_learning_rate": 0.01, "decay_steps": 100}},
        "epsilon": 1e-12}},
     {"name": "adam", "learning_rate": 0.01, "schedule": "CosineDecay", "epsilon": 1e-12}),
    ({"class_name": "AdamW", "config": {"learning_rate": {
        "class_name": "CosineDecay", "config": {"initial_learning_rate": 0.0, "decay_steps": 10,
                                                "warmup_target": 0.0003, "warmup_steps": 5}},
        "weight_decay": 0.01}},
     {"name": "adamw", "learning_rate": 0.0003, "schedule": "CosineDecay",
      "weight_decay": 0.01}),
    ({"class_name": "SGD", "config": {"learning_rate": {
        "class_name": "PiecewiseConstantDecay",
        "config": {"boundaries": [10], "values": [0.1, 0.01]}}}},
     {"learning_rate": 0.1, "schedule": "PiecewiseConstantDecay"}),
    ({"class_name": "LossScaleOptimizer", "config": {"inner_optimizer": {
        "class_name": "RMSprop", "config": {"learning_rate": 0.002}}, "initial_scale": 32768}},
     {"name": "rmsprop", "learning_rate": 0.002}),
])
def test_optimizer_forms(optimizer, expected):
    setup = setup_from_keras_config(_sequential(_dense(1)), {"loss": "mse",
                                                             "optimizer": optimizer})
    got = setup.optimizer.model_dump()
    assert {k: got[k] for k in expected} == expected


@pytest.mark.parametrize("metrics, expected", [
    (["acc", "AUC", "mae"], ["accuracy", "auc", "mean_absolute_error"]),
    ([{"module": "keras.metrics", "class_name": "AUC", "config": {"name": "auc_3"}},
      {"module": "builtins", "class_name": "function", "config": "mean_absolute_error"},
      {"class_name": "RootMeanSquaredError", "config": {}}, "accuracy", "acc"],
     ["auc", "mean_absolute_error", "root_mean_squared_error", "accuracy"]),
    ([["accuracy"], ["mse"]], ["accuracy"]),
    ({"out": ["mae"], "other": ["accuracy"]}, ["mean_absolute_error"]),
    ([[{"class_name": "MeanMetricWrapper", "config": {"name": "acc", "fn": "binary_accuracy"}}]],
     ["accuracy"]),
    (None, []),
])
def test_metric_forms(metrics, expected):
    setup = setup_from_keras_config(_sequential(_dense(1)),
                                    {"loss": "mse", "optimizer": "adam", "metrics": metrics})
    assert setup.metrics == expected


@pytest.mark.parametrize("activation, expected", [
    ("softmax", "softmax"), (None, "linear"), ("linear", "linear"), ("silu", "swish"),
    ({"module": "keras.activations", "class_name": "function", "config": "softmax",
      "registered_name": "function"}, "softmax"),
    ({"module": "keras.layers", "class_name": "LeakyReLU", "config": {"negative_slope": 0.3}},
     "leaky_relu"),
    ("my_pkg>swoosh", "swoosh"),
])
def test_activation_forms(activation, expected):
    setup = setup_from_keras_config(_sequential(_dense(3, activation)), None)
    assert setup.layers[0].activation == expected == setup.output.activation
    assert setup.loss is None and setup.optimizer is None and setup.metrics == []


def test_initializer_and_regularizer_forms():
    layers = [
        _dense(4, "relu", name="a", kernel_initializer="random_normal",
               kernel_regularizer="l2"),
        _dense(4, "relu", name="b", kernel_initializer={
            "module": "keras.initializers", "class_name": "RandomUniform",
            "config": {"minval": -3.0, "maxval": 3.0}},
            kernel_regularizer={"module": "keras.regularizers", "class_name": "L1L2",
                                "config": {"l1": 0.01, "l2": 0.02}}),
        _dense(4, "relu", name="c", kernel_initializer={"class_name": "Constant",
                                                        "config": {"value": 0.5}},
               kernel_regularizer={"class_name": "L1", "config": {"l1": 0.009999999776482582}}),
        _dense(1, name="d", kernel_initializer={"class_name": "Zeros", "config": {}}),
    ]
    got = setup_from_keras_config(_sequential(*layers), None).layers
    assert got[0].kernel_initializer.model_dump(exclude_none=True) == {
        "name": "random_normal", "stddev": 0.05}
    assert got[0].kernel_regularizer.model_dump() == {"l1": 0.0, "l2": 0.01}
    assert got[1].kernel_initializer.model_dump(exclude_none=True) == {
        "name": "random_uniform", "minval": -3.0, "maxval": 3.0}
    assert got[1].kernel_regularizer.model_dump() == {"l1": 0.01, "l2": 0.02}
    assert got[2].kernel_initializer.model_dump(exclude_none=True) == {"name": "constant",
                                                                       "value": 0.5}
    assert got[2].kernel_regularizer.model_dump() == {"l1": 0.01, "l2": 0.0}
    assert got[3].kernel_initializer.name == "zeros" and got[3].kernel_regularizer is None


def _layer(cls, **config):
    return {"class_name": cls, "config": {"name": config.pop("name", cls.lower()), **config}}


def test_output_rank_is_inferred_without_recorded_shapes():
    model = _sequential(
        _layer("Embedding", input_dim=100, output_dim=8),
        _layer("LSTM", units=8, return_sequences=True, dropout=0.3),
        _layer("TimeDistributed", layer=_layer("Dense", units=4, activation="relu")),
        _layer("Bidirectional", layer=_layer("GRU", units=4, return_sequences=False)),
        _layer("RepeatVector", n=3),
        _layer("Conv1D", filters=4, kernel_size=2, activation="relu"),
        _layer("GlobalMaxPooling1D"),
        _layer("Reshape", target_shape=[2, 2]),
        _layer("Flatten"),
        _layer("Dense", units=2, activation=None),
        _layer("ReLU", max_value=6),
        input_shape=(12,), dtype="int32")
    setup = setup_from_keras_config(model, None)
    assert setup.input_shape == [12] and setup.input_dtype == "int32"
    assert [(l.class_name, l.output_rank) for l in setup.layers] == [
        ("Embedding", 2), ("LSTM", 2), ("TimeDistributed", 2), ("Bidirectional", 1),
        ("RepeatVector", 2), ("Conv1D", 2), ("GlobalMaxPooling1D", 1), ("Reshape", 2),
        ("Flatten", 1), ("Dense", 1), ("ReLU", 1)]
    lstm, td, bi = setup.layers[1:4]
    assert (lstm.rate, lstm.return_sequences, lstm.activation) == (0.3, True, "tanh")
    assert (td.units, td.activation) == (4, "relu")
    assert (bi.units, bi.return_sequences) == (4, False)
    assert setup.output.model_dump() == {"layer": "dense", "units": 2, "activation": "relu6",
                                         "rank": 1}


def test_keras_3_wrappers_from_real_layers(tmp_path):
    L = keras.layers
    inputs = keras.Input((6,), dtype="int32")
    x = L.Embedding(50, 8)(inputs)
    x = L.Bidirectional(L.LSTM(4, return_sequences=True))(x)
    outputs = L.TimeDistributed(L.Dense(5, activation="softmax"), name="tags")(x)
    model = keras.Model(inputs, outputs)
    model.compile(optimizer=keras.optimizers.RMSprop(0.002), loss="sparse_categorical_crossentropy")
    path = tmp_path / "tagger.keras"
    model.save(path)
    setup = read_setup(path)
    assert [(l.class_name, l.units, l.output_rank) for l in setup.layers] == [
        ("Embedding", None, 2), ("Bidirectional", 4, 2), ("TimeDistributed", 5, 2)]
    assert setup.output.model_dump() == {"layer": "tags", "units": 5, "activation": "softmax",
                                         "rank": 2}
    assert (setup.optimizer.name, setup.optimizer.learning_rate) == ("rmsprop", 0.002)


def test_unreadable_layers_are_kept_and_the_output_is_other():
    model = _sequential(_dense(8, "relu"), {"class_name": "my_pkg>Mystery", "config": []},
                        {"class_name": "Lambda", "config": {"name": "lam", "function": "..."}})
    setup = setup_from_keras_config(model, None)
    assert [l.class_name for l in setup.layers] == ["Dense", "Mystery", "Lambda"]
    assert setup.layers[1].units is None and setup.layers[1].activation is None
    assert setup.output.activation == "other" and setup.output.units is None


def test_mangled_configs_fail_only_with_advisor_errors(files):
    """Real configs with random parts replaced by junk: read, or an AdvisorError - never a
    crash."""
    import copy
    import random
    import zipfile

    junk = [None, 1, -1, 0.5, "x", "", [], {}, [None], [1, "a"], {"class_name": 3},
            {"class_name": "Dense", "config": None}, True, float("nan"), [[["a", 0, 0, {}]]],
            {"config": "softmax"}, "Custom>X", [["x"]], 10 ** 30,
            {"class_name": "__keras_tensor__", "config": {"keras_history": [1], "shape": "s"}}]
    configs = []
    for case in ("nested_model", "rnn_text", "multi_output", "mnist_convnet"):
        with zipfile.ZipFile(files[case + ".keras"]) as archive:
            configs.append(json.loads(archive.read("config.json")))

    def places(value, at=()):
        if isinstance(value, dict):
            for key, item in value.items():
                yield at + (key,)
                yield from places(item, at + (key,))
        elif isinstance(value, list):
            for index, item in enumerate(value):
                yield at + (index,)
                yield from places(item, at + (index,))

    rng = random.Random(7)
    for _ in range(400):
        config = copy.deepcopy(rng.choice(configs))
        for _ in range(rng.randint(1, 3)):
            spots = list(places(config))
            *parents, last = rng.choice(spots)
            target = config
            for key in parents:
                target = target[key]
            target[last] = copy.deepcopy(rng.choice(junk))
        try:
            setup_from_keras_config(config, config.get("compile_config"), source="mangled")
        except AdvisorError:
            pass


def test_not_a_model_config():
    with pytest.raises(AdvisorError, match="no class_name"):
        setup_from_keras_config({"config": {}}, None, source="x.json")


# -- advisor TrainingConfig -----------------------------------------------------------------------

PROFILES = {
    "mnist": load_sample_profile("mnist"),
    "imdb": load_sample_profile("imdb"),
    "jena_climate": load_sample_profile("jena_climate"),
    "california_housing": load_sample_profile("california_housing"),
    "credit_card_fraud": load_sample_profile("credit_card_fraud"),
    "text_transformer": {"problem_type": "multiclass", "data_structure": "text",
                         "n_samples": 200000, "input_shape": [64], "n_classes": 4,
                         "vocab_size": 5000, "compute": "gpu"},
    "pretrained": {"problem_type": "multiclass", "data_structure": "image", "n_samples": 2000,
                   "input_shape": [32, 32, 3], "n_classes": 4, "pretrained": True},
    "anomaly": {"problem_type": "anomaly_detection", "data_structure": "tabular",
                "n_samples": 2000, "input_shape": [12]},
    "seq2seq": {"problem_type": "seq2seq", "data_structure": "sequence", "n_samples": 2000,
                "input_shape": [12], "n_classes": 12, "vocab_size": 12},
}


@pytest.mark.parametrize("name", sorted(PROFILES))
def test_training_config_from_recommend(name, tmp_path):
    rec = recommend(PROFILES[name])
    config = rec.to_config()
    setup = setup_from_config(config, source="rec")
    assert setup.format == "config" and setup.source == "rec"
    assert (setup.output.units, setup.output.activation) == (rec.model.output.units,
                                                             rec.model.output.activation)
    assert setup.output.rank == (2 if name == "seq2seq" else 1)
    assert (setup.loss.name, setup.loss.from_logits) == (rec.loss.name, rec.loss.from_logits)
    assert setup.optimizer.name == rec.optimizer.name.lower()
    assert setup.optimizer.learning_rate == rec.optimizer.learning_rate
    assert (setup.optimizer.schedule is not None) == (rec.lr_schedule is not None)
    assert len(setup.metrics) == len(rec.metrics)
    assert setup.batch_size == rec.training.batch_size and setup.epochs == rec.training.epochs
    assert setup.validation_split == rec.training.validation_split
    assert setup.class_weight == rec.training.class_weight
    assert setup.early_stopping == (rec.regularization.early_stopping is not None)
    assert setup.preprocessing == rec.preprocessing
    assert setup.profile == rec.profile
    assert setup.input_shape == rec.profile.input_shape
    token_input = rec.model.layers[0].get("dtype") == "int32"
    assert setup.input_dtype == ("int32" if token_input else "float32")
    assert len(setup.layers) == len(rec.model.layers) - 1  # the Input is not a layer
    assert setup.layers[-1].path == f"model.layers[{len(rec.model.layers) - 1}]"
    for position, layer in enumerate(rec.model.layers[1:], start=1):
        info = setup.layers[position - 1]
        assert info.class_name == layer["type"]
        if layer["type"] == "Dropout":
            assert info.rate == layer["rate"]
        if "kernel_regularizer" in layer:
            penalty = layer["kernel_regularizer"]["config"]
            assert info.kernel_regularizer.model_dump() == {"l1": penalty["l1"],
                                                            "l2": penalty["l2"]}
    # the same config through files
    yaml_path, json_path = tmp_path / "config.yaml", tmp_path / "config.json"
    yaml_path.write_text(config.to_yaml())
    json_path.write_text(config.to_json())
    for path in (yaml_path, json_path):
        again = read_setup(path)
        assert again.source == str(path)
        assert again.model_dump(exclude={"source"}) == setup.model_dump(exclude={"source"})


def test_training_config_layer_forms():
    rec = recommend(load_sample_profile("imdb"))
    setup = setup_from_config(rec)
    bidirectional = [l for l in setup.layers if l.class_name == "Bidirectional"]
    assert [(l.units, l.return_sequences) for l in bidirectional] == [(64, True), (64, False)]
    assert setup.layers[0].class_name == "Embedding" and setup.layers[0].output_rank == 2
    transformer = setup_from_config(recommend(PROFILES["text_transformer"]))
    assert [l.class_name for l in transformer.layers][:2] == ["TokenAndPositionEmbedding",
                                                              "TransformerBlock"]
    block = transformer.layers[1]
    assert block.output_rank == 2 and block.rate is not None
    assert transformer.optimizer.schedule == "CosineDecay"
    pretrained = setup_from_config(recommend(PROFILES["pretrained"]))
    backbone = next(l for l in pretrained.layers if l.class_name == "Backbone")
    assert backbone.output_rank == 1


def test_invalid_training_config_names_the_field(tmp_path):
    config = recommend(load_sample_profile("wine")).to_config().model_dump(mode="json")
    config["training"]["batch_size"] = 0
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(config))
    with pytest.raises(AdvisorError, match=r"training\.batch_size") as caught:
        read_setup(path)
    assert str(caught.value).startswith(f"{path}: invalid training config")


@pytest.mark.parametrize("name", ["imdb", "text_transformer", "seq2seq"])
def test_built_model_reads_like_its_config(name, tmp_path):
    """The executor builds a config; the saved .keras reads back with the same audited fields."""
    build = pytest.importorskip("advisor.executor.build")
    rec = recommend(PROFILES[name])
    model = build.compile_model(build.build_model(rec), rec)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    from_file, from_config = read_setup(path), setup_from_config(rec)

    def audited(setup):
        return [(l.class_name, l.units, l.activation, l.rate, l.return_sequences, l.output_rank,
                 l.kernel_regularizer) for l in setup.layers]

    assert audited(from_file) == audited(from_config)
    assert from_file.output.model_dump(exclude={"layer"}) == \
        from_config.output.model_dump(exclude={"layer"})
    assert from_file.loss == from_config.loss and from_file.metrics == from_config.metrics
    assert from_file.input_shape == from_config.input_shape
    assert from_file.input_dtype == from_config.input_dtype
    file_opt, config_opt = from_file.optimizer, from_config.optimizer
    assert (file_opt.name, file_opt.learning_rate, file_opt.schedule, file_opt.weight_decay) == (
        config_opt.name, config_opt.learning_rate, config_opt.schedule, config_opt.weight_decay)


# -- the fixtures through the audit ---------------------------------------------------------------

def test_fixtures_through_the_audit(files):
    """Correct cases audit clean with their sidecar profiles; each faulty case is reported."""
    from advisor.audit import audit_file

    for case in CASES:
        for suffix in (".keras", ".h5"):
            findings = audit_file(files[case.name + suffix])
            if case.catalog:
                assert findings, f"{case.name}{suffix} ({case.catalog}) was not reported"
            else:
                assert findings == [], f"{case.name}{suffix}: {[f.code for f in findings]}"


# -- name lists the readers and the audit facts share (advisor.vocab) -----------------------------

def test_every_dropout_layer_feeding_batchnorm_is_reported(files):
    """SpatialDropout3D is a Dropout-family layer: the facts once knew only three of the six, so
    it escaped ARCH106 (dropout feeds batch normalization) although the readers read its rate."""
    from advisor.audit import audit_file

    for suffix in (".keras", ".h5"):
        setup = _read(files, "spatial_dropout3d_before_bn", suffix)
        assert [(l.class_name, l.rate) for l in setup.layers[:2]] == [("Conv3D", None),
                                                                      ("SpatialDropout3D", 0.2)]
        codes = [f.code for f in audit_file(files["spatial_dropout3d_before_bn" + suffix])]
        assert "ARCH106" in codes, codes


def test_a_thresholded_relu_on_the_output_is_an_activation_layer_to_the_facts_too():
    """Keras 2's ThresholdedReLU (gone in Keras 3, still in old files): the readers treat it as
    an activation layer on the output, so the softmax before it is the output's, not hidden."""
    from advisor.audit.facts import setup_facts

    model = _sequential(_dense(16, "relu"), _dense(3), _layer("Softmax"),
                        _layer("ThresholdedReLU", theta=0.1))
    setup = setup_from_keras_config(model, None)
    assert setup.output.units == 3 and setup.output.activation == "relu"  # as the reader reads it
    assert setup_facts(setup)["hidden_softmax"] is False


@pytest.mark.parametrize("step, scaled", [("standardize", True), ("min_max", True),
                                          ("rescale", True), ("normalize", False),
                                          ("robust_scale", False)])
def test_only_real_steps_scale_a_configs_inputs(step, scaled):
    """normalize and robust_scale were scaling steps to the audit alone: no rule emits them and
    the executor refuses them, so a config that names one leaves its inputs unscaled."""
    from advisor.audit.core import example_setup
    from advisor.audit.facts import setup_facts

    setup = example_setup({"layers": [{"class_name": "Dense", "units": 1}],
                           "preprocessing": [{"step": step}]})
    assert setup_facts(setup)["has_input_scaling"] is scaled


def test_every_loss_the_reader_knows_is_a_loss_name_fact():
    """dice, tversky, circle, ...: the reader knew them, the facts' enum did not ("other")."""
    from advisor.audit.core import example_setup
    from advisor.audit.facts import setup_facts
    from advisor.vocab import KERAS_LOSSES

    for name in KERAS_LOSSES:
        setup = example_setup({"layers": [{"class_name": "Dense", "units": 1}],
                               "loss": {"name": name}})
        assert setup_facts(setup)["loss_name"] == name
