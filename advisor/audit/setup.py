"""A normalized training setup: what any reader (.keras, .h5, Keras JSON, advisor config) yields.

Readers turn very different files into this one shape; the audit facts are computed from it.
Nothing here executes or deserializes code from the file: layers, losses and optimizers are kept
as names and plain values.
"""

from __future__ import annotations

from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..errors import AdvisorError
from ..profile import DatasetProfile


class NotASetupError(AdvisorError):
    """A YAML/JSON file that is neither a Keras model nor an advisor config (skipped when found
    while walking a folder, an error when named explicitly)."""


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid")


class SourceLocation(_Model):
    """Where something was written in a script (1-based line and column)."""

    line: int
    column: int = 1


class UncheckedItem(_Model):
    """Checks a reader knows cannot run on this setup, and why (e.g. a value computed at run
    time, a model saved without compile()); the audit reports them under ``unchecked``."""

    what: str
    reason: str
    line: Optional[int] = None


class InitializerInfo(_Model):
    name: str = Field(description="snake_case class name, e.g. glorot_uniform, zeros, random_normal")
    stddev: Optional[float] = None
    minval: Optional[float] = None
    maxval: Optional[float] = None
    value: Optional[float] = None


class RegularizerInfo(_Model):
    l1: float = 0.0
    l2: float = 0.0


class LayerInfo(_Model):
    """One layer, flattened out of nested models, in execution order."""

    index: int = Field(description="position in the flattened layer list (0-based)")
    name: str = ""
    path: str = Field("", description="names from the outer model down, joined by '/'")
    class_name: str = Field(description="Keras class name: Dense, Conv2D, Activation, ...")
    units: Optional[int] = Field(None, description="Dense units / conv filters / RNN units")
    activation: Optional[str] = Field(
        None, description="normalized activation name ('linear' for None); for Activation, "
        "Softmax, ReLU, ... layers the activation they apply")
    rate: Optional[float] = Field(None, description="Dropout-family rate")
    use_bias: Optional[bool] = None
    kernel_initializer: Optional[InitializerInfo] = None
    kernel_regularizer: Optional[RegularizerInfo] = None
    return_sequences: Optional[bool] = None
    scale: Optional[float] = Field(None, description="Rescaling layer's scale")
    input_shape: Optional[list[Optional[int]]] = Field(
        None, description="input shape without the batch axis, where the file records it")
    output_rank: Optional[int] = Field(None, description="rank of the output without batch axis")
    line: Optional[int] = Field(None, description="where a script builds the layer")
    column: Optional[int] = None


class OutputInfo(_Model):
    """The model's (first) output, looking through trailing Activation / Softmax layers."""

    layer: str = Field(description="name of the layer that computes the output units")
    units: Optional[int] = None
    activation: str = Field(description="effective activation, e.g. a Dense(10) followed by "
                            "Activation('softmax') is 'softmax'")
    rank: Optional[int] = Field(None, description="output rank without the batch axis")


class LossInfo(_Model):
    name: str = Field(description="snake_case loss, e.g. categorical_crossentropy, "
                      "mean_squared_error; 'other:<name>' for custom losses")
    from_logits: bool = False


class OptimizerInfo(_Model):
    name: str = Field(description="lower-case optimizer, e.g. adam, sgd, rmsprop")
    learning_rate: Optional[float] = Field(
        None, description="the (initial) learning rate; for a schedule, its initial rate")
    schedule: Optional[str] = Field(None, description="schedule class name, if any")
    epsilon: Optional[float] = None
    momentum: Optional[float] = None
    nesterov: Optional[bool] = None
    clipnorm: Optional[float] = None
    weight_decay: Optional[float] = None


class HeadInfo(_Model):
    """One more output of a multi-output model, with what it is checked on: the layers it
    depends on (the shared trunk and its own branch), its output and its own loss."""

    layers: list[LayerInfo] = Field(default_factory=list)
    output: Optional[OutputInfo] = None
    loss: Optional[LossInfo] = None
    metrics: list[str] = Field(default_factory=list)


class NormalizedSetup(_Model):
    """Everything the audit rules may know about one training setup."""

    source: str = Field("", description="the file it was read from")
    format: Literal["keras", "h5", "json", "config", "script", "dict"] = "dict"
    model_class: Optional[str] = None
    input_shape: Optional[list[Optional[int]]] = None
    input_dtype: Optional[str] = None
    layers: list[LayerInfo] = Field(default_factory=list)
    output: Optional[OutputInfo] = Field(
        None, description="the (first) output; ``layers`` are those it depends on")
    extra_heads: list[HeadInfo] = Field(
        default_factory=list, description="the outputs after the first of a multi-output model, "
        "each checked against its own loss")
    loss: Optional[LossInfo] = Field(None, description="None when the model was not compiled")
    optimizer: Optional[OptimizerInfo] = None
    metrics: list[str] = Field(default_factory=list, description="normalized metric names")
    # known only for advisor configs (TrainingConfig)
    batch_size: Optional[int] = None
    epochs: Optional[int] = None
    validation_split: Optional[float] = None
    class_weight: Optional[str] = None
    early_stopping: Optional[bool] = None
    preprocessing: Optional[list[dict[str, Any]]] = None
    # known only for training scripts (absent: unknown)
    has_validation: Optional[bool] = Field(
        None, description="fit() holds out validation data (validation_split or validation_data)")
    shuffle: Optional[bool] = Field(
        None, description="fit() shuffles the training arrays (False only for shuffle=False on "
        "arrays; fit ignores it for tf.data pipelines)")
    inputs_unscaled: Optional[bool] = Field(
        None, description="fit() is fed raw values from a known loader (8-bit pixels, "
        "keras.datasets) that the script never scales")
    declared_n_classes: Optional[int] = Field(
        None, description="the class count the script states (a num_classes constant, "
        "to_categorical, a keras.datasets data set)")
    legacy_optimizer_arguments: Optional[list[str]] = Field(
        None, description="Keras 2 optimizer arguments the script passes that Keras 3 rejects "
        "('lr') or ignores ('decay')")
    profile: Optional[DatasetProfile] = Field(
        None, description="a profile carried by the file itself (advisor configs)")
    # what the audit reports beside the findings
    unchecked: list[UncheckedItem] = Field(
        default_factory=list, description="checks the reader knows cannot run, and why")
    locations: dict[str, SourceLocation] = Field(
        default_factory=dict, description="where a script sets each facet (keys: facet names, "
        "'model', 'compile', 'fit'); a finding points at its layer's line, else its facet's, "
        "else the model's")
    suppressions: dict[int, list[str]] = Field(
        default_factory=dict, description="line -> codes (or code prefixes) silenced there by "
        "'# advisor: ignore[CODE]'; an empty list silences every code on that line")
