"""Splits and preprocessing: fitted on the training split only, every step the recommend rules
can emit, and bad input as AdvisorError with the fix."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")

from advisor import DatasetProfile  # noqa: E402
from advisor.dataset import Dataset  # noqa: E402
from advisor.errors import AdvisorError  # noqa: E402
from advisor.executor.preprocess import (Preprocessor, check_target,  # noqa: E402
                                         features_of, split_dataset)
from advisor.steps import PREPROCESSING_STEPS  # noqa: E402

RULES = Path(__file__).resolve().parents[2] / "rules" / "recommend"


def tabular(frame, target, problem="binary", n_classes=2, **profile):
    data = {"problem_type": problem, "data_structure": "tabular", "n_samples": len(frame),
            "input_shape": [frame.shape[1]], **profile}
    if problem in ("binary", "multiclass", "multilabel"):
        data["n_classes"] = n_classes
    return Dataset(profile=DatasetProfile.model_validate(data), features=frame,
                   target=np.asarray(target), feature_names=list(frame.columns))


def test_every_step_the_recommend_rules_emit_is_handled():
    emitted = set()
    for path in RULES.glob("*.yaml"):
        emitted |= set(re.findall(r"step: ([a-z_]+)", path.read_text()))
    assert emitted, "no steps found in the recommend rules"
    assert emitted <= set(PREPROCESSING_STEPS), sorted(emitted - set(PREPROCESSING_STEPS))


def test_unknown_step_is_named():
    data = tabular(pd.DataFrame({"a": [1.0, 2.0]}), [0, 1])
    with pytest.raises(AdvisorError, match=r"preprocessing\[1\].*unknown preprocessing step "
                                           r"'whiten'"):
        Preprocessor([{"step": "standardize"}, {"step": "whiten"}], data)


def test_statistics_come_from_the_training_rows_only():
    frame = pd.DataFrame({"a": np.arange(100, dtype=float), "b": np.arange(100) * 10.0})
    data = tabular(frame, np.arange(100) % 2)
    train, test = np.arange(80), np.arange(80, 100)
    processor = Preprocessor([{"step": "standardize"}], data).fit(features_of(data, train),
                                                                  data.target[train])
    x_train = processor.transform_features(features_of(data, train))
    assert np.allclose(x_train.mean(axis=0), 0, atol=1e-5)
    assert np.allclose(x_train.std(axis=0), 1, atol=1e-4)
    x_test = processor.transform_features(features_of(data, test))
    assert x_test.min() > 1.5  # the test rows lie beyond the training rows' range
    # changing the test rows changes nothing fitted
    other = frame.copy()
    other.loc[80:, "a"] = 1e6
    again = Preprocessor([{"step": "standardize"}], tabular(other, data.target)).fit(
        features_of(tabular(other, data.target), train), data.target[train])
    assert np.allclose(again.transform_features(features_of(data, train)), x_train)


def test_impute_one_hot_clip_and_min_max():
    frame = pd.DataFrame({"size": [1.0, np.nan, 3.0, 4.0, 100.0, 2.0],
                          "colour": ["red", "blue", "red", None, "green", "red"]})
    data = tabular(frame, [0, 1, 0, 1, 0, 1], missing_ratio=0.1, categorical_features=1)
    steps = [{"step": "impute", "strategy": "median", "add_indicator": True},
             {"step": "one_hot", "max_categories": 2},
             {"step": "clip", "quantiles": [0.0, 0.8]},
             {"step": "min_max"}]
    processor = Preprocessor(steps, data).fit(frame, data.target)
    x = processor.transform_features(frame)
    # size, size__missing, colour=red, colour=<2nd>, colour=<other>
    assert x.shape == (6, 5) and x.dtype == np.float32
    assert np.isfinite(x).all() and x.min() >= 0 and x.max() <= 1
    unseen = pd.DataFrame({"size": [2.0], "colour": ["purple"]})
    row = processor.transform_features(unseen)
    assert row[0, -1] == 1.0  # an unseen category lands in the "other" column


def test_min_max_to_a_range_rescale_and_image_channels():
    images = np.random.default_rng(0).uniform(0, 1, size=(10, 4, 4)).astype(np.float32)
    profile = DatasetProfile(problem_type="binary", data_structure="image", n_samples=10,
                             input_shape=[4, 4, 1], n_classes=2, input_range=[0, 1])
    data = Dataset(profile=profile, features=images, target=np.arange(10) % 2)
    out = Preprocessor([{"step": "min_max", "range": [0, 255]}], data).fit(
        images, data.target).transform_features(images)
    assert out.shape == (10, 4, 4, 1) and out.min() == pytest.approx(0, abs=1e-4)
    assert out.max() == pytest.approx(255, rel=1e-4)
    half = Preprocessor([{"step": "rescale", "divide_by": 2}], data).fit(
        images, data.target).transform_features(images)
    assert np.allclose(half[..., 0], images / 2)


def test_pad_and_multi_hot_token_sequences():
    rows = [[1, 2, 3], [4], [5, 6, 7, 8, 9]]
    profile = DatasetProfile(problem_type="binary", data_structure="sequence", n_samples=3,
                             input_shape=[4], n_classes=2, vocab_size=10)
    data = Dataset(profile=profile, features=rows, target=np.array([0, 1, 0]))
    padded = Preprocessor([{"step": "pad", "length": 4, "padding": "post", "value": 0}],
                          data).fit(rows, data.target).transform_features(rows)
    assert padded.tolist() == [[1, 2, 3, 0], [4, 0, 0, 0], [5, 6, 7, 8]]
    bag = Preprocessor([{"step": "multi_hot", "num_tokens": 10}], data).fit(
        rows, data.target).transform_features(rows)
    assert bag.shape == (3, 10) and bag[1].tolist() == [0, 0, 0, 0, 1, 0, 0, 0, 0, 0]


def test_non_numeric_columns_without_an_encoding_step_are_an_error():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0], "city": ["x", "y", "z"]})
    data = tabular(frame, [0, 1, 0])
    with pytest.raises(AdvisorError, match="non-numeric column.*city.*categorical_features"):
        Preprocessor([{"step": "standardize"}], data).fit(frame, data.target)


def test_missing_values_without_an_impute_step_are_an_error():
    frame = pd.DataFrame({"a": [1.0, np.nan, 3.0]})
    data = tabular(frame, [0, 1, 0])
    with pytest.raises(AdvisorError, match="NaN.*no impute step.*missing_ratio"):
        Preprocessor([], data).fit(frame, data.target)


def test_nan_targets_and_bad_class_codes_are_errors():
    frame = pd.DataFrame({"a": [1.0, 2.0, 3.0]})
    regression = tabular(frame, np.array([1.0, np.nan, 2.0]), problem="regression")
    with pytest.raises(AdvisorError, match="1 target value.*NaN"):
        check_target(regression)
    with pytest.raises(AdvisorError, match=r"class codes must lie in 0\.\.1"):
        check_target(tabular(frame, [0, 1, 2]))


def test_too_few_rows_says_how_many_are_needed():
    frame = pd.DataFrame({"a": np.arange(6, dtype=float)})
    data = tabular(frame, [0, 1] * 3)
    with pytest.raises(AdvisorError, match=r"too few rows to split: 6; .* at least \d+ rows"):
        split_dataset(data, validation_split=0.2)


def test_stratified_split_keeps_the_class_shares():
    frame = pd.DataFrame({"a": np.arange(200, dtype=float)})
    target = np.array([0] * 150 + [1] * 50)
    split = split_dataset(tabular(frame, target), validation_split=0.25, seed=3)
    assert split.method == "stratified"
    assert len(split.train) + len(split.validation) + len(split.test) == 200
    assert not set(split.train) & set(split.test) and not set(split.validation) & set(split.test)
    for part in (split.train, split.validation, split.test):
        assert target[part].mean() == pytest.approx(0.25, abs=0.03)
    again = split_dataset(tabular(frame, target), validation_split=0.25, seed=3)
    assert np.array_equal(split.test, again.test)  # seeded


def series_dataset(n=300, horizon=3, length=12, season=None):
    t = np.arange(n, dtype=float)
    values = np.sin(t / 6.0) * 10 + 50 + t * 0.05
    profile = DatasetProfile(problem_type="forecasting", data_structure="time_series",
                             n_samples=n, input_shape=[length, 1], forecast_horizon=horizon,
                             season_length=season)
    return Dataset(profile=profile, features=pd.DataFrame({"y": values}), target=values,
                   feature_names=["y"], target_names=["y"])


def test_series_are_split_in_time_order_and_cut_into_windows():
    data = series_dataset()
    steps = [{"step": "standardize"}, {"step": "window", "length": 12, "horizon": 3,
                                       "stride": 1}, {"step": "standardize_target"}]
    processor = Preprocessor(steps, data)
    split = split_dataset(data, validation_split=0.2, window=processor.window_span())
    assert split.method == "chronological"
    assert split.train.max() < split.validation.min() < split.test.min()
    processor.fit(features_of(data, split.train), data.target[split.train])
    train, validation, test = processor.series_parts(data.features, data.target, split.ranges())
    (_, train_end), (val_start, val_end), (start, end) = split.ranges()
    # every origin whose whole horizon lies in the part; the inputs reach back before it
    assert list(test.origins) == list(range(start, end - 3 + 1))
    assert list(validation.origins) == list(range(val_start, val_end - 3 + 1))
    assert train.origins.min() == 12 and train.origins.max() + 3 == train_end
    assert test.x.shape == (end - start - 3 + 1, 12, 1)
    assert test.y.shape == test.y_raw.shape == (test.x.shape[0], 3)
    assert np.allclose(test.y_raw[0], data.target[start:start + 3])
    assert np.allclose(test.last_value[0], data.target[start - 1])
    assert np.allclose(test.restore(test.y), test.y_raw, atol=1e-3)


def test_a_seasonal_naive_base_makes_a_zero_forecast_the_seasonal_naive_one():
    data = series_dataset(horizon=8, length=12, season=5)
    steps = [{"step": "standardize"},
             {"step": "window", "length": 12, "horizon": 8, "base": "seasonal_naive",
              "season_length": 5}, {"step": "log_target"}]
    processor = Preprocessor(steps, data)
    split = split_dataset(data, validation_split=0.2, window=processor.window_span())
    processor.fit(features_of(data, split.train), data.target[split.train])
    _, _, test = processor.series_parts(data.features, data.target, split.ranges())
    assert np.allclose(test.restore(test.y), test.y_raw, rtol=1e-4)
    zero = test.restore(np.zeros_like(test.y))
    origin = test.origins[0]
    # steps 0..4 repeat the last season, steps 5..7 the one before it, again
    expected = data.target[[origin - 5, origin - 4, origin - 3, origin - 2, origin - 1,
                            origin - 5, origin - 4, origin - 3]]
    assert np.allclose(zero[0], expected, rtol=1e-4)
    # the inputs are the window less its last value: the level is gone
    assert np.allclose(test.x[:, -1, 0], 0.0)
    assert np.abs(test.y).mean() < 5  # in units of the typical change over a season


def test_a_series_too_short_for_its_windows_is_an_error():
    data = series_dataset(n=20)
    with pytest.raises(AdvisorError, match="too few rows to split the series.*at least"):
        split_dataset(data, validation_split=0.2, window=(12, 3))
