"""The diagnose rules: what a training history says, and what to change next.

A run's Keras history (per-epoch ``loss`` and ``val_loss``), its epoch budget and its score
against the trivial baseline become flat facts (:data:`DIAGNOSE_FACTS`); the rules in
``rules/diagnose/*.yaml`` (same format and engine as audit: severity, message, fix, because,
source, must-fire / must-not-fire examples) turn them into findings. A rule's ``autofix`` names
*knobs* of the setup and how to move them, e.g. ``{dropout: {add: 0.2, max: 0.5}}`` or
``{learning_rate: {multiply: 0.5}}``; ``advisor verify --refine`` applies them once
(:func:`apply_adjustments`) and trains again.

This module imports no Keras: the facts are plain arithmetic on lists of floats.
"""

from __future__ import annotations

import copy
import math
from typing import Any, Mapping, Optional, Sequence

from pydantic import BaseModel, ConfigDict, Field, ValidationError

from .errors import AdvisorError, RuleError, format_validation_error
from .facts import Fact
from .models import TrainingSetup
from .rules.compile import RuleBase, RuleFamily
from .rules.findings import check_finding_rule, findings_for, run_finding_examples
from .rules.language import Rule, RuleFile
from .vocab import SEVERITY_RANK

RECENT_EPOCHS = 5  # "recent" improvement is measured over this many last epochs
RATIO_LIMIT = 1000.0  # ratios are clipped to +-this (the engine takes no inf)


def _fact(name: str, kind: str, doc: str, values: tuple[str, ...] = ()) -> Fact:
    return Fact(name, kind, doc, values)


DIAGNOSE_FACTS: dict[str, Fact] = {f.name: f for f in [
    _fact("task", "enum", "classification or regression (forecasting counts as regression).",
          ("classification", "regression")),
    _fact("has_validation", "bool", "The run had validation data (val_loss per epoch)."),
    _fact("epochs_planned", "int", "The epoch budget the run was given."),
    _fact("epochs_run", "int", "Epochs actually trained."),
    _fact("best_epoch", "int",
          "1-based epoch of the lowest monitored loss (val_loss, else loss)."),
    _fact("best_epoch_ratio", "float", "best_epoch / epochs_run (1.0: the last epoch was best)."),
    _fact("has_early_stopping", "bool", "The setup stops early on a plateau."),
    _fact("stopped_early", "bool", "Training ended before the epoch budget."),
    _fact("nan_seen", "bool", "A loss became NaN or infinite."),
    _fact("train_loss_first", "float", "Training loss of the first epoch."),
    _fact("train_loss_last", "float", "Training loss of the last epoch."),
    _fact("train_loss_drop", "float",
          "(first - last) / |first| of the training loss: the share of the first epoch's loss "
          "removed by training (negative: it grew)."),
    _fact("train_loss_rise", "float",
          "(last - lowest) / |lowest| of the training loss: how far it climbed back up."),
    _fact("val_loss_rise", "float",
          "(last - lowest) / |lowest| of the validation loss: how far it rose after its best."),
    _fact("train_improved_after_best", "bool",
          "The training loss kept falling after the best validation epoch."),
    _fact("gap_ratio", "float",
          "val_loss / loss at the last epoch (1: no generalization gap; needs positive losses)."),
    _fact("recent_improvement", "float",
          f"Relative fall of the monitored loss over the last {RECENT_EPOCHS} epochs "
          "(0: flat, negative: it rose)."),
    _fact("train_recent_improvement", "float",
          f"Relative fall of the training loss over the last {RECENT_EPOCHS} epochs (0: flat, "
          "negative: it rose)."),
    _fact("skill", "float",
          "Share of the gap between the trivial baseline and a perfect score the run closed, on "
          "the primary metric (1 perfect, 0 no better than trivial); validation part."),
    _fact("skill_vs_default", "float",
          "skill minus the skill of the document's default setup trained beside it on the same "
          "split (negative: the run did worse than the default); only for runs compared with "
          "the default."),
]}


# -- facts from a history -------------------------------------------------------------------------

class RunSummary(BaseModel):
    """What the diagnosis reads from a run; also the shape of a rule's fixture example."""

    model_config = ConfigDict(extra="forbid")

    loss: list[float] = Field(min_length=1, description="training loss per epoch")
    val_loss: Optional[list[float]] = Field(default=None, description="validation loss per epoch")
    epochs_planned: Optional[int] = Field(default=None, ge=1,
                                          description="the epoch budget (default: epochs run)")
    early_stopping: bool = Field(default=False, description="the setup stops early")
    skill: Optional[float] = None
    default_skill: Optional[float] = Field(
        default=None, description="skill of the document's default setup on the same split")
    task: Optional[str] = None


def _finite(values: Sequence[float]) -> list[float]:
    return [v for v in values if v is not None and math.isfinite(v)]


def _clip(value: float) -> float:
    return max(-RATIO_LIMIT, min(RATIO_LIMIT, value))


def history_facts(run: RunSummary) -> dict[str, Any]:
    """The diagnose facts of one run (unsanitized; absent where they cannot be computed)."""
    loss = list(run.loss)
    val = list(run.val_loss or [])
    epochs_run = len(loss)
    planned = run.epochs_planned or epochs_run
    facts: dict[str, Any] = {"epochs_planned": planned, "epochs_run": epochs_run,
                             "has_validation": bool(val),
                             "has_early_stopping": run.early_stopping,
                             "stopped_early": epochs_run < planned}
    if run.task:
        facts["task"] = "classification" if run.task in ("classification", "binary",
                                                         "multiclass", "multilabel") \
            else "regression"
    facts["nan_seen"] = len(_finite(loss)) < len(loss) or len(_finite(val)) < len(val)
    finite_loss = _finite(loss)
    monitored = val if val else loss
    curve = [v if v is not None and math.isfinite(v) else math.inf for v in monitored]
    if any(math.isfinite(v) for v in curve):
        best = min(range(len(curve)), key=curve.__getitem__)
        facts["best_epoch"] = best + 1
        facts["best_epoch_ratio"] = (best + 1) / epochs_run
        if len(finite_loss) == len(loss) and best + 1 < epochs_run:
            facts["train_improved_after_best"] = loss[-1] < loss[best]
        elif len(finite_loss) == len(loss):
            facts["train_improved_after_best"] = False
    if finite_loss:
        first, last, lowest = finite_loss[0], finite_loss[-1], min(finite_loss)
        facts["train_loss_first"] = _clip(first)
        facts["train_loss_last"] = _clip(last)
        if first != 0:
            facts["train_loss_drop"] = _clip((first - last) / abs(first))
        if lowest != 0:
            facts["train_loss_rise"] = _clip((last - lowest) / abs(lowest))
    finite_val = _finite(val)
    if finite_val and len(finite_val) == len(val):
        lowest = min(finite_val)
        if lowest != 0:
            facts["val_loss_rise"] = _clip((finite_val[-1] - lowest) / abs(lowest))
        if finite_loss and len(finite_loss) == len(loss) and loss[-1] > 0 and val[-1] > 0:
            facts["gap_ratio"] = _clip(val[-1] / loss[-1])
    for name, curve in (("recent_improvement", monitored), ("train_recent_improvement", loss)):
        if len(_finite(curve)) == len(curve) and len(curve) > 1:
            k = min(RECENT_EPOCHS, len(curve) - 1)
            before = curve[-k - 1]
            if before != 0:
                facts[name] = _clip((before - min(curve[-k:])) / abs(before))
    if run.skill is not None and math.isfinite(run.skill):
        facts["skill"] = _clip(run.skill)
        if run.default_skill is not None and math.isfinite(run.default_skill):
            facts["skill_vs_default"] = _clip(run.skill - run.default_skill)
    return facts


# -- the rule family ------------------------------------------------------------------------------

# knob -> operations it takes
KNOBS: dict[str, tuple[str, ...]] = {
    "dropout": ("add", "max"),
    "learning_rate": ("multiply", "min", "max"),
    "epochs": ("multiply", "max"),
    "width": ("multiply", "max"),
    "patience": ("multiply", "add", "max"),
    "l2": ("add", "max"),
}


def _check_rule(rule: Rule, rule_file: RuleFile, where: str) -> None:
    check_finding_rule(rule, "diagnose", DIAGNOSE_FACTS, where)
    for knob, change in (rule.autofix or {}).items():
        if knob not in KNOBS:
            raise RuleError(f"autofix knob {knob!r} is not one of {', '.join(KNOBS)}",
                            where=where)
        if not isinstance(change, Mapping) or not change or set(change) - set(KNOBS[knob]):
            raise RuleError(f"autofix {knob} takes a mapping of {', '.join(KNOBS[knob])}, got "
                            f"{change!r}", where=where)
        for op, amount in change.items():
            if isinstance(amount, bool) or not isinstance(amount, (int, float)) or amount <= 0:
                raise RuleError(f"autofix {knob}.{op} must be a positive number, got {amount!r}",
                                where=where)


def example_run(example: Mapping[str, Any], where: str = "<example>") -> RunSummary:
    try:
        return RunSummary.model_validate(dict(example))
    except ValidationError as exc:
        raise RuleError(format_validation_error(exc, what="example run", where=where)) from None


def _example_facts(example: Mapping[str, Any], where: str) -> dict[str, Any]:
    return history_facts(example_run(example, where))


#: every diagnose rule is DIAG and three digits, whatever its facet
DIAGNOSE_PREFIXES = {facet: "DIAG" for facet in ("model", "learning_rate", "regularization",
                                                 "training", "optimizer", "loss")}

DIAGNOSE = RuleFamily(
    "diagnose", "Diagnose rules", DIAGNOSE_FACTS, DIAGNOSE_PREFIXES, r"\d{3}", True, _check_rule, _example_facts,
    run_finding_examples, float_format=".3g",
    intro="What `advisor verify` reads in a training history (loss and val_loss per epoch, the "
          "epoch budget, the score against the trivial baseline) and what to change next; "
          "`--refine` applies the named change once and trains again.")


def diagnose_rules() -> RuleBase:
    """The compiled diagnose rules (loaded once per process)."""
    return DIAGNOSE.rulebase()


class Diagnosis(BaseModel):
    """One diagnose finding: shaped like audit's Finding, plus the knobs ``--refine`` moves."""

    model_config = ConfigDict(extra="forbid")

    run: str
    code: str
    name: str
    severity: str
    facet: str
    message: str
    fix: str
    because: str
    source: str
    adjust: dict[str, dict[str, float]] = Field(default_factory=dict)


def diagnose(run: RunSummary | Mapping[str, Any], *, name: str = "recommended",
             engine: Optional[Any] = None) -> list[Diagnosis]:
    """The diagnose findings for one run, most severe first.

    Example:
        >>> diagnose({"loss": [1.0, 0.5, 0.2, 0.1, 0.05], "val_loss": [1.0, 0.7, 0.8, 1.0, 1.3]})
    """
    summary = run if isinstance(run, RunSummary) else example_run(run, where=name)
    return [Diagnosis(run=name, **fields,
                      adjust={k: dict(v) for k, v in (compiled.rule.autofix or {}).items()})
            for compiled, fields in findings_for(diagnose_rules(), history_facts(summary),
                                                 engine=engine)]


# -- applying the advice --------------------------------------------------------------------------

WIDTH_ARGUMENTS = {"Dense": "units", "Conv1D": "filters", "Conv2D": "filters",
                   "Conv3D": "filters", "LSTM": "units", "GRU": "units", "SimpleRNN": "units"}


def _moved(value: float, change: Mapping[str, float]) -> float:
    if "multiply" in change:
        value = value * float(change["multiply"])
    if "add" in change:
        value = value + float(change["add"])
    if "max" in change:
        value = min(value, float(change["max"]))
    if "min" in change:
        value = max(value, float(change["min"]))
    return value


def apply_adjustments(setup: TrainingSetup, findings: Sequence[Diagnosis]
                      ) -> tuple[TrainingSetup, list[str]]:
    """The setup with every finding's knobs moved once (the most severe finding wins a knob),
    and a line per change (``"optimizer.learning_rate: 0.001 -> 0.0005 (DIAG007)"``)."""
    data = copy.deepcopy(setup.model_dump())
    changes: list[str] = []
    done: set[str] = set()
    for finding in sorted(findings, key=lambda f: (-SEVERITY_RANK.get(f.severity, 0), f.code)):
        for knob, change in finding.adjust.items():
            if knob in done:
                continue
            done.add(knob)
            line = _apply(data, knob, change)
            if line:
                changes.append(f"{line} ({finding.code})")
    return TrainingSetup.model_validate(data), changes


def _hidden_layers(layers: list[dict[str, Any]]) -> list[dict[str, Any]]:
    last = len(layers) - 1
    return [layer for index, layer in enumerate(layers) if index != last]


def _apply(data: dict[str, Any], knob: str, change: Mapping[str, float]) -> Optional[str]:
    layers = data["model"]["layers"]
    if knob == "learning_rate":
        old = data["optimizer"]["learning_rate"]
        new = min(1.0, max(1e-6, _moved(old, change)))
        data["optimizer"]["learning_rate"] = new
        schedule = data.get("lr_schedule") or {}
        if schedule.get("min_lr") and schedule["min_lr"] > new:
            schedule["min_lr"] = new / 10
        return f"optimizer.learning_rate: {old:g} -> {new:g}"
    if knob == "epochs":
        old = data["training"]["epochs"]
        new = max(1, int(round(_moved(old, change))))
        data["training"]["epochs"] = new
        return f"training.epochs: {old} -> {new}"
    if knob == "patience":
        stopping = data["regularization"].get("early_stopping")
        if not stopping:
            return None
        old = stopping["patience"]
        stopping["patience"] = max(1, int(round(_moved(old, change))))
        return f"regularization.early_stopping.patience: {old} -> {stopping['patience']}"
    if knob == "dropout":
        old = data["regularization"]["dropout"]
        new = round(min(0.9, _moved(old, change)), 4)
        data["regularization"]["dropout"] = new
        dropouts = [layer for layer in layers if layer.get("type") == "Dropout"]
        for layer in dropouts:
            layer["rate"] = round(min(0.9, _moved(float(layer.get("rate", 0.0)), change)), 4)
        if not dropouts and new > 0:  # one Dropout before the output layer
            layers.insert(len(layers) - 1, {"type": "Dropout", "rate": new})
        return f"regularization.dropout: {old:g} -> {new:g}"
    if knob == "l2":
        old = data["regularization"]["l2"]
        new = _moved(old, change)
        data["regularization"]["l2"] = new
        for layer in _hidden_layers(layers):
            if layer.get("type") in WIDTH_ARGUMENTS:
                penalty = layer.setdefault("kernel_regularizer",
                                           {"class_name": "L1L2", "config": {"l1": 0.0, "l2": 0.0}})
                if isinstance(penalty, dict) and penalty.get("class_name") == "L1L2":
                    penalty["config"]["l2"] = new
        return f"regularization.l2: {old:g} -> {new:g}"
    if knob == "width":
        widened = []
        for layer in _hidden_layers(layers):
            target = layer.get("layer") if layer.get("type") == "Bidirectional" else layer
            argument = WIDTH_ARGUMENTS.get(target.get("type", "")) if target else None
            if argument and isinstance(target.get(argument), int):
                old = target[argument]
                target[argument] = max(1, int(round(_moved(old, change))))
                widened.append(f"{old}->{target[argument]}")
        if not widened:
            return None
        return f"model.layers widths: {', '.join(widened)}"
    raise AdvisorError(f"unknown adjustment knob {knob!r}")  # pragma: no cover - checked at load
