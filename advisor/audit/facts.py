"""Audit facts: a NormalizedSetup (and the profile, when there is one) as flat scalars.

The vocabulary extends the recommend facts (the profile's facts keep their names, so one fact
vocabulary serves both rule families). Facts a file does not record are absent, and every
condition on an absent fact is false: a rule that needs the profile, or a batch size that only
advisor configs carry, stays silent instead of guessing.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional

from ..facts import RECOMMEND_FACTS, Fact, profile_facts, sanitize
from ..profile import DatasetProfile
from ..steps import RANGE_STEPS, TARGET_STEPS, TOKEN_STEPS
from ..vocab import ACTIVATION_LAYERS, DROPOUT_LAYERS, KERAS_LOSSES
from .setup import InitializerInfo, LayerInfo, NormalizedSetup

ACTIVATIONS = ("softmax", "sigmoid", "linear", "relu", "tanh", "softplus", "elu", "selu",
               "gelu", "swish", "leaky_relu", "relu6", "hard_sigmoid", "exponential", "other")
LOSSES = KERAS_LOSSES + ("other",)
CROSS_ENTROPY = {"binary_crossentropy", "categorical_crossentropy",
                 "sparse_categorical_crossentropy", "binary_focal_crossentropy",
                 "categorical_focal_crossentropy"}
REGRESSION_LOSSES = {"mean_squared_error", "mean_absolute_error", "mean_absolute_percentage_error",
                     "mean_squared_logarithmic_error", "huber", "log_cosh"}
OPTIMIZERS = ("sgd", "adam", "adamw", "nadam", "adamax", "rmsprop", "adagrad", "adadelta", "ftrl",
              "lion", "lamb", "other")
ADAM_FAMILY = {"adam", "adamw", "nadam", "adamax", "lamb"}
WEIGHT_LAYERS = {"Dense", "Conv1D", "Conv2D", "Conv3D", "SeparableConv1D", "SeparableConv2D",
                 "DepthwiseConv2D", "Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose",
                 "LSTM", "GRU", "SimpleRNN", "EinsumDense"}
CONV_LAYERS = {n for n in WEIGHT_LAYERS if "Conv" in n}
SCALING_LAYERS = {"Rescaling", "Normalization", "BatchNormalization", "LayerNormalization"}
# layers that scale the raw inputs themselves; "Backbone" is the advisor's placeholder for a
# keras.applications network, which carries its own rescaling and normalization
INPUT_SCALING_LAYERS = {"Rescaling", "Normalization", "Backbone"}
CONSTANT_INITIALIZERS = {"zeros", "ones", "constant"}
SATURATING = {"sigmoid", "tanh", "hard_sigmoid"}
SPATIAL_POOLING = {"MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D",
                   "AveragePooling2D", "AveragePooling3D"}
# layers that keep a linear map linear; anything else (pooling, activations, custom layers)
# may add a non-linearity, so a linear stack is only reported through these
LINEAR_PASSTHROUGH = DROPOUT_LAYERS | {"Flatten", "Reshape", "BatchNormalization",
                                      "GaussianNoise", "Permute", "RepeatVector", "InputLayer"}


def _enum(name: str, values: tuple[str, ...], doc: str) -> Fact:
    return Fact(name, "enum", doc, values)


SETUP_FACTS: dict[str, Fact] = {f.name: f for f in [
    Fact("has_profile", "bool", "A data-set profile is known for this file."),
    Fact("is_config", "bool", "The file is an advisor TrainingConfig (it records batch size, "
         "epochs and preprocessing)."),
    Fact("n_layers", "int", "Layers in the model (nested models flattened)."),
    Fact("n_weight_layers", "int", "Dense, convolution and recurrent layers."),
    Fact("output_units", "int", "Units of the output layer."),
    _enum("output_activation", ACTIVATIONS,
          "Effective output activation, looking through trailing Activation/Softmax layers."),
    Fact("output_rank", "int", "Rank of the model output without the batch axis."),
    Fact("output_units_match", "bool",
         "The output units fit the profile (binary: 1 or 2, multiclass/multilabel: n_classes, "
         "regression: n_targets). Needs a profile."),
    Fact("has_loss", "bool", "The model was compiled with a loss."),
    _enum("loss_name", LOSSES, "The loss, normalized to Keras's snake_case name."),
    _enum("loss_kind", ("cross_entropy", "regression", "other"),
          "Cross-entropy family, regression losses, or other."),
    Fact("loss_from_logits", "bool", "The loss is told its inputs are logits."),
    _enum("optimizer_name", OPTIMIZERS, "The optimizer, lower case."),
    Fact("adam_family", "bool", "Adam, AdamW, Nadam, Adamax or LAMB."),
    Fact("learning_rate", "float",
         "The (initial) learning rate; values below 1e-4 read as 0 (use learning_rate_log10)."),
    Fact("learning_rate_log10", "float", "log10 of the learning rate (absent when it is <= 0)."),
    Fact("learning_rate_positive", "bool", "The learning rate is above zero."),
    Fact("has_lr_schedule", "bool", "The learning rate is a schedule."),
    Fact("epsilon_log10", "float", "log10 of the optimizer's epsilon, where it has one."),
    Fact("momentum", "float", "SGD / RMSprop momentum."),
    Fact("max_dropout", "float", "Largest dropout rate in the model (0 without dropout)."),
    Fact("max_l1", "float", "Largest L1 factor on any kernel."),
    Fact("max_l2", "float", "Largest L2 factor on any kernel."),
    Fact("has_regularization", "bool", "Any dropout, L1/L2 penalty or early stopping."),
    Fact("constant_kernel_init", "bool", "Some weight layer's kernel starts constant (zeros, "
         "ones, constant)."),
    Fact("wide_random_init", "bool",
         "Some kernel is drawn from a normal with stddev >= 0.5 or a uniform wider than +-1."),
    Fact("linear_hidden_stack", "bool",
         "Two weight layers in a row with no non-linearity between them."),
    Fact("hidden_softmax", "bool", "A hidden (non-output) layer applies softmax."),
    Fact("repeated_activation", "bool",
         "An activation layer directly re-applies the activation of the layer before it."),
    Fact("deep_saturating_stack", "bool",
         "Three or more sigmoid/tanh hidden layers with no normalization layer."),
    Fact("dense_on_unflattened", "bool",
         "A Dense layer reads a convolution's N-D output with no Flatten or pooling between."),
    Fact("dropout_before_batchnorm", "bool", "A Dropout layer directly feeds BatchNormalization."),
    Fact("bias_before_batchnorm", "bool",
         "A weight layer with a bias directly feeds BatchNormalization (the bias cancels out)."),
    Fact("has_batchnorm", "bool", "The model has BatchNormalization layers."),
    Fact("has_input_scaling", "bool",
         "The model scales its inputs itself (Rescaling or Normalization layer) or the config "
         "has a scaling step."),
    Fact("rescaling_layer", "bool", "The model has a Rescaling layer with a scale below 1."),
    Fact("has_target_scaling", "bool", "The config scales the targets (a standardize_target or "
         "log_target step; configs only)."),
    Fact("token_model", "bool", "The model reads tokens: it starts with an Embedding, or the "
         "config tokenizes (tokenize / multi_hot step)."),
    Fact("has_accuracy_metric", "bool", "accuracy (any of its Keras variants) is among the "
         "metrics."),
    Fact("metrics_only_accuracy", "bool", "accuracy is the only metric."),
    Fact("batch_size", "int", "Batch size (configs and scripts)."),
    Fact("adaptive_lr_at_batch_32", "float",
         "The learning rate scaled to batch 32 by the square-root rule (rate x sqrt(32 / batch)) "
         "when the batch size is known and above 32, else the rate itself: what an adaptive "
         "optimizer's rate means at the batch size the usual 1e-3 is quoted for."),
    Fact("sgd_lr_at_batch_256", "float",
         "The learning rate scaled to batch 256 by the linear rule (rate x 256 / batch) when the "
         "batch size is known and above 256, else the rate itself (Goyal et al. 2017)."),
    Fact("model_input_size", "int",
         "Values per example the model's input takes (the product of its input shape, where "
         "every axis but the batch is fixed)."),
    Fact("input_shape_match", "bool",
         "The model's input fits the profile's input_shape: as many values per example (a "
         "flattened or channel-less image fits), or, with free axes, the fixed axes agree. "
         "Needs a profile."),
    Fact("epochs", "int", "Epochs (configs only)."),
    Fact("class_weight_set", "bool", "The config, or the script's fit(), sets class weights "
         "(configs and scripts)."),
    Fact("is_script", "bool", "The file is a training script (read with ast, never run)."),
    Fact("has_validation", "bool", "fit() holds out validation data (validation_split or "
         "validation_data; scripts only)."),
    Fact("has_early_stopping", "bool", "fit() has an EarlyStopping callback (scripts only)."),
    Fact("shuffle_disabled", "bool", "fit(shuffle=False) on arrays (scripts only; fit ignores "
         "shuffle for tf.data pipelines)."),
    Fact("inputs_unscaled", "bool", "fit() is fed raw values from a known loader (8-bit "
         "pixels from keras.datasets or an image folder, boston_housing's features) and the "
         "script never scales them (scripts only)."),
    Fact("declared_n_classes", "int", "The class count a script states: a num_classes "
         "constant, to_categorical(y, n), or its keras.datasets data set (scripts only)."),
    Fact("optimizer_lr_argument", "bool", "The script gives its optimizer 'lr=' (Keras 2's "
         "name; Keras 3 raises on it; scripts only)."),
    Fact("optimizer_decay_argument", "bool", "The script gives its optimizer 'decay=' (Keras 3 "
         "ignores it with a warning; scripts only)."),
    Fact("output_units_fit_classes", "bool", "The output units fit the script's class count "
         "(1 or 2 for two classes, else exactly that many; scripts only)."),
]}

#: facts only a profile gives: a rule whose conditions need one of them stays silent without a
#: profile (the audit counts those rules under ``unchecked``)
PROFILE_FACTS = frozenset({name for name in RECOMMEND_FACTS if name != "family"}
                          | {"output_units_match", "input_shape_match"})

#: facts that have a value per layer: a rule whose ``layer`` names one is evaluated once per
#: layer (the fact set to that layer's value), so every offending layer gets its own finding
LAYER_FACTS: dict[str, Callable[[LayerInfo], Any]] = {
    "max_dropout": lambda layer: layer.rate,
    "max_l1": lambda layer: layer.kernel_regularizer.l1 if layer.kernel_regularizer else None,
    "max_l2": lambda layer: layer.kernel_regularizer.l2 if layer.kernel_regularizer else None,
    "wide_random_init": lambda layer: (layer.class_name in WEIGHT_LAYERS and _wide(
        layer.kernel_initializer)) if layer.kernel_initializer else None,
}

# every Keras metric that counts exact hits: all are meaningless on a regression and all hide a
# rare class the same way
ACCURACY_METRICS = frozenset({"accuracy", "acc", "binary_accuracy", "categorical_accuracy",
                              "sparse_categorical_accuracy"})

AUDIT_FACTS: dict[str, Fact] = {
    **{name: fact for name, fact in RECOMMEND_FACTS.items() if name != "family"},
    **SETUP_FACTS,
}


def _activation(name: Optional[str]) -> str:
    if name is None:
        return "linear"
    name = name.lower()
    return name if name in ACTIVATIONS else "other"


def _expected_units(profile: DatasetProfile) -> Optional[set[int]]:
    kind = profile.problem_type
    if kind == "binary":
        return {1, 2}
    if kind in ("multiclass", "multilabel", "seq2seq"):
        return {int(profile.n_classes or 0)}
    if kind == "forecasting":
        return {profile.n_targets * profile.effective_horizon}
    if kind == "regression":
        return {profile.n_targets}
    if kind == "anomaly_detection":
        return {math.prod(profile.input_shape)}
    return None


def _has_nonlinearity(layer: LayerInfo) -> bool:
    return _activation(layer.activation) != "linear"


def _structure_facts(layers: list[LayerInfo]) -> tuple[dict[str, Any], dict[str, str]]:
    """Facts about the layer sequence, and for each true one the first layer to blame."""
    found: dict[str, Optional[LayerInfo]] = {}
    weight_positions = [i for i, layer in enumerate(layers) if layer.class_name in WEIGHT_LAYERS]
    found["linear_hidden_stack"] = next(
        (layers[a] for a, b in zip(weight_positions, weight_positions[1:])
         if layers[a].class_name in ("Dense", *CONV_LAYERS) and not _has_nonlinearity(layers[a])
         and all(between.class_name in LINEAR_PASSTHROUGH for between in layers[a + 1:b])),
        None)
    hidden = layers[:-1]
    tail = _output_tail_start(layers)
    found["hidden_softmax"] = next(
        (l for position, l in enumerate(hidden)
         if l.class_name in WEIGHT_LAYERS | ACTIVATION_LAYERS
         and _activation(l.activation) == "softmax"
         and not (l.class_name in ACTIVATION_LAYERS and position + 1 >= tail)), None)
    found["repeated_activation"] = next(
        (layer for prev, layer in zip(layers, layers[1:])
         if layer.class_name in ACTIVATION_LAYERS and prev.activation is not None
         and _activation(layer.activation) == _activation(prev.activation) != "linear"), None)
    saturating = [l for l in hidden if l.class_name in WEIGHT_LAYERS
                  and _activation(l.activation) in SATURATING]
    normalized = any(l.class_name in ("BatchNormalization", "LayerNormalization") for l in layers)
    found["deep_saturating_stack"] = saturating[0] if len(saturating) >= 3 and not normalized \
        else None
    found["dense_on_unflattened"] = next(
        (layer for prev, layer in zip(layers, layers[1:])
         if layer.class_name == "Dense" and prev.class_name in CONV_LAYERS | SPATIAL_POOLING
         and (prev.output_rank is None or prev.output_rank >= 2)), None)
    found["dropout_before_batchnorm"] = next(
        (prev for prev, layer in zip(layers, layers[1:])
         if prev.class_name in DROPOUT_LAYERS
         and layer.class_name == "BatchNormalization"), None)
    found["bias_before_batchnorm"] = next(
        (prev for prev, layer in zip(layers, layers[1:])
         if prev.class_name in WEIGHT_LAYERS and prev.use_bias is not False
         and layer.class_name == "BatchNormalization"), None)
    facts = {name: layer is not None for name, layer in found.items()}
    facts["has_batchnorm"] = any(l.class_name == "BatchNormalization" for l in layers)
    blame = {name: _name(layer) for name, layer in found.items() if layer is not None}
    return facts, blame


def _output_tail_start(layers: list[LayerInfo]) -> int:
    """Where the run of Activation/Softmax/Reshape layers that ends the model starts: an
    activation layer from there on only follows the output (one pass, so the hidden-softmax
    check stays linear in the number of layers)."""
    start = len(layers)
    while start > 0 and layers[start - 1].class_name in ACTIVATION_LAYERS | {"Reshape"}:
        start -= 1
    return start


def setup_facts(setup: NormalizedSetup, profile: Optional[DatasetProfile] = None
                ) -> dict[str, Any]:
    """The audit facts of one setup (sanitized for the engine), joined with the profile's."""
    return sanitize(raw_setup_facts(setup, profile)[0])


def raw_setup_facts(setup: NormalizedSetup, profile: Optional[DatasetProfile] = None
                    ) -> tuple[dict[str, Any], dict[str, str]]:
    """The facts before sanitizing (for messages), and evidence: fact name -> layer to blame."""
    profile = profile or setup.profile
    facts: dict[str, Any] = {}
    evidence: dict[str, str] = {}
    if profile is not None:
        facts.update({k: v for k, v in profile_facts(profile).items()})
    facts["has_profile"] = profile is not None
    facts["is_config"] = setup.format == "config"
    layers = setup.layers
    weight_layers = [l for l in layers if l.class_name in WEIGHT_LAYERS]
    facts["n_layers"] = len(layers)
    facts["n_weight_layers"] = len(weight_layers)
    if setup.output is not None:
        out = setup.output
        if out.units is not None:
            facts["output_units"] = out.units
        facts["output_activation"] = _activation(out.activation)
        if out.rank is not None:
            facts["output_rank"] = out.rank
        if profile is not None and out.units is not None:
            expected = _expected_units(profile)
            if expected is not None:
                facts["output_units_match"] = out.units in expected
    if setup.output is not None:
        evidence["output"] = setup.output.layer
    if layers:
        structure, blame = _structure_facts(layers)
        facts.update(structure)
        evidence.update(blame)
        dropouts = [l for l in layers if l.rate is not None]
        facts["max_dropout"] = max((l.rate or 0.0 for l in dropouts), default=0.0)
        if dropouts:
            evidence["max_dropout"] = _name(max(dropouts, key=lambda l: l.rate or 0.0))
        regularized = [l for l in layers if l.kernel_regularizer is not None]
        for kind in ("l1", "l2"):
            facts[f"max_{kind}"] = max((getattr(l.kernel_regularizer, kind)
                                        for l in regularized), default=0.0)
            if regularized:
                evidence[f"max_{kind}"] = _name(max(
                    regularized, key=lambda l: getattr(l.kernel_regularizer, kind)))
        # a constant output layer is fine: its units get different gradients from their own
        # targets (Fixup, Zhang et al. 2019, zero-initializes the classification layer)
        constant = [l for l in weight_layers[:-1] if l.kernel_initializer
                    and l.kernel_initializer.name in CONSTANT_INITIALIZERS]
        facts["constant_kernel_init"] = bool(constant)
        wide = [l for l in weight_layers if l.kernel_initializer and _wide(l.kernel_initializer)]
        facts["wide_random_init"] = bool(wide)
        for fact, found in (("constant_kernel_init", constant), ("wide_random_init", wide)):
            if found:
                evidence[fact] = _name(found[0])
        facts["token_model"] = any(l.class_name in ("Embedding", "TokenAndPositionEmbedding")
                                   for l in layers[:2])
        scaling_layer = any(l.class_name in INPUT_SCALING_LAYERS for l in layers)
        facts["rescaling_layer"] = any(l.class_name == "Rescaling" and l.scale is not None
                                       and 0 < l.scale < 1 for l in layers)
        early = bool(setup.early_stopping)
        facts["has_regularization"] = bool(facts["max_dropout"] or facts["max_l1"]
                                           or facts["max_l2"] or early)
    else:
        scaling_layer = False
    steps = [s.get("step") for s in setup.preprocessing or []]
    facts["has_input_scaling"] = scaling_layer or bool(set(RANGE_STEPS) & set(steps))
    if set(TOKEN_STEPS) & set(steps):  # the model reads a tokenizer's output, not the raw range
        facts["token_model"] = True
    if setup.preprocessing is not None:
        facts["has_target_scaling"] = bool(set(TARGET_STEPS) & set(steps))
    if setup.loss is not None:
        name = setup.loss.name if setup.loss.name in LOSSES else "other"
        facts["has_loss"] = True
        facts["loss_name"] = name
        facts["loss_kind"] = ("cross_entropy" if name in CROSS_ENTROPY else
                              "regression" if name in REGRESSION_LOSSES else "other")
        facts["loss_from_logits"] = setup.loss.from_logits
    else:
        facts["has_loss"] = False
    if setup.optimizer is not None:
        opt = setup.optimizer
        name = opt.name if opt.name in OPTIMIZERS else "other"
        facts["optimizer_name"] = name
        facts["adam_family"] = name in ADAM_FAMILY
        facts["has_lr_schedule"] = opt.schedule is not None
        if opt.learning_rate is not None:
            facts["learning_rate"] = opt.learning_rate
            facts["learning_rate_positive"] = opt.learning_rate > 0
            if opt.learning_rate > 0:
                facts["learning_rate_log10"] = math.log10(opt.learning_rate)
        if opt.epsilon is not None and opt.epsilon > 0:
            facts["epsilon_log10"] = math.log10(opt.epsilon)
        if opt.momentum is not None:
            facts["momentum"] = opt.momentum
    metrics = set(setup.metrics)
    if setup.loss is not None:
        facts["has_accuracy_metric"] = bool(metrics & ACCURACY_METRICS)
        facts["metrics_only_accuracy"] = bool(metrics) and metrics <= ACCURACY_METRICS
    if setup.batch_size is not None:
        facts["batch_size"] = setup.batch_size
    rate = setup.optimizer.learning_rate if setup.optimizer is not None else None
    if rate is not None:
        # large batches carry larger rates (Goyal et al. 2017: linear for SGD; the square-root
        # rule for adaptive optimizers, Malladi et al. 2022); a small batch is not scaled up,
        # so an unknown batch size leaves the rate as it is
        batch = setup.batch_size if setup.batch_size and setup.batch_size > 0 else None
        facts["adaptive_lr_at_batch_32"] = rate * math.sqrt(32 / max(batch or 32, 32))
        facts["sgd_lr_at_batch_256"] = rate * 256 / max(batch or 256, 256)
    size = _input_size(setup.input_shape)
    if size is not None:
        facts["model_input_size"] = size
    if profile is not None and setup.input_shape:
        match = _input_matches(setup.input_shape, profile.input_shape)
        if match is not None:
            facts["input_shape_match"] = match
    if setup.epochs is not None:
        facts["epochs"] = setup.epochs
    if setup.format == "config":
        facts["class_weight_set"] = setup.class_weight is not None
    facts["is_script"] = setup.format == "script"
    if setup.format == "script":
        _script_facts(setup, facts)
    return facts, evidence


def _input_size(shape: Optional[list[Optional[int]]]) -> Optional[int]:
    if not shape or any(d is None or d <= 0 for d in shape):
        return None
    return math.prod(shape)  # type: ignore[arg-type]


def _input_matches(model: list[Optional[int]], data: list[int]) -> Optional[bool]:
    """Whether data of shape ``data`` fits a model input of shape ``model`` (None: a free
    axis); None when that cannot be told (free axes and different ranks)."""
    size = _input_size(model)
    if size is not None:  # flattened images and a missing channel axis hold as many values
        return size == math.prod(data)
    if len(model) == len(data):
        return all(m is None or m == d for m, d in zip(model, data))
    return None


# the unchecked entry of a fit(**kwargs) that the script reader cannot read
FIT_UNREAD = "training checks"


def _script_facts(setup: NormalizedSetup, facts: dict[str, Any]) -> None:
    """What only a training script shows: fit()'s arguments and where the data comes from."""
    fit_read = "fit" in setup.locations and not any(
        item.what == FIT_UNREAD for item in setup.unchecked)
    if fit_read:
        facts["class_weight_set"] = setup.class_weight is not None
    if setup.has_validation is not None:
        facts["has_validation"] = setup.has_validation
    if setup.early_stopping is not None:
        facts["has_early_stopping"] = setup.early_stopping
    if setup.shuffle is not None:
        facts["shuffle_disabled"] = not setup.shuffle
    if setup.inputs_unscaled is not None:
        facts["inputs_unscaled"] = setup.inputs_unscaled
    if setup.legacy_optimizer_arguments is not None:
        facts["optimizer_lr_argument"] = "lr" in setup.legacy_optimizer_arguments
        facts["optimizer_decay_argument"] = "decay" in setup.legacy_optimizer_arguments
    classes = setup.declared_n_classes
    if classes is not None:
        facts["declared_n_classes"] = classes
        units = setup.output.units if setup.output is not None else None
        if units is not None:
            expected = {1, 2} if classes == 2 else {classes}
            facts["output_units_fit_classes"] = units in expected


def _name(layer: LayerInfo) -> str:
    return layer.path or layer.name or f"#{layer.index} {layer.class_name}"


def _wide(init: InitializerInfo) -> bool:
    return ((init.stddev is not None and init.stddev >= 0.5)
            or (init.maxval is not None and init.maxval > 1.0)
            or (init.minval is not None and init.minval < -1.0))
