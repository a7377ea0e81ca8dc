"""The data-set description every recommendation starts from: :class:`DatasetProfile`.

The fields are a public contract (see DESIGN.md). Validation is strict (``extra="forbid"``) and every
cross-field check says what was received, what was expected and how to fix it.
"""

from __future__ import annotations

import math
from typing import Any, Literal, Mapping, Optional

from pydantic import (BaseModel, ConfigDict, Field, PrivateAttr, ValidationError, field_validator,
                      model_validator)

from .errors import FieldIssue, ProfileError, format_validation_error

ProblemType = Literal[
    "binary", "multiclass", "multilabel", "regression", "forecasting", "anomaly_detection", "seq2seq"
]
DataStructure = Literal["tabular", "image", "text", "time_series", "audio", "sequence"]
LabelEncoding = Literal["integer", "one_hot", "multi_hot", "continuous"]
Complexity = Literal["low", "medium", "high"]
Compute = Literal["cpu", "gpu"]

PROBLEM_TYPES: tuple[str, ...] = ProblemType.__args__  # type: ignore[attr-defined]
DATA_STRUCTURES: tuple[str, ...] = DataStructure.__args__  # type: ignore[attr-defined]
LABEL_ENCODINGS: tuple[str, ...] = LabelEncoding.__args__  # type: ignore[attr-defined]
COMPLEXITIES: tuple[str, ...] = Complexity.__args__  # type: ignore[attr-defined]
COMPUTES: tuple[str, ...] = Compute.__args__  # type: ignore[attr-defined]
CLASSIFICATION = ("binary", "multiclass", "multilabel")
#: Numbers in a profile (and the facts made from it) stay below this magnitude: durable-rules
#: cannot compare larger ones, and no real data set needs them.
NUMBER_CEILING = 1e15

# Data structures people ask for that the advisor does not cover, with the closest supported one.
UNSUPPORTED_STRUCTURES = {
    "graph": "graph neural networks are out of scope; describe node features as 'tabular'",
    "video": "video is not supported; a clip of frames can be described as a 3-D 'image' "
    "with input_shape [frames, height, width, channels]",
    "point_cloud": "point clouds are not supported; describe fixed-size point sets as 'sequence' "
    "with input_shape [points, coordinates]",
}

# What input_shape must look like for each data structure: allowed ranks and a description.
SHAPE_RULES: dict[str, tuple[tuple[int, ...], str]] = {
    "tabular": ((1,), "[n_features]"),
    "image": ((3, 4), "[height, width, channels] or [depth, height, width, channels] ([height, "
              "width] and a flattened square image are read as one channel)"),
    "text": ((1,), "[sequence_length] (tokens per example)"),
    "time_series": ((2,), "[steps, channels]"),
    "audio": ((1, 2, 3), "[samples] (waveform), [frames, features] or [frames, features, 1]"),
    "sequence": ((1, 2), "[steps] (token ids) or [steps, features]"),
}

# Which problem types make sense for which data structures.
PROBLEM_STRUCTURES: dict[str, tuple[str, ...]] = {
    "forecasting": ("time_series", "sequence"),
    "seq2seq": ("text", "sequence", "time_series", "audio"),
}

DEFAULT_LABEL_ENCODING: dict[str, Optional[str]] = {
    "binary": "integer",
    "multiclass": "integer",
    "multilabel": "multi_hot",
    "regression": "continuous",
    "forecasting": "continuous",
    "seq2seq": "integer",
    "anomaly_detection": None,
}
ALLOWED_LABEL_ENCODING: dict[str, tuple[str, ...]] = {
    "binary": ("integer", "one_hot"),
    "multiclass": ("integer", "one_hot"),
    "multilabel": ("multi_hot",),
    "regression": ("continuous",),
    "forecasting": ("continuous",),
    "seq2seq": ("integer", "one_hot"),
    "anomaly_detection": ("integer", "continuous"),
}


class DatasetProfile(BaseModel):
    """What the advisor knows about a data set.

    Example:
        >>> DatasetProfile(problem_type="multiclass", data_structure="image",
        ...                n_samples=60000, input_shape=[28, 28, 1], n_classes=10)
    """

    model_config = ConfigDict(extra="forbid", frozen=True)

    problem_type: ProblemType = Field(description="What is predicted.")
    data_structure: DataStructure = Field(description="The shape of one example's information.")
    n_samples: int = Field(gt=0, description="Number of training examples.")
    input_shape: list[int] = Field(
        min_length=1,
        description="One example, no batch axis: tabular [n_features]; image [H, W, C] or "
        "[D, H, W, C]; text [sequence_length]; time series [steps, channels].",
    )
    n_classes: Optional[int] = Field(
        default=None, ge=2,
        description="Classification: number of classes (multilabel: number of labels); "
        "seq2seq: size of the output vocabulary.",
    )
    n_targets: int = Field(default=1, ge=1, description="Regression / forecasting outputs "
                           "(forecasting: the number of series forecast).")
    forecast_horizon: Optional[int] = Field(
        default=None, ge=1,
        description="Forecasting: steps ahead to predict; the model outputs that many values per "
        "series (1 when absent).",
    )
    season_length: Optional[int] = Field(
        default=None, ge=2,
        description="Time series: steps per season (12 for monthly data with a yearly cycle), "
        "as measured from the series' autocorrelation; absent when the series has none.",
    )
    label_encoding: Optional[LabelEncoding] = Field(
        default=None, description="How targets are stored; defaults from problem_type."
    )
    minority_class_ratio: Optional[float] = Field(
        default=None, gt=0, le=0.5, description="Share of the rarest class."
    )
    input_range: Optional[list[float]] = Field(
        default=None, description="[min, max] of the input values before preprocessing."
    )
    target_range: Optional[list[float]] = Field(
        default=None, description="[min, max] of the targets before preprocessing."
    )
    missing_ratio: Optional[float] = Field(
        default=None, ge=0, le=1, description="Share of missing feature values."
    )
    categorical_features: Optional[int] = Field(
        default=None, ge=0, description="Number of categorical columns (tabular)."
    )
    vocab_size: Optional[int] = Field(default=None, ge=2, description="Distinct tokens (text).")
    pretrained: bool = Field(
        default=False,
        description="A pretrained backbone may be used (its weights must be available locally).",
    )
    complexity: Optional[Complexity] = Field(
        default=None,
        description="The source document's 'model complexity'; derived from size and shape "
        "when absent.",
    )
    compute: Compute = Field(default="cpu", description="Where training runs: sizes batch and model.")
    _notes: tuple[str, ...] = PrivateAttr(default=())

    @model_validator(mode="wrap")
    @classmethod
    def _image_shapes(cls, data: Any, handler: Any) -> "DatasetProfile":
        """Image shapes as users write them: ``[H, W]`` (one channel, as keras.datasets.mnist
        delivers it) is ``[H, W, 1]``; a flattened square image (``[784]``) is ``[28, 28, 1]``.
        The profile keeps a note saying so (:attr:`notes`)."""
        note = None
        if isinstance(data, Mapping) and data.get("data_structure") == "image":
            shape, note = image_shape(data.get("input_shape"))
            if note:
                data = {**data, "input_shape": shape}
        profile = handler(data)
        if note:
            profile._notes = (*profile._notes, note)
        return profile

    def __eq__(self, other: object) -> bool:
        """Profiles are equal when their fields are (the notes say how one was read)."""
        if not isinstance(other, DatasetProfile):
            return NotImplemented
        return type(self) is type(other) and self.__dict__ == other.__dict__

    def __hash__(self) -> int:
        return hash(self.model_dump_json())

    @property
    def notes(self) -> tuple[str, ...]:
        """How the profile was read where it differs from what was written (an image's
        ``input_shape`` given as [H, W] or flattened); empty otherwise."""
        return self._notes

    @field_validator("n_samples", "n_classes", "n_targets", "forecast_horizon", "season_length",
                     "vocab_size", "categorical_features", "input_shape", "minority_class_ratio",
                     "missing_ratio", "input_range", "target_range", mode="before")
    @classmethod
    def _numbers_not_booleans(cls, value: Any) -> Any:
        """``n_samples: true`` is a mistake, not 1 (pydantic would read it as 1)."""
        items = value if isinstance(value, list) else [value]
        if any(isinstance(item, bool) for item in items):
            raise ValueError(f"expected a number, got {str(value).lower()}; write the number")
        return value

    @field_validator("input_shape")
    @classmethod
    def _positive_dims(cls, shape: list[int]) -> list[int]:
        bad = [d for d in shape if d <= 0]
        if bad:
            raise ValueError(
                f"every dimension must be a positive integer, got {shape}; give one example's "
                "shape without the batch axis, e.g. [28, 28, 1]"
            )
        return shape

    @field_validator("input_range", "target_range")
    @classmethod
    def _range(cls, value: Optional[list[float]]) -> Optional[list[float]]:
        if value is None:
            return value
        if len(value) != 2:
            raise ValueError(f"expected [min, max] (two numbers), got {len(value)} values")
        low, high = value
        if not all(math.isfinite(v) for v in value):
            raise ValueError("min and max must be finite numbers (no NaN or infinity)")
        if low > high:
            raise ValueError(f"min {low} is greater than max {high}; write it as [min, max]")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> "DatasetProfile":
        problems: list[tuple[str, tuple[FieldIssue, ...]]] = []

        def problem(fields: str, fix: str, message: str) -> None:
            """``fields``: the field(s), comma-separated, that ``fix`` would resolve."""
            problems.append((message, tuple(FieldIssue(f, fix) for f in fields.split(","))))

        for name in ("n_samples", "n_classes", "n_targets", "forecast_horizon", "season_length",
                     "vocab_size", "categorical_features"):
            value = getattr(self, name)
            if value is not None and value >= NUMBER_CEILING:
                problem(name, "change", f"{name} {value:.3g} is beyond any data set the rules "
                        "reason about (below 1e15)")
        if math.prod(self.input_shape) >= NUMBER_CEILING:
            problem("input_shape", "change",
                    f"input_shape {self.input_shape} holds {math.prod(self.input_shape):.3g} "
                    "values per example, beyond what the rules reason about (below 1e15)")
        for name in ("input_range", "target_range"):
            bounds = getattr(self, name)
            if bounds and any(abs(b) >= NUMBER_CEILING for b in bounds):
                problem(name, "change", f"{name} {bounds} reaches beyond what the rules compare "
                        "(finite numbers of magnitude below 1e15); rescale the data first")
        ranks, expected_shape = SHAPE_RULES[self.data_structure]
        if len(self.input_shape) not in ranks:
            problem("input_shape", "change",
                f"input_shape {self.input_shape} has {len(self.input_shape)} dimension(s) but "
                f"{self.data_structure} data expects {expected_shape}; give one example's shape "
                "without the batch axis"
            )
        if self.data_structure == "image" and self.input_shape[-1] > 4 and len(self.input_shape) == 3:
            problem("input_shape", "change",
                f"input_shape {self.input_shape}: an image is [height, width, channels] with "
                f"1-4 channels (channels last), got {self.input_shape[-1]} channels; "
                "move the channel axis last"
            )
        allowed_structures = PROBLEM_STRUCTURES.get(self.problem_type)
        if allowed_structures and self.data_structure not in allowed_structures:
            problem("data_structure,problem_type", "change",
                f"problem_type {self.problem_type!r} needs ordered data, one of "
                f"{', '.join(allowed_structures)}; got data_structure {self.data_structure!r}"
            )
        needs_classes = self.problem_type in CLASSIFICATION or self.problem_type == "seq2seq"
        if needs_classes and self.n_classes is None:
            what = "the size of the output vocabulary" if self.problem_type == "seq2seq" else (
                "the number of labels" if self.problem_type == "multilabel" else "the number of classes")
            problem("n_classes", "set",
                f"n_classes is required for problem_type {self.problem_type!r}: give {what}, "
                "e.g. n_classes: 10"
            )
        if not needs_classes and self.n_classes is not None:
            problem("n_classes", "remove",
                f"n_classes ({self.n_classes}) is only for classification and seq2seq, not "
                f"{self.problem_type!r}; remove it (use n_targets for several outputs)"
            )
        if self.problem_type == "binary" and self.n_classes not in (None, 2):
            problem("problem_type,n_classes", "change",
                f"binary problems have n_classes 2, got {self.n_classes}; use problem_type "
                "'multiclass' for more classes"
            )
        if self.problem_type in ("binary", "multiclass") and self.n_classes and \
                self.n_samples < self.n_classes:
            problem("n_samples,n_classes", "change",
                    f"n_samples {self.n_samples} is fewer than the {self.n_classes} classes: "
                    "some classes would have no example to learn from; check both values")
        if self.problem_type == "multiclass" and self.n_classes == 2:
            problem("problem_type,n_classes", "change",
                "multiclass with n_classes 2 is a binary problem; use problem_type 'binary'"
            )
        if self.n_targets != 1 and self.problem_type not in ("regression", "forecasting"):
            problem("n_targets", "remove",
                f"n_targets ({self.n_targets}) is for regression and forecasting, not "
                f"{self.problem_type!r}; remove it"
            )
        if self.forecast_horizon is not None and self.problem_type != "forecasting":
            problem("forecast_horizon", "remove",
                f"forecast_horizon ({self.forecast_horizon}) is for problem_type 'forecasting', "
                f"not {self.problem_type!r}; remove it or set problem_type: forecasting"
            )
        if self.season_length is not None and self.data_structure not in (
                "time_series", "sequence"):
            problem("season_length", "remove",
                f"season_length is for time series, not {self.data_structure!r}; remove it"
            )
        if self.minority_class_ratio is not None:
            if self.problem_type not in CLASSIFICATION:
                problem("minority_class_ratio", "remove",
                    f"minority_class_ratio is for classification, not {self.problem_type!r}; "
                    "remove it"
                )
            elif self.n_classes and self.problem_type == "multiclass" and \
                    self.minority_class_ratio > 1.0 / self.n_classes + 1e-9:
                problem("minority_class_ratio", "change",
                    f"minority_class_ratio {self.minority_class_ratio} is larger than "
                    f"1/n_classes ({1.0 / self.n_classes:.4f}): the rarest of {self.n_classes} "
                    "classes cannot hold more than an equal share"
                )
        if self.label_encoding is not None:
            allowed = ALLOWED_LABEL_ENCODING[self.problem_type]
            if self.label_encoding not in allowed:
                problem("label_encoding", "change",
                    f"label_encoding {self.label_encoding!r} does not fit problem_type "
                    f"{self.problem_type!r}; expected one of {', '.join(allowed)}"
                )
        if self.data_structure == "sequence" and len(self.input_shape) == 1 and \
                self.vocab_size is None:
            problem("vocab_size", "set",
                f"input_shape {self.input_shape} describes token ids, so vocab_size is required "
                "(the number of distinct ids); for numeric steps use [steps, features]"
            )
        if self.vocab_size is not None and self.data_structure not in ("text", "sequence"):
            problem("vocab_size", "remove",
                f"vocab_size is for text and token sequences, not {self.data_structure!r}; remove it"
            )
        if self.categorical_features is not None and self.data_structure == "tabular" and \
                self.categorical_features > self.input_shape[0]:
            problem("categorical_features", "change",
                f"categorical_features ({self.categorical_features}) exceeds the number of "
                f"features ({self.input_shape[0]})"
            )
        if self.target_range is not None and self.problem_type not in (
                "regression", "forecasting"):
            problem("target_range", "remove",
                f"target_range is for regression and forecasting targets, not "
                f"{self.problem_type!r}; remove it"
            )
        if problems:
            raise _Inconsistent(problems)
        return self

    # -- derived values ---------------------------------------------------------------------

    @property
    def effective_label_encoding(self) -> Optional[str]:
        return self.label_encoding or DEFAULT_LABEL_ENCODING[self.problem_type]

    @property
    def effective_horizon(self) -> int:
        """Steps ahead a forecaster predicts (1 unless forecast_horizon says otherwise)."""
        return self.forecast_horizon or 1

    @property
    def effective_complexity(self) -> str:
        return self.complexity or derive_complexity(self)


def image_shape(shape: Any) -> tuple[Any, Optional[str]]:
    """An image's ``input_shape`` as ``[H, W, C]``, and a note when it was written otherwise:
    ``[H, W]`` gets one channel, ``[N]`` with N a square (at least 4x4) is an N-pixel
    flattened square grayscale image. Anything else is returned as given (validation judges
    it)."""
    if not isinstance(shape, list) or not all(
            isinstance(d, int) and not isinstance(d, bool) and d > 0 for d in shape):
        return shape, None
    if len(shape) == 2:
        return [*shape, 1], (f"input_shape {shape} read as {[*shape, 1]}: an image without a "
                             "channel axis has one channel")
    if len(shape) == 1:
        side = math.isqrt(shape[0])
        if side >= 4 and side * side == shape[0]:
            return [side, side, 1], (
                f"input_shape {shape} read as [{side}, {side}, 1]: a flattened {side}x{side} "
                "one-channel image (give [height, width, channels] if it is not square)")
    return shape, None


def derive_complexity(profile: DatasetProfile) -> str:
    """The document's "model complexity" from data size and input size.

    More data and richer inputs support (and need) bigger models; tiny data sets over-fit anything
    big. The thresholds put the keras-io reference problems where practice puts them: wine and
    digits are low, MNIST, CIFAR-10, IMDB and the Jena weather series medium, ImageNet-scale
    images and corpora of hundreds of thousands of documents high.
    """
    n = profile.n_samples
    shape = profile.input_shape
    if n < 2_000:
        return "low"
    if n >= 1_000_000:
        return "high"
    if profile.data_structure == "tabular":
        if shape[0] <= 32 and n < 50_000:
            return "low"
        return "high" if n >= 100_000 and shape[0] >= 100 else "medium"
    if profile.data_structure == "image":
        side = min(shape[-3:-1])
        if side < 16:
            return "low"
        if (n >= 100_000 and side >= 64) or (n >= 20_000 and side >= 96):
            return "high"
        return "medium"
    steps = shape[0]
    if n < 5_000 and steps < 100:
        return "low"
    if n >= 200_000 or (n >= 50_000 and steps >= 512):
        return "high"
    return "medium"


def load_profile(data: Any, *, where: str | None = None) -> DatasetProfile:
    """Validate a profile given as a :class:`DatasetProfile` or a mapping.

    Raises:
        ProfileError: naming every field that is wrong, the value received and the fix.
    """
    if isinstance(data, DatasetProfile):
        return data
    if not isinstance(data, Mapping):
        raise ProfileError(
            f"a profile must be a mapping of fields (problem_type, data_structure, ...), "
            f"got {type(data).__name__}",
            where=where,
        )
    structure = data.get("data_structure")
    if isinstance(structure, str) and structure in UNSUPPORTED_STRUCTURES:
        raise ProfileError(
            f"data_structure {structure!r} is not supported: {UNSUPPORTED_STRUCTURES[structure]}. "
            f"Supported: {', '.join(DATA_STRUCTURES)}",
            where=where,
        )
    try:
        return DatasetProfile.model_validate(dict(data))
    except ValidationError as exc:
        raise ProfileError(format_validation_error(exc, what="profile", where=where),
                           fields=_field_issues(exc)) from None


class _Inconsistent(ValueError):
    """The cross-field checks that failed, each with the field it is about."""

    def __init__(self, problems: list[tuple[str, tuple[FieldIssue, ...]]]):
        self.issues = tuple(issue for _, issues in problems for issue in issues)
        super().__init__("\n".join(message for message, _ in problems))


_FIX_OF_ERROR = {"missing": "set", "extra_forbidden": "remove"}


def _field_issues(exc: ValidationError) -> tuple[FieldIssue, ...]:
    """The fields a validation error is about, from pydantic's error records (never its text)."""
    issues: list[FieldIssue] = []
    for err in exc.errors(include_url=False):
        if err.get("loc"):
            issues.append(FieldIssue(str(err["loc"][0]), _FIX_OF_ERROR.get(err["type"], "change")))
        elif isinstance((err.get("ctx") or {}).get("error"), _Inconsistent):
            issues.extend(err["ctx"]["error"].issues)
    return tuple(dict.fromkeys(issues))
