"""The generated training script on real data: it reads what ``advisor verify`` reads (a CSV
with numeric, categorical and missing values; an image folder) with the columns and roles
``advisor profile`` found, prepares it with verify's own pipeline, and ``--save`` writes a model
that scores raw inputs.

The differential test runs the script in a subprocess on a small CSV (and an image folder) and
sends the same rows through verify's path in this process (``verify.load_data`` and the
executor's ``Preprocessor`` fitted on the script's training rows): the prepared arrays, the
class weights, and the saved model's predictions from raw rows must agree.

Small by default (2 epochs on a few hundred rows); ADVISOR_TEST_SCALE=full trains longer.
"""

from __future__ import annotations

import os
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
Image = pytest.importorskip("PIL.Image")

from click.testing import CliRunner  # noqa: E402

from advisor.cli import cli  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.keras]

ENV = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "PYTHONWARNINGS": "ignore"}
ENV.pop("PYTHONPATH", None)  # the script must run without the advisor on the path
TIMEOUT = 300
EPOCHS = "2" if os.environ.get("ADVISOR_TEST_SCALE", "small") == "small" else "20"


def _table(directory: Path) -> Path:
    """Numeric, categorical and missing values; an imbalanced yes/no target (balanced class
    weights)."""
    rng = np.random.default_rng(3)
    n = 240
    a = rng.normal(size=n)
    b = rng.normal(10, 3, size=n)
    color = rng.choice(["red", "green", "blue"], size=n).astype(object)
    y = np.where(a + (color == "red") + rng.normal(0, 0.3, size=n) > 1.7, "yes", "no")
    b[rng.random(n) < 0.1] = np.nan
    color[rng.random(n) < 0.05] = None
    path = directory / "train.csv"
    pd.DataFrame({"a": a, "b": b, "color": color, "label": y}).to_csv(path, index=False)
    return path


def _images(directory: Path) -> Path:
    rng = np.random.default_rng(4)
    for code, name in enumerate(["cat", "dog"]):
        folder = directory / "images" / name
        folder.mkdir(parents=True)
        for i in range(16):
            size = (10, 10) if i else (12, 9)  # one image of another size: resized
            pixels = (rng.random((*size[::-1], 3)) * 90 + 120 * code).astype("uint8")
            Image.fromarray(pixels).save(folder / f"{i}.png")
    return directory / "images"


def _script(data: Path, *args: str) -> Path:
    result = CliRunner().invoke(cli, ["recommend", "--data", str(data), *args,
                                      "--format", "keras"])
    assert result.exit_code == 0, result.output
    path = data.parent / f"train_{data.stem}.py"
    path.write_text(result.output, encoding="utf-8")
    return path


def _run(script: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(script), *args], capture_output=True, text=True,
                          timeout=TIMEOUT, env=ENV, cwd=script.parent)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """The script of a CSV and of an image folder, each trained and saved (two at a time)."""
    directory = tmp_path_factory.mktemp("script_data")
    table, images = _table(directory), _images(directory)
    jobs = {
        "csv": (table, _script(table, "--target", "label"),
                ("--data", str(table), "--target", "label")),
        "images": (images, _script(images), ("--data", str(images))),
    }
    with ThreadPoolExecutor(max_workers=2) as pool:
        futures = {name: pool.submit(_run, script, *args, "--epochs", EPOCHS, "--verbose", "0",
                                     "--save", str(directory / f"{name}.keras"),
                                     "--arrays", str(directory / f"{name}.npz"))
                   for name, (_, script, args) in jobs.items()}
        return {name: (jobs[name][0], jobs[name][1], future.result(), directory)
                for name, future in futures.items()}


@pytest.mark.parametrize("name", ["csv", "images"])
def test_the_script_trains_and_saves_a_model_of_raw_inputs(name, runs):
    _, script, result, directory = runs[name]
    assert result.returncode == 0, result.stderr[-3000:]
    assert "Traceback" not in result.stderr
    assert "validation metrics:" in result.stdout
    assert f"saved the model to {directory / (name + '.keras')}" in result.stdout
    assert "it takes raw inputs" in result.stdout
    assert (directory / f"{name}.inputs.json").is_file()


def _verify_side(data: Path, arrays) -> tuple:
    """verify's path on the script's rows: its loader and its Preprocessor, fitted on the
    script's training rows."""
    from advisor.executor.build import class_weights
    from advisor.executor.preprocess import Preprocessor, check_target, features_of
    from advisor.executor.verify import load_data
    from advisor.recommend import recommend

    dataset = load_data(data, targets=["label"] if data.suffix == ".csv" else ())
    setup = recommend(dataset.profile).setup()
    target = check_target(dataset)
    train_rows, val_rows = arrays["train_rows"], arrays["val_rows"]
    processor = Preprocessor(setup.preprocessing, dataset)
    processor.fit(features_of(dataset, train_rows), target[train_rows])
    train = processor.part(features_of(dataset, train_rows), target[train_rows])
    val = processor.part(features_of(dataset, val_rows), target[val_rows])
    return dataset, setup, train, val, class_weights(train.y, setup)


@pytest.mark.parametrize("name", ["csv", "images"])
def test_the_script_and_verify_prepare_the_same_arrays(name, runs):
    """The differential test: the same rows through the script (subprocess) and verify's path
    give the same arrays (float32, to 1e-6), the same class weights, and the saved model scores
    verify's raw validation rows as the script's network scored its prepared ones (1e-5)."""
    data, _, result, directory = runs[name]
    assert result.returncode == 0, result.stderr[-3000:]
    arrays = np.load(directory / f"{name}.npz")
    dataset, setup, train, val, weights = _verify_side(data, arrays)
    assert len(arrays["train_rows"]) + len(arrays["val_rows"]) == dataset.n_samples
    np.testing.assert_allclose(arrays["x_train"], train.x, rtol=1e-6, atol=1e-6)
    np.testing.assert_allclose(arrays["x_val"], val.x, rtol=1e-6, atol=1e-6)
    np.testing.assert_array_equal(arrays["y_train"], train.y)
    np.testing.assert_array_equal(arrays["y_val"], val.y)
    if name == "csv":
        assert setup.training.class_weight == "balanced"  # the data were made to need them
    script_weights = {int(k): v for k, v in arrays["class_weights"]}
    assert script_weights == pytest.approx(weights or {})
    model = keras.saving.load_model(directory / f"{name}.keras", safe_mode=True)
    rows = dataset.features.iloc[arrays["val_rows"]] if name == "csv" else \
        dataset.features[arrays["val_rows"]]
    if name == "csv":
        feed = {c: rows[c].to_numpy("float32") if rows[c].dtype.kind in "biuf"
                else rows[c].fillna("").astype(str).to_numpy(object) for c in rows.columns}
    else:
        feed = rows.astype("float32")
    predicted = np.asarray(model.predict(feed, verbose=0))
    np.testing.assert_allclose(predicted, arrays["predictions"], rtol=1e-5, atol=1e-5)


def test_the_script_bakes_the_profiled_columns(runs):
    _, script, _, _ = runs["csv"]
    text = script.read_text(encoding="utf-8")
    assert '"features": ["a", "b", "color"]' in text and '"classes": ["no", "yes"]' in text
    assert "--target label" in text.split("\nfrom __future__", 1)[0]  # the usage line


@pytest.mark.parametrize("args, message", [
    (["--data", "{images}"], "a folder is read as images, but this model was recommended for "
                             "tabular data"),
    (["--data", "{missing}"], "no such file or folder"),
    (["--data", "{csv}", "--target", "nope"], "no target column 'nope'; the table has 'a'"),
    (["--data", "{script}"], "cannot read .py; this script reads CSV"),
    (["--data", "{csv}", "--save", "{dir}/model.h5"], "the model file must end in .keras"),
])
def test_bad_inputs_exit_2_with_a_clear_message(args, message, runs, load_script):
    data, script, _, directory = runs["csv"]
    names = {"images": directory / "images", "missing": directory / "absent.csv", "csv": data,
             "script": script, "dir": directory}
    argv = [a.format(**names) for a in args]
    namespace = load_script(script)
    from contextlib import redirect_stderr
    from io import StringIO

    err = StringIO()
    with redirect_stderr(err):
        code = namespace["main"](argv)
    assert code == 2
    assert err.getvalue().startswith("error: ") and message in err.getvalue(), err.getvalue()


def test_an_image_script_given_a_table_exits_2_in_a_process(runs):
    data, _, _, _ = runs["csv"]
    _, script, _, _ = runs["images"]
    done = _run(script, "--data", str(data))
    assert done.returncode == 2
    assert "this model was recommended for images" in done.stderr
    assert "Traceback" not in done.stderr


def test_anomaly_labels_keep_the_training_on_normal_examples(tmp_path, load_script, capsys):
    """An autoencoder learns the normal examples (label 0) only; the report splits the
    validation reconstruction error by label."""
    from advisor import recommend
    from advisor.executor.script import render_keras_script

    rng = np.random.default_rng(0)
    np.savez(tmp_path / "anomalies.npz", x=rng.integers(0, 256, size=(60, 8, 8, 1)),
             y=(rng.random(60) < 0.25).astype(int))
    script = tmp_path / "train.py"
    script.write_text(render_keras_script(recommend({
        "problem_type": "anomaly_detection", "data_structure": "image", "n_samples": 6000,
        "input_shape": [8, 8, 1]})), encoding="utf-8")
    code = load_script(script)["main"](["--data", str(tmp_path / "anomalies.npz"), "--epochs",
                                        "1", "--verbose", "0"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "anomaly labels given: training on the" in out and "normal examples only" in out
    assert "  label 0: mean reconstruction error" in out and "  label 1:" in out
