"""Column roles (issue 12): a row index, IDs, names, dates and constants are left out of the
features, each with its reason; --drop and --keep override; verify uses the same columns."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest
from click.testing import CliRunner

from advisor.cli import cli
from advisor.data import load_dataset, profile_data


def titanic_like(path, n: int = 400):
    """A frame as people save one: pandas' row index, a running ID, names, a date column, a
    constant, missing ages, sorted by the label (so the index leaks it)."""
    rng = np.random.default_rng(0)
    age = rng.integers(1, 80, n).astype(float)
    age[rng.random(n) < 0.2] = np.nan
    fare = rng.gamma(2, 15, n)
    sex = rng.choice(["male", "female"], n)
    pclass = rng.choice([1, 2, 3], n)
    logit = -1 + 2.2 * (sex == "female") - 0.8 * (pclass - 2) + 0.01 * fare
    survived = (rng.random(n) < 1 / (1 + np.exp(-logit))).astype(int)
    frame = pd.DataFrame({
        "PassengerId": np.arange(1, n + 1), "Survived": survived, "Pclass": pclass,
        "Name": [f"Passenger {i}, Mr. {chr(65 + i % 26)}{i}" for i in range(n)], "Sex": sex,
        "Age": age, "Fare": fare,
        "Boarded": pd.date_range("1912-04-02", periods=n, freq="h").strftime("%Y-%m-%d"),
        "Ship": "Titanic"}).sort_values("Survived")
    frame.to_csv(path)
    return path


def test_meaningless_columns_are_left_out_with_their_reason(tmp_path):
    profiled = profile_data(titanic_like(tmp_path / "titanic.csv"), targets="Survived")
    roles = {c.name: (c.role, c.reason) for c in profiled.columns}
    assert profiled.profile.input_shape == [4]          # Pclass, Sex, Age, Fare
    assert {name for name, (role, _) in roles.items() if role == "feature"} == {
        "Pclass", "Sex", "Age", "Fare"}
    assert roles["Unnamed: 0"][1].startswith("numbers 0..399, one per row (a row index)")
    assert roles["PassengerId"][1].startswith("numbers 1..400, one per row")
    assert roles["Name"][1].startswith("near-unique text (400 distinct of 400 values")
    assert roles["Boarded"][1].startswith("dates (YYYY-MM-DD)")
    assert roles["Ship"][1] == "constant: the same value in every row"
    assert profiled.profile.categorical_features == 1   # Sex; Name is not one-hot encoded
    dataset = load_dataset(tmp_path / "titanic.csv", targets="Survived")
    assert list(dataset.features.columns) == ["Pclass", "Sex", "Age", "Fare"]


def test_drop_and_keep_override_the_roles(tmp_path):
    path = titanic_like(tmp_path / "titanic.csv")
    profiled = profile_data(path, targets="Survived", drop=["Fare"], keep=["PassengerId"])
    features = [c.name for c in profiled.columns if c.role == "feature"]
    assert features == ["PassengerId", "Pclass", "Sex", "Age"]
    assert {c.name: c.reason for c in profiled.columns}["Fare"] == "dropped with --drop"
    result = CliRunner().invoke(cli, ["profile", str(path), "--target", "Survived",
                                      "--drop", "Fare", "--keep", "PassengerId", "--format",
                                      "json"])
    assert result.exit_code == 0, result.output
    columns = {c["name"]: c for c in json.loads(result.stdout)["columns"]}
    assert columns["Fare"]["role"] == "ignored" and columns["Fare"]["reason"]
    typo = CliRunner().invoke(cli, ["profile", str(path), "--target", "Survived",
                                    "--drop", "fare"])
    assert typo.exit_code == 2 and "--drop column 'fare' is not in the data" in typo.stderr


def test_ordinary_numbers_are_not_mistaken_for_ids(tmp_path):
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({"count": rng.permutation(np.arange(5, 105)),   # unique, not 1..n
                          "score": rng.integers(0, 10, 100), "y": rng.integers(0, 2, 100)})
    frame.to_csv(tmp_path / "t.csv", index=False)
    profiled = profile_data(tmp_path / "t.csv", targets="y")
    assert [c.name for c in profiled.columns if c.role == "feature"] == ["count", "score"]


@pytest.mark.slow
@pytest.mark.keras
def test_verify_on_a_titanic_like_file_uses_only_the_meaningful_columns(tmp_path):
    from advisor.executor.verify import verify

    report = verify(data=str(titanic_like(tmp_path / "titanic.csv")), target="Survived",
                    seeds=2, quiet=True)
    recommended = report.recommended.metrics["roc_auc"]
    default = report.baselines["document_default"].metrics["roc_auc"]
    assert recommended >= default - 0.03, (recommended, default)


# -- image folders: a bad file is skipped, one class is anomaly detection -------------------------

def _images(folder, count: int = 6):
    from PIL import Image

    folder.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(0)
    for index in range(count):
        Image.fromarray((rng.random((16, 16)) * 255).astype("uint8")).save(folder / f"{index}.png")
    return folder


def test_a_corrupt_image_is_skipped_with_a_note_not_fatal(tmp_path):
    _images(tmp_path / "cats")
    _images(tmp_path / "dogs")
    (tmp_path / "cats" / "broken.png").write_bytes(b"not a png")
    profiled = profile_data(tmp_path)
    assert profiled.profile.n_samples == 12
    assert any(note.startswith("1 image file(s) cannot be read: cats/broken.png")
               for note in profiled.notes)
    dataset = load_dataset(tmp_path)
    assert dataset.features.shape == (12, 16, 16, 1) and len(dataset.target) == 12
    assert dataset.notes and "skipped" in dataset.notes[0]


def test_a_folder_where_no_image_reads_is_an_error(tmp_path):
    from advisor.errors import AdvisorError

    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        (tmp_path / label / "x.png").write_bytes(b"junk")
    with pytest.raises(AdvisorError, match="no image could be read"):
        profile_data(tmp_path)


@pytest.mark.parametrize("layout", ["one_class_folder", "flat_folder"])
def test_one_class_and_flat_folders_work_for_anomaly_detection(tmp_path, layout):
    folder = _images(tmp_path / "normal") if layout == "one_class_folder" else None
    if layout == "flat_folder":
        folder = _images(tmp_path)
    root = tmp_path
    result = CliRunner().invoke(cli, ["profile", str(root), "--problem-type",
                                      "anomaly_detection", "--format", "json"])
    assert result.exit_code == 0, result.output
    profile = json.loads(result.stdout)["profile"]
    assert profile["problem_type"] == "anomaly_detection" and profile["n_samples"] == 6
    dataset = load_dataset(root, overrides={"problem_type": "anomaly_detection"})
    assert dataset.features.shape == (6, 16, 16, 1) and dataset.target is None
    assert folder is not None


# -- text, time-like columns, small data (issue 12) -----------------------------------------------

def test_text_vocabulary_is_counted_as_text_vectorization_splits_it(tmp_path):
    """Punctuation is not part of a word: 'world!' and 'world' are one word for Keras."""
    texts = ["Hello, world! It's a test.", "hello world: its a TEST", "(Hello) -- world?"] * 10
    pd.DataFrame({"text": texts, "y": [0, 1, 0] * 10}).to_csv(tmp_path / "t.csv", index=False)
    profiled = profile_data(tmp_path / "t.csv", targets="y", text_column="text")
    assert profiled.profile.vocab_size == 5          # hello world its a test
    assert profiled.profile.input_shape == [5]
    keras = pytest.importorskip("keras")
    layer = keras.layers.TextVectorization()
    layer.adapt(texts)
    assert len(layer.get_vocabulary()) - 2 == profiled.profile.vocab_size  # '' and [UNK]


def test_a_rising_column_is_noted_as_time_like(tmp_path):
    rng = np.random.default_rng(0)
    n = 60
    pd.DataFrame({"step": np.arange(100, 100 + 10 * n, 10), "x": rng.random(n),
                  "y": rng.integers(0, 2, n)}).to_csv(tmp_path / "s.csv", index=False)
    profiled = profile_data(tmp_path / "s.csv", targets="y")
    assert [c.name for c in profiled.columns if c.role == "feature"] == ["step", "x"]
    assert any(note.startswith("column 'step' rises in every row (100..690): it looks like "
                               "time") and "--time-column step" in note
               for note in profiled.notes)
    assert not any("'x'" in note for note in profiled.notes)


def test_few_rows_get_a_caveat_with_its_measurement():
    from advisor import recommend

    small = recommend({"problem_type": "regression", "data_structure": "tabular",
                       "n_samples": 20, "input_shape": [3]})
    assert small.caveats and "a network is hard to tell from a simple model" in small.caveats[0]
    entry = next(e for e in small.rationale if e.slot == "caveat")
    assert entry.rule == "MOD020" and "linnerud" in entry.because
    result = CliRunner().invoke(cli, ["recommend", "--problem-type", "regression",
                                      "--data-structure", "tabular", "--n-samples", "20",
                                      "--input-shape", "3"])
    assert "Caution: few examples" in result.output
    iris = recommend({"problem_type": "multiclass", "data_structure": "tabular",
                      "n_samples": 150, "input_shape": [4], "n_classes": 3})
    assert iris.caveats == []


def test_many_categories_are_said_and_capped_as_the_one_hot_rule_caps_them(tmp_path):
    from advisor.data._tables import MANY_CATEGORIES
    from advisor.recommend import recommend_rules

    rng = np.random.default_rng(0)
    n = 2000
    cities = [f"city{i}" for i in rng.integers(0, 180, n)]
    pd.DataFrame({"city": cities, "x": rng.random(n), "y": rng.integers(0, 2, n)}).to_csv(
        tmp_path / "c.csv", index=False)
    profiled = profile_data(tmp_path / "c.csv", targets="y")
    assert [c.name for c in profiled.columns if c.role == "feature"] == ["city", "x"]
    note = next(n for n in profiled.notes if n.startswith("column 'city' has 180 categories"))
    assert f"keeps the {MANY_CATEGORIES} most frequent" in note
    rule = recommend_rules().by_code["PRE011"].rule
    assert rule.value["max_categories"] == MANY_CATEGORIES
    from advisor import recommend

    step = next(s for s in recommend(profiled.profile).preprocessing if s["step"] == "one_hot")
    assert step["max_categories"] == MANY_CATEGORIES
