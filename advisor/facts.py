"""The fact vocabulary rules are written against, and how a profile becomes facts.

Rules never see a :class:`DatasetProfile` directly: they see a flat dict of scalar facts (strings,
integers, floats, booleans). A fact that is unknown is *absent*; every condition except
``exists: false`` is false on an absent fact, in the engine and in the reference evaluator alike.

Facts are sanitized for the rule engine (see ``research/durable-rules.md``): floats are rounded,
magnitudes below 1e-4 become 0.0 (durable-rules cannot parse exponent-form numbers) and nothing
non-finite or huge gets through.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Optional

from .errors import FactRangeError
from .profile import (CLASSIFICATION, DATA_STRUCTURES, NUMBER_CEILING, PROBLEM_TYPES,
                      DatasetProfile)
from .vocab import MODEL_FAMILIES

FLOAT_FLOOR = 1e-4  # smaller magnitudes print in exponent form, which durable-rules rejects


@dataclass(frozen=True)
class Fact:
    """One fact rules may test: its type, its allowed values (for enums) and what it means."""

    name: str
    kind: str  # "enum" | "int" | "float" | "bool"
    doc: str
    values: tuple[str, ...] = ()

    @property
    def numeric(self) -> bool:
        return self.kind in ("int", "float")


def _enum(name: str, values: tuple[str, ...], doc: str) -> Fact:
    return Fact(name, "enum", doc, values)


SIZE_CLASSES = ("tiny", "small", "medium", "large", "huge")
SCALES = ("unit", "small", "byte", "large", "unknown")
IMBALANCE = ("none", "moderate", "severe")

RECOMMEND_FACTS: dict[str, Fact] = {f.name: f for f in [
    _enum("problem_type", PROBLEM_TYPES, "What is predicted."),
    _enum("data_structure", DATA_STRUCTURES, "The shape of one example's information."),
    _enum("task", ("classification", "regression", "anomaly_detection", "seq2seq"),
          "problem_type grouped: binary/multiclass/multilabel are classification; "
          "regression/forecasting are regression."),
    Fact("n_samples", "int", "Training examples."),
    _enum("data_size", SIZE_CLASSES,
          "n_samples as a class: tiny < 1,000 <= small < 10,000 <= medium < 100,000 <= large "
          "< 1,000,000 <= huge."),
    Fact("input_rank", "int", "Number of axes of one example (len(input_shape))."),
    Fact("input_size", "int", "Number of input values in one example (product of input_shape)."),
    Fact("n_features", "int", "Tabular: columns. Time series / sequences: channels per step."),
    Fact("height", "int", "Image height (pixels)."),
    Fact("width", "int", "Image width (pixels)."),
    Fact("depth", "int", "3-D images: number of slices or frames."),
    Fact("channels", "int", "Image channels (1 grey, 3 RGB)."),
    Fact("min_side", "int", "Image: the smaller of height and width."),
    Fact("even_halvings", "int", "2-D image: how many times height and width both halve "
         "evenly (at most 4); a convolutional autoencoder can pool and upsample back that often."),
    Fact("seq_len", "int", "Text, time series, audio and sequences: steps per example."),
    Fact("token_input", "bool", "Examples are integer token ids (text, or rank-1 sequences)."),
    Fact("n_classes", "int", "Classes (multilabel: labels; seq2seq: output vocabulary)."),
    Fact("n_targets", "int", "Regression outputs; forecasting: series forecast."),
    Fact("forecast_horizon", "int", "Forecasting: steps ahead to predict (1 unless given)."),
    Fact("season_length", "int", "Time series: steps per season, when the series has one."),
    Fact("n_outputs", "int", "Units of the output layer."),
    _enum("label_encoding", ("integer", "one_hot", "multi_hot", "continuous"),
          "How targets are stored (the profile's value or the default for its problem type)."),
    Fact("minority_class_ratio", "float", "Share of the rarest class (when known)."),
    _enum("imbalance", IMBALANCE,
          "Class imbalance relative to an even split: the rarest class's share times n_classes "
          "(binary: times 2) is >= 0.5 none, >= 0.1 moderate, below that severe. Absent when "
          "the ratio is unknown."),
    Fact("samples_per_class", "int", "n_samples / n_classes (classification)."),
    Fact("missing_ratio", "float", "Share of missing feature values (when known)."),
    Fact("categorical_features", "int", "Categorical columns (when known)."),
    Fact("vocab_size", "int", "Distinct tokens (when known)."),
    Fact("pretrained", "bool", "A pretrained backbone may be used."),
    _enum("complexity", ("low", "medium", "high"),
          "The document's model complexity: given, or derived from size and shape."),
    Fact("complexity_given", "bool", "The user gave complexity (rather than it being derived)."),
    Fact("label_encoding_given", "bool",
         "The profile states label_encoding (rather than it being the default)."),
    _enum("compute", ("cpu", "gpu"), "Where training runs."),
    _enum("input_scale", SCALES,
          "Observed input range: unit (|x| <= 1), byte (images whose values lie in 0..255 and "
          "reach above 127: 8-bit pixels), small (|x| <= 20), large (anything wider), unknown "
          "(no input_range given)."),
    _enum("target_scale", SCALES,
          "Regression targets' observed range, as input_scale (absent for other tasks)."),
    Fact("target_min", "float", "Smallest observed target (regression, when known)."),
    Fact("samples_per_feature", "int", "n_samples / input_size, rounded down."),
    _enum("family", MODEL_FAMILIES,
          "The model family the model rules chose. Known to every facet except model "
          "(model rules are evaluated first)."),
]}


def _size_class(n: int) -> str:
    for limit, name in ((1_000, "tiny"), (10_000, "small"), (100_000, "medium"),
                        (1_000_000, "large")):
        if n < limit:
            return name
    return "huge"


def _scale(value_range: Optional[list[float]], *, images: bool = False) -> str:
    if value_range is None:
        return "unknown"
    low, high = value_range
    biggest = max(abs(low), abs(high))
    if biggest <= 1.0:
        return "unit"
    if images and low >= 0 and 127 < high <= 255:
        return "byte"
    if biggest <= 20:
        return "small"
    return "large"


def _even_halvings(height: int, width: int, limit: int = 4) -> int:
    count = 0
    while count < limit and height % 2 == 0 and width % 2 == 0 and min(height, width) >= 4:
        height, width, count = height // 2, width // 2, count + 1
    return count


def _imbalance(profile: DatasetProfile) -> Optional[str]:
    ratio = profile.minority_class_ratio
    if ratio is None or profile.n_classes is None:
        return None
    groups = 2 if profile.problem_type in ("binary", "multilabel") else profile.n_classes
    relative = ratio * groups
    if relative >= 0.5:
        return "none"
    if relative >= 0.1:
        return "moderate"
    return "severe"


def n_outputs(profile: DatasetProfile) -> int:
    """Units of the output layer the recommended model ends in."""
    kind = profile.problem_type
    if kind == "binary":
        return 1
    if kind in ("multiclass", "multilabel", "seq2seq"):
        return int(profile.n_classes or 0)
    if kind == "anomaly_detection":
        return math.prod(profile.input_shape)
    if kind == "forecasting":
        return profile.n_targets * profile.effective_horizon
    return profile.n_targets


def profile_facts(profile: DatasetProfile) -> dict[str, Any]:
    """Flatten a validated profile into the recommend fact vocabulary (absent = unknown)."""
    shape = profile.input_shape
    structure = profile.data_structure
    kind = profile.problem_type
    facts: dict[str, Any] = {
        "problem_type": kind,
        "data_structure": structure,
        "task": "classification" if kind in CLASSIFICATION else (
            "regression" if kind in ("regression", "forecasting") else kind),
        "n_samples": profile.n_samples,
        "data_size": _size_class(profile.n_samples),
        "input_rank": len(shape),
        "input_size": math.prod(shape),
        "samples_per_feature": profile.n_samples // math.prod(shape),
        "pretrained": profile.pretrained,
        "complexity": profile.effective_complexity,
        "complexity_given": profile.complexity is not None,
        "label_encoding_given": profile.label_encoding is not None,
        "compute": profile.compute,
        "n_outputs": n_outputs(profile),
        "input_scale": _scale(profile.input_range, images=structure == "image"),
    }
    if structure == "tabular":
        facts["n_features"] = shape[0]
    elif structure == "image":
        height, width, channels = shape[-3:]
        facts.update(height=height, width=width, channels=channels, min_side=min(height, width))
        if len(shape) == 4:
            facts["depth"] = shape[0]
        else:
            facts["even_halvings"] = _even_halvings(height, width)
    else:
        facts["seq_len"] = shape[0]
        if len(shape) >= 2:
            facts["n_features"] = math.prod(shape[1:])
    facts["token_input"] = structure == "text" or (structure == "sequence" and len(shape) == 1)
    if profile.n_classes is not None:
        facts["n_classes"] = profile.n_classes
        if kind in CLASSIFICATION:
            facts["samples_per_class"] = profile.n_samples // profile.n_classes
    if kind == "forecasting":
        facts["forecast_horizon"] = profile.effective_horizon
    if profile.season_length is not None:
        facts["season_length"] = profile.season_length
    if kind in ("regression", "forecasting"):
        facts["n_targets"] = profile.n_targets
        facts["target_scale"] = _scale(profile.target_range)
        if profile.target_range is not None:
            facts["target_min"] = profile.target_range[0]
    encoding = profile.effective_label_encoding
    if encoding is not None:
        facts["label_encoding"] = encoding
    if profile.minority_class_ratio is not None:
        facts["minority_class_ratio"] = profile.minority_class_ratio
        facts["imbalance"] = _imbalance(profile)
    for name in ("missing_ratio", "categorical_features", "vocab_size"):
        value = getattr(profile, name)
        if value is not None:
            facts[name] = value
    return sanitize(facts)


def sanitize(facts: Mapping[str, Any]) -> dict[str, Any]:
    """Make a fact dict safe for durable-rules (and identical for the reference evaluator).

    Rounds floats to 6 decimals, turns magnitudes below 1e-4 into 0.0 (exponent-form numbers
    crash the engine's parser) and rejects non-finite or huge numbers and non-scalar values.
    """
    clean: dict[str, Any] = {}
    for name, value in facts.items():
        if value is None:
            continue
        if isinstance(value, bool) or isinstance(value, str):
            clean[name] = value
        elif isinstance(value, (int, float)):
            if not math.isfinite(value) or abs(value) >= NUMBER_CEILING:
                raise FactRangeError(name, value)
            if isinstance(value, int):
                clean[name] = value
                continue
            value = round(value, 6)
            clean[name] = 0.0 if abs(value) < FLOAT_FLOOR else value
        else:
            raise TypeError(f"fact {name} must be a scalar, got {type(value).__name__}")
    return clean
