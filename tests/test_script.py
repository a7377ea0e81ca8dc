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
    saved = Path(result.stdout.split("saved the model to ", 1)[1].splitlines()[0].strip())
    model = keras.saving.load_model(saved)
    assert model.output_shape == (None, 3)


def test_pretrained_script_without_cached_weights_says_how_to_fix(tmp_path, load_script):
    """Without --smoke or --random-init the script stops at the missing weights file."""
    script = tmp_path / "pretrained.py"
    script.write_text(render_keras_script(recommend(PRETRAINED)), encoding="utf-8")
    namespace = load_script(script)
    namespace["keras_homes"] = lambda: [str(tmp_path / "home")]  # an empty cache
    with pytest.raises(FileNotFoundError, match="efficientnetb0_notop.h5.*never downloads"):
        namespace["build_model"]()


# -- the generated code is the executor's model ---------------------------------------------------

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
def test_generated_build_and_compile_match_the_executor(name, tmp_path, load_script):
    rec = recommend(GENERATED[name])
    script = tmp_path / "train.py"
    script.write_text(render_keras_script(rec), encoding="utf-8")
    namespace = load_script(script)
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
        header = text.split("\nfrom __future__ import annotations", 1)[0]
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

def _namespace(profile: dict, tmp_path: Path, load_script) -> dict:
    script = tmp_path / "train.py"
    script.write_text(render_keras_script(recommend(profile)), encoding="utf-8")
    return load_script(script)


def test_the_script_runs_the_executors_own_data_code():
    """The pipeline, the readers and the export are embedded verbatim (no hand-kept copy):
    every function of advisor.executor.preprocess is in the script as it is in the module."""
    import inspect

    from advisor.executor import export, preprocess

    text = render_keras_script(recommend(SMOKE["tabular_binary"]))
    for module in (preprocess, export):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if function.__module__ == module.__name__:
                assert inspect.getsource(function) in text, name
    assert inspect.getsource(preprocess.Preprocessor) in text
    for gone in ("class TargetScaler", "def forward_fill", "def make_windows"):
        assert gone not in text


def test_the_embedding_refuses_an_import_the_script_cannot_satisfy(tmp_path, monkeypatch):
    from advisor.executor import script

    module = tmp_path / "advisor" / "odd.py"
    module.parent.mkdir()
    module.write_text("from .somewhere import something\n")
    monkeypatch.setattr(script, "PACKAGE", tmp_path / "advisor")
    with pytest.raises(RuntimeError, match="odd.py imports something"):
        script.embedded_source((("odd.py", None),))


def test_generated_class_weights_are_the_executors(tmp_path, load_script):
    ns = _namespace(SMOKE["tabular_binary"], tmp_path, load_script)
    rec = recommend(SMOKE["tabular_binary"])
    for y in (np.array([0, 0, 0, 1]), np.array([[0.0], [1.0], [1.0]]), np.eye(2)[[0, 1, 1, 1]]):
        assert ns["balanced_class_weights"](y) == pytest.approx(build.class_weights(y, rec))
