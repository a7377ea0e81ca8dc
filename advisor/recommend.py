"""``recommend()``: a data-set profile in, a complete, explained training setup out.

The recommend rules (``rules/recommend/*.yaml``) each fill one *slot* (loss, batch_size, dropout,
...). All rules that match the profile's facts fire in the engine; for each slot the most specific
rule (most conditions) wins, explicit ``priority`` breaks ties, then the rule code; the others are
kept as alternatives. Slots are resolved in a fixed order so that a value may depend on an earlier
one (the learning rate on the batch size, the layer list on dropout and the output).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping, Optional

from pydantic import ValidationError

from .engine import get_engine
from .errors import AdvisorError, EngineError, RuleError, format_validation_error
from .facts import RECOMMEND_FACTS, profile_facts
from .models import Recommendation
from .profile import DatasetProfile, load_profile
from .rules.compile import CompiledRule, RuleBase, RuleFamily
from .rules.language import Rule, RuleFile
from .values import Context, check_call, evaluate, is_call
from .vocab import MODEL_FAMILIES


@dataclass(frozen=True)
class Slot:
    name: str
    facet: str
    doc: str
    nullable: bool = False


# Resolution order: a slot's value functions may read the slots before it.
SLOTS: tuple[Slot, ...] = (
    Slot("impute", "preprocessing", "Filling missing values.", nullable=True),
    Slot("encode", "preprocessing", "Encoding categorical columns.", nullable=True),
    Slot("scale", "preprocessing", "Scaling the inputs.", nullable=True),
    Slot("text", "preprocessing", "Turning text into token ids.", nullable=True),
    Slot("sequence", "preprocessing", "Cutting series into windows, padding sequences.",
         nullable=True),
    Slot("target", "preprocessing", "Scaling regression targets.", nullable=True),
    Slot("output", "output", "Units and activation of the output layer."),
    Slot("loss", "loss", "The loss function."),
    Slot("metrics", "metrics", "What to monitor besides the loss."),
    Slot("validation_split", "training", "Share of the training data held out for validation."),
    Slot("batch_size", "training", "Examples per optimizer step."),
    Slot("epochs", "training", "Passes over the training data (an upper bound with early stopping)."),
    Slot("class_weight", "regularization", "Re-weighting rare classes.", nullable=True),
    Slot("early_stopping", "regularization", "Stopping when validation loss stops improving.",
         nullable=True),
    Slot("dropout", "regularization", "Dropout rate in the hidden layers (0 for none)."),
    Slot("weight_penalty", "regularization", "L1 / L2 penalties on the weights."),
    Slot("augmentation", "regularization", "Random transformations of training examples."),
    Slot("optimizer", "optimizer", "The optimizer and its arguments (not the learning rate)."),
    Slot("learning_rate", "learning_rate", "The (initial) learning rate."),
    Slot("lr_schedule", "learning_rate", "How the learning rate changes during training.",
         nullable=True),
    Slot("model", "model", "The model family and its concrete layers."),
    Slot("caveat", "model", "A warning where the data is a poor fit for this advice (e.g. too "
         "few rows to tell a network from a simple model); null when there is none.",
         nullable=True),
)
SLOTS_BY_NAME = {slot.name: slot for slot in SLOTS}
PREPROCESSING_SLOTS = [s.name for s in SLOTS if s.facet == "preprocessing"]


def _check_value_calls(value: Any, where: str) -> None:
    if is_call(value):
        problem = check_call(value["fn"], value.get("args") or {})
        if problem:
            raise RuleError(problem, where=where)
        return
    if isinstance(value, dict):
        for item in value.values():
            _check_value_calls(item, where)
    elif isinstance(value, list):
        for item in value:
            _check_value_calls(item, where)


def _check_rule(rule: Rule, rule_file: RuleFile, where: str) -> None:
    slot = SLOTS_BY_NAME.get(rule.sets or "")
    if slot is None:
        raise RuleError(f"'sets' must name a slot, one of {', '.join(SLOTS_BY_NAME)}; "
                        f"got {rule.sets!r}", where=where)
    if slot.facet != rule_file.facet:
        raise RuleError(f"slot {slot.name!r} belongs to facet {slot.facet!r}, but the file is "
                        f"about {rule_file.facet!r}; move the rule", where=where)
    if rule.value is None and not slot.nullable:
        raise RuleError(f"slot {slot.name!r} needs a value", where=where)
    if rule.severity or rule.message or rule.fix:
        raise RuleError("recommend rules set a value; severity/message/fix are for audit rules",
                        where=where)
    _check_value_calls(rule.value, where)
    if slot.name == "model":
        value = rule.value
        if not (isinstance(value, dict) and value.get("family") in MODEL_FAMILIES
                and is_call(value.get("layers"))):
            raise RuleError(f"a model rule's value is {{family: one of {', '.join(MODEL_FAMILIES)}, "
                            "layers: {fn: ...}}}", where=where)
        if "family" in rule.when or any("family" in alt for alt in rule.any or []):
            raise RuleError("model rules decide the family, so they cannot test it", where=where)


def _example_facts(example: Mapping[str, Any], where: str) -> dict[str, Any]:
    try:
        profile = DatasetProfile.model_validate(dict(example))
    except ValidationError as exc:
        raise RuleError(format_validation_error(exc, what="example profile", where=where)) from None
    return profile_facts(profile)


#: facet -> code prefix of the recommend rules (numbers 000-099)
RECOMMEND_PREFIXES = {"model": "MOD", "output": "OUT", "loss": "LOSS", "metrics": "MET",
                      "training": "TRN", "regularization": "REG", "optimizer": "OPT",
                      "learning_rate": "LR", "preprocessing": "PRE"}


def _run_examples(rulebase: RuleBase, engine: Optional[Any] = None) -> list[str]:
    return check_examples(rulebase, engine=engine)


RECOMMEND = RuleFamily(
    "recommend", "Recommend rules", RECOMMEND_FACTS, RECOMMEND_PREFIXES, r"0\d\d", False, _check_rule, _example_facts,
    _run_examples)


def recommend_rules() -> RuleBase:
    """The compiled recommend rules (loaded once per process)."""
    return RECOMMEND.rulebase()


def rank(candidates: list[CompiledRule]) -> list[CompiledRule]:
    """Most specific first; then higher priority; then rule code (deterministic)."""
    return sorted(candidates, key=lambda r: (-r.rule.specificity, -r.rule.priority, r.code))


def recommend(profile: DatasetProfile | Mapping[str, Any], *, engine: Optional[Any] = None
              ) -> Recommendation:
    """Recommend a complete training setup for a data set.

    Args:
        profile: a :class:`DatasetProfile` or a plain mapping of its fields.
        engine: the rule engine to use (default: the process-wide durable-rules engine).

    Returns:
        A :class:`Recommendation`: every value with the rule, reason and source behind it.

    Raises:
        ProfileError: the profile does not validate (the message names field, value and fix).

    Example:
        >>> rec = recommend({"problem_type": "regression", "data_structure": "tabular",
        ...                  "n_samples": 400, "input_shape": [8]})
        >>> rec.loss.name
        'mean_squared_error'
    """
    profile = load_profile(profile)
    facts, fired = fire_rules(profile, engine=engine)
    return assemble(profile, facts, fired, recommend_rules())


def fire_rules(profile: DatasetProfile, *, engine: Optional[Any] = None,
               rulebase: Optional[RuleBase] = None) -> tuple[dict[str, Any], set[str]]:
    """Run the recommend rules on a profile: the facts they saw and the codes that fired.

    Two stages: the model rules first, then every other facet with the chosen model ``family``
    added to the facts (so that, e.g., a transformer gets AdamW and warm-up).
    """
    engine = engine or get_engine()
    rulebase = rulebase or recommend_rules()
    facts = profile_facts(profile)
    model_sets = [rs.name for rs in rulebase.rulesets if rs.facet == "model"]
    fired = engine.fire(rulebase, facts, model_sets)
    candidates = rank([rulebase.by_code[c] for c in fired
                       if rulebase.by_code[c].rule.sets == "model"])
    if not candidates:
        raise EngineError(f"no model rule matched facts {facts}; the model rules need a default")
    facts = {**facts, "family": candidates[0].rule.value["family"]}
    other_sets = [rs.name for rs in rulebase.rulesets if rs.facet != "model"]
    return facts, fired | engine.fire(rulebase, facts, other_sets)


def check_example(rulebase: RuleBase, code: str, kind: str, example: Mapping[str, Any], *,
                  engine: Optional[Any] = None) -> Optional[str]:
    """Run one fixture example of a rule; return why it fails, or None when it holds.

    ``fire``: the rule matches; ``no_fire``: it does not; ``loses``: it matches but another rule
    wins its slot. The model stage runs first, exactly as in :func:`recommend`.
    """
    profile = load_profile(example)
    facts, fired = fire_rules(profile, engine=engine, rulebase=rulebase)
    rule = rulebase.by_code[code]
    if kind == "no_fire":
        return f"{code} matched a no_fire example {dict(example)}" if code in fired else None
    if code not in fired:
        return f"{code} did not match a {kind} example {dict(example)} (facts: {facts})"
    if kind == "loses":
        rivals = rank([rulebase.by_code[c] for c in fired
                       if rulebase.by_code[c].rule.sets == rule.rule.sets])
        if rivals[0].code == code:
            return f"{code} won slot {rule.rule.sets} on a loses example {dict(example)}"
    try:  # every winning value (value functions included) is evaluated, as recommend() does
        assemble(profile, facts, fired, rulebase)
    except Exception as exc:  # noqa: BLE001 - a rule bug, reported as a lint failure
        return f"{code}: on the {kind} example {dict(example)} the recommendation cannot be " \
               f"built: {type(exc).__name__}: {exc}"
    return None


def check_examples(rulebase: Optional[RuleBase] = None, *, engine: Optional[Any] = None
                   ) -> list[str]:
    """Run every rule's examples; the failures, as messages (empty when all hold)."""
    rulebase = rulebase or recommend_rules()
    failures = []
    for compiled in rulebase.rules:
        for kind in ("fire", "no_fire", "loses"):
            for example in getattr(compiled.rule.examples, kind):
                problem = check_example(rulebase, compiled.code, kind, example, engine=engine)
                if problem:
                    failures.append(f"{compiled.path.name}: {problem}")
    return failures


def assemble(profile: DatasetProfile, facts: dict[str, Any], fired: set[str],
             rulebase: RuleBase, *, forced: Optional[Mapping[str, str]] = None
             ) -> Recommendation:
    """Resolve the fired rules into one value per slot and build the recommendation.

    ``forced`` (slot -> rule code, a runner-up that fired for that slot) makes that rule win
    its slot, the others resolved as usual after it: advised search builds its trials this
    way, so a value that depends on the forced one (the learning rate on the batch size) is
    recomputed by the same rules.
    """
    by_slot: dict[str, list[CompiledRule]] = {}
    for code in fired:
        rule = rulebase.by_code[code]
        by_slot.setdefault(rule.rule.sets or "", []).append(rule)
    ctx = Context(profile, facts)
    rationale, alternatives = [], []
    for slot in SLOTS:
        ranked = rank(by_slot.get(slot.name, []))
        if not ranked:
            raise EngineError(f"no recommend rule matched slot {slot.name!r} for facts {facts}; "
                              "every slot needs a default rule")
        winner = ranked[0]
        if forced and slot.name in forced:
            chosen_rule = [r for r in ranked if r.code == forced[slot.name]]
            if not chosen_rule:
                raise AdvisorError(f"rule {forced[slot.name]} did not fire for slot "
                                   f"{slot.name!r}; it cannot be forced")
            # a runner-up may be relative to the natural winner (LR020: a third of its rate)
            ctx.chosen[slot.name] = evaluate(winner.rule.value, ctx)
            winner = chosen_rule[0]
            ranked = [winner, *[r for r in ranked if r is not winner]]
        value = evaluate(winner.rule.value, ctx)
        ctx.chosen[slot.name] = value
        rationale.append({"facet": slot.facet, "slot": slot.name, "rule": winner.code,
                          "name": winner.rule.name, "value": value,
                          "because": winner.rule.because.strip(), "source": winner.rule.source,
                          "departs": winner.rule.departs.strip() if winner.rule.departs else None})
        for loser in ranked[1:]:
            alternatives.append({"slot": slot.name, "rule": loser.code, "name": loser.rule.name,
                                 "value": evaluate(loser.rule.value, ctx),
                                 "because": loser.rule.because.strip()})
    chosen = ctx.chosen
    steps: list[dict[str, Any]] = []
    for name in PREPROCESSING_SLOTS:
        value = chosen[name]
        if isinstance(value, list):
            steps.extend(value)
        elif value:
            steps.append(value)
    penalty = chosen["weight_penalty"] or {}
    data = {
        "model": {**chosen["model"], "output": chosen["output"]},
        "loss": chosen["loss"],
        "optimizer": {**chosen["optimizer"], "learning_rate": chosen["learning_rate"]},
        "lr_schedule": chosen["lr_schedule"],
        "regularization": {
            "dropout": chosen["dropout"],
            "l1": penalty.get("l1", 0.0),
            "l2": penalty.get("l2", 0.0),
            "early_stopping": chosen["early_stopping"],
            "augmentation": chosen["augmentation"] or [],
        },
        "training": {
            "batch_size": chosen["batch_size"],
            "epochs": chosen["epochs"],
            "validation_split": chosen["validation_split"],
            "class_weight": chosen["class_weight"],
        },
        "preprocessing": steps,
        "metrics": chosen["metrics"],
        "caveats": [chosen["caveat"]] if chosen["caveat"] else [],
        "profile": profile,
        "facts": facts,
        "rationale": rationale,
        "alternatives": alternatives,
    }
    try:
        return Recommendation.model_validate(data)
    except ValidationError as exc:  # a rule produced a value of the wrong shape: a rule bug
        raise EngineError(format_validation_error(exc, what="recommendation")) from exc


__all__ = ["recommend", "recommend_rules", "SLOTS", "RECOMMEND", "AdvisorError"]
