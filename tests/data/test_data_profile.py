"""advisor.data: profiles measured from real data files, and the data loaded for the executor."""

from __future__ import annotations

import numpy as np
import pytest

from advisor import AdvisorError, DatasetProfile
from advisor.data import (load_dataset, load_sample_dataset, profile_data, profile_frame,
                          sample_dataset_names)
from advisor.dataset import Dataset

pd = pytest.importorskip("pandas")


def fields(profiled) -> dict:
    return profiled.profile.model_dump(exclude_none=True, exclude={"pretrained", "compute",
                                                                   "n_targets"})


def test_wine_csv_is_tabular_multiclass(wine_csv):
    profiled = profile_data(wine_csv, targets=["label"])
    assert fields(profiled) == {
        "problem_type": "multiclass", "data_structure": "tabular", "n_samples": 178,
        "input_shape": [13], "n_classes": 3, "label_encoding": "integer",
        "minority_class_ratio": pytest.approx(48 / 178, abs=1e-5),
        "input_range": [0.13, 1680.0], "missing_ratio": 0.0, "categorical_features": 0}
    assert profiled.provenance["n_classes"].how == "measured"
    assert "3 distinct whole-number values in 'label'" in \
        profiled.provenance["problem_type"].evidence
    assert profiled.sampled is False and profiled.source == str(wine_csv)


def test_breast_cancer_parquet_streams_row_groups(breast_cancer_parquet):
    profiled = profile_data(breast_cancer_parquet, targets="target")
    p = profiled.profile
    assert (p.problem_type, p.data_structure, p.n_samples, p.input_shape, p.n_classes) == \
        ("binary", "tabular", 569, [30], 2)
    assert p.minority_class_ratio == pytest.approx(212 / 569, abs=1e-5)
    assert p.input_range == [0.0, 4254.0]


def test_diabetes_tsv_is_regression(diabetes_tsv):
    profiled = profile_data(diabetes_tsv, targets=["target"])
    p = profiled.profile
    assert (p.problem_type, p.n_samples, p.input_shape, p.label_encoding) == \
        ("regression", 442, [10], "continuous")
    assert p.target_range == [25.0, 346.0]
    assert p.n_classes is None and p.minority_class_ratio is None
    assert "too many for classes" in profiled.provenance["problem_type"].evidence


def test_digits_pixels_are_numeric_not_categorical(digits_csv):
    profiled = profile_data(digits_csv, targets=["digit"])
    p = profiled.profile
    assert (p.problem_type, p.data_structure, p.input_shape, p.n_classes) == \
        ("multiclass", "tabular", [61], 10)   # 3 border pixels are 0 in every image
    assert sum("constant: the same value in every row" in note for note in profiled.notes) == 3
    assert p.categorical_features == 0
    assert p.input_range == [0.0, 16.0]


def test_digits_as_image_by_override(digits_csv):
    profiled = profile_data(digits_csv, targets=["digit"],
                            overrides={"data_structure": "image", "input_shape": [8, 8, 1]})
    p = profiled.profile
    assert (p.data_structure, p.input_shape, p.n_classes, p.input_range) == \
        ("image", [8, 8, 1], 10, [0.0, 16.0])
    assert p.categorical_features is None
    assert profiled.provenance["input_shape"].how == "given"
    assert "measured: [64]" in profiled.provenance["input_shape"].evidence
    dataset = load_dataset(digits_csv, targets=["digit"],
                           overrides={"data_structure": "image", "input_shape": [8, 8, 1]})
    assert dataset.features.shape == (1797, 8, 8, 1)
    assert dataset.target.shape == (1797,) and dataset.classes == list(range(10))


def test_digits_npz_is_image(digits_npz):
    profiled = profile_data(digits_npz)
    p = profiled.profile
    assert fields(profiled) == {
        "problem_type": "multiclass", "data_structure": "image", "n_samples": 1797,
        "input_shape": [8, 8, 1], "n_classes": 10, "label_encoding": "integer",
        "minority_class_ratio": pytest.approx(174 / 1797, abs=1e-5),
        "input_range": [0.0, 16.0], "missing_ratio": 0.0}
    dataset = load_dataset(digits_npz)
    assert dataset.features.shape == (1797, 8, 8, 1)
    assert p.n_samples == dataset.n_samples


@pytest.mark.parametrize("shape, structure, input_shape", [
    ((30, 150, 1), "time_series", [150, 1]),   # GunPoint as a user saves it
    ((30, 100, 6), "time_series", [100, 6]),   # BasicMotions: 6 channels
    ((30, 6, 100), "time_series", [100, 6]),   # sktime's channels-first layout
    ((30, 29, 12), "time_series", [29, 12]),   # JapaneseVowels: 12 channels, 29 steps
    ((30, 28, 28), "image", [28, 28, 1]),      # MNIST without a channel axis
    ((30, 8, 8), "image", [8, 8, 1]),
    ((30, 32, 32, 3), "image", [32, 32, 3]),
])
def test_arrays_with_few_channels_against_many_steps_are_series(tmp_path, shape, structure,
                                                                 input_shape):
    path = tmp_path / "x.npz"
    x = np.random.default_rng(0).normal(size=shape)
    np.savez(path, x=x, y=np.arange(shape[0]) % 2)
    profiled = profile_data(path)
    assert profiled.profile.data_structure == structure
    assert profiled.profile.input_shape == input_shape
    dataset = load_dataset(path)
    assert list(dataset.features.shape[1:]) == input_shape
    if shape == (30, 6, 100):  # transposed, not reshaped: channel 0 stays channel 0
        np.testing.assert_array_equal(dataset.features[:, :, 0], x[:, 0, :])


def test_the_data_structure_flag_wins_over_the_series_heuristic(tmp_path):
    path = tmp_path / "x.npz"
    np.savez(path, x=np.zeros((10, 150, 1)), y=np.arange(10) % 2)
    profiled = profile_data(path, overrides={"data_structure": "image"})
    assert profiled.profile.input_shape == [150, 1, 1]
    flat = tmp_path / "flat.npz"
    np.savez(flat, x=np.zeros((10, 150)), y=np.arange(10) % 2)
    assert any("--data-structure time_series" in note for note in profile_data(flat).notes)
    series = profile_data(flat, overrides={"data_structure": "time_series"})
    assert series.profile.input_shape == [150, 1]
    assert load_dataset(flat, overrides={"data_structure": "time_series"}).features.shape == \
        (10, 150, 1)


def test_season_length_of_known_shapes():
    from advisor.data._series import season_length

    t = np.arange(480)
    rng = np.random.default_rng(1)
    monthly = 100 + 0.5 * t + 10 * np.sin(2 * np.pi * t / 12) + rng.normal(0, 1, len(t))
    assert season_length(monthly)[0] == 12
    weekly = 5 * np.sin(2 * np.pi * t / 7) + rng.normal(0, 1, len(t))
    assert season_length(weekly)[0] == 7
    assert season_length(np.cumsum(rng.normal(size=480)))[0] is None  # a random walk
    assert season_length(rng.normal(size=480))[0] is None             # white noise
    assert season_length(np.ones(100))[0] is None
    assert season_length(monthly[:10])[0] is None                     # too short


def test_npy_needs_a_problem_type(digits_npz, tmp_path):
    path = tmp_path / "x.npy"
    np.save(path, np.load(digits_npz)["x"].reshape(1797, 64))
    profiled = profile_data(path, overrides={"problem_type": "anomaly_detection"})
    assert (profiled.profile.data_structure, profiled.profile.input_shape) == ("tabular", [64])


def test_multilabel_parquet(multilabel_parquet):
    path, y = multilabel_parquet
    targets = [f"tag{i}" for i in range(4)]
    profiled = profile_data(path, targets=targets)
    p = profiled.profile
    assert (p.problem_type, p.n_classes, p.label_encoding, p.input_shape, p.n_samples) == \
        ("multilabel", 4, "multi_hot", [12], 300)
    rare = min(min(col.sum(), len(col) - col.sum()) for col in y.T) / len(y)
    assert p.minority_class_ratio == pytest.approx(rare, abs=1e-5)
    dataset = load_dataset(path, targets=targets)
    assert dataset.target.shape == (300, 4)
    assert np.array_equal(dataset.target, y)
    assert dataset.classes == targets


def test_one_hot_columns_are_classes(tmp_path):
    frame = pd.DataFrame({"x": range(9), "a": [1, 0, 0] * 3, "b": [0, 1, 0] * 3,
                          "c": [0, 0, 1] * 3})
    profiled = profile_frame(frame, targets=["a", "b", "c"])
    assert (profiled.profile.problem_type, profiled.profile.n_classes,
            profiled.profile.label_encoding) == ("multiclass", 3, "one_hot")


def test_multi_output_regression(tmp_path):
    rng = np.random.default_rng(0)
    frame = pd.DataFrame(rng.normal(size=(100, 5)), columns=["a", "b", "c", "y1", "y2"])
    profiled = profile_frame(frame, targets=["y1", "y2"])
    assert (profiled.profile.problem_type, profiled.profile.n_targets,
            profiled.profile.input_shape) == ("regression", 2, [3])


def test_imbalanced_string_labels(imbalanced_csv):
    path, minority = imbalanced_csv
    profiled = profile_data(path, targets=["fraud"])
    p = profiled.profile
    assert (p.problem_type, p.n_classes, p.n_samples) == ("binary", 2, 2000)
    assert p.minority_class_ratio == pytest.approx(minority / 2000, abs=1e-5)
    assert 0.04 < p.minority_class_ratio < 0.06
    assert "'yes'" in profiled.provenance["minority_class_ratio"].evidence
    dataset = load_dataset(path, targets=["fraud"])
    assert dataset.classes == ["no", "yes"]
    assert int(dataset.target.sum()) == minority


def test_float_target_with_few_whole_values_is_classification(tmp_path):
    frame = pd.DataFrame({"x": np.arange(60.0), "y": [0.0, 1.0, 2.0] * 20})
    profiled = profile_frame(frame, targets="y")
    assert profiled.profile.problem_type == "multiclass"
    assert "stored as floats, all whole numbers" in profiled.provenance["problem_type"].evidence


def test_categorical_heuristic(tmp_path):
    rng = np.random.default_rng(0)
    n = 200
    frame = pd.DataFrame({
        "city": rng.choice(["a", "b", "c"], n),             # text: categorical
        "zone_code": rng.choice([3, 17, 42, 99], n),        # uneven codes: categorical
        "rating": rng.integers(1, 6, n),                    # 1..5 evenly spaced: numeric
        "pixel": rng.integers(0, 17, n),                    # 0..16: numeric
        "price": rng.normal(size=n),
        "y": rng.normal(size=n)})
    profiled = profile_frame(frame, targets="y")
    assert profiled.profile.categorical_features == 2
    evidence = profiled.provenance["categorical_features"].evidence
    assert "city" in evidence and "zone_code" in evidence and "rating" not in evidence


def test_missing_values_and_rows_without_target(tmp_path):
    path = tmp_path / "gaps.csv"
    path.write_text("a,b,y\n1,,0\n2,3,1\n,4,\n5,6,1\n7,8,0\n")
    profiled = profile_data(path, targets="y")
    assert profiled.profile.n_samples == 4
    assert profiled.profile.missing_ratio == pytest.approx(1 / 8)
    assert any("without a target" in note for note in profiled.notes)
    dataset = load_dataset(path, targets="y")
    assert dataset.n_samples == 4 and np.isnan(dataset.features["b"][0])


def test_auto_target_by_name(wine_csv, tmp_path):
    path = tmp_path / "t.csv"
    pd.read_csv(wine_csv).rename(columns={"label": "target"}).to_csv(path, index=False)
    profiled = profile_data(path)
    assert profiled.targets == ["target"]
    assert any("chosen by its name" in note for note in profiled.notes)


def test_rgb_image_folder(rgb_images):
    profiled = profile_data(rgb_images)
    assert fields(profiled) == {
        "problem_type": "multiclass", "data_structure": "image", "n_samples": 30,
        "input_shape": [32, 24, 3], "n_classes": 3, "label_encoding": "integer",
        "minority_class_ratio": pytest.approx(1 / 3, abs=1e-5), "input_range": [0.0, 255.0],
        "missing_ratio": 0.0}
    dataset = load_dataset(rgb_images)
    assert dataset.features.shape == (30, 32, 24, 3) and dataset.features.dtype == np.uint8
    assert dataset.classes == ["cat", "dog", "owl"]
    assert sorted(set(dataset.target.tolist())) == [0, 1, 2]


def test_grayscale_image_folder(gray_images):
    profiled = profile_data(gray_images)
    p = profiled.profile
    assert (p.problem_type, p.input_shape, p.n_classes, p.n_samples) == \
        ("binary", [16, 16, 1], 2, 12)
    assert load_dataset(gray_images).features.shape == (12, 16, 16, 1)


def test_text_csv(reviews_csv):
    path, frame, length = reviews_csv
    profiled = profile_data(path, targets=["sentiment"], text_column="review")
    p = profiled.profile
    assert (p.problem_type, p.data_structure, p.n_samples, p.input_shape, p.n_classes) == \
        ("binary", "text", 400, [length], 2)
    assert p.vocab_size == len(set(" ".join(frame["review"]).split()))
    share = (frame["sentiment"] == "positive").mean()
    assert p.minority_class_ratio == pytest.approx(share, abs=1e-5)
    dataset = load_dataset(path, targets=["sentiment"], text_column="review")
    assert dataset.features.shape == (400,) and isinstance(dataset.features[0], str)
    assert dataset.classes == ["negative", "positive"]


def test_text_column_found_without_the_flag(reviews_csv, tmp_path):
    path, frame, _ = reviews_csv
    single = tmp_path / "single.csv"
    frame[["review", "sentiment"]].to_csv(single, index=False)
    profiled = profile_data(single, targets=["sentiment"])
    assert profiled.profile.data_structure == "text" and profiled.text_column == "review"


def test_time_series_forecasting(series_csv):
    path, frame = series_csv
    profiled = profile_data(path, targets=["temperature"], time_column="step",
                            forecast_horizon=12)
    p = profiled.profile
    # sin(step / 15) repeats every 2 pi 15 = 94 steps: the window covers two seasons
    assert p.season_length in (93, 94, 95)
    assert p.forecast_horizon == 12
    assert (p.problem_type, p.data_structure, p.input_shape) == \
        ("forecasting", "time_series", [2 * p.season_length, 2])
    assert p.n_samples == 600 - 2 * p.season_length - 12 + 1
    assert p.target_range == [pytest.approx(frame.temperature.min()),
                              pytest.approx(frame.temperature.max())]
    assert profiled.provenance["input_shape"].how == "derived"
    assert "2 seasons" in profiled.provenance["input_shape"].evidence
    assert "autocorrelation" in profiled.provenance["season_length"].evidence
    dataset = load_dataset(path, targets=["temperature"], time_column="step",
                           forecast_horizon=12)
    assert list(dataset.features.columns) == ["pressure", "temperature"]
    assert len(dataset.features) == 600 and dataset.time_index[0] == 0
    assert dataset.target.shape == (600,)


def test_time_series_regression_without_horizon(series_csv):
    path, _ = series_csv
    profiled = profile_data(path, targets=["temperature"], time_column="step")
    assert (profiled.profile.problem_type, profiled.profile.input_shape) == \
        ("regression", [32, 1])


def test_max_rows(wine_csv):
    profiled = profile_data(wine_csv, targets=["label"], max_rows=100)
    assert (profiled.profile.n_samples, profiled.profile.problem_type) == (100, "binary")
    assert any("--max-rows 100" in note for note in profiled.notes)
    with pytest.raises(AdvisorError, match="single value"):  # wine is sorted by class
        profile_data(wine_csv, targets=["label"], max_rows=50)


def test_large_file_text_statistics_are_sampled(tmp_path, monkeypatch):
    from advisor.data import _tables as _profile  # where the limits are used

    monkeypatch.setattr(_profile, "SAMPLE_ROWS", 50)
    monkeypatch.setattr(_profile, "CELL_BUDGET", 2000)  # 1000-row chunks
    rng = np.random.default_rng(0)
    frame = pd.DataFrame({"text": [" ".join(rng.choice(["a", "b", "c", "d"], 6))
                                   for _ in range(3000)],
                          "y": rng.integers(0, 2, 3000)})
    path = tmp_path / "big.csv"
    frame.to_csv(path, index=False)
    profiled = profile_data(path, targets=["y"], text_column="text")
    assert profiled.sampled is True
    assert profiled.profile.n_samples == 3000  # counts stay exact
    assert "first 50 texts" in profiled.provenance["vocab_size"].evidence


def test_profile_is_a_valid_dataset_profile(wine_csv):
    profiled = profile_data(wine_csv, targets=["label"])
    assert isinstance(profiled.profile, DatasetProfile)
    data = profiled.to_dict()
    assert set(data["profile"]) <= set(DatasetProfile.model_fields)
    assert DatasetProfile.model_validate(data["profile"]) == profiled.profile


@pytest.mark.parametrize("name", ["wine", "breast_cancer", "diabetes", "digits"])
def test_sample_datasets(name):
    dataset = load_sample_dataset(name)
    assert isinstance(dataset, Dataset) and dataset.source == f"sample:{name}"
    p = dataset.profile
    expected = {"wine": ("multiclass", "tabular", 178, [13]),
                "breast_cancer": ("binary", "tabular", 569, [30]),
                "diabetes": ("regression", "tabular", 442, [10]),
                "digits": ("multiclass", "image", 1797, [8, 8, 1])}[name]
    assert (p.problem_type, p.data_structure, p.n_samples, p.input_shape) == expected
    assert dataset.n_samples == p.n_samples == len(dataset.target)
    if name == "digits":
        assert dataset.features.shape == (1797, 8, 8, 1) and p.input_range == [0.0, 16.0]
    assert sorted(sample_dataset_names()) == ["breast_cancer", "diabetes", "digits", "wine"]


def test_semicolon_txt_and_gzip_csv(wine_csv, tmp_path):
    frame = pd.read_csv(wine_csv)
    txt = tmp_path / "wine.txt"
    frame.to_csv(txt, index=False, sep=";")
    gz = tmp_path / "wine.csv.gz"
    frame.to_csv(gz, index=False)
    for path in (txt, gz):
        profiled = profile_data(path, targets=["label"])
        assert (profiled.profile.n_samples, profiled.profile.input_shape) == (178, [13])


def test_a_series_without_a_season_gets_a_window_of_4_horizons(tmp_path):
    rng = np.random.default_rng(4)
    frame = pd.DataFrame({"value": np.cumsum(rng.normal(size=300))})  # a random walk
    path = tmp_path / "walk.csv"
    frame.to_csv(path, index=False)
    profiled = profile_data(path, targets=["value"], forecast_horizon=6)
    assert profiled.profile.season_length is None
    assert profiled.profile.input_shape == [24, 1]
    assert any("no season in 'value'" in note for note in profiled.notes)


def test_dates_as_time_column(tmp_path):
    frame = pd.DataFrame({"day": pd.date_range("2024-01-01", periods=200).astype(str),
                          "sales": np.arange(200.0) % 17})
    path = tmp_path / "sales.csv"
    frame.to_csv(path, index=False)
    profiled = profile_data(path, targets=["sales"], time_column="day", forecast_horizon=7)
    assert profiled.profile.season_length == 17  # the series repeats every 17 days
    assert profiled.profile.input_shape == [34, 1]  # 2 seasons > 4 x horizon 7
    assert profiled.profile.input_range == [0.0, 16.0]  # the series itself is the input
    dataset = load_dataset(path, targets=["sales"], time_column="day", forecast_horizon=7)
    assert str(dataset.time_index.dtype).startswith("datetime64")
    assert list(dataset.features.columns) == ["sales"]


def test_numbers_with_a_text_marker_are_noted(tmp_path):
    path = tmp_path / "dirty.csv"
    path.write_text("a,b,y\n1,2.5,0\n?,3.5,1\n4,5.5,0\n6,7.5,1\n")
    profiled = profile_data(path, targets="y")
    assert profiled.profile.categorical_features == 1
    assert any("column 'a' holds numbers and text (e.g. '?')" in n for n in profiled.notes)


def test_sample_dataset_errors(monkeypatch):
    with pytest.raises(AdvisorError, match="unknown sample data set 'wines' \\(did you mean wine"):
        load_sample_dataset("wines")
    monkeypatch.setitem(__import__("sys").modules, "sklearn", None)
    with pytest.raises(AdvisorError, match="scikit-learn, which is not installed"):
        load_sample_dataset("wine")
