"""``advisor recommend --format keras``: the generated training script parses, builds exactly what
the executor builds, and runs end to end (random --smoke data, and real data from an .npz file)."""

from __future__ import annotations

import ast
import json
import os
import random
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from advisor import recommend  # noqa: E402
from advisor._random_profiles import random_profile  # noqa: E402
from advisor.errors import AdvisorError  # noqa: E402
from advisor.executor import build  # noqa: E402
from advisor.executor.script import SCRIPT_STEPS, render_keras_script  # noqa: E402

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
TIMEOUT = 240

SMOKE = {
    "tabular_binary": {  # median imputation with indicators, one-hot, class weights, AUC
        "problem_type": "binary", "data_structure": "tabular", "n_samples": 5000,
        "input_shape": [20], "n_classes": 2, "missing_ratio": 0.1, "categorical_features": 3,
        "minority_class_ratio": 0.05},
    "image_multiclass": {  # a ConvNet with augmentation layers, pixels rescaled
        "problem_type": "multiclass", "data_structure": "image", "n_samples": 5000,
        "input_shape": [16, 16, 3], "n_classes": 10},
    "text_transformer": {  # tokenizer, TokenAndPositionEmbedding, TransformerBlock, warm-up
        "problem_type": "multiclass", "data_structure": "text", "n_samples": 500000,
        "input_shape": [24], "n_classes": 4, "compute": "gpu", "vocab_size": 500},
    "forecasting": {  # windows cut from a raw series with gaps, forward fill, target scaling
        "problem_type": "forecasting", "data_structure": "time_series", "n_samples": 50000,
        "input_shape": [24, 3], "forecast_horizon": 4, "missing_ratio": 0.01},
    "anomaly_detection": {  # an autoencoder of rescaled images, a reconstruction threshold
        "problem_type": "anomaly_detection", "data_structure": "image", "n_samples": 6000,
        "input_shape": [12, 12, 1]},
    "regression": {  # clipping, standardization, standardized targets reported in units
        "problem_type": "regression", "data_structure": "tabular", "n_samples": 20640,
        "input_shape": [8], "input_range": [-124.3, 35682]},
}
PRETRAINED = {"problem_type": "multiclass", "data_structure": "image", "n_samples": 2000,
              "input_shape": [32, 32, 3], "n_classes": 5, "pretrained": True}
WINE = {"problem_type": "multiclass", "data_structure": "tabular", "n_samples": 178,
        "input_shape": [13], "n_classes": 3}


def _run(script: Path, *args: str, env: dict | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          timeout=TIMEOUT, env=env or ENV, cwd=script.parent)


def _wine_npz(directory: Path) -> Path:
    datasets = pytest.importorskip("sklearn.datasets")
    wine = datasets.load_wine()
    np.savez(directory / "wine.npz", features=wine.data, labels=wine.target)
    return directory / "wine.npz"


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Every script run of this module, three at a time (each process spends seconds importing
    TensorFlow): name -> (recommendation, completed process)."""
    directory = tmp_path_factory.mktemp("scripts")
    jobs = {}
    for name, profile in SMOKE.items():
        rec = recommend(profile)
        path = directory / f"{name}.py"
        path.write_text(render_keras_script(rec), encoding="utf-8")
        jobs[name] = (rec, path, ("--smoke", "--epochs", "1"), None)
    rec = recommend(PRETRAINED)
    path = directory / "pretrained.py"
    path.write_text(render_keras_script(rec), encoding="utf-8")
    jobs["pretrained"] = (rec, path, ("--smoke", "--smoke-samples", "8", "--epochs", "1"), None)
    rec = recommend(WINE)
    path = directory / "wine.py"
    path.write_text(render_keras_script(rec), encoding="utf-8")
    jobs["wine"] = (rec, path, ("--data", str(_wine_npz(directory)), "--x-key", "features",
                                "--y-key", "labels", "--epochs", "40", "--verbose", "0",
                                "--save", str(directory / "wine.keras")), None)
    with ThreadPoolExecutor(max_workers=3) as pool:
        futures = {name: pool.submit(_run, path, *args, env=env)
                   for name, (rec, path, args, env) in jobs.items()}
        return {name: (jobs[name][0], future.result()) for name, future in futures.items()}


def _validation_metrics(stdout: str) -> dict[str, float]:
    lines = stdout.split("validation metrics", 1)[1].splitlines()[1:]
    metrics = {}
    for line in lines:
        if not line.startswith("  val_"):
            break
        key, value = line.strip().split(": ")
        metrics[key] = float(value)
    return metrics


@pytest.mark.parametrize("name", SMOKE)
def test_smoke_run_trains_and_reports_validation_metrics(name, runs):
    rec, result = runs[name]
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = _validation_metrics(result.stdout)
    assert "val_loss" in metrics and np.isfinite(metrics["val_loss"])
    for metric in build.metric_names(rec):
        assert f"val_{metric}" in metrics
    assert "Traceback" not in result.stderr


def test_smoke_runs_use_the_recommended_pipeline(runs):
    tabular = runs["tabular_binary"][1].stdout
    assert "class weights: {0:" in tabular
    forecast = runs["forecasting"][1].stdout
    assert "cutting windows of 24 steps -> the next 4 target values" in forecast
    assert "validation metrics in target units" in forecast
    assert "validation metrics in target units" in runs["regression"][1].stdout
    assert "reconstruction error: threshold" in runs["anomaly_detection"][1].stdout


@pytest.mark.parametrize("name", ["image_multiclass", "text_transformer", "forecasting",
                                  "regression"])
def test_script_model_has_the_parameters_build_model_has(name, runs):
    rec, result = runs[name]
    expected = build.build_model(rec, weights=None).count_params()
    assert f"{expected:,} parameters" in result.stdout


def test_pretrained_smoke_run_starts_from_random_weights(runs):
    _, result = runs["pretrained"]  # nothing to download, nothing needed from the cache
    assert result.returncode == 0, result.stderr[-3000:]
    assert "backbone starts from random weights" in result.stdout


@pytest.mark.slow
def test_script_trains_on_real_data(runs, tmp_path):
    rec, result = runs["wine"]
    assert result.returncode == 0, result.stderr[-3000:]
    metrics = _validation_metrics(result.stdout)
    assert metrics["val_accuracy"] > 0.8, result.stdout
    saved = Path(result.stdout.split("saved the model to ", 1)[1].strip())
    model = keras.saving.load_model(saved)
    assert model.output_shape == (None, 3)


def test_pretrained_script_without_cached_weights_says_how_to_fix(tmp_path):
    """Without --smoke or --random-init the script stops at the missing weights file."""
    script = tmp_path / "pretrained.py"
    script.write_text(render_keras_script(recommend(PRETRAINED)), encoding="utf-8")
    namespace = _load(script)
    namespace["keras_homes"] = lambda: [str(tmp_path / "home")]  # an empty cache
    with pytest.raises(FileNotFoundError, match="efficientnetb0_notop.h5.*never downloads"):
        namespace["build_model"]()


# -- the generated code is the executor's model ---------------------------------------------------

def _load(script: Path) -> dict:
    """Execute a generated script as a module (not its main()) and return its namespace; the
    Keras registry entries it overwrites are restored afterwards."""
    registry = keras.saving.get_custom_objects()
    saved = dict(registry)
    namespace = {"__name__": "generated_train_script", "__file__": str(script)}
    try:
        exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"), namespace)
    finally:
        registry.clear()
        registry.update(saved)
    return namespace


def _without_names(config):
    if isinstance(config, dict):
        return {k: _without_names(v) for k, v in config.items() if k != "name"}
    if isinstance(config, list):
        return [_without_names(v) for v in config]
    return config


GENERATED = {
    **SMOKE,
    "bidirectional_lstm": {"problem_type": "binary", "data_structure": "text", "n_samples": 25000,
                           "input_shape": [30], "n_classes": 2, "vocab_size": 300},
    "series_transformer": {"problem_type": "multiclass", "data_structure": "time_series",
                           "n_samples": 200000, "input_shape": [16, 3], "n_classes": 6},
    "sequence_autoencoder": {"problem_type": "anomaly_detection", "data_structure": "sequence",
                             "n_samples": 3000, "input_shape": [20, 4]},
    "seq2seq_one_hot": {"problem_type": "seq2seq", "data_structure": "sequence",
                        "n_samples": 3000, "input_shape": [10], "n_classes": 7, "vocab_size": 20,
                        "label_encoding": "one_hot"},
    "small_sgd_cnn": {"problem_type": "multiclass", "data_structure": "image",
                      "n_samples": 300000, "input_shape": [16, 16, 1], "n_classes": 10,
                      "compute": "gpu"},
    "volume": {"problem_type": "binary", "data_structure": "image", "n_samples": 200,
               "input_shape": [8, 16, 16, 1], "n_classes": 2, "input_range": [-1000, 3000]},
}


@pytest.mark.parametrize("name", GENERATED)
def test_generated_build_and_compile_match_the_executor(name, tmp_path):
    rec = recommend(GENERATED[name])
    script = tmp_path / "train.py"
    script.write_text(render_keras_script(rec), encoding="utf-8")
    namespace = _load(script)
    mine = namespace["compile_model"](namespace["build_model"]())
    theirs = build.compile_model(build.build_model(rec), rec)
    assert mine.count_params() == theirs.count_params()
    assert [type(layer).__name__ for layer in mine.layers] == \
        [type(layer).__name__ for layer in theirs.layers]
    for a, b in zip(mine.layers, theirs.layers):
        assert _without_names(a.get_config()) == _without_names(b.get_config()), type(a).__name__
    assert type(mine.optimizer) is type(theirs.optimizer)
    assert _without_names(mine.optimizer.get_config()) == \
        _without_names(theirs.optimizer.get_config())
    assert type(mine.loss) is type(theirs.loss)
    assert mine.loss.get_config() == theirs.loss.get_config()
    assert [type(c).__name__ for c in namespace["training_callbacks"]()] == \
        [type(c).__name__ for c in build.training_callbacks(rec)]
    keras.backend.clear_session()


# -- text only: many profiles ---------------------------------------------------------------------

def _setup_literal(tree: ast.Module, name: str):
    for node in tree.body:
        if isinstance(node, ast.Assign) and [t.id for t in node.targets] == [name]:
            call = node.value
            assert isinstance(call, ast.Call) and ast.unparse(call.func) == "json.loads"
            return json.loads(call.args[0].value)
    raise AssertionError(f"no {name} in the script")


def test_scripts_of_many_profiles_parse_and_explain_themselves(scale):
    rng = random.Random(5)
    count = 150 if scale == "small" else 1000
    for profile in [random_profile(rng) for _ in range(count)]:
        rec = recommend(profile)
        text = render_keras_script(rec)
        tree = ast.parse(text)
        compile(tree, "train.py", "exec")
        assert _setup_literal(tree, "SETUP") == rec.setup().model_dump(mode="json")
        assert _setup_literal(tree, "PROFILE") == rec.profile.model_dump(mode="json")
        header = text.split("\nimport ", 1)[0]
        assert all(line.startswith("#") for line in header.strip().splitlines())
        for entry in rec.rationale:
            assert f"{entry.slot}: {entry.rule} " in header
        assert {step["step"] for step in rec.preprocessing} <= SCRIPT_STEPS
        composite = {layer["type"] for layer in rec.model.layers} & {
            *build.COMPOSITE_LAYERS, "Backbone"}
        assert ("class TransformerBlock" in text) == bool(composite)


def test_the_script_writer_imports_no_keras():
    code = ("import sys, advisor.executor.script as s; from advisor import recommend; "
            "s.render_keras_script(recommend({'problem_type': 'binary', 'data_structure': 'text',"
            " 'n_samples': 500000, 'input_shape': [64], 'n_classes': 2, 'compute': 'gpu'})); "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('keras', 'tensorflow')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60, env=ENV)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_script_is_written_from_the_same_checks():
    rec = recommend(WINE)
    data = rec.model_dump()
    data["model"]["layers"].insert(1, {"type": "NoSuchLayer"})
    bad = type(rec).model_validate(data)
    text = render_keras_script(bad)  # an unknown class is only found when Keras builds it...
    assert "layers.NoSuchLayer()" in text
    with pytest.raises(AdvisorError, match=r"model\.layers\[1\] \(NoSuchLayer\)"):
        build.build_model(bad)  # ...by build_model, which names it
    data["model"]["layers"][1] = {"type": "os.system"}
    with pytest.raises(AdvisorError, match=r"model\.layers\[1\].*must name a Keras layer class"):
        render_keras_script(type(rec).model_validate(data))
    data["model"]["layers"][1] = {"type": "Dense", "units": 3}
    data["loss"] = {"name": "no_such_loss", "from_logits": False}
    with pytest.raises(AdvisorError, match="unknown loss"):
        render_keras_script(type(rec).model_validate(data))
    with pytest.raises(AdvisorError, match="needs the data-set profile"):
        render_keras_script(rec.to_config().model_copy(update={"profile": None}))


# -- the generated data pipeline, in process ---------------------------------------------------------

def _namespace(profile: dict, tmp_path: Path) -> dict:
    script = tmp_path / "train.py"
    script.write_text(render_keras_script(recommend(profile)), encoding="utf-8")
    return _load(script)


def test_tabular_preprocessing_is_fitted_on_the_training_split_only(tmp_path):
    ns = _namespace(SMOKE["tabular_binary"], tmp_path)
    steps = [s["step"] for s in ns["SETUP"]["preprocessing"]]
    assert steps == ["impute", "one_hot", "standardize"]
    train = np.array([[1.0, np.nan, 0], [3.0, 10.0, 1], [5.0, 30.0, 1], [np.nan, 20.0, 2]])
    other = np.array([[100.0, np.nan, 7]])
    prep = ns["Preprocessor"](ns["SETUP"]["preprocessing"], categorical=[2])
    out = prep.fit_transform(train)
    # numeric columns 0, 1 (medians 3 and 20 fill the gaps), then the missing indicators of
    # columns 0 and 1, then one-hot codes 0, 1, 2 and "other"
    assert out.shape == (4, 2 + 2 + 4)
    np.testing.assert_allclose(out[:, :2].mean(axis=0), 0.0, atol=1e-6)
    np.testing.assert_allclose(out[:, :2].std(axis=0), 1.0, atol=1e-6)
    np.testing.assert_array_equal(out[:, 2:4], [[0, 1], [0, 0], [0, 0], [1, 0]])
    np.testing.assert_array_equal(out[:, 4:], [[1, 0, 0, 0], [0, 1, 0, 0], [0, 1, 0, 0],
                                               [0, 0, 1, 0]])
    applied = prep.transform(other)
    mean, std = np.mean([1, 3, 5, 3]), np.std([1, 3, 5, 3])
    assert applied[0, 0] == pytest.approx((100 - mean) / std, rel=1e-5)  # training statistics
    assert applied[0, 1] == pytest.approx((20 - 20) / np.std([20, 10, 30, 20]))
    np.testing.assert_array_equal(applied[0, 2:], [0, 1, 0, 0, 0, 1])  # unseen code: "other"


def test_clip_min_max_and_target_scaling(tmp_path):
    ns = _namespace(SMOKE["regression"], tmp_path)
    assert [s["step"] for s in ns["SETUP"]["preprocessing"]] == [
        "clip", "standardize", "standardize_target"]
    train = np.concatenate([np.arange(1000.0)[:, None]] * 8, axis=1)
    prep = ns["Preprocessor"](ns["SETUP"]["preprocessing"])
    prep.fit_transform(train)
    low, high = prep.state[0]
    assert low[0] == pytest.approx(np.quantile(np.arange(1000.0), 0.001))
    assert prep.transform(np.full((1, 8), 1e9))[0, 0] == prep.transform(high[None, :])[0, 0]
    scaler = ns["TargetScaler"](True)
    y = np.array([[10.0], [20.0], [30.0]])
    scaled = scaler.fit_transform(y)
    np.testing.assert_allclose(scaled.mean(), 0.0, atol=1e-9)
    np.testing.assert_allclose(scaler.inverse(scaled), y)
    digits = _namespace({"problem_type": "multiclass", "data_structure": "image",
                         "n_samples": 1797, "input_shape": [8, 8, 1], "n_classes": 10,
                         "input_range": [0, 16]}, tmp_path)
    assert digits["SETUP"]["preprocessing"] == [{"step": "min_max"}]
    prep = digits["Preprocessor"](digits["SETUP"]["preprocessing"])
    out = prep.fit_transform(np.linspace(0, 16, 2 * 64).reshape(2, 8, 8, 1))
    assert out.min() == 0.0 and out.max() == 1.0


def test_series_windows_forward_fill_and_padding(tmp_path):
    ns = _namespace(SMOKE["forecasting"], tmp_path)
    series = np.arange(20.0)
    x, y, last = ns["make_windows"](series[:, None], series, 5, 2, 1)
    assert x.shape == (14, 5, 1) and y.shape == (14, 2)
    np.testing.assert_array_equal(y[0], [5, 6])  # the two values after the first window
    np.testing.assert_array_equal(last[0], [4, 4])  # the window's last value, per step
    x, y, last = ns["make_windows"](series[:, None], np.stack([series, -series], 1), 5, 2, 1)
    np.testing.assert_array_equal(y[0], [5, -5, 6, -6])  # two series: step by step
    assert ns["level_removed"](x, 0)[0, -1, 0] == 0.0  # the window less its last value
    holes = series.copy()
    holes[11] = np.nan
    x, y, _ = ns["make_windows"](series[:, None], holes, 5, 2, 3)
    assert 11 not in {int(v) for v in y.reshape(-1)} and len(y) == 4  # start 6: 11 is a target
    filled = ns["forward_fill"](np.array([[[np.nan], [1.0], [np.nan], [3.0]]]))
    np.testing.assert_array_equal(filled.reshape(-1), [0, 1, 1, 3])
    ragged = np.empty(2, dtype=object)
    ragged[0], ragged[1] = np.array([1.0, np.nan]), np.array([np.nan, 2.0, np.nan])
    assert [list(s) for s in ns["forward_fill"](ragged)] == [[1, 1], [0, 2, 2]]
    tokens = _namespace({"problem_type": "multiclass", "data_structure": "sequence",
                         "n_samples": 900, "input_shape": [4], "n_classes": 3,
                         "vocab_size": 9}, tmp_path)
    pad = tokens["Preprocessor"](tokens["SETUP"]["preprocessing"])
    sequences = np.empty(2, dtype=object)
    sequences[0], sequences[1] = [5, 6], [1, 2, 3, 4, 5, 6]
    np.testing.assert_array_equal(pad.fit_transform(sequences), [[5, 6, 0, 0], [1, 2, 3, 4]])
    assert pad.transform(sequences).dtype == np.int32


def test_generated_class_weights_match_the_executor(tmp_path):
    ns = _namespace(SMOKE["tabular_binary"], tmp_path)
    rec = recommend(SMOKE["tabular_binary"])
    for y in (np.array([0, 0, 0, 1]), np.array([[0.0], [1.0], [1.0]]), np.eye(2)[[0, 1, 1, 1]]):
        assert ns["class_weights"](y) == pytest.approx(build.class_weights(y, rec))
