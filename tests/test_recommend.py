"""recommend(): complete, deterministic, explained answers, and sensible ones for known data sets."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from advisor import DatasetProfile, ProfileError, Recommendation, TrainingConfig, recommend
from advisor._random_profiles import random_profile
from advisor.recommend import SLOTS
from advisor.vocab import RECOMMEND_FACETS


profiles = st.randoms(use_true_random=False).map(random_profile)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(profiles)
def test_every_valid_profile_gets_every_facet(profile):
    rec = recommend(profile)
    assert {e.facet for e in rec.rationale} == set(RECOMMEND_FACETS)
    assert [e.slot for e in rec.rationale] == [s.name for s in SLOTS]
    for entry in rec.rationale:
        assert entry.because and entry.source.startswith("https://") and entry.rule
    layers = rec.model.layers
    # the model reads the profile's examples, or the bag of tokens a multi-hot step makes of them
    bags = [step.get("max_tokens", step.get("num_tokens")) for step in rec.preprocessing
            if step.get("output_mode") == "multi_hot" or step["step"] == "multi_hot"]
    expected_shape = [bags[0]] if bags else profile.input_shape
    assert layers[0]["type"] == "Input" and layers[0]["shape"] == expected_shape
    output = [layer for layer in layers if layer.get("name") == "output"]
    if output and output[0]["type"] == "Conv2D":  # a convolutional autoencoder
        assert rec.model.family == "autoencoder" and output == [layers[-1]]
        assert output[0]["filters"] == rec.model.output.units == profile.input_shape[-1]
        assert output[0]["activation"] == rec.model.output.activation
    else:
        initializer = {"kernel_initializer": "zeros"} if rec.model.family == "mlp" and \
            profile.problem_type == "forecasting" else {}  # a forecast starts at its base
        assert output == [{"type": "Dense", "units": rec.model.output.units,
                           "activation": rec.model.output.activation, "name": "output",
                           **initializer}]
    assert rec.training.batch_size <= max(8, profile.n_samples)
    assert 0 < rec.optimizer.learning_rate <= 0.5


@settings(max_examples=100, deadline=None)
@given(profiles)
def test_the_same_profile_gets_the_same_answer(profile):
    first = recommend(profile).model_dump_json()
    assert recommend(profile.model_dump()).model_dump_json() == first
    assert recommend(DatasetProfile.model_validate_json(profile.model_dump_json())
                     ).model_dump_json() == first


@settings(max_examples=100, deadline=None)
@given(profiles)
def test_output_loss_and_labels_agree(profile):
    rec = recommend(profile)
    loss, act, units = rec.loss.name, rec.model.output.activation, rec.model.output.units
    if loss == "binary_crossentropy":
        assert act == "sigmoid"
    if loss in ("categorical_crossentropy", "sparse_categorical_crossentropy"):
        assert act == "softmax" and units >= 2
    if profile.problem_type in ("regression", "forecasting"):
        assert act == "linear" and units == profile.n_targets
    if profile.effective_label_encoding == "one_hot":
        assert loss == "categorical_crossentropy"
    assert not rec.loss.from_logits  # outputs carry their activation


@settings(max_examples=60, deadline=None)
@given(profiles)
def test_config_round_trips_through_yaml_and_json(profile):
    config = recommend(profile).to_config()
    assert TrainingConfig.from_text(config.to_yaml()) == config
    assert TrainingConfig.from_text(config.to_json()) == config


def test_plain_dict_and_model_give_the_same_answer():
    data = {"problem_type": "binary", "data_structure": "tabular", "n_samples": 5000,
            "input_shape": [20], "n_classes": 2}
    assert recommend(data) == recommend(DatasetProfile(**data))


def test_json_has_the_design_keys():
    rec = recommend({"problem_type": "multiclass", "data_structure": "image",
                     "n_samples": 60000, "input_shape": [28, 28, 1], "n_classes": 10})
    data = json.loads(rec.model_dump_json())
    assert {"model", "loss", "optimizer", "lr_schedule", "regularization", "training",
            "preprocessing", "metrics", "rationale"} <= set(data)
    assert {"family", "layers", "output"} <= set(data["model"])
    assert set(data["model"]["output"]) == {"units", "activation"}
    assert {"name", "from_logits"} <= set(data["loss"])
    assert {"name", "learning_rate"} <= set(data["optimizer"])
    assert set(data["regularization"]) == {"dropout", "l1", "l2", "early_stopping",
                                           "augmentation"}
    assert set(data["training"]) == {"batch_size", "epochs", "validation_split", "class_weight"}
    assert {"facet", "rule", "because", "source"} <= set(data["rationale"][0])


def test_explain_names_rule_reason_and_source():
    rec = recommend({"problem_type": "binary", "data_structure": "tabular",
                     "n_samples": 5000, "input_shape": [20], "n_classes": 2})
    text = rec.explain("loss")
    assert "LOSS001" in text and "binary_crossentropy" in text and "https://" in text
    assert "batch_size" in rec.explain("training")
    with pytest.raises(Exception, match="unknown facet 'colour'"):
        rec.explain("colour")


# -- known data sets: the answers practice would give ------------------------------------------

def _rec(**profile) -> Recommendation:
    return recommend(profile)


def test_mnist():
    rec = _rec(problem_type="multiclass", data_structure="image", n_samples=60000,
               input_shape=[28, 28, 1], n_classes=10)
    assert rec.model.family == "cnn"
    assert rec.loss.name == "sparse_categorical_crossentropy"
    assert (rec.model.output.units, rec.model.output.activation) == (10, "softmax")
    assert rec.optimizer.name == "adam" and rec.optimizer.learning_rate == 0.001
    assert rec.preprocessing == [{"step": "rescale", "divide_by": 255}]
    assert rec.regularization.augmentation == []  # digits are not flipped
    assert rec.metrics == ["accuracy"]


def test_cifar10_augments_natural_images():
    rec = _rec(problem_type="multiclass", data_structure="image", n_samples=50000,
               input_shape=[32, 32, 3], n_classes=10)
    assert [a["type"] for a in rec.regularization.augmentation] == [
        "RandomFlip", "RandomRotation", "RandomZoom"]
    assert rec.model.layers[1]["type"] == "RandomFlip"


def test_wine_tiny_tabular():
    rec = _rec(problem_type="multiclass", data_structure="tabular", n_samples=178,
               input_shape=[13], n_classes=3)
    assert rec.model.family == "mlp"
    assert rec.preprocessing == [{"step": "standardize"}]
    assert rec.training.batch_size <= 16
    assert rec.training.epochs >= 50 and rec.regularization.early_stopping.patience >= 20
    assert rec.regularization.l2 > 0


def test_credit_card_fraud_imbalance():
    rec = _rec(problem_type="binary", data_structure="tabular", n_samples=284807,
               input_shape=[30], n_classes=2, minority_class_ratio=0.0017)
    assert rec.training.class_weight == "balanced"
    assert "auc" in rec.metrics and "recall" in rec.metrics
    assert rec.training.batch_size == 128  # large data on a CPU


def test_large_text_on_gpu_gets_transformer_adamw_warmup():
    rec = _rec(problem_type="multiclass", data_structure="text", n_samples=500000,
               input_shape=[256], n_classes=5, compute="gpu")
    assert rec.model.family == "transformer"
    assert rec.optimizer.name == "adamw" and rec.optimizer.learning_rate < 0.001
    assert rec.lr_schedule.name == "cosine_decay" and rec.lr_schedule.warmup_steps > 0
    assert rec.regularization.dropout == 0.1


def test_imdb_like_text_gets_lstm_with_clipping():
    rec = _rec(problem_type="binary", data_structure="text", n_samples=25000,
               input_shape=[200], n_classes=2, vocab_size=88000)
    assert rec.model.family == "rnn"
    assert rec.optimizer.clipnorm == 1.0
    assert rec.preprocessing[0]["step"] == "tokenize"
    assert rec.preprocessing[0]["max_tokens"] == 20000


def test_pretrained_backbone_keeps_raw_pixels_and_small_rate():
    rec = _rec(problem_type="multiclass", data_structure="image", n_samples=2000,
               input_shape=[224, 224, 3], n_classes=5, pretrained=True)
    assert rec.model.family == "pretrained_cnn"
    assert rec.preprocessing == []
    assert rec.training.epochs == 20


def test_jena_weather_forecasting():
    rec = _rec(problem_type="forecasting", data_structure="time_series", n_samples=50000,
               input_shape=[120, 7], forecast_horizon=12)
    assert rec.model.family == "rnn"
    assert rec.loss.name == "mean_squared_error"
    assert rec.model.output.units == 12
    assert {"step": "window", "length": 120, "horizon": 12, "stride": 1,
            "base": "last_value"} in rec.preprocessing
    assert rec.regularization.early_stopping.patience == 5


def test_two_series_twelve_steps_ahead_get_24_outputs():
    rec = _rec(problem_type="forecasting", data_structure="time_series", n_samples=5000,
               input_shape=[48, 3], n_targets=2, forecast_horizon=12)
    assert rec.model.output.units == 24
    window = next(step for step in rec.preprocessing if step["step"] == "window")
    assert window["horizon"] == 12


def test_a_short_series_forecast_gets_a_dense_net_over_the_window():
    rec = _rec(problem_type="forecasting", data_structure="time_series", n_samples=85,
               input_shape=[48, 1], forecast_horizon=12, season_length=12)
    assert rec.model.family == "mlp"
    assert rec.model.layers[1] == {"type": "Flatten"}
    assert [layer["units"] for layer in rec.model.layers if layer["type"] == "Dense"] == \
        [64, 64, 12]


def test_a_series_classifier_is_the_fully_convolutional_network():
    rec = _rec(problem_type="binary", data_structure="time_series", n_samples=50,
               input_shape=[150, 1], n_classes=2)
    assert rec.model.family == "cnn1d"
    convs = [layer for layer in rec.model.layers if layer["type"] == "Conv1D"]
    assert [(c["filters"], c["kernel_size"]) for c in convs] == [(128, 8), (256, 5), (128, 3)]
    assert sum(layer["type"] == "BatchNormalization" for layer in rec.model.layers) == 3
    assert (rec.training.batch_size, rec.training.epochs) == (16, 600)
    assert rec.regularization.early_stopping is None and rec.regularization.dropout == 0.0
    assert rec.lr_schedule.name == "reduce_on_plateau" and rec.lr_schedule.monitor == "loss"


def test_unscaled_regression_target_is_standardized():
    rec = _rec(problem_type="regression", data_structure="tabular", n_samples=20640,
               input_shape=[8], target_range=[15000, 500001], input_range=[-124.3, 35682])
    assert {"step": "standardize_target"} in rec.preprocessing
    assert rec.preprocessing[0] == {"step": "clip", "quantiles": [0.001, 0.999]}


def test_large_imagenet_on_gpu_uses_sgd_with_scaled_rate():
    rec = _rec(problem_type="multiclass", data_structure="image", n_samples=1_200_000,
               input_shape=[224, 224, 3], n_classes=1000, compute="gpu")
    assert rec.optimizer.name == "sgd" and rec.optimizer.momentum == 0.9
    assert rec.optimizer.learning_rate == pytest.approx(0.1 * rec.training.batch_size / 256, rel=0.02)
    assert rec.lr_schedule.name == "cosine_decay"


# -- bad input ------------------------------------------------------------------------------

@pytest.mark.parametrize("profile,needles", [
    ({"problem_type": "multiclass", "data_structure": "graph", "n_samples": 10,
      "input_shape": [3], "n_classes": 3}, ["data_structure 'graph' is not supported"]),
    ({"problem_type": "multiclass", "data_structure": "video", "n_samples": 10,
      "input_shape": [3], "n_classes": 3}, ["'video' is not supported", "[frames, height"]),
    ({"problem_type": "clustering", "data_structure": "tabular", "n_samples": 10,
      "input_shape": [3]}, ["problem_type", "'clustering'"]),
    ({"problem_type": "multiclass", "data_structure": "tabular", "n_samples": 10,
      "input_shape": [3]}, ["n_classes is required", "e.g. n_classes: 10"]),
    ({"problem_type": "binary", "data_structure": "tabular", "n_samples": -5,
      "input_shape": [3], "n_classes": 2}, ["n_samples", "greater than 0", "-5"]),
    # [28, 28] is read as [28, 28, 1] since issue 13; a flattened non-square image stays refused
    ({"problem_type": "binary", "data_structure": "image", "n_samples": 5,
      "input_shape": [785], "n_classes": 2}, ["input_shape [785]", "[height, width, channels]"]),
    ({"problem_type": "binary", "data_structure": "tabular", "n_samples": 5,
      "input_shape": [3], "n_classes": 2, "colour": "red"}, ["colour", "unknown field"]),
    ({"problem_type": "forecasting", "data_structure": "tabular", "n_samples": 5,
      "input_shape": [3]}, ["needs ordered data", "time_series"]),
    ({"problem_type": "binary", "data_structure": "tabular", "n_samples": 5,
      "input_shape": [3], "n_classes": 5}, ["binary problems have n_classes 2"]),
    ({"problem_type": "multiclass", "data_structure": "tabular", "n_samples": 10,
      "input_shape": [3], "n_classes": 1000}, ["n_samples 10 is fewer than the 1000 classes"]),
    ({"problem_type": "binary", "data_structure": "tabular", "n_samples": 1,
      "input_shape": [3], "n_classes": 2}, ["n_samples 1 is fewer than the 2 classes"]),
])
def test_bad_profiles_get_one_clear_error(profile, needles):
    with pytest.raises(ProfileError) as info:
        recommend(profile)
    for needle in needles:
        assert needle in str(info.value)


@pytest.mark.parametrize("profile,fields", [
    ({"problem_type": "regression", "data_structure": "tabular", "n_samples": 10,
      "input_shape": [3], "n_classes": 3}, [("n_classes", "remove")]),
    ({"problem_type": "multiclass", "data_structure": "tabular", "n_samples": 10,
      "input_shape": [3]}, [("n_classes", "set")]),
    ({"problem_type": "multiclass", "data_structure": "tabular", "input_shape": [3],
      "n_classes": 3, "colour": "red"}, [("n_samples", "set"), ("colour", "remove")]),
    ({"problem_type": "binary", "data_structure": "tabular", "n_samples": 5,
      "input_shape": [3, 4], "n_classes": 5},
     [("input_shape", "change"), ("problem_type", "change"), ("n_classes", "change")]),
])
def test_profile_errors_carry_the_fields_they_are_about(profile, fields):
    """Callers (the CLI's flag hints) read the fields from the error, never from its text."""
    with pytest.raises(ProfileError) as info:
        recommend(profile)
    assert [(f.field, f.fix) for f in info.value.fields] == fields


def test_recommend_never_imports_tensorflow():
    """Nor the data libraries: the CLI module and the advice path stay light."""
    code = ("import sys, advisor, advisor.cli; advisor.recommend({'problem_type': 'binary', "
            "'data_structure': 'tabular', 'n_samples': 50, 'input_shape': [3], 'n_classes': 2}); "
            "bad = [m for m in ('tensorflow', 'keras', 'numpy', 'pandas', 'pyarrow', 'PIL', "
            "'h5py') if m in sys.modules]; "
            "print(bad); sys.exit(1 if bad else 0)")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("sample", ["mnist", "cifar10", "imdb"])
def test_early_stopping_patience_leaves_room_to_stop(sample):
    """Patience equal to the epoch budget (10 of 10) could never stop training early."""
    from advisor.samples import load_sample_profile

    rec = recommend(load_sample_profile(sample))
    assert rec.regularization.early_stopping.patience <= rec.training.epochs // 2
