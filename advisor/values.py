"""Named value functions that rules reference from YAML (``value: {fn: name, args: {...}}``).

Rules hold no code. Where a value depends on the data (the width of a network, a batch size that
fits the data, a learning rate scaled to the batch size, the concrete layer list) a rule names one
of these small functions. Each gets a :class:`Context` (the profile, its facts and the values
already chosen for earlier slots) plus the arguments written in the rule, and returns plain JSON
data. Layer lists use Keras class names and Keras keyword arguments so that
``getattr(keras.layers, layer["type"])(**arguments)`` builds them; three composite layers
(``TokenAndPositionEmbedding``, ``PositionEmbedding``, ``TransformerBlock``) and the ``Backbone``
placeholder for a pretrained network are defined in :mod:`advisor.executor.layers`.
"""

from __future__ import annotations

import inspect
import math
from dataclasses import dataclass, field
from typing import Any, Callable, Mapping

from .profile import DatasetProfile

VALUE_FUNCTIONS: dict[str, Callable[..., Any]] = {}

DEFAULT_MAX_TOKENS = 20_000


@dataclass
class Context:
    profile: DatasetProfile
    facts: Mapping[str, Any]
    chosen: dict[str, Any] = field(default_factory=dict)

    @property
    def complexity(self) -> str:
        return self.facts["complexity"]

    def pick(self, table: Mapping[str, Any]) -> Any:
        """The entry of a {low, medium, high} table for this profile's complexity."""
        return table[self.complexity]


def value_function(func: Callable[..., Any]) -> Callable[..., Any]:
    VALUE_FUNCTIONS[func.__name__] = func
    return func


def check_call(name: str, args: Mapping[str, Any]) -> str | None:
    """Why a rule's call would fail (unknown function or arguments), or None if it is fine."""
    func = VALUE_FUNCTIONS.get(name)
    if func is None:
        return f"unknown value function {name!r}; known: {', '.join(sorted(VALUE_FUNCTIONS))}"
    try:
        inspect.signature(func).bind(None, **args)
    except TypeError as exc:
        return f"bad arguments for {name}: {exc}"
    return None


def is_call(value: Any) -> bool:
    return isinstance(value, dict) and "fn" in value and set(value) <= {"fn", "args"}


def evaluate(value: Any, ctx: Context) -> Any:
    """Resolve every ``{fn: ..., args: ...}`` inside a rule's value."""
    if is_call(value):
        return VALUE_FUNCTIONS[value["fn"]](ctx, **(value.get("args") or {}))
    if isinstance(value, dict):
        return {k: evaluate(v, ctx) for k, v in value.items()}
    if isinstance(value, list):
        return [evaluate(v, ctx) for v in value]
    return value


def _round_sig(x: float, digits: int = 2) -> float:
    if x == 0:
        return 0.0
    return round(x, -int(math.floor(math.log10(abs(x)))) + digits - 1)


def _pow2_floor(x: float) -> int:
    return 1 << max(0, int(math.floor(math.log2(max(1.0, x)))))


# -- sizes that depend on the data ----------------------------------------------------------------

@value_function
def n_outputs(ctx: Context) -> int:
    """Units of the output layer: 1 for binary, classes/labels, targets, or the input size."""
    return int(ctx.facts["n_outputs"])


@value_function
def fit_batch_size(ctx: Context, preferred: int, max_fraction: float = 0.1) -> int:
    """``preferred``, lowered to a power of two no larger than ``max_fraction`` of the training
    examples (Ludwig caps at 20% of the data; smaller data sets need several steps per epoch)."""
    train = ctx.profile.n_samples * (1 - _validation_split(ctx))
    cap = _pow2_floor(max(8.0, train * max_fraction))
    return int(max(1, min(preferred, cap)))


def _validation_split(ctx: Context) -> float:
    value = ctx.chosen.get("validation_split", 0.2)
    return float(value or 0.0)


def _steps_per_epoch(ctx: Context) -> int:
    train = ctx.profile.n_samples * (1 - _validation_split(ctx))
    return max(1, math.ceil(train / ctx.chosen["batch_size"]))


@value_function
def patience_within_budget(ctx: Context, patience: int) -> int:
    """``patience`` epochs, but at most half the epoch budget (at least 1): a patience equal
    to the budget (10 of 10 epochs on MNIST) could never stop training early."""
    epochs = ctx.chosen.get("epochs")
    if not isinstance(epochs, int):
        return patience
    return max(1, min(patience, epochs // 2))


@value_function
def epochs_for_steps(ctx: Context, target_steps: int, minimum: int, maximum: int) -> int:
    """Enough epochs for about ``target_steps`` optimizer steps, within [minimum, maximum].

    Small data sets need many passes; large ones converge in a few. Early stopping (recommended
    alongside) ends training sooner when validation loss stops improving.
    """
    epochs = math.ceil(target_steps / _steps_per_epoch(ctx))
    return int(min(maximum, max(minimum, epochs)))


@value_function
def total_steps(ctx: Context) -> int:
    """Optimizer steps over the whole run (epochs x steps per epoch), for decay schedules."""
    return int(ctx.chosen["epochs"] * _steps_per_epoch(ctx))


@value_function
def warmup_steps(ctx: Context, fraction: float = 0.1, maximum: int = 4000) -> int:
    """A linear warm-up over ``fraction`` of all steps (the playbook's bound is 10%)."""
    return int(min(maximum, max(1, round(total_steps(ctx) * fraction))))


@value_function
def decay_steps_after_warmup(ctx: Context, fraction: float = 0.1, maximum: int = 4000) -> int:
    """The steps left for decay after a warm-up of ``fraction`` of all steps: Keras's
    ``CosineDecay`` decays over ``decay_steps`` *after* its ``warmup_steps``, so the two add up
    to the whole run."""
    return int(max(1, total_steps(ctx) - warmup_steps(ctx, fraction, maximum)))


@value_function
def scaled_learning_rate(ctx: Context, base: float, reference_batch: int = 256) -> float:
    """``base`` at batch sizes up to ``reference_batch``; above it, scaled by the square root of
    the batch-size ratio (the square-root rule for adaptive optimizers)."""
    batch = ctx.chosen["batch_size"]
    rate = base * math.sqrt(batch / reference_batch) if batch > reference_batch else base
    return _round_sig(rate)


@value_function
def relative_learning_rate(ctx: Context, factor: float) -> float:
    """``factor`` times the learning rate chosen for this setup (for runner-up rules: the
    neighbours of the winning rate that advised search trains)."""
    return _round_sig(ctx.chosen["learning_rate"] * factor)


@value_function
def linear_scaled_learning_rate(ctx: Context, base: float, reference_batch: int = 256) -> float:
    """``base`` times batch size / ``reference_batch`` (the linear scaling rule for SGD,
    Goyal et al. 2017: 0.1 at batch 256)."""
    return _round_sig(base * ctx.chosen["batch_size"] / reference_batch)


@value_function
def forecast_horizon(ctx: Context) -> int:
    """Steps a forecast covers (the profile's forecast_horizon, 1 when absent)."""
    return int(ctx.profile.effective_horizon)


@value_function
def sequence_length(ctx: Context) -> int:
    """Steps (tokens) per example: the first axis of input_shape."""
    return int(ctx.profile.input_shape[0])


@value_function
def by_complexity(ctx: Context, low: Any, medium: Any, high: Any) -> Any:
    """A value picked by the profile's complexity."""
    return ctx.pick({"low": low, "medium": medium, "high": high})


@value_function
def max_tokens(ctx: Context, limit: int = DEFAULT_MAX_TOKENS) -> int:
    """Vocabulary kept by the tokenizer: the data's vocabulary, capped at ``limit``."""
    vocab = ctx.profile.vocab_size
    return int(min(limit, vocab + 2)) if vocab else limit


@value_function
def bag_of_tokens_width(ctx: Context, limit: int = 10000) -> int:
    """Width of a multi-hot bag of tokens (which tokens occur in an example): the tokenizer's
    vocabulary, capped at ``limit``; what a token autoencoder reads and reconstructs."""
    return max_tokens(ctx, limit)


# -- layers -------------------------------------------------------------------------------------

def _input(ctx: Context) -> dict[str, Any]:
    layer: dict[str, Any] = {"type": "Input", "shape": list(ctx.profile.input_shape)}
    if ctx.facts.get("token_input"):
        layer["dtype"] = "int32"
    return layer


def _regularizer(ctx: Context) -> dict[str, Any]:
    penalty = ctx.chosen.get("weight_penalty") or {}
    l1, l2 = float(penalty.get("l1", 0.0)), float(penalty.get("l2", 0.0))
    if not l1 and not l2:
        return {}
    return {"kernel_regularizer": {"class_name": "L1L2", "config": {"l1": l1, "l2": l2}}}


def _dropout(ctx: Context, rate: float | None = None) -> list[dict[str, Any]]:
    rate = ctx.chosen.get("dropout", 0.0) if rate is None else rate
    return [{"type": "Dropout", "rate": rate}] if rate else []


def _augmentation(ctx: Context) -> list[dict[str, Any]]:
    return [dict(layer) for layer in (ctx.chosen.get("augmentation") or [])]


def _output(ctx: Context) -> list[dict[str, Any]]:
    out = ctx.chosen["output"]
    return [{"type": "Dense", "units": out["units"], "activation": out["activation"],
             "name": "output"}]


def _embedding(ctx: Context, dim: int) -> dict[str, Any]:
    return {"type": "Embedding", "input_dim": _vocabulary(ctx), "output_dim": dim}


def _vocabulary(ctx: Context) -> int:
    text = ctx.chosen.get("text")
    if isinstance(text, dict) and text.get("max_tokens"):
        return int(text["max_tokens"])
    vocab = ctx.profile.vocab_size
    return int(vocab + 2) if vocab else DEFAULT_MAX_TOKENS


def _poolings(side: int, wanted: int) -> int:
    """How many 2x poolings fit while the side stays at least 2."""
    return max(0, min(wanted, int(math.log2(side / 2)))) if side >= 4 else 0


@value_function
def mlp_layers(ctx: Context, width: Mapping[str, int], depth: Mapping[str, int],
               tiny_width: int | None = 32, output_initializer: str | None = None) -> list:
    """Dense ReLU blocks (``width``/``depth`` by complexity), dropout after each, then the
    output; under 1,000 examples at most ``tiny_width`` units (None: no cap);
    ``output_initializer`` for the output kernel (``zeros``: the network starts by predicting
    no change from its base forecast)."""
    units, blocks = ctx.pick(width), ctx.pick(depth)
    if ctx.facts["data_size"] == "tiny" and tiny_width:
        units = min(units, tiny_width)
    layers = [_input(ctx)]
    if ctx.profile.input_shape and len(ctx.profile.input_shape) > 1:
        layers.append({"type": "Flatten"})
    for _ in range(blocks):
        layers.append({"type": "Dense", "units": units, "activation": "relu",
                       "kernel_initializer": "he_normal", **_regularizer(ctx)})
        layers += _dropout(ctx)
    output = _output(ctx)
    if output_initializer:
        output[0]["kernel_initializer"] = output_initializer
    return layers + output


@value_function
def cnn_layers(ctx: Context, filters: Mapping[str, int], blocks: Mapping[str, int],
               convs_per_block: Mapping[str, int], batch_norm: Mapping[str, bool],
               norm: str = "batch", groups: int = 8) -> list:
    """A VGG-style 2-D or 3-D ConvNet: conv blocks doubling filters, each ending in 2x pooling
    while the image is big enough, then global average pooling, dropout and the output.

    ``norm="group"`` normalizes with ``GroupNormalization(groups)`` instead of BatchNormalization
    (where batches are too small for batch statistics: 3-D volumes); ``batch_norm`` still says
    whether to normalize at all."""
    if norm not in ("batch", "group"):
        raise ValueError(f"norm must be 'batch' or 'group', got {norm!r}")
    shape = ctx.profile.input_shape
    dims = 3 if len(shape) == 4 else 2
    conv, pool, gap = (("Conv3D", "MaxPooling3D", "GlobalAveragePooling3D") if dims == 3
                       else ("Conv2D", "MaxPooling2D", "GlobalAveragePooling2D"))
    side = min(shape[:-1])
    n_blocks = max(1, min(ctx.pick(blocks), _poolings(side, ctx.pick(blocks)) or 1))
    n_pools = _poolings(side, n_blocks)
    layers = [_input(ctx)] + _augmentation(ctx)
    base = ctx.pick(filters)
    for block in range(n_blocks):
        for _ in range(ctx.pick(convs_per_block)):
            layers.append({"type": conv, "filters": base * 2 ** block, "kernel_size": 3,
                           "padding": "same", "activation": "relu",
                           "kernel_initializer": "he_normal", **_regularizer(ctx)})
            if ctx.pick(batch_norm):
                width = base * 2 ** block
                layers.append({"type": "GroupNormalization", "groups": math.gcd(groups, width)}
                              if norm == "group" else {"type": "BatchNormalization"})
        if block < n_pools:
            layers.append({"type": pool, "pool_size": 2})
    layers.append({"type": gap})
    return layers + _dropout(ctx) + _output(ctx)


@value_function
def cnn1d_layers(ctx: Context, filters: Mapping[str, int], blocks: Mapping[str, int],
                 kernel_size: int = 5, embedding_dim: Mapping[str, int] | None = None) -> list:
    """1-D convolutions over steps (embedding first for token ids), global pooling, output."""
    layers = [_input(ctx)] + _augmentation(ctx)
    if ctx.facts.get("token_input"):
        layers.append(_embedding(ctx, ctx.pick(embedding_dim or
                                               {"low": 32, "medium": 64, "high": 128})))
    elif len(ctx.profile.input_shape) == 1:
        layers.append({"type": "Reshape", "target_shape": [ctx.profile.input_shape[0], 1]})
    elif len(ctx.profile.input_shape) == 3:
        shape = ctx.profile.input_shape
        layers.append({"type": "Reshape", "target_shape": [shape[0], shape[1] * shape[2]]})
    steps = ctx.profile.input_shape[0]
    n_blocks = ctx.pick(blocks)
    n_pools = _poolings(steps, n_blocks)
    for block in range(n_blocks):
        layers.append({"type": "Conv1D", "filters": ctx.pick(filters) * 2 ** min(block, 2),
                       "kernel_size": kernel_size, "padding": "same", "activation": "relu",
                       **_regularizer(ctx)})
        if block < n_pools and block < n_blocks - 1:
            layers.append({"type": "MaxPooling1D", "pool_size": 2})
    layers.append({"type": "GlobalMaxPooling1D" if ctx.facts.get("token_input")
                   else "GlobalAveragePooling1D"})
    return layers + _dropout(ctx) + _output(ctx)


@value_function
def fcn_layers(ctx: Context, filters: Mapping[str, list], kernel_sizes: list,
               norm: str = "batch", groups: int = 8, momentum: float = 0.99) -> list:
    """The fully convolutional network for series classification (Wang, Yan and Oates 2017):
    three Conv1D blocks (``filters`` by complexity, ``kernel_sizes`` 8, 5, 3), each normalized
    (``norm="batch"``: BatchNormalization with ``momentum``; ``"group"``:
    GroupNormalization with ``groups``) and ReLU-activated, then global average pooling and
    the output. No pooling between blocks and no dropout, as in the paper."""
    if norm not in ("batch", "group"):
        raise ValueError(f"norm must be 'batch' or 'group', got {norm!r}")
    layers = [_input(ctx)] + _augmentation(ctx)
    for width, kernel in zip(ctx.pick(filters), kernel_sizes):
        layers += [{"type": "Conv1D", "filters": width, "kernel_size": kernel,
                    "padding": "same", **_regularizer(ctx)},
                   {"type": "GroupNormalization", "groups": math.gcd(groups, width)}
                   if norm == "group" else {"type": "BatchNormalization", "momentum": momentum},
                   {"type": "Activation", "activation": "relu"}]
    layers.append({"type": "GlobalAveragePooling1D"})
    return layers + _dropout(ctx) + _output(ctx)


@value_function
def rnn_layers(ctx: Context, units: Mapping[str, int], depth: Mapping[str, int],
               cell: str = "LSTM", bidirectional: bool = False,
               embedding_dim: Mapping[str, int] | None = None) -> list:
    """Recurrent layers over steps (embedding first for token ids), the last one returning only
    its final state, then dropout and the output."""
    layers = [_input(ctx)]
    if ctx.facts.get("token_input"):
        layers.append(_embedding(ctx, ctx.pick(embedding_dim or
                                               {"low": 32, "medium": 64, "high": 128})))
    elif len(ctx.profile.input_shape) == 1:
        layers.append({"type": "Reshape", "target_shape": [ctx.profile.input_shape[0], 1]})
    elif len(ctx.profile.input_shape) == 3:
        shape = ctx.profile.input_shape
        layers.append({"type": "Reshape", "target_shape": [shape[0], shape[1] * shape[2]]})
    n_layers, n_units = ctx.pick(depth), ctx.pick(units)
    for index in range(n_layers):
        recurrent = {"type": cell, "units": n_units,
                     "return_sequences": index < n_layers - 1, **_regularizer(ctx)}
        if bidirectional:
            recurrent = {"type": "Bidirectional", "layer": recurrent}
        layers.append(recurrent)
        if index < n_layers - 1:
            layers += _dropout(ctx)
    return layers + _dropout(ctx) + _output(ctx)


@value_function
def transformer_layers(ctx: Context, embed_dim: Mapping[str, int], heads: Mapping[str, int],
                       blocks: Mapping[str, int], ff_multiplier: int = 2) -> list:
    """Transformer encoder blocks (pre-norm, residual) over token or step embeddings with learned
    positions, global average pooling, dropout and the output (keras-io text and time-series
    transformer examples)."""
    dim = ctx.pick(embed_dim)
    steps = ctx.profile.input_shape[0]
    layers = [_input(ctx)]
    if ctx.facts.get("token_input"):
        layers.append({"type": "TokenAndPositionEmbedding", "sequence_length": steps,
                       "vocab_size": _vocabulary(ctx), "embed_dim": dim})
    else:
        if len(ctx.profile.input_shape) == 1:
            layers.append({"type": "Reshape", "target_shape": [steps, 1]})
        elif len(ctx.profile.input_shape) == 3:
            shape = ctx.profile.input_shape
            layers.append({"type": "Reshape", "target_shape": [steps, shape[1] * shape[2]]})
        layers.append({"type": "Dense", "units": dim})
        layers.append({"type": "PositionEmbedding", "sequence_length": steps, "embed_dim": dim})
    rate = float(ctx.chosen.get("dropout", 0.1) or 0.0)
    for _ in range(ctx.pick(blocks)):
        layers.append({"type": "TransformerBlock", "embed_dim": dim, "num_heads": ctx.pick(heads),
                       "ff_dim": dim * ff_multiplier, "dropout": rate})
    layers.append({"type": "GlobalAveragePooling1D"})
    return layers + _dropout(ctx) + _output(ctx)


@value_function
def autoencoder_layers(ctx: Context, widths: Mapping[str, list], bottleneck: Mapping[str, int]) -> list:
    """A dense autoencoder: encoder widths, a bottleneck, the mirrored decoder and an output of
    the input's size (reshaped back for images and series). Reconstruction error flags anomalies.
    Token ids (text, id sequences) are read as a multi-hot bag of tokens of
    :func:`bag_of_tokens_width` (the preprocessing rules say so): reconstructing the ids
    themselves as numbers would be meaningless."""
    shape = ctx.profile.input_shape
    if ctx.facts.get("token_input"):  # token ids arrive as a multi-hot bag of tokens
        shape = [bag_of_tokens_width(ctx)]
        first: dict[str, Any] = {"type": "Input", "shape": shape}
    else:
        first = _input(ctx)
    size = math.prod(shape)
    encoder = [w for w in ctx.pick(widths) if w < size] or [max(2, size // 2)]
    code = min(ctx.pick(bottleneck), max(2, size // 4))
    layers = [first]
    if len(shape) > 1:
        layers.append({"type": "Flatten"})
    for width in encoder:
        layers.append({"type": "Dense", "units": width, "activation": "relu", **_regularizer(ctx)})
        layers += _dropout(ctx)
    layers.append({"type": "Dense", "units": code, "activation": "relu", "name": "bottleneck"})
    for width in reversed(encoder):
        layers.append({"type": "Dense", "units": width, "activation": "relu"})
    layers += _output(ctx)
    if len(shape) > 1:
        layers.append({"type": "Reshape", "target_shape": list(shape)})
    return layers


@value_function
def image_channels(ctx: Context) -> int:
    """Channels of one image (the last axis): what a convolutional reconstruction outputs."""
    return int(ctx.profile.input_shape[-1])


@value_function
def conv_autoencoder_layers(ctx: Context, filters: Mapping[str, int],
                            levels: Mapping[str, int]) -> list:
    """A convolutional autoencoder for 2-D images (the keras-io denoising autoencoder): conv +
    2x pooling ``levels`` times (never more than the sides halve evenly), as many stride-2
    transposed convolutions back up, and a 3x3 convolution to the image's channels as the
    output (``model.output.units`` is then the channel count)."""
    depth = max(1, min(ctx.pick(levels), int(ctx.facts.get("even_halvings", 0))))
    width = ctx.pick(filters)
    layers = [_input(ctx)]
    for _ in range(depth):
        layers.append({"type": "Conv2D", "filters": width, "kernel_size": 3, "padding": "same",
                       "activation": "relu", **_regularizer(ctx)})
        layers.append({"type": "MaxPooling2D", "pool_size": 2, "padding": "same"})
    for _ in range(depth):
        layers.append({"type": "Conv2DTranspose", "filters": width, "kernel_size": 3,
                       "strides": 2, "padding": "same", "activation": "relu"})
    out = ctx.chosen["output"]
    layers.append({"type": "Conv2D", "filters": out["units"], "kernel_size": 3,
                   "padding": "same", "activation": out["activation"], "name": "output"})
    return layers


@value_function
def pretrained_cnn_layers(ctx: Context, backbone: str, head_dropout: float = 0.2) -> list:
    """A frozen ImageNet backbone (global average pooled) under a new classification head; the
    executor loads its weights from the local Keras cache (nothing is downloaded)."""
    layers = [_input(ctx)] + _augmentation(ctx)
    layers.append({"type": "Backbone", "name": backbone, "weights": "imagenet",
                   "trainable": False, "pooling": "avg"})
    layers += _dropout(ctx, head_dropout)
    return layers + _output(ctx)


@value_function
def seq2seq_layers(ctx: Context, units: Mapping[str, int],
                   embedding_dim: Mapping[str, int] | None = None) -> list:
    """An LSTM encoder-decoder (the keras-io addition-RNN pattern): encode the input, repeat the
    code for every output step, decode with a second LSTM and classify each step."""
    steps = ctx.profile.input_shape[0]
    n_units = ctx.pick(units)
    layers = [_input(ctx)]
    if ctx.facts.get("token_input"):
        layers.append(_embedding(ctx, ctx.pick(embedding_dim or
                                               {"low": 32, "medium": 64, "high": 128})))
    elif len(ctx.profile.input_shape) == 1:
        layers.append({"type": "Reshape", "target_shape": [steps, 1]})
    elif len(ctx.profile.input_shape) == 3:
        shape = ctx.profile.input_shape
        layers.append({"type": "Reshape", "target_shape": [steps, shape[1] * shape[2]]})
    layers.append({"type": "LSTM", "units": n_units})
    layers.append({"type": "RepeatVector", "n": steps})
    layers.append({"type": "LSTM", "units": n_units, "return_sequences": True})
    return layers + _dropout(ctx) + _output(ctx)
