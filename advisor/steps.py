"""The preprocessing steps of a training setup: one pydantic model per step, with its arguments.

The one home of the step names and their arguments. ``TrainingSetup.preprocessing`` validates
every entry against :data:`Step` (a discriminated union on ``step``); the recommend rules'
emitted steps, the audit facts, ``advisor verify`` (:mod:`advisor.executor.preprocess`, which
implements each step's fit and transform) and the generated training script (which embeds that
module) read the names from here.

Only pydantic and the standard library: importing this module never imports numpy or Keras.
"""

from __future__ import annotations

from typing import Annotated, Literal, Optional, Union, get_args

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator


class _Step(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Impute(_Step):
    """Fill missing values; numeric columns by ``strategy``, the others by their mode."""

    step: Literal["impute"]
    strategy: Literal["median", "mean", "most_frequent", "forward_fill"] = "median"
    add_indicator: bool = Field(False, description="a 0/1 column per numeric column with gaps")


class OneHot(_Step):
    """Non-numeric columns: one 0/1 column per frequent category and one for the rest."""

    step: Literal["one_hot"]
    max_categories: int = Field(50, ge=1)


class Clip(_Step):
    """Clip each numeric column to its training quantiles [low, high]."""

    step: Literal["clip"]
    quantiles: tuple[float, float] = (0.001, 0.999)

    @field_validator("quantiles")
    @classmethod
    def _ordered(cls, value: tuple[float, float]) -> tuple[float, float]:
        if not 0 <= value[0] < value[1] <= 1:
            raise ValueError(f"quantiles must be 0 <= low < high <= 1, got {list(value)}")
        return value


class Standardize(_Step):
    """(x - mean) / std; tabular per column, arrays per channel."""

    step: Literal["standardize"]


class MinMax(_Step):
    """(x - min) / (max - min), mapped to ``range`` (default [0, 1])."""

    step: Literal["min_max"]
    range: Optional[tuple[float, float]] = None


class Rescale(_Step):
    """x / ``divide_by`` (pixels: 255)."""

    step: Literal["rescale"]
    divide_by: float = 255

    @field_validator("divide_by")
    @classmethod
    def _not_zero(cls, value: float) -> float:
        if value == 0:
            raise ValueError("divide_by must not be 0")
        return value


class Tokenize(_Step):
    """Keras TextVectorization adapted on the training texts."""

    step: Literal["tokenize"]
    max_tokens: Optional[int] = Field(20000, ge=1)
    output_sequence_length: Optional[int] = Field(200, ge=1)
    standardize: Optional[str] = "lower_and_strip_punctuation"
    output_mode: Literal["int", "multi_hot", "count", "tf_idf"] = "int"


class MultiHot(_Step):
    """Token-id sequences as a 0/1 bag over ``num_tokens`` ids."""

    step: Literal["multi_hot"]
    num_tokens: int = Field(ge=1)


class Pad(_Step):
    """Token-id sequences padded / truncated to ``length`` with ``value``."""

    step: Literal["pad"]
    length: int = Field(ge=1)
    padding: Literal["pre", "post"] = "post"
    value: int = 0


class Window(_Step):
    """Forecasting: windows of ``length`` steps and the next ``horizon`` target values."""

    step: Literal["window"]
    length: int = Field(ge=1)
    horizon: int = Field(ge=1)
    stride: int = Field(1, ge=1)
    base: Literal["none", "last_value", "seasonal_naive"] = "none"
    season_length: Optional[int] = Field(None, ge=2)


class StandardizeTarget(_Step):
    """Regression targets as z-scores; predictions are mapped back."""

    step: Literal["standardize_target"]


class LogTarget(_Step):
    """Regression targets as log1p(y); predictions are mapped back."""

    step: Literal["log_target"]


STEP_MODELS = (Impute, OneHot, Clip, Standardize, MinMax, Rescale, Tokenize, Pad, MultiHot,
               Window, StandardizeTarget, LogTarget)
#: One preprocessing step, told apart by its ``step`` name.
Step = Annotated[Union[Impute, OneHot, Clip, Standardize, MinMax, Rescale, Tokenize, Pad, MultiHot,
                       Window, StandardizeTarget, LogTarget], Field(discriminator="step")]
STEP_ADAPTER: TypeAdapter = TypeAdapter(Step)

# the step names, in the order a pipeline applies them (impute, encode, scale, tokenize, ...)
PREPROCESSING_STEPS: tuple[str, ...] = tuple(
    get_args(model.model_fields["step"].annotation)[0] for model in STEP_MODELS)
RANGE_STEPS = ("standardize", "min_max", "rescale")  # bring raw inputs to a small range
SCALING_STEPS = ("clip",) + RANGE_STEPS  # change the inputs' values
TARGET_STEPS = ("standardize_target", "log_target")  # act on the targets, not the inputs
TOKEN_STEPS = ("tokenize", "multi_hot")  # their output (ids, bags of ids) replaces the inputs
assert set(RANGE_STEPS + SCALING_STEPS + TARGET_STEPS + TOKEN_STEPS) <= set(PREPROCESSING_STEPS)
# each step's optional arguments and their defaults (JSON values), for code that takes plain
# dicts (advisor.executor.preprocess, and the training script that embeds it)
STEP_DEFAULTS: dict[str, dict] = {
    name: {field: list(info.default) if isinstance(info.default, tuple) else info.default
           for field, info in model.model_fields.items()
           if field != "step" and not info.is_required()}
    for name, model in zip(PREPROCESSING_STEPS, STEP_MODELS)}


def parse_step(data: object) -> BaseModel:
    """One step as its model (raises pydantic's ValidationError naming the field)."""
    return STEP_ADAPTER.validate_python(data)


def checked_step(data: object) -> dict:
    """A step validated against its model, as the dict it was given (only the keys it set), so
    a setup's JSON stays as written; defaults are read from the models."""
    return parse_step(data).model_dump(mode="json", exclude_unset=True)
