"""The target column(s): what they say about the problem type, classes and encoding."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any, Optional

from ..errors import AdvisorError
from ..profile import CLASSIFICATION
from ._measure import MAX_DISTINCT, Measure, examples_text, plain_value
from .models import Provenance

# -- targets ------------------------------------------------------------------------------------

class SingleValueTarget(AdvisorError):
    """The target column holds one value in every row read."""


class TargetStats:
    """Streaming statistics of one target column."""

    def __init__(self, name: str):
        self.name = name
        self.kinds: set[str] = set()
        self.counts: Optional[Counter] = Counter()
        self.low = math.inf
        self.high = -math.inf
        self.integral = True
        self.n = 0
        self.mixed_example: Optional[tuple[Any, Any]] = None

    def update(self, series: Any) -> None:
        import pandas as pd

        s = series.dropna()
        if not len(s):
            return
        self.n += len(s)
        kind = s.dtype.kind
        if kind == "b":
            self.kinds.add("bool")
            s = s.astype("int64")
        elif kind in "iuf":
            self.kinds.add("float" if kind == "f" else "int")
        else:
            numbers = pd.to_numeric(s, errors="coerce")
            good = int(numbers.notna().sum())
            if good == len(s):
                s = numbers
                self.kinds.add("float")
            elif good == 0:
                self.kinds.add("str")
                s = s.astype(str)
            else:
                self.kinds.add("mixed")
                self.mixed_example = (s[numbers.notna()].iloc[0], s[numbers.isna()].iloc[0])
                return
        if s.dtype.kind in "iuf":
            values = s.to_numpy()
            self.low = min(self.low, float(values.min()))
            self.high = max(self.high, float(values.max()))
            if s.dtype.kind == "f" and self.integral:
                import numpy as np

                self.integral = bool(np.all(np.mod(values, 1) == 0))
        if self.counts is not None:
            for value, count in s.value_counts(sort=False).items():
                self.counts[plain_value(value)] += int(count)
            if len(self.counts) > MAX_DISTINCT:
                self.counts = None

    @property
    def kind(self) -> str:
        kinds = set(self.kinds)
        if "mixed" in kinds or ("str" in kinds and kinds & {"int", "float", "bool"}):
            return "mixed"
        if "str" in kinds:
            return "str"
        if "float" in kinds:
            return "float"
        if kinds:
            return "int"
        return "empty"

    @property
    def distinct(self) -> Optional[int]:
        return None if self.counts is None else len(self.counts)

    def classes(self) -> list[Any]:
        assert self.counts is not None
        try:
            return sorted(self.counts)
        except TypeError:
            return sorted(self.counts, key=str)

    def check(self, where: str) -> None:
        if self.kind == "mixed":
            num, text = self.mixed_example or ("?", "?")
            raise AdvisorError(
                f"target column {self.name!r} mixes numbers and text (e.g. {num!r} and "
                f"{text!r}); a target must be all class labels or all numbers: fix or remove "
                "the odd values", where=where)
        if self.kind == "empty":
            raise AdvisorError(f"target column {self.name!r} has no values", where=where)
        if self.distinct == 1:
            (value,) = list(self.counts or {})
            raise SingleValueTarget(
                f"target column {self.name!r} has a single value ({value!r}) in all {self.n} "
                "rows: there is nothing to learn; check that this is the right column and "
                "the whole file", where=where)


def _is_code_run(values: list[Any]) -> bool:
    k = len(values)
    return values == list(range(k)) or values == list(range(1, k + 1))


def infer_target(stats: list[TargetStats], measure: Measure, *, given_problem: Optional[str],
                 n: int, one_hot_rows: bool, where: str) -> dict[str, Any]:
    """Set problem_type, n_classes, label_encoding, minority_class_ratio, target_range and
    n_targets from the target statistics; returns how to encode the target for loading:
    {"encoding": "codes"|"one_hot"|"multi_hot"|"continuous", "classes": [...]}."""
    for s in stats:
        s.check(where)
    names = ", ".join(repr(s.name) for s in stats)
    if given_problem in ("anomaly_detection", "seq2seq"):
        return {"encoding": "raw", "classes": None}
    if given_problem in ("regression", "forecasting"):
        return _continuous(stats, measure, names, where, given=True)
    if len(stats) > 1:
        binary_cols = all(s.kind in ("int", "float") and s.integral and s.counts is not None
                          and set(s.counts) <= {0, 1} for s in stats)
        if binary_cols and one_hot_rows and given_problem != "multilabel":
            k = len(stats)
            positives = [s.counts.get(1, 0) for s in stats]  # type: ignore[union-attr]
            problem = "binary" if k == 2 else "multiclass"
            measure.set("problem_type", problem,
                        f"{k} 0/1 target columns ({names}) with exactly one 1 per row: one-hot "
                        "classes")
            measure.set("n_classes", k, f"{k} one-hot target columns")
            measure.set("label_encoding", "one_hot", "one 1 per row across the target columns")
            measure.set("minority_class_ratio", round(min(positives) / n, 6),
                        f"rarest class {stats[positives.index(min(positives))].name!r}: "
                        f"{min(positives)} of {n} rows")
            return {"encoding": "one_hot", "classes": [s.name for s in stats]}
        if binary_cols:
            k = len(stats)
            shares = [min(s.counts.get(1, 0), s.counts.get(0, 0)) for s in stats]  # type: ignore[union-attr]
            rare = stats[shares.index(min(shares))]
            measure.set("problem_type", "multilabel",
                        f"{k} target columns ({names}), all 0/1, some rows with several 1s")
            measure.set("n_classes", k, f"{k} label columns")
            measure.set("label_encoding", "multi_hot", "0/1 columns, one per label")
            measure.set("minority_class_ratio", round(min(shares) / n, 6),
                        f"rarest label value: {rare.name!r} has {min(shares)} of {n} rows on its "
                        "less frequent side")
            return {"encoding": "multi_hot", "classes": [s.name for s in stats]}
        if given_problem == "multilabel":
            raise AdvisorError(f"multilabel targets must be 0/1 columns; {names} hold other "
                               "values", where=where)
        if all(s.kind in ("int", "float") for s in stats):
            return _continuous(stats, measure, names, where, given=False)
        bad = [s.name for s in stats if s.kind not in ("int", "float")]
        raise AdvisorError(
            f"several target columns must be 0/1 label columns (multilabel) or numbers "
            f"(multi-output regression); {', '.join(map(repr, bad))} hold text labels: give a "
            "single --target for a class column", where=where)
    s = stats[0]
    if given_problem == "multilabel":
        raise AdvisorError(
            f"multilabel targets are several 0/1 columns, one per label; give each with "
            f"--target (got the single column {s.name!r})", where=where)
    k = s.distinct
    if s.kind == "str":
        if k is None or (k > 1000) or (k > 50 and k > 0.5 * n):
            raise AdvisorError(
                f"target column {s.name!r} holds text with "
                f"{'more than ' + str(MAX_DISTINCT) if k is None else k} distinct values in "
                f"{n} rows: it looks like an identifier or free text, not a class label; "
                "choose the label column with --target (text to learn from goes in "
                "--text-column)", where=where)
        classes = s.classes()
        evidence = f"{k} distinct text labels in {s.name!r} ({examples_text(classes)})"
        return _classes(s, measure, classes, evidence, n, given_problem, where)
    if s.kind == "int" or s.integral:
        classes = s.classes() if k is not None else None
        stored = "" if s.kind == "int" and "bool" not in s.kinds else (
            " (booleans)" if s.kinds == {"bool"} else " (stored as floats, all whole numbers)")
        if given_problem in CLASSIFICATION or (classes is not None and (
                k <= 20 or (k <= 200 and _is_code_run(classes)))):  # type: ignore[operator]
            if classes is None:
                raise AdvisorError(
                    f"target column {s.name!r} has more than {MAX_DISTINCT} distinct values; "
                    "that is not a set of classes (use --problem-type regression)", where=where)
            evidence = (f"{k} distinct whole-number values in {s.name!r}{stored} "
                        f"({examples_text(classes)})")
            return _classes(s, measure, classes, evidence, n, given_problem, where)
        result = _continuous(stats, measure, names, where, given=False)
        measure.provenance["problem_type"] = Provenance(
            how="measured",
            evidence=f"{'more than ' + str(MAX_DISTINCT) if k is None else k} distinct "
            f"whole-number values in {s.name!r}{stored}: too many for classes (more than 20 "
            "that are not the codes 0..k-1), so a numeric target")
        return result
    if given_problem in CLASSIFICATION:
        if k is None:
            raise AdvisorError(
                f"target column {s.name!r} holds more than {MAX_DISTINCT} distinct decimal "
                f"values; that is not a set of classes", where=where)
        classes = s.classes()
        return _classes(s, measure, classes, f"{k} distinct values in {s.name!r}", n,
                        given_problem, where)
    if k == 2:
        classes = s.classes()
        return _classes(s, measure, classes,
                        f"2 distinct decimal values in {s.name!r} ({examples_text(classes)})", n,
                        given_problem, where)
    return _continuous(stats, measure, names, where, given=False)


def _classes(s: TargetStats, measure: Measure, classes: list[Any], evidence: str, n: int,
             given_problem: Optional[str], where: str) -> dict[str, Any]:
    assert s.counts is not None
    k = len(classes)
    problem = "binary" if k == 2 else "multiclass"
    measure.set("problem_type", problem, evidence)
    measure.set("n_classes", k, f"{k} distinct values in {s.name!r}")
    measure.set("label_encoding", "integer",
                f"one class label per row in {s.name!r} (loaded as integer codes 0..{k - 1})")
    rare = min(classes, key=lambda c: s.counts[c])  # type: ignore[index]
    measure.set("minority_class_ratio", round(s.counts[rare] / s.n, 6),
                f"rarest class {rare!r}: {s.counts[rare]} of {s.n} rows")
    return {"encoding": "codes", "classes": classes}


def _continuous(stats: list[TargetStats], measure: Measure, names: str, where: str, *,
                given: bool) -> dict[str, Any]:
    for s in stats:
        if s.kind not in ("int", "float"):
            raise AdvisorError(
                f"target column {s.name!r} holds text labels; a regression or forecasting "
                "target must be numeric", where=where)
    low = min(s.low for s in stats)
    high = max(s.high for s in stats)
    if not given:
        distinct = [s.distinct for s in stats]
        many = ", ".join(f"{'>' + str(MAX_DISTINCT) if d is None else d}" for d in distinct)
        measure.set("problem_type", "regression",
                    f"numeric target{'s' if len(stats) > 1 else ''} {names} with many distinct "
                    f"values ({many})")
    measure.set("target_range", [low, high], f"min and max of {names}")
    measure.set("label_encoding", "continuous", "numeric target values")
    if len(stats) > 1:
        measure.set("n_targets", len(stats), f"{len(stats)} target columns ({names})")
    return {"encoding": "continuous", "classes": None}
