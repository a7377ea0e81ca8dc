"""The rule language: YAML rule files, validated with pydantic, compiled two ways.

A rule file holds up to 40 rules of one facet. A rule is data::

    - code: LOSS001
      name: sigmoid-output-needs-binary-crossentropy
      sets: loss                      # recommend rules: the slot they fill, and its value
      when: {problem_type: binary, imbalance: {in: [moderate, severe]}}
      value: {name: binary_crossentropy, from_logits: false}
      because: One or two sentences: why.
      source: https://...             # something a user can open
      examples:
        fire: [{problem_type: binary, ...}]      # must match
        no_fire: [{problem_type: regression, ...}]

``when`` is an AND of conditions over facts; ``any`` (optional) is a list of such mappings of which
at least one must hold. A condition is a literal (equality), a list (membership) or a mapping of
operators: ``eq neq lt lte gt gte in not_in exists``. Every operator except ``exists: false`` is
false when the fact is absent. Literals are type-checked against the fact vocabulary when the file
is loaded, so a typo is an error at load time, never a silent non-match.

The same tree compiles to durable-rules JSON (:func:`to_durable`) and to Python predicates
(:func:`to_predicate`, the reference evaluator).
"""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Annotated, Any, Callable, Mapping, Optional, Union

import yaml
from pydantic import (BaseModel, ConfigDict, Field, StringConstraints, ValidationError,
                      field_validator, model_validator)

from ..errors import RuleError, format_validation_error
from ..facts import FLOAT_FLOOR, NUMBER_CEILING, Fact
from ..vocab import Facet, Severity

MAX_RULES_PER_FILE = 40  # durable-rules overflows a 64-entry stack past ~64 matching branches
OPERATORS = ("eq", "neq", "lt", "lte", "gt", "gte", "in", "not_in", "exists")
ENUM_LITERAL = re.compile(r"^[a-z0-9_]+$")  # safe inside a durable `$mt` alternation
SEED_TECHNIQUES = ("preprocessing", "model", "optimizer", "loss", "learning_rate",
                   "regularization")
SEED_CRITERIA = ("problem_type", "data_structure", "complexity")
SEED_CELL = rf"^({'|'.join(SEED_TECHNIQUES)})/({'|'.join(SEED_CRITERIA)})$"
PLAIN_NUMBER = re.compile(r"^-?\d+(\.\d+)?$")

Scalar = Union[bool, int, float, str]
ConditionSpec = Union[Scalar, list[Scalar], dict[str, Any]]


class Examples(BaseModel):
    """Cases that must and must not fire (Semgrep-style fixtures).

    ``fire``: the rule matches. ``no_fire``: it does not (required for every rule with
    conditions). ``loses``: it matches but another rule wins the slot (required for a default
    rule without conditions, which matches everything).
    """

    model_config = ConfigDict(extra="forbid")
    fire: list[dict[str, Any]] = Field(min_length=1)
    no_fire: list[dict[str, Any]] = Field(default_factory=list)
    loses: list[dict[str, Any]] = Field(default_factory=list)


class Rule(BaseModel):
    """One rule; which optional fields are required depends on the rule family."""

    model_config = ConfigDict(extra="forbid")

    code: str = Field(pattern=r"^[A-Z]{2,6}[0-9]{3}$")
    name: str = Field(pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$",
                      description="kebab-case name of the pattern the rule reacts to")
    when: dict[str, ConditionSpec] = Field(default_factory=dict)
    any: Optional[list[dict[str, ConditionSpec]]] = None
    priority: int = Field(default=0, ge=-100, le=100)
    because: str = Field(min_length=20)
    source: str = Field(min_length=5)
    seed: list[Annotated[str, StringConstraints(pattern=SEED_CELL)]] = Field(
        default_factory=list,
        description="cells of the source document's table this rule addresses, "
        "as technique/criterion (e.g. loss/problem_type)")
    departs: Optional[str] = Field(
        default=None, description="where the rule departs from the source document, and why")
    examples: Examples
    # recommend rules
    sets: Optional[str] = None
    runner_up: bool = Field(
        default=False, description="a runner-up by design: it never wins its slot, so "
        "`recommend` lists it as an alternative and advised search (verify --trials) trains it")
    value: Any = None
    # audit / diagnose rules
    severity: Optional[Severity] = None
    message: Optional[str] = Field(
        default=None, description="what is wrong; may name facts as {fact} placeholders")
    fix: Optional[str] = Field(default=None, description="what to do instead")
    layer: Optional[str] = Field(
        default=None, description="which layer to point at: 'output' or the name of the fact "
        "whose offending layer is reported")
    autofix: Optional[dict[str, Any]] = Field(
        default=None, description="safe fix for advisor configs: dotted config paths and the "
        "values to set (applied by `advisor audit --fix`)")

    @field_validator("any")
    @classmethod
    def _any_not_empty(cls, value: Optional[list[dict[str, Any]]]) -> Optional[list]:
        if value is not None and len(value) < 2:
            raise ValueError("'any' needs at least two alternatives; put a single one in 'when'")
        return value

    @model_validator(mode="after")
    def _fixtures_fit_conditions(self) -> "Rule":
        if self.specificity and not self.examples.no_fire:
            raise ValueError("a rule with conditions needs examples.no_fire: cases it must not "
                             "match")
        if not self.specificity:
            if self.examples.no_fire:
                raise ValueError("a rule without conditions matches everything, so it cannot "
                                 "have examples.no_fire; give examples.loses instead")
            if not self.examples.loses:
                raise ValueError("a default rule (no conditions) needs examples.loses: cases "
                                 "where a more specific rule wins")
        if self.runner_up and (self.specificity or self.priority >= 0):
            raise ValueError("a runner_up rule never wins its slot: give it no conditions and "
                             "a negative priority")
        return self

    @property
    def specificity(self) -> int:
        """How specific the rule is: its number of conditions (an ``any`` group counts once)."""
        return len(self.when) + (1 if self.any else 0)


class RuleFile(BaseModel):
    model_config = ConfigDict(extra="forbid")

    facet: Facet
    description: str = ""
    rules: list[Rule] = Field(min_length=1, max_length=MAX_RULES_PER_FILE)


# -- conditions ---------------------------------------------------------------------------------

def normalize_condition(field: str, spec: ConditionSpec, facts: Mapping[str, Fact],
                        where: str) -> list[tuple[str, str, Any]]:
    """Validate one ``field: spec`` condition; return ``[(field, op, literal), ...]`` (ANDed)."""
    if field not in facts:
        raise RuleError(f"unknown fact {field!r}; known facts: {', '.join(sorted(facts))}",
                        where=where)
    fact = facts[field]
    if isinstance(spec, list):
        spec = {"in": spec}
    elif not isinstance(spec, dict):
        spec = {"eq": spec}
    if not spec:
        raise RuleError(f"condition on {field!r} is empty", where=where)
    out = []
    for op, literal in spec.items():
        if op not in OPERATORS:
            raise RuleError(f"unknown operator {op!r} on {field!r}; expected one of "
                            f"{', '.join(OPERATORS)}", where=where)
        if op == "exists":
            if not isinstance(literal, bool):
                raise RuleError(f"exists on {field!r} takes true or false, got {literal!r}",
                                where=where)
        elif op in ("in", "not_in"):
            if not isinstance(literal, list) or not literal:
                raise RuleError(f"{op} on {field!r} takes a non-empty list, got {literal!r}",
                                where=where)
            for item in literal:
                _check_literal(fact, op, item, where)
        else:
            _check_literal(fact, op, literal, where)
        out.append((field, op, literal))
    return out


def _check_literal(fact: Fact, op: str, literal: Any, where: str) -> None:
    name = fact.name
    if op in ("lt", "lte", "gt", "gte") and not fact.numeric:
        raise RuleError(f"{op} needs a numeric fact; {name!r} is {fact.kind}", where=where)
    if fact.kind == "enum":
        if not isinstance(literal, str) or literal not in fact.values:
            raise RuleError(f"{name!r} is one of {', '.join(fact.values)}; got {literal!r}",
                            where=where)
        if not ENUM_LITERAL.match(literal):  # pragma: no cover - vocabulary is controlled
            raise RuleError(f"enum value {literal!r} has characters the engine cannot match",
                            where=where)
    elif fact.kind == "bool":
        if not isinstance(literal, bool):
            raise RuleError(f"{name!r} is true or false; got {literal!r}", where=where)
        if op not in ("eq", "neq"):
            raise RuleError(f"{name!r} is boolean: use eq/neq, not {op}", where=where)
    else:
        if isinstance(literal, bool) or not isinstance(literal, (int, float)):
            raise RuleError(f"{name!r} is a number; got {literal!r} "
                            "(write numbers without quotes; YAML reads 1e-3 as text, "
                            "write 0.001)", where=where)
        if fact.kind == "int" and isinstance(literal, float) and not literal.is_integer():
            raise RuleError(f"{name!r} is an integer; compare it with an integer, "
                            f"got {literal!r}", where=where)
        if literal != 0 and abs(literal) < FLOAT_FLOOR or abs(literal) >= NUMBER_CEILING:
            raise RuleError(f"{name!r}: literal {literal!r} is outside what the engine can read "
                            f"(0 or {FLOAT_FLOOR} <= |x| < {NUMBER_CEILING:.0f})", where=where)
        if not PLAIN_NUMBER.match(json.dumps(literal)):
            raise RuleError(f"{name!r}: literal {literal!r} would be written in exponent form, "
                            "which the engine cannot parse", where=where)


def conditions(rule: Rule, facts: Mapping[str, Fact], where: str):
    """The rule's conditions, validated: (all: [...], any: [[...], ...] or None)."""
    all_of = [c for f, s in rule.when.items() for c in normalize_condition(f, s, facts, where)]
    any_of = None
    if rule.any:
        any_of = [[c for f, s in alt.items() for c in normalize_condition(f, s, facts, where)]
                  for alt in rule.any]
        if any(not alt for alt in any_of):
            raise RuleError("an alternative in 'any' is empty", where=where)
    return all_of, any_of


# -- compilation to durable-rules JSON ------------------------------------------------------------

def _durable_condition(field: str, op: str, literal: Any) -> dict[str, Any]:
    if op == "eq":
        return {field: literal}
    if op in ("neq", "lt", "lte", "gt", "gte"):
        return {f"${op}": {field: literal}}
    if op == "exists":
        return {"$ex" if literal else "$nex": {field: 1}}
    if op == "in":
        if all(isinstance(v, str) for v in literal):
            # one anchored alternation instead of an $or (which fires once per branch)
            return {"$mt": {field: "|".join(literal)}}
        return {"$or": [{field: v} for v in literal]} if len(literal) > 1 else {field: literal[0]}
    if op == "not_in":
        parts = [{"$neq": {field: v}} for v in literal]
        return parts[0] if len(parts) == 1 else {"$and": parts}
    raise AssertionError(op)  # pragma: no cover - validated earlier


def to_durable(tag: str, all_of, any_of) -> dict[str, Any]:
    """The durable-rules pattern for one rule; every pattern starts with the fact-type tag."""
    parts: list[dict[str, Any]] = [{"t": tag}]
    parts += [_durable_condition(*c) for c in all_of]
    if any_of:
        branches = []
        for alt in any_of:
            compiled = [_durable_condition(*c) for c in alt]
            branches.append(compiled[0] if len(compiled) == 1 else {"$and": compiled})
        parts.append({"$or": branches})
    return parts[0] if len(parts) == 1 else {"$and": parts}


def branch_count(all_of, any_of) -> int:
    """Alpha branches the rule occupies in the engine (each $or alternative is one)."""
    count = len(any_of) if any_of else 1
    for field, op, literal in all_of:
        if op == "in" and not all(isinstance(v, str) for v in literal):
            count *= len(literal)
    return count


# -- reference evaluator -------------------------------------------------------------------------

_MISSING = object()


def _predicate(field: str, op: str, literal: Any) -> Callable[[Mapping[str, Any]], bool]:
    if op == "exists":
        return (lambda f: field in f) if literal else (lambda f: field not in f)

    def test(facts: Mapping[str, Any]) -> bool:
        value = facts.get(field, _MISSING)
        if value is _MISSING:
            return False
        if op == "eq":
            return value == literal
        if op == "neq":
            return value != literal
        if op == "in":
            return value in literal
        if op == "not_in":
            return value not in literal
        if op == "lt":
            return value < literal
        if op == "lte":
            return value <= literal
        if op == "gt":
            return value > literal
        return value >= literal
    return test


def to_predicate(all_of, any_of) -> Callable[[Mapping[str, Any]], bool]:
    """A plain-Python predicate with the same meaning as the compiled durable pattern."""
    tests = [_predicate(*c) for c in all_of]
    alternatives = [[_predicate(*c) for c in alt] for alt in any_of] if any_of else None

    def matches(facts: Mapping[str, Any]) -> bool:
        if not all(t(facts) for t in tests):
            return False
        if alternatives is None:
            return True
        return any(all(t(facts) for t in alt) for alt in alternatives)
    return matches


# -- loading --------------------------------------------------------------------------------------

_FAST_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)  # libyaml: ~10x faster start-up


def read_yaml(path: Path) -> Any:
    """Read a rule file (part of the advisor's own package data, so the C safe loader is used;
    user files go through :mod:`advisor.textio`, which also refuses YAML aliases)."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise RuleError(f"cannot read: {exc.strerror}", where=str(path)) from None
    try:
        return yaml.load(text, Loader=_FAST_LOADER)  # noqa: S506 - a safe loader
    except yaml.YAMLError as exc:
        raise RuleError(f"not valid YAML: {exc}", where=str(path)) from None


def load_rule_file(path: Path) -> RuleFile:
    data = read_yaml(path)
    try:
        return RuleFile.model_validate(data)
    except ValidationError as exc:
        raise RuleError(format_validation_error(exc, what="rule file", where=str(path))) from None
