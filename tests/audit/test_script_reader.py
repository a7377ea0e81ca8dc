"""Training scripts (.py) read with ast, never run (issue 13): each API style, constants,
loops, what cannot be resolved, syntax errors, ignore comments, and the script's lines in the
CLI, SARIF and the library."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from advisor import audit, recommend
from advisor.audit import audit_paths
from advisor.audit.script import read_script, script_setup
from advisor.audit.setup import NotASetupError
from advisor.cli import cli
from advisor.errors import AdvisorError


def setup_of(text: str):
    return script_setup(textwrap.dedent(text), source="train.py")


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(textwrap.dedent(text))
    return path


SOFTMAX_ONE_UNIT = """\
    import numpy as np
    from tensorflow import keras

    x = np.random.rand(100, 8)
    model = keras.Sequential([
        keras.layers.Dense(16, activation="relu", input_shape=(8,)),
        keras.layers.Dense(1, activation="softmax"),
    ])
    model.compile(optimizer="adam", loss="binary_crossentropy")
    model.fit(x, x, epochs=5, validation_split=0.2)
    """


@pytest.mark.parametrize("imports,dense,model_head", [
    ("import keras", "keras.layers.Dense", "keras.Sequential"),
    ("import tensorflow as tf", "tf.keras.layers.Dense", "tf.keras.Sequential"),
    ("from tensorflow import keras", "keras.layers.Dense", "keras.models.Sequential"),
    ("from keras import layers as L\nfrom keras import Sequential", "L.Dense", "Sequential"),
    ("from keras.layers import Dense\nfrom keras.models import Sequential", "Dense",
     "Sequential"),
    ("from tensorflow.keras.layers import *\nfrom tensorflow.keras.models import Sequential",
     "Dense", "Sequential"),
])
def test_every_import_style_reads_the_same_model(imports, dense, model_head):
    setup = setup_of(f"""
    {imports}
    model = {model_head}([{dense}(32, activation="relu", input_shape=(4,)), {dense}(3)])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    """.replace("\n    ", "\n"))
    assert [(l.class_name, l.units, l.activation) for l in setup.layers] == [
        ("Dense", 32, "relu"), ("Dense", 3, "linear")]
    assert setup.input_shape == [4] and setup.format == "script"
    assert setup.output.units == 3 and setup.loss.name == "sparse_categorical_crossentropy"


def test_sequential_add_constants_arithmetic_and_optimizer_objects():
    setup = setup_of("""
    from tensorflow.keras.models import Sequential
    from tensorflow.keras.layers import Dense, Dropout
    from tensorflow.keras.optimizers import Adam
    BASE = 1e-3
    LR = BASE * 10
    EPOCHS = 25 * 2
    UNITS = [64, 32]
    model = Sequential()
    model.add(Dense(UNITS[0], activation="relu", input_dim=20))
    model.add(Dropout(0.25))
    model.add(Dense(UNITS[1], activation="relu"))
    model.add(Dense(1, activation="sigmoid"))
    model.compile(optimizer=Adam(lr=LR), loss="binary_crossentropy", metrics=["acc"])
    model.fit(x, y, batch_size=64, epochs=EPOCHS, validation_data=(xv, yv), shuffle=False,
              class_weight={0: 1.0, 1: 5.0})
    """)
    assert [l.units for l in setup.layers] == [64, None, 32, 1]
    assert setup.layers[1].rate == 0.25 and setup.input_shape == [20]
    assert setup.optimizer.name == "adam" and setup.optimizer.learning_rate == 0.01
    assert setup.metrics == ["accuracy"]
    assert (setup.epochs, setup.batch_size, setup.has_validation, setup.shuffle,
            setup.class_weight) == (50, 64, True, False, "set")
    assert setup.layers[0].line == 10 and setup.layers[0].column == 11


def test_functional_api_schedules_loss_objects_and_callbacks():
    setup = setup_of("""
    import tensorflow as tf
    from tensorflow import keras
    inputs = keras.Input(shape=(28, 28, 1))
    x = keras.layers.Conv2D(16, 3, activation="relu")(inputs)
    x = keras.layers.GlobalAveragePooling2D()(x)
    outputs = keras.layers.Dense(10)(x)
    model = keras.Model(inputs=inputs, outputs=outputs)
    schedule = keras.optimizers.schedules.ExponentialDecay(
        initial_learning_rate=0.05, decay_steps=100, decay_rate=0.9)
    model.compile(optimizer=keras.optimizers.SGD(learning_rate=schedule, momentum=0.9),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True))
    model.fit(ds, epochs=100, validation_data=val,
              callbacks=[keras.callbacks.EarlyStopping(patience=3)])
    """)
    assert [l.class_name for l in setup.layers] == ["Conv2D", "GlobalAveragePooling2D", "Dense"]
    assert setup.input_shape == [28, 28, 1]
    assert setup.optimizer.schedule == "ExponentialDecay" and setup.optimizer.learning_rate == 0.05
    assert setup.optimizer.momentum == 0.9
    assert setup.loss.name == "sparse_categorical_crossentropy" and setup.loss.from_logits
    assert setup.early_stopping is True and setup.epochs == 100
    assert setup.locations["loss"].line == 12 and setup.locations["fit"].line == 13


def test_loss_functions_multiple_outputs_and_builder_functions():
    setup = setup_of("""
    import keras
    from keras import layers
    def build(n_classes, width=64):
        inputs = keras.Input(shape=(8,))
        h = layers.Dense(width, activation="relu")(inputs)
        a = layers.Dense(n_classes, activation="softmax", name="cls")(h)
        b = layers.Dense(1, name="reg")(h)
        return keras.Model(inputs, [a, b])
    model = build(5)
    model.compile(optimizer="rmsprop", loss=[keras.losses.categorical_crossentropy, "mse"])
    """)
    assert setup.output.units == 5 and setup.output.activation == "softmax"
    assert setup.loss.name == "categorical_crossentropy"
    assert [l.name for l in setup.layers] == ["dense", "cls"]  # the first output's layers


def test_bounded_loops_are_unrolled_and_others_reported_unchecked():
    unrolled = setup_of("""
    import keras
    model = keras.Sequential()
    model.add(keras.Input(shape=(4,)))
    for units in range(3):
        model.add(keras.layers.Dense(16, activation="tanh"))
    for width in [8, 4]:
        model.add(keras.layers.Dense(width, activation="relu"))
    model.add(keras.layers.Dense(1))
    """)
    assert [l.units for l in unrolled.layers] == [16, 16, 16, 8, 4, 1]
    unbounded = setup_of("""
    import keras
    model = keras.Sequential()
    for units in config["hidden"]:
        model.add(keras.layers.Dense(units))
    model.add(keras.layers.Dense(1, activation="sigmoid"))
    """)
    assert any("loop" in item.what and item.line == 4 for item in unbounded.unchecked)
    assert unbounded.output.units == 1


def test_run_time_values_are_unchecked_never_guessed():
    setup = setup_of("""
    import sys
    import keras
    lr = float(sys.argv[1])
    model = keras.Sequential([keras.layers.Dense(get_units()), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=lr), loss=pick_loss())
    model.fit(x, y, epochs=int(sys.argv[2]))
    """)
    whats = {item.what for item in setup.unchecked}
    assert "units of Dense" in whats and "loss checks" in whats
    assert "learning-rate checks" in whats and "epoch checks" in whats
    assert setup.loss is None and setup.optimizer.learning_rate is None
    assert setup.layers[0].units is None and setup.epochs is None


@pytest.mark.parametrize("text,reason", [
    ("import keras\nmodel = keras.models.load_model('m.keras')\nmodel.fit(x, y)\n", "loaded"),
    ("import keras\nclass Net(keras.Model):\n    def call(self, x):\n        return x\n"
     "model = Net()\nmodel.compile(optimizer='adam', loss='mse')\n", "subclassed"),
])
def test_models_not_built_in_the_script_are_unchecked(text, reason):
    setup = script_setup(text, source="train.py")
    assert any(reason in item.reason for item in setup.unchecked)
    assert setup.layers == []


def test_a_script_without_a_keras_model_is_not_a_setup_and_skipped_in_folders(tmp_path):
    with pytest.raises(NotASetupError):
        script_setup("import numpy as np\nprint(np.zeros(3))\n", source="util.py")
    with pytest.raises(NotASetupError):
        script_setup("import tensorflow as tf\nx = tf.constant(1)\n", source="util.py")
    write(tmp_path, "util.py", "def helper():\n    return 1\n")
    write(tmp_path, "train.py", SOFTMAX_ONE_UNIT)
    report = audit_paths([tmp_path])
    assert report.errors == [] and {f.file for f in report.findings} == {
        str(tmp_path / "train.py")}


def test_a_syntax_error_names_file_and_line_and_exits_2(tmp_path):
    path = write(tmp_path, "train.py", "import keras\nmodel = keras.Sequential([\n")
    with pytest.raises(AdvisorError, match=r"train\.py: line 2, column \d+: syntax error"):
        read_script(path)
    result = CliRunner().invoke(cli, ["audit", str(path)])
    assert result.exit_code == 2
    assert f"{path}: error: line 2, column" in result.output
    assert "Traceback" not in result.output


def test_nothing_in_the_script_runs(tmp_path):
    marker = tmp_path / "ran"
    path = write(tmp_path, "train.py", f"""
    import keras
    open({str(marker)!r}, "w").write("x")
    model = keras.Sequential([keras.layers.Dense(1, activation="softmax")])
    """)
    read_script(path)
    assert not marker.exists()


def test_ignore_comments_silence_codes_on_their_line(tmp_path):
    setup = setup_of("""
    import keras
    model = keras.Sequential([
        keras.layers.Dense(1, activation="softmax"),  # advisor: ignore[OUT101, LOSS]
        keras.layers.Dropout(0.9),  # advisor: ignore
    ])
    """)
    assert setup.suppressions == {4: ["OUT101", "LOSS"], 5: []}
    path = write(tmp_path, "train.py", SOFTMAX_ONE_UNIT.replace(
        'activation="softmax"),', 'activation="softmax"),  # advisor: ignore[OUT101]'))
    assert "OUT101" not in {f.code for f in audit(str(path))}


def test_library_findings_carry_line_and_column(tmp_path):
    path = write(tmp_path, "train.py", SOFTMAX_ONE_UNIT)
    findings = {f.code: f for f in audit(str(path))}
    assert (findings["OUT101"].line, findings["OUT101"].column) == (7, 5)
    assert findings["OUT101"].because and findings["OUT101"].source


def test_cli_text_shows_file_line_column_and_sarif_has_the_region(tmp_path):
    path = write(tmp_path, "train.py", SOFTMAX_ONE_UNIT)
    text = CliRunner().invoke(cli, ["audit", str(path)])
    assert text.exit_code == 1
    assert f"{path}:7:5: OUT101" in text.output
    sarif = json.loads(CliRunner().invoke(cli, ["audit", str(path), "--format", "sarif"]).output)
    result = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "OUT101"][0]
    assert result["locations"][0]["physicalLocation"]["region"] == {"startLine": 7,
                                                                     "startColumn": 5}


def test_a_folder_with_scripts_models_and_configs(tmp_path):
    write(tmp_path, "train.py", SOFTMAX_ONE_UNIT)
    config = yaml.safe_load(recommend({"problem_type": "binary", "data_structure": "tabular",
                                       "n_samples": 5000, "input_shape": [20],
                                       "n_classes": 2}).to_config().to_yaml())
    (tmp_path / "config.yaml").write_text(yaml.safe_dump(config))
    keras_json = {"class_name": "Sequential", "config": {"name": "s", "layers": [
        {"class_name": "Dense", "config": {"name": "d", "units": 1, "activation": "softmax"}}]},
        "compile_config": {"loss": "binary_crossentropy", "optimizer": "adam"}}
    (tmp_path / "model.json").write_text(json.dumps(keras_json))
    (tmp_path / "package.json").write_text("{}")
    report = audit_paths([tmp_path])
    assert report.errors == []
    files = {Path(f.file).name for f in report.findings if f.code == "OUT101"}
    assert files == {"train.py", "model.json"}
    script_hits = [f for f in report.findings if f.file.endswith("train.py")]
    assert all(f.line is not None for f in script_hits)


def test_data_known_from_keras_datasets_drives_the_profile_rules():
    setup = setup_of("""
    from tensorflow import keras
    (x_train, y_train), _ = keras.datasets.mnist.load_data()
    model = keras.Sequential([keras.layers.Flatten(input_shape=(28, 28)),
                              keras.layers.Dense(10, activation="softmax")])
    model.compile(optimizer="adam", loss="categorical_crossentropy")
    model.fit(x_train, y_train, epochs=5, validation_split=0.1)
    """)
    assert setup.inputs_unscaled is True
    assert setup.profile.n_classes == 10 and setup.profile.label_encoding == "integer"
    codes = {f.code for f in audit(setup)}
    assert {"PRE105", "LOSS104"} <= codes


def test_a_recursive_builder_is_unchecked_not_unrolled_into_invented_layers():
    """Recursion is reported, even where this one would stop: an infinite one unrolled to the
    depth limit invents adjacent layers that never exist."""
    setup = setup_of("""
        from keras import layers, Sequential
        def grow(model, depth):
            if depth > 0:
                grow(model, depth - 1)
            model.add(layers.Dense(8))
        model = Sequential()
        grow(model, 3)
        model.compile(loss="mse", optimizer="adam")
    """)
    reasons = {item.what: item.reason for item in setup.unchecked}
    assert "calls itself" in reasons["the layers built by recursion"]
    assert not [f for f in audit(setup) if f.code == "ARCH101"]  # no invented Dense -> Dense
