"""Measuring a DatasetProfile: the toolkit every format shares (limits, the measure being built
with its evidence, finishing it into a validated profile). The formats: ``_tables`` (streamed
tabular chunks), ``_arrays``, ``_images``; targets: ``_target``.

Heuristics (each value keeps its evidence, shown by ``advisor profile``):

* problem type from the target(s): booleans and 2 distinct values -> binary; string labels ->
  classes; whole numbers (integer columns, or floats that are all whole numbers) -> classes when
  there are at most 20 distinct values or at most 200 forming the codes 0..k-1 or 1..k, else
  regression; other floats -> regression. Several target columns: all 0/1 with exactly one 1 per
  row -> one-hot classes; all 0/1 otherwise -> multilabel; numeric -> multi-output regression.
* data structure: --text-column (or a single free-text feature column) -> text; --time-column or
  --forecast-horizon -> time_series; a folder -> image; an array of rank 3+ -> image; else tabular.
* categorical features: string columns, plus integer columns that look like codes: 3-10
  distinct values that are not evenly spaced (e.g. 3, 17, 42), or up to 50 distinct values in a
  column named like a code (..._id, ...code, ...type, ...category, ...class). Small evenly
  spaced integer ranges (pixel intensities 0..16, ratings 1..5, counts) stay numeric.
* text: tokens are lower-cased whitespace-separated words; sequence length = the 95th
  percentile of tokens per text (at most 512); vocab_size = distinct tokens (counted up to
  1,000,000), both on the first SAMPLE_ROWS texts.
* time series: one example is a window of past steps: window = the larger of 4 x forecast
  horizon, 2 seasons (when the series has one) and 24 steps, at most 512 (32 without a
  horizon), and never more than a third of the series (but at least one season);
  n_samples = the number of windows. The time column must be increasing: the advisor never
  reorders data (windows follow file order), so an unsorted file is an error.
* large files are streamed in chunks of bounded size: row counts, ranges, missing values,
  string columns and target classes are exact; text statistics use the first SAMPLE_ROWS rows.
"""

from __future__ import annotations

import re
from typing import Any

from ..profile import ALLOWED_LABEL_ENCODING, CLASSIFICATION, load_profile
from .models import ProfiledData, Provenance

SAMPLE_ROWS = 100_000          # text statistics: the first rows of a large file
CELL_BUDGET = 4_000_000        # cells per streamed chunk (rows x columns)
MAX_DISTINCT = 10_000          # distinct target values tracked; more -> not a class label
VOCAB_CAP = 1_000_000
SEQUENCE_CAP = 512
SERIES_CAP = 200_000           # steps of a series kept to measure its season length
IMAGE_SAMPLE = 2_000           # image headers read when profiling a folder
AUTO_TARGETS = ("target", "label", "labels", "class", "y")
CODE_NAME = re.compile(r"(^|_)(id|code|type|category|cat|class|kind|group)$", re.IGNORECASE)


def fmt_num(value: float) -> str:
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return str(int(value))
    return f"{value:.6g}"


def examples_text(values: list[Any], limit: int = 5) -> str:
    shown = [repr(v) if isinstance(v, str) else fmt_num(v) if isinstance(v, (int, float))
             else repr(v) for v in values[:limit]]
    return ", ".join(shown) + (", ..." if len(values) > limit else "")


def plain_value(value: Any) -> Any:
    """A numpy scalar as the Python value; whole floats as int."""
    if hasattr(value, "item"):
        value = value.item()
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


class Measure:
    """Field values with their provenance, notes, and whether a sample was used."""

    def __init__(self, source: str, fmt: str):
        self.source = source
        self.format = fmt
        self.values: dict[str, Any] = {}
        self.provenance: dict[str, Provenance] = {}
        self.notes: list[str] = []
        self.sampled = False

    def set(self, field: str, value: Any, evidence: str, how: str = "measured") -> None:
        self.values[field] = value
        self.provenance[field] = Provenance(how=how, evidence=evidence)  # type: ignore[arg-type]

    def drop(self, field: str) -> None:
        self.values.pop(field, None)
        self.provenance.pop(field, None)


# -- finishing: overrides, pruning, validation -----------------------------------------------

def finish(measure: Measure, overrides: dict[str, Any], **extra: Any) -> ProfiledData:
    values = dict(measure.values)
    provenance = dict(measure.provenance)
    for field, value in overrides.items():
        if value is None:
            continue
        was = values.get(field)
        values[field] = value
        evidence = "command-line flag" if field not in measure.values else (
            f"command-line flag (measured: {shown(was)})")
        provenance[field] = Provenance(how="given", evidence=evidence)
    problem = values.get("problem_type")
    structure = values.get("data_structure")

    def drop(field: str) -> None:
        if field in values and field not in overrides:
            values.pop(field)
            provenance.pop(field, None)

    if problem not in CLASSIFICATION:
        drop("minority_class_ratio")
        if problem != "seq2seq":
            drop("n_classes")
    if problem not in ("regression", "forecasting"):
        drop("target_range")
        drop("n_targets")
    if problem != "forecasting":
        drop("forecast_horizon")
    if structure not in ("time_series", "sequence"):
        drop("season_length")
    if "label_encoding" in values and problem in ALLOWED_LABEL_ENCODING and \
            values["label_encoding"] not in ALLOWED_LABEL_ENCODING[problem]:
        drop("label_encoding")
    if problem == "multiclass" and values.get("n_classes") == 2:
        drop("n_classes")
    if structure not in ("text", "sequence"):
        drop("vocab_size")
    if structure != "tabular":
        drop("categorical_features")
    if problem == "multiclass" and "minority_class_ratio" in values and values.get("n_classes") \
            and values["minority_class_ratio"] > 1 / values["n_classes"]:
        drop("minority_class_ratio")
    where = f"{measure.source} (measured profile)"
    profile = load_profile(values, where=where)  # ProfileError: flags contradict a measured value
    ordered = {field: provenance[field] for field in type(profile).model_fields
               if field in provenance}
    return ProfiledData(profile=profile, provenance=ordered, sampled=measure.sampled,
                        source=measure.source, format=measure.format, notes=measure.notes,
                        **extra)


def shown(value: Any) -> str:
    return "none" if value is None else str(value)
