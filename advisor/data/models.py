"""What ``advisor profile`` returns: the measured DatasetProfile and how each field was obtained.

Only pydantic here: importing this module never imports numpy, pandas or Pillow.
"""

from __future__ import annotations

from typing import Literal, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..profile import DatasetProfile

How = Literal["measured", "given", "derived", "default"]


class Provenance(BaseModel):
    """How one profile field was obtained: measured from the data, given by a flag, derived
    from other values by a documented rule, or a default."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    how: How
    evidence: str


class ColumnInfo(BaseModel):
    """One column of a tabular source and the role the profiler gave it."""

    model_config = ConfigDict(extra="forbid")

    name: str
    role: Literal["feature", "target", "time", "text", "ignored"]
    kind: Literal["numeric", "integer", "bool", "string", "datetime", "empty"]
    missing: int = 0
    reason: Optional[str] = None  # why an ignored column is left out of the features


class ProfiledData(BaseModel):
    """A data set's DatasetProfile with the provenance of every field.

    ``sampled`` is True when some values were measured on a sample (the evidence of those
    fields says which sample); ``notes`` are things a user should know (ignored columns, rows
    without a target, ...).
    """

    model_config = ConfigDict(extra="forbid")

    profile: DatasetProfile
    provenance: dict[str, Provenance] = Field(default_factory=dict)
    sampled: bool = False
    source: str
    format: str
    n_rows: Optional[int] = None
    targets: list[str] = Field(default_factory=list)
    text_column: Optional[str] = None
    time_column: Optional[str] = None
    forecast_horizon: Optional[int] = None
    columns: list[ColumnInfo] = Field(default_factory=list)
    notes: list[str] = Field(default_factory=list)
    # how the source was read (columns, target encoding and classes, array keys, image size),
    # so that a program can read a file the same way (the script of recommend --format keras)
    plan: Optional[dict] = Field(None, exclude=True)

    def to_dict(self) -> dict:
        """The JSON shape of ``advisor profile --format json``: the profile's fields under
        ``profile`` (keys exactly the DatasetProfile field names), ``provenance`` by field."""
        return {
            "profile": self.profile.model_dump(mode="json", exclude_none=True),
            "provenance": {k: v.model_dump() for k, v in self.provenance.items()},
            "sampled": self.sampled,
            "source": self.source,
            "format": self.format,
            "n_rows": self.n_rows,
            "targets": self.targets,
            "text_column": self.text_column,
            "time_column": self.time_column,
            "forecast_horizon": self.forecast_horizon,
            "columns": [c.model_dump() for c in self.columns],
            "notes": self.notes,
        }
