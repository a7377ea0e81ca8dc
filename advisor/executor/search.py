"""Advised search: a few explained trials within a wall-clock budget (``verify --trials``,
``--budget``, ``--lr-find``, ``--backend``).

The trials are not random: trial 1 is the recommendation; the next ones come from the rules
that lost a slot to it (``Recommendation.alternatives``: the learning-rate neighbours LR020 and
LR021, another batch size, optimizer, schedule, regularisation ...), each resolved by the same
rules with that runner-up forced to win its slot (:func:`advisor.recommend.assemble`), from the
model rule one complexity level up or down (another model size), and from the learning-rate
range test (rule LR030, :mod:`.lr_find`). Learning-rate trials come first: the tuning playbook
tunes only the rate with fewer than 10 trials.

Trials are ranked on the validation part only (with several seeds: the mean); the test part
scores the selected trial, once it is chosen, and is never read to choose. The budget caps the
wall time of the range test and all trials together: a trial whose expected time (from the
epochs measured so far) does not fit what is left is not started, a running trial stops at the
deadline with its best weights, and the report says what was cut.
"""

from __future__ import annotations

import math
import re
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any, Mapping, Optional, Sequence

import numpy as np

from ..errors import AdvisorError
from ..models import TrainingSetup
from .report import RangeTestReport, SearchReport, TrialReport
from .train import METRIC_DIRECTION, RunResult, mean_metrics, primary_metric

DURATION = re.compile(r"^\s*([0-9]+(?:\.[0-9]+)?)\s*(s|sec|m|min|h)\s*$", re.IGNORECASE)
UNIT_SECONDS = {"s": 1, "sec": 1, "m": 60, "min": 60, "h": 3600}
# the order in which runner-up slots become trials after the learning rate (the playbook's
# order of importance, roughly); slots that change the split or the task are never searched
SLOT_ORDER = ("batch_size", "model", "optimizer", "lr_schedule", "dropout", "weight_penalty",
              "loss", "scale", "target", "augmentation", "class_weight", "epochs",
              "early_stopping")
COMPLEXITY = ("low", "medium", "high")
RANGE_TEST_RULE = "LR030"


def parse_budget(value: Any) -> Optional[float]:
    """A budget in seconds from ``90s``, ``10m``, ``2h`` (or a number of seconds, or a
    timedelta); None for none.

    Raises:
        AdvisorError: anything else, naming the value and the expected form.
    """
    if value is None:
        return None
    if isinstance(value, timedelta):
        seconds = value.total_seconds()
    elif isinstance(value, (int, float)) and not isinstance(value, bool):
        seconds = float(value)
    else:
        match = DURATION.match(str(value))
        if not match:
            raise AdvisorError(f"--budget {value!r} is not a duration; expected a number and a "
                               "unit s, m or h (e.g. 90s, 10m, 2h)", hint="--budget 10m")
        seconds = float(match.group(1)) * UNIT_SECONDS[match.group(2).lower()]
    if not math.isfinite(seconds) or seconds <= 0:
        raise AdvisorError(f"--budget {value!r} must be more than 0 seconds", hint="--budget 10m")
    return seconds


@dataclass
class Trial:
    """A proposed setup and the rule behind it."""

    number: int
    title: str
    setup: TrainingSetup
    rule: str
    rule_name: str = ""
    because: str = ""
    source: Optional[str] = None
    changed: dict[str, Any] = field(default_factory=dict)


def _diff(mine: Any, theirs: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(mine, Mapping) and isinstance(theirs, Mapping):
        for key in list(mine) + [k for k in theirs if k not in mine]:
            _diff(mine.get(key), theirs.get(key), f"{prefix}.{key}" if prefix else key, out)
    elif mine != theirs:
        out[prefix] = mine


def _layer_sizes(layers: Sequence[Mapping[str, Any]]) -> str:
    sizes = [str(layer.get("units") or layer.get("filters")) for layer in layers
             if layer.get("units") or layer.get("filters")]
    return f"{len(layers)} layers, sizes " + "-".join(sizes)


def changes(setup: TrainingSetup, base: TrainingSetup) -> dict[str, Any]:
    """The setup paths whose values differ from ``base`` (the model's layers summarised)."""
    mine = setup.model_dump(mode="json")
    theirs = base.model_dump(mode="json")
    out: dict[str, Any] = {}
    if mine["model"]["layers"] != theirs["model"]["layers"]:
        out["model.layers"] = _layer_sizes(mine["model"]["layers"])
    mine["model"].pop("layers")
    theirs["model"].pop("layers")
    _diff(mine, theirs, "", out)
    return out


def _short(changed: Mapping[str, Any]) -> str:
    parts = []
    # the layers follow from the other changes (dropout, penalties): name those first
    ordered = sorted(changed.items(), key=lambda item: item[0] == "model.layers")
    for key, value in ordered[:3]:
        name = key.rsplit(".", 1)[-1]
        parts.append(f"{name} {value:g}" if isinstance(value, float) else f"{name} {value}")
    return ", ".join(parts) + (" ..." if len(changed) > 3 else "")


def propose(profile: Any, setup: TrainingSetup, count: int, *,
            range_test_rate: Optional[float] = None, config_given: bool = False) -> list[Trial]:
    """Up to ``count`` trials, the recommendation (or the given config) first, each different.

    Args:
        profile: the data set's profile (the rules run on it again).
        setup: trial 1.
        count: how many trials at most (fewer when the rules offer fewer distinct setups).
        range_test_rate: the range test's suggestion; it becomes trial 2.
        config_given: ``setup`` is the user's config, not the recommendation: only
            learning-rate trials apply (the other runners-up are resolved against the
            recommendation, not against a config).
    """
    from ..recommend import assemble, fire_rules, rank, recommend, recommend_rules

    rulebase = recommend_rules()
    trials = [Trial(1, "your config" if config_given else "the recommendation", setup,
                    rule="config" if config_given else "recommended",
                    rule_name="the given config" if config_given else "every slot's winner",
                    because="" if config_given else "the rules' answer for this data set")]
    seen = [setup.model_dump(mode="json")]

    def add(title: str, variant: TrainingSetup, code: str, because: str, source: Optional[str],
            rule_name: str) -> None:
        dumped = variant.model_dump(mode="json")
        if len(trials) >= count or dumped in seen:
            return
        seen.append(dumped)
        changed = changes(variant, setup)
        trials.append(Trial(len(trials) + 1, title or _short(changed), variant, rule=code,
                            rule_name=rule_name, because=because, source=source,
                            changed=changed))

    def with_rate(rate: float) -> TrainingSetup:
        data = setup.model_dump(mode="json")
        data["optimizer"]["learning_rate"] = rate
        return TrainingSetup.model_validate(data)

    if range_test_rate is not None:
        rule = rulebase.by_code[RANGE_TEST_RULE].rule
        rate = float(f"{range_test_rate:.2g}")
        add(f"learning_rate {rate:g} (range test)", with_rate(rate), RANGE_TEST_RULE,
            rule.because.strip(), rule.source, rule.name)
    facts, fired = fire_rules(profile)
    by_slot: dict[str, list[Any]] = {}
    for code in fired:
        compiled = rulebase.by_code[code]
        by_slot.setdefault(compiled.rule.sets or "", []).append(compiled)
    for compiled in rank(by_slot.get("learning_rate", []))[1:]:
        if compiled.code == RANGE_TEST_RULE:
            continue
        if config_given:
            factor = (compiled.rule.value.get("args") or {}).get("factor") \
                if isinstance(compiled.rule.value, dict) else None
            if not factor:
                continue
            variant = with_rate(float(f"{setup.optimizer.learning_rate * factor:.2g}"))
        else:
            variant = assemble(profile, facts, fired, rulebase,
                               forced={"learning_rate": compiled.code}).setup()
        add("", variant, compiled.code, compiled.rule.because.strip(), compiled.rule.source,
            compiled.rule.name)
    if config_given:
        return trials
    for slot in SLOT_ORDER:
        if slot == "model":
            _model_sizes(profile, setup, add, recommend)
            continue
        for compiled in rank(by_slot.get(slot, []))[1:]:
            try:
                variant = assemble(profile, facts, fired, rulebase,
                                   forced={slot: compiled.code}).setup()
            except Exception:  # noqa: BLE001 - a runner-up that cannot be built is no trial
                continue
            add("", variant, compiled.code, compiled.rule.because.strip(),
                compiled.rule.source, compiled.rule.name)
    return trials


def _model_sizes(profile: Any, setup: TrainingSetup, add: Any, recommend: Any) -> None:
    """The model rule's layers one complexity level up, then down: another model size from
    the same rule (the derived complexity is a threshold, and a set near it may fit the
    neighbour better)."""
    base = recommend(profile)
    level = base.facts.get("complexity")
    if level not in COMPLEXITY:
        return
    model_entry = next(e for e in base.rationale if e.slot == "model")
    index = COMPLEXITY.index(level)
    for other, word in ((index + 1, "up"), (index - 1, "down")):
        if not 0 <= other < len(COMPLEXITY):
            continue
        variant_profile = profile.model_copy(update={"complexity": COMPLEXITY[other]})
        try:
            sized = recommend(variant_profile)
        except Exception:  # noqa: BLE001
            continue
        if sized.model.family != setup.model.family:
            continue
        data = setup.model_dump(mode="json")
        data["model"]["layers"] = sized.model.model_dump(mode="json")["layers"]
        variant = TrainingSetup.model_validate(data)
        add(f"model one size {word} (complexity {COMPLEXITY[other]})", variant,
            model_entry.rule,
            f"{model_entry.because} Here with the width and depth the rule gives complexity "
            f"'{COMPLEXITY[other]}' instead of '{level}': another model size.",
            model_entry.source, model_entry.name)


# -- running them ----------------------------------------------------------------------------------

@dataclass
class Outcome:
    """What one trial produced."""

    trial: Trial
    runs: list[RunResult] = field(default_factory=list)
    status: str = "not_started"
    note: str = ""


@dataclass
class SearchResult:
    outcomes: list[Outcome]
    report: SearchReport
    trials: list[TrialReport]
    selected: Optional[Outcome]


def _steps(n_train: int, batch_size: int) -> int:
    return max(1, math.ceil(n_train / batch_size))


def expected_seconds(trial: Trial, finished: Sequence[Outcome], n_train: int, seeds: int,
                     max_epochs: Optional[int]) -> Optional[float]:
    """The time a trial should take, from the steps and epochs measured so far (None: nothing
    measured yet). Per-step time and per-run overhead are the finished trials' averages; the
    epochs, their mean epochs run (early stopping), or the planned epochs where a trial was
    cut by the deadline."""
    runs = [run for outcome in finished for run in outcome.runs]
    if not runs:
        return None
    steps = sum(run.epochs_run * _steps(n_train, run.setup.training.batch_size) for run in runs)
    per_step = sum(run.fit_time_s for run in runs) / max(1, steps)
    overhead = float(np.mean([run.wall_time_s - run.fit_time_s for run in runs]))
    planned = trial.setup.training.epochs if max_epochs is None \
        else min(trial.setup.training.epochs, max_epochs)
    epochs = [run.epochs_planned if run.stopped_at_deadline else run.epochs_run for run in runs]
    expected_epochs = min(planned, float(np.mean(epochs)))
    batch = trial.setup.training.batch_size
    return seeds * (overhead + per_step * _steps(n_train, batch) * expected_epochs)


def rank_outcomes(outcomes: Sequence[Outcome], metric: str) -> list[Outcome]:
    """Trials that produced runs, best validation mean first (ties: the earlier trial)."""
    higher = METRIC_DIRECTION[metric]

    def key(outcome: Outcome) -> tuple[float, int]:
        value = mean_metrics(outcome.runs, "validation_metrics")[0].get(metric)
        if value is None or not math.isfinite(value):
            return (math.inf, outcome.trial.number)
        return (-value if higher else value, outcome.trial.number)

    return sorted([o for o in outcomes if o.runs], key=key)


def run_search(session: Any, setup: TrainingSetup, *, trials: int = 1,
               budget: Any = None, lr_find: bool = False, backend: str = "local",
               address: Optional[str] = None, gpus_per_trial: float = 0.0,
               config_given: bool = False) -> SearchResult:
    """Propose, schedule, train and rank the trials on ``session``'s split.

    Args:
        session: the :class:`~advisor.executor.verify.Verification` (data, split, seeds).
        setup: trial 1 (the recommendation or the user's config).
        trials: how many trials at most, trial 1 included.
        budget: wall-clock cap of the range test and the trials together (90s, 10m, 2h, or
            seconds).
        lr_find: run the learning-rate range test first; its rate is trial 2.
        backend: ``local`` (this process) or ``ray`` (one trial per Ray worker).
        address: a Ray cluster to join (``HOST:PORT``); without it Ray starts locally.
        gpus_per_trial: GPUs each Ray task asks for.
        config_given: ``setup`` is the user's config.

    Raises:
        AdvisorError: a bad budget, backend or address; Ray missing; no validation part.
    """
    from .backends import TrialJob, driver_threads, make_backend

    if trials < 1:
        raise AdvisorError(f"--trials must be at least 1, got {trials}")
    budget_s = parse_budget(budget)
    prepared = session.prepared
    if prepared.validation is None or not len(prepared.validation):
        raise AdvisorError("advised search ranks trials on the validation part, and this "
                           "split has none (validation_split is 0)",
                           hint="give the setup a validation_split, or drop --trials/--lr-find")
    started = time.time()
    deadline = started + budget_s if budget_s is not None else None
    runner = make_backend(backend, address=address, gpus_per_trial=gpus_per_trial)
    try:
        range_report = None
        rate = None
        if lr_find:
            range_report, rate = _range_test(session, setup)
        count = max(trials, 2 if lr_find and rate is not None else 1)
        proposed = propose(session.profile, setup, count, range_test_rate=rate,
                           config_given=config_given)
        outcomes = _schedule(session, proposed, runner, deadline, TrialJob,
                             threads=driver_threads())
    finally:
        runner.close()
    metric = primary_metric(session.kind)
    ranked = rank_outcomes(outcomes, metric)
    selected = ranked[0] if ranked else None
    cut = [o.note for o in outcomes if o.status in ("not_started", "stopped_at_deadline")]
    reports = [_trial_report(o, selected) for o in outcomes]
    search = SearchReport(trials_asked=trials, backend=backend, address=runner.address,
                          workers=runner.slots, budget_s=budget_s,
                          wall_time_s=round(time.time() - started, 3), primary_metric=metric,
                          selected=selected.trial.number if selected else None, cut=cut,
                          range_test=range_report)
    return SearchResult(outcomes=outcomes, report=search, trials=reports, selected=selected)


def _range_test(session: Any, setup: TrainingSetup) -> tuple[RangeTestReport, Optional[float]]:
    from ..recommend import recommend_rules
    from .lr_find import RangeTestSettings, find_learning_rate

    settings = RangeTestSettings.from_rule(
        recommend_rules().by_code[RANGE_TEST_RULE].rule.value)
    found = find_learning_rate(setup, session.prepared, profile=session.profile,
                               seed=session.seed, settings=settings, raw_width=session.width)
    report = RangeTestReport(learning_rates=found.learning_rates, losses=found.losses,
                             smoothed=found.smoothed, stopped=found.stopped,
                             method=found.method, suggestion=found.suggestion,
                             suggestions=found.suggestions, message=found.message,
                             wall_time_s=found.wall_time_s)
    return report, found.suggestion


def _schedule(session: Any, proposed: list[Trial], runner: Any, deadline: Optional[float],
              job_type: Any, threads: Optional[int] = None) -> list[Outcome]:
    """Run the trials on ``runner``, as many at once as it has slots, none that cannot be
    expected to finish before ``deadline``."""
    outcomes = {trial.number: Outcome(trial) for trial in proposed}
    data: dict[str, Any] = {}
    n_train = len(session.prepared.train)
    pending = list(proposed)
    running = 0
    finished: list[Outcome] = []
    while pending or running:
        while pending and running < runner.slots:
            trial = pending.pop(0)
            if deadline is not None:
                left = deadline - time.time()
                expected = expected_seconds(trial, finished, n_train, len(session.seeds),
                                            session.max_epochs)
                if left <= 0 or (expected is not None and expected > left):
                    outcomes[trial.number].note = (
                        f"trial {trial.number} ({trial.title}) not started: expected to take "
                        f"{expected or 0:.1f} s, {max(left, 0):.1f} s of the budget left")
                    continue
            key = repr(trial.setup.preprocessing)
            if key not in data:
                local = session.prepared if trial.setup.preprocessing == \
                    session.setup.preprocessing else session.prepare(trial.setup)
                data[key] = runner.put(local)
            runner.submit(job_type(number=trial.number, name=f"trial{trial.number}",
                                   setup=trial.setup, prepared=data[key],
                                   profile=session.profile, seeds=tuple(session.seeds),
                                   max_epochs=session.max_epochs, raw_width=session.width,
                                   deadline=deadline, threads=threads))
            running += 1
        if not running:
            break
        job, result = runner.wait_one()
        running -= 1
        outcome = outcomes[job.number]
        if isinstance(result, BaseException):
            outcome.status = "failed"
            outcome.note = f"trial {job.number} failed: {type(result).__name__}: {result}"
            continue
        outcome.runs = list(result)
        stopped = any(run.stopped_at_deadline for run in outcome.runs)
        outcome.status = "stopped_at_deadline" if stopped else "completed"
        if stopped:
            first = outcome.runs[0]
            outcome.note = (f"trial {job.number} ({outcome.trial.title}) stopped at the "
                            f"deadline after {first.epochs_run} of {first.epochs_planned} "
                            "epochs; its best weights were kept")
        finished.append(outcome)
    return [outcomes[trial.number] for trial in proposed]


def _trial_report(outcome: Outcome, selected: Optional[Outcome]) -> TrialReport:
    trial = outcome.trial
    report = TrialReport(number=trial.number, title=trial.title, changed=trial.changed,
                         rule=trial.rule, rule_name=trial.rule_name, because=trial.because,
                         source=trial.source, status=outcome.status, note=outcome.note,
                         selected=outcome is selected,
                         setup=trial.setup.model_dump(mode="json"))
    if outcome.runs:
        validation, spread = mean_metrics(outcome.runs, "validation_metrics")
        first = outcome.runs[0]
        report.validation_metrics = validation
        report.validation_spread = spread if len(outcome.runs) > 1 else {}
        report.seeds = [int(run.seed) for run in outcome.runs]
        report.epochs_planned, report.epochs_run = first.epochs_planned, first.epochs_run
        report.best_epoch = first.best_epoch
        report.wall_time_s = round(sum(run.wall_time_s for run in outcome.runs), 3)
        if outcome is selected:  # the test part scores the chosen trial only
            report.metrics = mean_metrics(outcome.runs, "metrics")[0]
    return report


__all__ = ["parse_budget", "propose", "run_search", "Trial", "SearchResult", "changes",
           "expected_seconds", "rank_outcomes"]
