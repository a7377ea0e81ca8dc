"""The executor builds, compiles and trains what the advisor recommends, with real Keras.

Every problem type x data structure that validates (including 3-D images, audio of rank 1-3 and
both kinds of sequences) is built, compiled and run forward on a tiny batch; every family at
every complexity on both compute targets; names resolve with Keras; two small real data sets
(scikit-learn's wine and digits) train past the majority-class rate; models with the composite
layers survive a .keras round trip; pretrained backbones never download.
"""

from __future__ import annotations

import functools
import itertools
import json
import random

import pytest

keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")

from advisor import DatasetProfile, recommend  # noqa: E402
from advisor._random_profiles import random_profile  # noqa: E402
from advisor.errors import AdvisorError  # noqa: E402
from advisor.executor import build, layers as composite  # noqa: E402
from advisor.executor.build import (build_model, class_weights, compile_model,  # noqa: E402
                                    training_callbacks)
from advisor.vocab import MODEL_FAMILIES  # noqa: E402
from advisor.profile import PROBLEM_TYPES  # noqa: E402

# Small inputs of every rank each data structure allows (vocabularies kept small too).
VARIANTS: dict[str, dict] = {
    "tabular": {"data_structure": "tabular", "input_shape": [12]},
    "image_2d": {"data_structure": "image", "input_shape": [16, 16, 3]},
    "image_3d": {"data_structure": "image", "input_shape": [6, 16, 16, 1]},
    "text": {"data_structure": "text", "input_shape": [20], "vocab_size": 60},
    "time_series": {"data_structure": "time_series", "input_shape": [24, 3]},
    "audio_wave": {"data_structure": "audio", "input_shape": [64]},
    "audio_frames": {"data_structure": "audio", "input_shape": [20, 8]},
    "audio_spectrogram": {"data_structure": "audio", "input_shape": [20, 8, 1]},
    "sequence_tokens": {"data_structure": "sequence", "input_shape": [20], "vocab_size": 30},
    "sequence_features": {"data_structure": "sequence", "input_shape": [20, 4]},
}
COMPLEXITIES = ("low", "medium", "high")
COMPUTES = ("cpu", "gpu")


def profile_data(variant: str, problem: str, complexity: str | None = None,
                 compute: str = "cpu", n_samples: int = 3000) -> dict:
    data = {"problem_type": problem, "n_samples": n_samples, "compute": compute,
            **VARIANTS[variant]}
    if complexity:
        data["complexity"] = complexity
    if problem == "binary":
        data["n_classes"] = 2
    elif problem in ("multiclass", "multilabel", "seq2seq"):
        data["n_classes"] = 5
    elif problem in ("regression", "forecasting"):
        data["n_targets"] = 2
    return data


def _valid(data: dict) -> bool:
    try:
        DatasetProfile.model_validate(data)
    except ValueError:
        return False
    return True


COMBINATIONS = [(v, p) for v, p in itertools.product(VARIANTS, PROBLEM_TYPES)
                if _valid(profile_data(v, p))]
FULL_GRID = [profile_data(v, p, cx, cp) for (v, p), cx, cp
             in itertools.product(COMBINATIONS, COMPLEXITIES, COMPUTES)]


@functools.lru_cache(maxsize=None)
def _family(key: str) -> str:
    return recommend(json.loads(key)).model.family


def _key(data: dict) -> str:
    return json.dumps(data, sort_keys=True)


def fast_grid() -> list[tuple[str, dict]]:
    """Each valid problem x structure once (complexity and compute cycling), then profiles
    added from the full grid until every family has been built at every complexity and on
    both compute targets."""
    chosen = {}
    for index, (variant, problem) in enumerate(COMBINATIONS):
        data = profile_data(variant, problem, COMPLEXITIES[index % 3], COMPUTES[index // 3 % 2])
        chosen[_key(data)] = f"{variant}-{problem}-{data['complexity']}-{data['compute']}"
    seen = {(_family(k), cell) for k in chosen for cell in _cells(k)}
    for data in FULL_GRID:
        key = _key(data)
        family = _family(key)
        if any((family, cell) not in seen for cell in _cells(key)):
            chosen[key] = (f"{data['data_structure']}-{data['problem_type']}-"
                           f"{data['complexity']}-{data['compute']}")
            seen |= {(family, cell) for cell in _cells(key)}
    return [(name, json.loads(key)) for key, name in chosen.items()]


def _cells(key: str) -> list[str]:
    data = json.loads(key)
    return [data["complexity"], data["compute"]]


FAST_GRID = fast_grid()


def model_input_shape(rec) -> list:
    """The Input layer's shape: the profile's, or the bag of tokens a multi-hot step makes."""
    return list(rec.model.layers[0]["shape"])


def random_batch(rec, size: int = 2):
    shape = [size] + model_input_shape(rec)
    rng = np.random.default_rng(0)
    first, second = rec.model.layers[0], rec.model.layers[1]
    if str(first.get("dtype", "")).startswith("int"):  # token ids below the embedding's size
        vocab = second.get("input_dim") or second.get("vocab_size") or rec.profile.vocab_size
        return rng.integers(0, vocab, size=shape).astype("int32")
    return rng.random(shape).astype("float32")


def expected_output_shape(rec) -> tuple:
    if rec.model.family == "autoencoder":
        return (None, *model_input_shape(rec))
    if rec.model.family == "seq2seq":
        return (None, rec.profile.input_shape[0], rec.model.output.units)
    return (None, rec.model.output.units)


def check_builds(rec) -> None:
    model = compile_model(build_model(rec, weights=None), rec)
    assert model.layers[-1].name == "output" or rec.model.layers[-1]["type"] == "Reshape"
    assert model.output_shape == expected_output_shape(rec)
    batch = random_batch(rec)
    out = model(batch, training=False)
    assert tuple(out.shape) == (2, *expected_output_shape(rec)[1:])
    assert np.all(np.isfinite(np.asarray(out)))


@pytest.fixture(autouse=True, scope="module")
def _fresh_keras_session():
    yield
    keras.backend.clear_session()  # once per module: it costs ~0.2 s a call


@pytest.mark.parametrize("data", [d for _, d in FAST_GRID], ids=[n for n, _ in FAST_GRID])
def test_recommended_model_builds_compiles_and_runs(data):
    check_builds(recommend(data))


def test_the_grid_covers_every_family_complexity_and_compute():
    families = {_family(_key(d)) for _, d in FAST_GRID}
    assert families == set(MODEL_FAMILIES) - {"pretrained_cnn"}  # built in its own test below
    reachable = {(_family(_key(d)), cell) for d in FULL_GRID for cell in _cells(_key(d))}
    covered = {(_family(_key(d)), cell) for _, d in FAST_GRID for cell in _cells(_key(d))}
    assert covered == reachable
    # transformers are recommended at high complexity only; every other family at each level
    assert {(f, c) for f, c in reachable if c in COMPLEXITIES} == {
        (f, c) for f in families for c in COMPLEXITIES if f != "transformer" or c == "high"}
    assert {(d["data_structure"], d["problem_type"]) for _, d in FAST_GRID} == {
        (VARIANTS[v]["data_structure"], p) for v, p in COMBINATIONS}


@pytest.mark.slow
def test_full_grid_builds(scale):
    """Every valid problem x structure x complexity x compute (a sample in the small run)."""
    grid = FULL_GRID if scale == "full" else random.Random(7).sample(FULL_GRID, 12)
    for data in grid:
        check_builds(recommend(data))


@pytest.mark.slow
def test_pretrained_backbone_builds_with_random_weights():
    rec = recommend({"problem_type": "multiclass", "data_structure": "image", "n_samples": 2000,
                     "input_shape": [32, 32, 3], "n_classes": 5, "pretrained": True})
    assert rec.model.family == "pretrained_cnn"
    backbone = next(layer for layer in rec.model.layers if layer["type"] == "Backbone")
    assert backbone["weights"] == "imagenet"
    model = compile_model(build_model(rec, weights=None), rec)
    assert model.output_shape == (None, 5)
    inner = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    assert not inner.trainable
    assert tuple(model(random_batch(rec), training=False).shape) == (2, 5)
    keras.backend.clear_session()


# -- names resolve with Keras ---------------------------------------------------------------------

def test_every_name_in_the_tables_resolves():
    for name, cls in build.LOSS_CLASSES.items():
        assert issubclass(getattr(keras.losses, cls), keras.losses.Loss), name
        keras.losses.get(name)
    for name, cls in build.OPTIMIZER_CLASSES.items():
        assert issubclass(getattr(keras.optimizers, cls), keras.optimizers.Optimizer), name
        if name != "lamb":  # keras.optimizers.get does not know "lamb"; the class exists
            assert isinstance(keras.optimizers.get(name), getattr(keras.optimizers, cls)), name
    for alias, name in build.METRIC_ALIASES.items():
        keras.metrics.get(name)


def test_names_of_many_recommendations_resolve(scale):
    rng = random.Random(11)
    count = 300 if scale == "small" else 2000
    profiles = [random_profile(rng) for _ in range(count)]
    profiles += [DatasetProfile.model_validate(d) for d in FULL_GRID]
    seen = {"loss": set(), "optimizer": set(), "metric": set(), "schedule": set()}
    for profile in profiles:
        rec = recommend(profile)
        seen["loss"].add(rec.loss.name)
        seen["optimizer"].add(rec.optimizer.name)
        seen["schedule"].add(rec.lr_schedule.name if rec.lr_schedule else None)
        loss = build.make_loss(rec)
        function = keras.losses.get(rec.loss.name)
        assert getattr(loss, "fn", function) is function, rec.loss.name  # same loss as the name
        optimizer = build.make_optimizer(rec)
        assert type(optimizer) is type(keras.optimizers.get(rec.optimizer.name))
        for name in build.metric_names(rec):
            seen["metric"].add(name)
            keras.metrics.get(name)
        for callback in training_callbacks(rec):
            assert isinstance(callback, keras.callbacks.Callback)
    # the sample reaches every kind of name the rules use today
    assert {"binary_crossentropy", "sparse_categorical_crossentropy",
            "mean_squared_error"} <= seen["loss"]
    assert {"adam", "adamw"} <= seen["optimizer"]
    assert {"cosine_decay", "reduce_on_plateau", None} <= seen["schedule"]
    assert {"accuracy", "auc", "precision", "recall", "root_mean_squared_error"} <= seen["metric"]


def test_compile_uses_the_recommended_objects():
    rec = recommend({"problem_type": "multiclass", "data_structure": "text", "n_samples": 500000,
                     "input_shape": [16], "n_classes": 5, "compute": "gpu", "vocab_size": 50})
    assert rec.model.family == "transformer" and rec.lr_schedule.name == "cosine_decay"
    optimizer = build.make_optimizer(rec)
    assert isinstance(optimizer, keras.optimizers.AdamW)
    assert optimizer.weight_decay == pytest.approx(0.01)
    assert optimizer.beta_2 == pytest.approx(0.98)
    schedule = optimizer._learning_rate
    assert isinstance(schedule, keras.optimizers.schedules.CosineDecay)
    warmup, decay = rec.lr_schedule.warmup_steps, rec.lr_schedule.decay_steps
    rate = rec.optimizer.learning_rate
    assert float(schedule(0)) == pytest.approx(0.0)
    assert float(schedule(warmup // 2)) == pytest.approx(rate / 2, rel=0.01)
    assert float(schedule(warmup)) == pytest.approx(rate, rel=1e-4)
    assert float(schedule(warmup + decay)) == pytest.approx(rate * rec.lr_schedule.alpha, abs=1e-9)
    assert float(schedule(warmup + decay // 2)) == pytest.approx(rate / 2, rel=0.01)

    huber = build.make_loss({**rec.setup().model_dump(),
                             "loss": {"name": "huber", "from_logits": False, "delta": 2.5}})
    assert isinstance(huber, keras.losses.Huber)  # its get_config() omits delta; compute it:
    assert float(huber(np.array([[0.0]]), np.array([[2.0]]))) == pytest.approx(0.5 * 2.0 ** 2)
    assert float(keras.losses.Huber()(np.array([[0.0]]), np.array([[2.0]]))) == pytest.approx(1.5)


def test_callbacks_follow_the_setup():
    small = recommend({"problem_type": "binary", "data_structure": "tabular", "n_samples": 800,
                       "input_shape": [10], "n_classes": 2})
    stopping, plateau = training_callbacks(small)
    assert isinstance(stopping, keras.callbacks.EarlyStopping)
    assert stopping.patience == small.regularization.early_stopping.patience
    assert stopping.restore_best_weights and stopping.monitor == "val_loss"
    assert isinstance(plateau, keras.callbacks.ReduceLROnPlateau)
    assert plateau.factor == small.lr_schedule.factor and plateau.min_lr == small.lr_schedule.min_lr
    (no_validation, _) = training_callbacks(small, validation=False)
    assert no_validation.monitor == "loss"
    large = recommend({"problem_type": "binary", "data_structure": "tabular",
                       "n_samples": 200000, "input_shape": [10], "n_classes": 2})
    assert [type(c).__name__ for c in training_callbacks(large)] == ["EarlyStopping"]


def test_balanced_class_weights():
    rec = recommend({"problem_type": "binary", "data_structure": "tabular", "n_samples": 5000,
                     "input_shape": [10], "n_classes": 2, "minority_class_ratio": 0.05})
    assert rec.training.class_weight == "balanced"
    weights = class_weights(np.array([0, 0, 0, 1]), rec)
    assert weights == pytest.approx({0: 4 / (2 * 3), 1: 4 / (2 * 1)})
    one_hot = np.eye(3)[[0, 1, 1, 2, 2, 2]]
    assert class_weights(one_hot, rec) == pytest.approx({0: 2.0, 1: 1.0, 2: 2 / 3})
    assert class_weights(np.array([[0.0], [1.0], [1.0]]), rec) == pytest.approx({0: 1.5, 1: 0.75})
    plain = recommend({"problem_type": "binary", "data_structure": "tabular", "n_samples": 5000,
                       "input_shape": [10], "n_classes": 2})
    assert class_weights(np.array([0, 1]), plain) is None
    with pytest.raises(AdvisorError, match="integer class labels"):
        class_weights(np.array([0.5, 1.0]), rec)


# -- clear errors ---------------------------------------------------------------------------------

def _with_layers(rec, layer_list):
    data = rec.setup().model_dump()
    data["model"]["layers"] = layer_list
    return data


MLP = {"problem_type": "regression", "data_structure": "tabular", "n_samples": 400,
       "input_shape": [8]}


def test_unknown_layer_type_is_named_with_its_index():
    rec = recommend(MLP)
    layer_list = list(rec.model.layers)
    layer_list.insert(2, {"type": "Dense3000", "units": 4})
    with pytest.raises(AdvisorError, match=r"model\.layers\[2\] \(Dense3000\).*unknown layer type"):
        build_model(_with_layers(rec, layer_list))
    layer_list[2] = {"type": "Activation"}  # a real class given bad arguments
    with pytest.raises(AdvisorError, match=r"model\.layers\[2\] \(Activation\): cannot build"):
        build_model(_with_layers(rec, layer_list))
    layer_list[2] = {"type": "Dense", "units": 4, "colour": "red"}
    with pytest.raises(AdvisorError, match=r"model\.layers\[2\] \(Dense\).*colour"):
        build_model(_with_layers(rec, layer_list))
    layer_list[2] = {"type": "import os"}
    with pytest.raises(AdvisorError, match=r"model\.layers\[2\].*must name a Keras layer class"):
        build_model(_with_layers(rec, layer_list))


def test_the_first_layer_must_be_the_input():
    rec = recommend(MLP)
    with pytest.raises(AdvisorError, match=r"first layer must be an Input"):
        build_model(_with_layers(rec, rec.model.layers[1:]))
    with pytest.raises(AdvisorError, match=r"model.layers\[0\].*positive integers"):
        build_model(_with_layers(rec, [{"type": "Input", "shape": [0]}] + rec.model.layers[1:]))


def test_unknown_loss_and_optimizer_are_named():
    data = recommend(MLP).setup().model_dump()
    with pytest.raises(AdvisorError, match=r"loss.name: unknown loss 'squared_sadness'"):
        build.make_loss({**data, "loss": {"name": "squared_sadness", "from_logits": False}})
    with pytest.raises(AdvisorError, match=r"optimizer.name: unknown optimizer 'adamz'"):
        build.make_optimizer({**data, "optimizer": {"name": "adamz", "learning_rate": 0.1}})
    with pytest.raises(AdvisorError, match=r"bad arguments for Adam"):
        build.make_optimizer({**data, "optimizer": {"name": "adam", "learning_rate": 0.1,
                                                    "momentum": 0.9}})
    with pytest.raises(AdvisorError, match=r"takes no logits"):
        build.make_loss({**data, "loss": {"name": "mean_squared_error", "from_logits": True}})


PRETRAINED = {"problem_type": "multiclass", "data_structure": "image", "n_samples": 2000,
              "input_shape": [32, 32, 3], "n_classes": 5, "pretrained": True}


def test_missing_imagenet_weights_fail_clearly_without_download(tmp_path, monkeypatch):
    monkeypatch.setattr(composite, "keras_homes", lambda: [str(tmp_path)])
    rec = recommend(PRETRAINED)
    with pytest.raises(AdvisorError) as info:
        build_model(rec)
    message = str(info.value)
    assert "model.layers[" in message and "(Backbone)" in message
    assert "efficientnetb0_notop.h5" in message and str(tmp_path / "models") in message
    assert "weights=None" in message and "never downloads" in message
    assert not (tmp_path / "models" / "efficientnetb0_notop.h5").exists()
    keras.backend.clear_session()


@pytest.mark.slow
def test_cached_imagenet_weights_are_loaded(tmp_path, monkeypatch):
    """A weights file in the cache is used as it is (here: one written from random weights)."""
    import h5py
    from keras.src.legacy.saving import legacy_h5_format

    reference = keras.applications.EfficientNetB0(include_top=False, weights=None,
                                                  input_shape=(32, 32, 3), pooling="avg")
    (tmp_path / "models").mkdir()
    with h5py.File(tmp_path / "models" / "efficientnetb0_notop.h5", "w") as handle:
        legacy_h5_format.save_weights_to_hdf5_group(handle, reference)
    monkeypatch.setattr(composite, "keras_homes", lambda: [str(tmp_path)])
    model = build_model(recommend(PRETRAINED))
    backbone = next(layer for layer in model.layers if isinstance(layer, keras.Model))
    for mine, theirs in zip(backbone.weights, reference.weights):
        np.testing.assert_array_equal(np.asarray(mine), np.asarray(theirs))
    keras.backend.clear_session()


# -- composite layers save and load ---------------------------------------------------------------

TRANSFORMERS = {
    "tokens": {"problem_type": "multiclass", "data_structure": "text", "n_samples": 500000,
               "input_shape": [12], "n_classes": 3, "compute": "gpu", "vocab_size": 40},
    "series": {"problem_type": "binary", "data_structure": "time_series", "n_samples": 300000,
               "input_shape": [12, 2], "n_classes": 2},
}


@pytest.mark.parametrize("name", TRANSFORMERS)
def test_composite_layers_round_trip_through_a_keras_file(name, tmp_path):
    rec = recommend(TRANSFORMERS[name])
    kinds = {layer["type"] for layer in rec.model.layers}
    assert "TransformerBlock" in kinds
    assert kinds & {"TokenAndPositionEmbedding", "PositionEmbedding"}
    model = compile_model(build_model(rec), rec)
    model.optimizer.build(model.trainable_variables)  # as after training (tracing a train step
    x = random_batch(rec, size=4)                     # of 4 transformer blocks takes ~8 s)
    before = np.asarray(model(x, training=False))
    model.save(tmp_path / "m.keras")
    loaded = keras.saving.load_model(tmp_path / "m.keras")
    # fresh layers get fresh random weights: equal outputs mean the saved weights were loaded
    np.testing.assert_allclose(np.asarray(loaded(x, training=False)), before, rtol=1e-6,
                               atol=1e-6)
    assert [type(layer).__name__ for layer in loaded.layers] == \
        [type(layer).__name__ for layer in model.layers]
    assert [layer.get_config() for layer in loaded.layers if type(layer).__module__ ==
            composite.__name__] == [layer.get_config() for layer in model.layers
                                    if type(layer).__module__ == composite.__name__]
    assert isinstance(loaded.optimizer._learning_rate, keras.optimizers.schedules.CosineDecay)
    keras.backend.clear_session()


def test_transformer_block_post_norm_and_config():
    block = composite.TransformerBlock(embed_dim=8, num_heads=2, ff_dim=16, dropout=0.0,
                                       norm_first=False)
    x = np.random.default_rng(0).random((2, 5, 8)).astype("float32")
    out = np.asarray(block(x))
    assert out.shape == (2, 5, 8)
    # post-norm ends in a LayerNormalization: every position has mean ~0 and variance ~1
    np.testing.assert_allclose(out.mean(axis=-1), 0.0, atol=1e-4)
    clone = composite.TransformerBlock.from_config(block.get_config())
    assert clone.get_config() == block.get_config()
    with pytest.raises(ValueError, match="residual connections"):
        composite.TransformerBlock(embed_dim=4, num_heads=2, ff_dim=8)(x)
    embedding = composite.TokenAndPositionEmbedding(sequence_length=5, vocab_size=9, embed_dim=3)
    assert tuple(embedding(np.zeros((2, 5), "int32")).shape) == (2, 5, 3)
    positions = composite.PositionEmbedding(sequence_length=5, embed_dim=8)
    assert tuple(positions(x).shape) == (2, 5, 8)
    keras.backend.clear_session()


# -- real training on small data sets -------------------------------------------------------------

def _split(x, y, fraction, seed=0):
    order = np.random.default_rng(seed).permutation(len(x))
    x, y = x[order], y[order]
    cut = len(x) - int(round(len(x) * fraction))
    return x[:cut], y[:cut], x[cut:], y[cut:]


def _preprocess(steps, x_train, x_val):
    """The numeric steps these profiles get, fitted on the training split only."""
    for step in steps:
        axes = tuple(range(x_train.ndim - 1))
        if step["step"] == "standardize":
            mean, std = x_train.mean(axis=axes), x_train.std(axis=axes) + 1e-12
            x_train, x_val = (x_train - mean) / std, (x_val - mean) / std
        elif step["step"] == "min_max":
            low, high = x_train.min(), x_train.max()
            x_train, x_val = (x_train - low) / (high - low), (x_val - low) / (high - low)
        elif step["step"] == "rescale":
            x_train, x_val = x_train / step["divide_by"], x_val / step["divide_by"]
        else:
            raise AssertionError(f"unexpected step {step}")
    return x_train.astype("float32"), x_val.astype("float32")


def _train_and_score(rec, x, y, epochs):
    x_train, y_train, x_val, y_val = _split(x, y, rec.training.validation_split)
    x_train, x_val = _preprocess(rec.preprocessing, x_train, x_val)
    keras.utils.set_random_seed(0)
    model = compile_model(build_model(rec), rec)
    model.fit(x_train, y_train, validation_data=(x_val, y_val), epochs=epochs,
              batch_size=rec.training.batch_size, callbacks=training_callbacks(rec),
              class_weight=class_weights(y_train, rec), verbose=0)
    accuracy = model.evaluate(x_val, y_val, return_dict=True, verbose=0)["accuracy"]
    majority = np.bincount(y_val).max() / len(y_val)
    keras.backend.clear_session()
    return accuracy, majority


@pytest.mark.slow
def test_wine_trains_past_the_majority_rate():
    datasets = pytest.importorskip("sklearn.datasets")
    wine = datasets.load_wine()
    rec = recommend({"problem_type": "multiclass", "data_structure": "tabular",
                     "n_samples": len(wine.target), "input_shape": [13], "n_classes": 3})
    assert rec.model.family == "mlp" and rec.preprocessing == [{"step": "standardize"}]
    accuracy, majority = _train_and_score(rec, wine.data, wine.target, epochs=20)
    print(f"accuracy {accuracy:.3f}, majority {majority:.3f}")
    assert accuracy > majority + 0.3, (accuracy, majority)


@pytest.mark.slow
def test_digits_train_past_the_majority_rate():
    datasets = pytest.importorskip("sklearn.datasets")
    digits = datasets.load_digits()
    rec = recommend({"problem_type": "multiclass", "data_structure": "image",
                     "n_samples": len(digits.target), "input_shape": [8, 8, 1], "n_classes": 10,
                     "input_range": [0, 16]})
    assert rec.model.family == "cnn"
    accuracy, majority = _train_and_score(rec, digits.images[..., None], digits.target, epochs=6)
    print(f"accuracy {accuracy:.3f}, majority {majority:.3f}")
    assert accuracy > majority + 0.3, (accuracy, majority)


def test_build_model_takes_a_wider_input_and_plain_mappings():
    rec = recommend(MLP)
    model = build_model(rec.to_dict(), input_shape=[11])
    assert model.input_shape == (None, 11)
    with pytest.raises(AdvisorError, match="expected a TrainingSetup"):
        build_model(42)
    keras.backend.clear_session()
