"""Composite Keras layers named in the advisor's layer lists, and a no-download backbone loader.

* ``TokenAndPositionEmbedding(sequence_length, vocab_size, embed_dim)``: token embedding plus a
  learned position embedding (keras-io "Text classification with Transformer").
* ``PositionEmbedding(sequence_length, embed_dim)``: adds a learned position embedding to its
  (already embedded) input.
* ``TransformerBlock(embed_dim, num_heads, ff_dim, dropout, norm_first=True)``: a residual
  encoder block, multi-head self-attention then a two-layer feed-forward network; pre-norm
  (LayerNormalization before each sub-block) by default, post-norm as in the keras-io example
  with ``norm_first=False``.
* ``make_backbone(name, ...)``: a ``keras.applications`` network without its top, whose
  ImageNet weights are read from the local Keras cache and never downloaded.

The layers are registered as ``advisor>ClassName`` so that models using them save to and load
from ``.keras`` files. This file imports only keras and the standard library: its source is
embedded verbatim in the training scripts ``advisor recommend --format keras`` writes.
"""

import os

import keras
from keras import layers, ops


@keras.saving.register_keras_serializable(package="advisor")
class TokenAndPositionEmbedding(layers.Layer):
    """Token ids [batch, steps] -> token embedding + position embedding [batch, steps, dim]."""

    def __init__(self, sequence_length, vocab_size, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = int(sequence_length)
        self.vocab_size = int(vocab_size)
        self.embed_dim = int(embed_dim)
        self.token_embedding = layers.Embedding(self.vocab_size, self.embed_dim,
                                                name="token_embedding")
        self.position_embedding = layers.Embedding(self.sequence_length, self.embed_dim,
                                                   name="position_embedding")

    def build(self, input_shape):
        self.token_embedding.build(input_shape)
        self.position_embedding.build((self.sequence_length,))
        self.built = True

    def call(self, inputs):
        positions = ops.arange(0, ops.shape(inputs)[-1], 1)
        return self.token_embedding(inputs) + self.position_embedding(positions)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) + (self.embed_dim,)

    def get_config(self):
        config = super().get_config()
        config.update(sequence_length=self.sequence_length, vocab_size=self.vocab_size,
                      embed_dim=self.embed_dim)
        return config


@keras.saving.register_keras_serializable(package="advisor")
class PositionEmbedding(layers.Layer):
    """[batch, steps, dim] -> the same plus a learned embedding of each step's position."""

    def __init__(self, sequence_length, embed_dim, **kwargs):
        super().__init__(**kwargs)
        self.sequence_length = int(sequence_length)
        self.embed_dim = int(embed_dim)
        self.position_embedding = layers.Embedding(self.sequence_length, self.embed_dim,
                                                   name="position_embedding")

    def build(self, input_shape):
        if input_shape[-1] is not None and input_shape[-1] != self.embed_dim:
            raise ValueError(f"PositionEmbedding(embed_dim={self.embed_dim}) got inputs with "
                             f"{input_shape[-1]} features per step; project them to "
                             f"{self.embed_dim} first (e.g. a Dense layer)")
        self.position_embedding.build((self.sequence_length,))
        self.built = True

    def call(self, inputs):
        positions = ops.arange(0, ops.shape(inputs)[-2], 1)
        return inputs + ops.cast(self.position_embedding(positions), inputs.dtype)

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(sequence_length=self.sequence_length, embed_dim=self.embed_dim)
        return config


@keras.saving.register_keras_serializable(package="advisor")
class TransformerBlock(layers.Layer):
    """A residual Transformer encoder block: self-attention, then a feed-forward network.

    ``norm_first=True`` (pre-norm) normalizes before each sub-block, which trains stably with
    warm-up; ``norm_first=False`` (post-norm) normalizes after each residual sum, as in the
    keras-io text classification example.
    """

    def __init__(self, embed_dim, num_heads, ff_dim, dropout=0.1, norm_first=True,
                 epsilon=1e-6, **kwargs):
        super().__init__(**kwargs)
        self.embed_dim = int(embed_dim)
        self.num_heads = int(num_heads)
        self.ff_dim = int(ff_dim)
        self.dropout = float(dropout)
        self.norm_first = bool(norm_first)
        self.epsilon = float(epsilon)
        self.attention = layers.MultiHeadAttention(
            num_heads=self.num_heads, key_dim=max(1, self.embed_dim // self.num_heads),
            name="attention")
        self.attention_dropout = layers.Dropout(self.dropout)
        self.attention_norm = layers.LayerNormalization(epsilon=self.epsilon,
                                                        name="attention_norm")
        self.ffn_hidden = layers.Dense(self.ff_dim, activation="relu", name="ffn_hidden")
        self.ffn_output = layers.Dense(self.embed_dim, name="ffn_output")
        self.ffn_dropout = layers.Dropout(self.dropout)
        self.ffn_norm = layers.LayerNormalization(epsilon=self.epsilon, name="ffn_norm")

    def build(self, input_shape):
        input_shape = tuple(input_shape)
        if input_shape[-1] is not None and input_shape[-1] != self.embed_dim:
            raise ValueError(f"TransformerBlock(embed_dim={self.embed_dim}) got inputs with "
                             f"{input_shape[-1]} features per step; the residual connections "
                             "need them equal")
        self.attention.build(input_shape, input_shape)
        self.attention_norm.build(input_shape)
        self.ffn_hidden.build(input_shape)
        self.ffn_output.build(input_shape[:-1] + (self.ff_dim,))
        self.ffn_norm.build(input_shape)
        self.built = True

    def _attend(self, x, training):
        x = self.attention(x, x, training=training)
        return self.attention_dropout(x, training=training)

    def _feed_forward(self, x, training):
        x = self.ffn_output(self.ffn_hidden(x))
        return self.ffn_dropout(x, training=training)

    def call(self, inputs, training=None):
        if self.norm_first:
            x = inputs + self._attend(self.attention_norm(inputs), training)
            return x + self._feed_forward(self.ffn_norm(x), training)
        x = self.attention_norm(inputs + self._attend(inputs, training))
        return self.ffn_norm(x + self._feed_forward(x, training))

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)

    def get_config(self):
        config = super().get_config()
        config.update(embed_dim=self.embed_dim, num_heads=self.num_heads, ff_dim=self.ff_dim,
                      dropout=self.dropout, norm_first=self.norm_first, epsilon=self.epsilon)
        return config


# -- pretrained backbones, without downloads ------------------------------------------------------

class MissingWeightsError(FileNotFoundError):
    """Pretrained weights were asked for but are not in the local Keras cache."""


def keras_homes():
    """Keras cache roots, in the order they are searched: $KERAS_HOME, ~/.keras and /tmp/.keras
    (where Keras caches when the home directory is not writable)."""
    homes = []
    for home in (os.environ.get("KERAS_HOME"), os.path.join(os.path.expanduser("~"), ".keras"),
                 os.path.join("/tmp", ".keras")):
        if home and os.path.expanduser(home) not in homes:
            homes.append(os.path.expanduser(home))
    return homes


def weights_dirs():
    """Where cached ``keras.applications`` weights are looked for, in order."""
    return [os.path.join(home, "models") for home in keras_homes()]


def make_backbone(name, *, weights="imagenet", input_shape=None, pooling="avg", trainable=False):
    """``keras.applications.<name>`` without its classification top.

    ``weights="imagenet"`` loads the file Keras would download, but only from the local cache
    (``weights_dirs()``); when it is missing this raises :class:`MissingWeightsError` naming the
    file, its download address and the fix. ``weights=None`` builds random weights; a path loads
    that file.
    """
    application = getattr(keras.applications, str(name), None)
    if application is None or not callable(application):
        raise ValueError(f"unknown backbone {name!r}: expected a keras.applications model such "
                         "as EfficientNetB0, ResNet50 or MobileNetV2")
    arguments = dict(include_top=False, input_shape=tuple(input_shape) if input_shape else None,
                     pooling=pooling)
    if weights != "imagenet":
        if weights is not None and not os.path.exists(str(weights)):
            raise MissingWeightsError(f"backbone {name}: weights file {weights} does not exist")
        network = application(weights=weights, **arguments)
    else:
        network = _from_cache(application, name, arguments)
    network.trainable = bool(trainable)
    return network


def _from_cache(application, name, arguments):
    try:
        from keras.src.utils import file_utils
    except ImportError:  # a Keras without this module: refuse rather than risk a download
        raise MissingWeightsError(
            f"backbone {name}: this Keras version's weight cache cannot be checked, and weights "
            "are never downloaded; build with weights=None (random) or pass the path of the "
            "weights file") from None
    real_get_file = file_utils.get_file
    homes = keras_homes()

    def cached_file(fname=None, origin=None, *args, cache_subdir="datasets", **kwargs):
        fname = fname or os.path.basename(str(origin))
        dirs = [os.path.join(home, cache_subdir) for home in homes]
        for directory in dirs:
            if os.path.isfile(os.path.join(directory, fname)):
                return os.path.join(directory, fname)
        raise MissingWeightsError(
            f"backbone {name}: ImageNet weights file {fname!r} is not in the local Keras cache "
            f"({', '.join(dirs)}) and the advisor never downloads. Fix: download {origin} and "
            f"place it at {os.path.join(dirs[0], fname)}, or train from scratch with random "
            "weights (weights=None; --random-init in a generated script)")

    file_utils.get_file = cached_file
    try:
        return application(weights="imagenet", **arguments)
    finally:
        file_utils.get_file = real_get_file
