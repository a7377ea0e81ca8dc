"""Pydantic models of what the advisor produces: the setup, the recommendation, the config file.

``Recommendation`` serializes to the JSON keys fixed in DESIGN.md; ``TrainingConfig`` is the file
``advisor recommend --format config`` writes and ``audit``/``verify`` read back (YAML or JSON).
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Literal, Optional

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .errors import AdvisorError, format_validation_error
from .profile import DatasetProfile
from .steps import checked_step
from .vocab import ModelFamily



class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _Open(BaseModel):
    """A spec that carries further keyword arguments for its Keras object."""

    model_config = ConfigDict(extra="allow")


class OutputSpec(_Strict):
    units: int = Field(ge=1)
    activation: str


class ModelSpec(_Strict):
    family: ModelFamily
    layers: list[dict[str, Any]] = Field(
        min_length=2, description="Keras layers in order: {'type': class name, **arguments}; "
        "the first is the Input, the last the output layer.")
    output: OutputSpec


class LossSpec(_Open):
    name: str
    from_logits: bool = False


class OptimizerSpec(_Open):
    name: str
    learning_rate: float = Field(gt=0, lt=10)


class ScheduleSpec(_Open):
    name: str


class EarlyStoppingSpec(_Strict):
    monitor: str = "val_loss"
    patience: int = Field(ge=0)
    restore_best_weights: bool = True
    min_delta: float = 0.0


class RegularizationSpec(_Strict):
    dropout: float = Field(ge=0, lt=1)
    l1: float = Field(ge=0)
    l2: float = Field(ge=0)
    early_stopping: Optional[EarlyStoppingSpec] = None
    augmentation: list[dict[str, Any]] = Field(default_factory=list)


class TrainingSpec(_Strict):
    batch_size: int = Field(ge=1)
    epochs: int = Field(ge=1)
    validation_split: float = Field(ge=0, lt=1)
    class_weight: Optional[Literal["balanced"]] = None


class TrainingSetup(_Strict):
    """A complete training setup: what to build, how to train it, how to prepare the data."""

    model: ModelSpec
    loss: LossSpec
    optimizer: OptimizerSpec
    lr_schedule: Optional[ScheduleSpec] = None
    regularization: RegularizationSpec
    training: TrainingSpec
    preprocessing: list[dict[str, Any]] = Field(
        default_factory=list, description="the data pipeline in order; each entry is one of "
        "advisor.steps' models ({'step': name, **arguments})")
    metrics: list[str] = Field(min_length=1)

    @field_validator("preprocessing")
    @classmethod
    def _known_steps(cls, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
        # each entry is checked against its step model (advisor.steps) and kept as written
        checked = []
        for index, step in enumerate(steps):
            try:
                checked.append(checked_step(step))
            except ValidationError as exc:
                problems = "; ".join(
                    ".".join(str(p) for p in error["loc"][1:]) + f": {error['msg']}"
                    if len(error["loc"]) > 1 else error["msg"] for error in exc.errors())
                raise ValueError(f"step {index}: {problems}") from None
        return checked


class RationaleEntry(_Strict):
    facet: str
    slot: str
    rule: str
    name: str
    value: Any = None
    because: str
    source: str
    departs: Optional[str] = None


class Alternative(_Strict):
    slot: str
    rule: str
    name: str
    value: Any = None
    because: str


CONFIG_VERSION = 1


class TrainingConfig(TrainingSetup):
    """An advisor config file: a setup, with the profile it was made for."""

    advisor_config: Literal[1] = CONFIG_VERSION
    profile: Optional[DatasetProfile] = None

    def to_yaml(self) -> str:
        import yaml

        return yaml.safe_dump(self.model_dump(mode="json", exclude_none=False), sort_keys=False)

    def to_json(self) -> str:
        return self.model_dump_json(indent=2)

    @classmethod
    def from_text(cls, text: str, *, where: str = "<config>") -> "TrainingConfig":
        """Read a config from YAML or JSON text (YAML is a superset; ``safe_load`` only)."""
        from .textio import parse_mapping

        data = parse_mapping(text, where=where)
        try:
            return cls.model_validate(data)
        except ValidationError as exc:
            raise AdvisorError(format_validation_error(exc, what="training config",
                                                       where=where)) from None

    @classmethod
    def from_file(cls, path: str | Path) -> "TrainingConfig":
        from .textio import read_text

        return cls.from_text(read_text(path), where=str(path))


class Recommendation(TrainingSetup):
    """A recommended setup with the reason and source for every value.

    ``rationale`` has one entry per decision (slot), each naming its facet; ``alternatives`` are
    rules that also matched but lost to a more specific one.
    """

    profile: DatasetProfile
    facts: dict[str, Any]
    caveats: list[str] = Field(default_factory=list, description=(
        "warnings where the data is a poor fit for the advice; the rule and its measurement "
        "are in the rationale (slot 'caveat')"))
    rationale: list[RationaleEntry]
    alternatives: list[Alternative] = Field(default_factory=list)

    def explain(self, facet: str) -> str:
        """Why the advisor chose what it chose for a facet (or a single slot), as text.

        Example:
            >>> print(rec.explain("loss"))
        """
        entries = [e for e in self.rationale if facet in (e.facet, e.slot)]
        if not entries:
            known = sorted({e.facet for e in self.rationale} | {e.slot for e in self.rationale})
            raise AdvisorError(f"unknown facet {facet!r}; expected one of {', '.join(known)}")
        lines = []
        for entry in entries:
            lines.append(f"{entry.slot} = {json.dumps(entry.value)}  [{entry.rule} {entry.name}]")
            lines.append(f"  because: {entry.because}")
            if entry.departs:
                lines.append(f"  departs from the source document: {entry.departs}")
            lines.append(f"  source: {entry.source}")
            for alt in self.alternatives:
                if alt.slot == entry.slot:
                    lines.append(f"  also matched: {alt.rule} {alt.name} -> {json.dumps(alt.value)}")
        return "\n".join(lines)

    def setup(self) -> TrainingSetup:
        return TrainingSetup.model_validate(
            self.model_dump(include=set(TrainingSetup.model_fields)))

    def to_config(self) -> TrainingConfig:
        data = self.model_dump(include=set(TrainingSetup.model_fields))
        return TrainingConfig.model_validate({**data, "profile": self.profile})

    def to_dict(self) -> dict[str, Any]:
        return self.model_dump(mode="json")
