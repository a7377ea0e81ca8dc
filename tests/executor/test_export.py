"""``verify --save``: the trained model with its preprocessing scores raw inputs in a fresh
Python process that has only Keras / TensorFlow (no advisor import), safe mode on, and gives
verify's test metric back: a CSV with numeric, categorical and missing values (classification
and a scaled regression target), an image folder and a text column.

Small by default (a few epochs on a few hundred rows); ADVISOR_TEST_SCALE=full trains longer.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")
pytest.importorskip("PIL")

from click.testing import CliRunner  # noqa: E402

from advisor.cli import cli  # noqa: E402

pytestmark = [pytest.mark.slow, pytest.mark.keras]

# Run in a fresh interpreter: reads the test data the plain way, feeds the saved model as its
# inputs JSON says, scores it like verify (accuracy / ROC AUC at 0.5, MAE / RMSE).
SCORE = r'''
import json, math, sys
from pathlib import Path
import numpy as np, pandas as pd, keras
from sklearn import metrics as sk

spec = json.loads(sys.argv[1])
model = keras.saving.load_model(spec["model"], safe_mode=True)
about = json.loads(Path(spec["inputs"]).read_text())
if about["data_structure"] == "image":
    from PIL import Image
    classes = about["target"]["classes"]
    files = [(f, classes.index(d.name)) for d in sorted(Path(spec["test"]).iterdir())
             for f in sorted(d.iterdir())]
    feed = np.stack([np.asarray(Image.open(f).convert("RGB")) for f, _ in files])
    y = np.array([code for _, code in files])
else:
    rows = pd.read_csv(spec["test"])
    target = about["target"]["names"][0]
    classes = about["target"]["classes"]
    y = rows.pop(target)
    y = np.array([classes.index(str(v)) for v in y]) if classes else y.to_numpy("float64")
    if about["data_structure"] == "text":
        feed = rows[spec["text_column"]].fillna("").to_numpy(object)
    else:
        feed = {i["name"]: rows[i["column"]].to_numpy("float32") if i["type"] == "number"
                else rows[i["column"]].fillna("").astype(str).to_numpy(object)
                for i in about["inputs"]}
p = np.asarray(model.predict(feed, verbose=0), dtype=np.float64)
if about["problem_type"] == "binary":
    prob = p.reshape(-1)
    out = {"accuracy": sk.accuracy_score(y, prob >= 0.5), "roc_auc": sk.roc_auc_score(y, prob)}
elif about["problem_type"] == "multiclass":
    out = {"accuracy": sk.accuracy_score(y, p.argmax(axis=1))}
else:
    p = p.reshape(-1)
    out = {"mae": sk.mean_absolute_error(y, p), "rmse": math.sqrt(sk.mean_squared_error(y, p))}
out = {k: round(float(v), 6) for k, v in out.items()}
out["advisor_imported"] = "advisor" in sys.modules
print(json.dumps(out))
'''


def fresh_score(spec: dict) -> dict:
    done = subprocess.run([sys.executable, "-c", SCORE, json.dumps(spec)], capture_output=True,
                          text=True, timeout=300, cwd=spec["cwd"])
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


def verify_and_save(tmp_path, *args, epochs):
    model = tmp_path / "model.keras"
    result = CliRunner().invoke(cli, ["verify", *args, "--save", str(model), "--max-epochs",
                                      str(epochs), "--no-reference", "-q", "--format", "json"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert report["saved"][0]["model"] == str(model) and model.is_file()
    return report, model, tmp_path / "model.inputs.json"


def round_trip(tmp_path, train, test, *args, epochs, **spec):
    """verify --save on ``train`` scored on ``test``; the fresh process' scores of the saved
    model on ``test``, the report's and the inputs JSON."""
    report, model, inputs = verify_and_save(tmp_path, "--data", str(train), "--test-data",
                                            str(test), *args, epochs=epochs)
    scored = fresh_score({"model": str(model), "inputs": str(inputs), "cwd": str(tmp_path),
                          "test": str(test), **spec})
    assert scored.pop("advisor_imported") is False
    return scored, report["recommended"]["metrics"], json.loads(inputs.read_text())


def table(n: int, seed: int, regression: bool = False):
    rng = np.random.default_rng(seed)
    a = rng.normal(50, 10, n)
    b = rng.exponential(2.0, n)
    color = rng.choice(["red", "green", "blue", "violet"], n, p=[0.4, 0.3, 0.28, 0.02])
    signal = (a - 50) / 10 + (b - 2) / 2 + (color == "red") * 1.5 + rng.normal(0, 0.4, n)
    frame = pd.DataFrame({"a": a, "b": b, "color": color,
                          "city": rng.choice(["x", "y", "z"], n)})
    frame.loc[rng.random(n) < 0.12, "a"] = np.nan
    frame.loc[rng.random(n) < 0.1, "city"] = np.nan
    if regression:
        frame["price"] = np.exp(1 + 0.3 * signal)
    else:
        frame["label"] = np.where(signal > 0.4, "yes", "no")
    return frame


@pytest.fixture
def epochs(scale):
    return 40 if scale == "full" else 4


def test_a_saved_table_model_scores_raw_rows_in_a_fresh_process(tmp_path, epochs):
    table(400, 0).to_csv(tmp_path / "train.csv", index=False)
    test = table(120, 1)
    test.loc[3, "color"] = "ultramarine"  # unseen in training: the <other> column
    test.to_csv(tmp_path / "test.csv", index=False)
    scored, expected, about = round_trip(tmp_path, tmp_path / "train.csv",
                                         tmp_path / "test.csv", "--target", "label",
                                         epochs=epochs)
    assert [(i["name"], i["type"]) for i in about["inputs"]] == [
        ("a", "number"), ("b", "number"), ("color", "string"), ("city", "string")]
    assert about["target"]["classes"] == ["no", "yes"]
    steps = [s["step"] for s in about["preprocessing"]]
    assert "impute" in steps and "one_hot" in steps
    assert scored == {k: expected[k] for k in scored}, (scored, expected)


def test_a_regression_target_comes_back_in_its_own_units(tmp_path, epochs):
    table(400, 2, regression=True).to_csv(tmp_path / "train.csv", index=False)
    table(100, 3, regression=True).to_csv(tmp_path / "test.csv", index=False)
    scored, expected, about = round_trip(tmp_path, tmp_path / "train.csv",
                                         tmp_path / "test.csv", "--target", "price",
                                         epochs=epochs)
    assert about["target"]["scaling"], about["target"]  # the target was scaled for training
    for name, value in scored.items():  # float32 in the model, float64 in verify's inverse
        assert value == pytest.approx(expected[name], rel=1e-4), (scored, expected)


def write_images(folder, n, seed):
    from PIL import Image

    rng = np.random.default_rng(seed)
    for name, base in (("dark", 60), ("light", 180)):
        (folder / name).mkdir(parents=True)
        for i in range(n):
            pixels = np.clip(rng.normal(base, 40, (12, 12, 3)), 0, 255).astype(np.uint8)
            Image.fromarray(pixels).save(folder / name / f"{i}.png")


def test_a_saved_image_model_scores_raw_pixels_in_a_fresh_process(tmp_path, epochs):
    write_images(tmp_path / "train", 40, 0)
    write_images(tmp_path / "test", 12, 1)
    scored, expected, _ = round_trip(tmp_path, tmp_path / "train", tmp_path / "test",
                                     epochs=epochs)
    assert scored == {k: expected[k] for k in scored}, (scored, expected)


def texts(n, seed):
    rng = np.random.default_rng(seed)
    good = ["great", "lovely", "superb", "fine", "happy"]
    bad = ["awful", "poor", "dull", "sad", "broken"]
    filler = ["the", "film", "was", "plot", "and", "acting", "very", "a"]
    rows = []
    for _ in range(n):
        label = int(rng.integers(2))
        words = list(rng.choice(filler, 6)) + list(rng.choice(good if label else bad, 2))
        rng.shuffle(words)
        rows.append({"review": " ".join(words).capitalize() + "!",
                     "sentiment": "pos" if label else "neg"})
    return pd.DataFrame(rows)


def test_a_saved_text_model_scores_raw_strings_in_a_fresh_process(tmp_path, epochs):
    texts(300, 0).to_csv(tmp_path / "train.csv", index=False)
    texts(80, 1).to_csv(tmp_path / "test.csv", index=False)
    scored, expected, _ = round_trip(tmp_path, tmp_path / "train.csv", tmp_path / "test.csv",
                                     "--target", "sentiment", "--text-column", "review",
                                     epochs=epochs, text_column="review")
    assert scored == {k: expected[k] for k in scored}, (scored, expected)


@pytest.mark.parametrize("name, message", [
    ("model.h5", "must end in .keras"),
    ("missing/model.keras", "does not exist"),
])
def test_a_bad_save_path_is_refused_before_training(tmp_path, name, message):
    table(60, 0).to_csv(tmp_path / "train.csv", index=False)
    result = CliRunner().invoke(cli, ["verify", "--data", str(tmp_path / "train.csv"),
                                      "--target", "label", "--save", str(tmp_path / name)])
    assert result.exit_code == 2, result.output
    assert message in result.output and "Traceback" not in result.output


def test_column_names_keras_refuses_as_layer_names_get_input_keys(tmp_path, epochs):
    """wine's 'od280/od315_of_diluted_wines': Keras refuses '/' in a layer name, so the input
    is keyed 'od280_od315_of_diluted_wines' and the inputs JSON names both."""
    from advisor.executor.export import input_keys

    assert input_keys(["a/b", "a b", "a_b", "ok"]) == {
        "a/b": "a_b", "a b": "a_b_2", "a_b": "a_b_3", "ok": "ok"}
    rename = {"a": "od280/od315", "b": "flow rate (l/s)"}
    table(300, 0).rename(columns=rename).to_csv(tmp_path / "train.csv", index=False)
    table(100, 1).rename(columns=rename).to_csv(tmp_path / "test.csv", index=False)
    scored, expected, about = round_trip(tmp_path, tmp_path / "train.csv",
                                         tmp_path / "test.csv", "--target", "label",
                                         epochs=epochs)
    assert [(i["name"], i["column"]) for i in about["inputs"]][:2] == [
        ("od280_od315", "od280/od315"), ("flow_rate__l_s_", "flow rate (l/s)")]
    assert scored == {k: expected[k] for k in scored}, (scored, expected)
