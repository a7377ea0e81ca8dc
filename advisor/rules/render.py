"""One way to print rules: the ``rules list`` table, ``rules show`` and ``docs/rules.md``.

Every family goes through the registry (:mod:`advisor.rules.registry`); conditions are written
one way everywhere (:func:`format_conditions`).
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Optional, Sequence

from ..render import SEPARATOR, render_table, scalar
from .language import SEED_CRITERIA
from .registry import families, get_family


_OPS = {"neq": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">="}


def _condition(field: str, op: str, literal: Any) -> str:
    if op == "eq":
        return f"{field}={scalar(literal)}"
    if op in _OPS:
        return f"{field}{_OPS[op]}{scalar(literal)}"
    if op == "in":
        return f"{field}=" + "|".join(scalar(v) for v in literal)
    if op == "not_in":
        return f"{field}!=" + "|".join(scalar(v) for v in literal)
    if op == "exists":
        return f"{field} given" if literal else f"{field} not given"
    return f"{field} {op} {scalar(literal)}"  # pragma: no cover - operators are validated


def format_conditions(rule: Any) -> str:
    """A compiled rule's conditions in one line: ``data_structure=image, input_rank=3``.

    ``any`` groups read ``any of (a; b)``; a rule without conditions is ``(default)``.
    """
    parts = [_condition(*c) for c in rule.all_of]
    if rule.any_of:
        alternatives = [" & ".join(_condition(*c) for c in alt) for alt in rule.any_of]
        parts.append("any of (" + "; ".join(alternatives) + ")")
    return ", ".join(parts) if parts else "(default)"


def rule_file_name(rule: Any) -> str:
    """Where a rule lives, relative to the rules folder: ``recommend/loss.yaml``."""
    return f"{rule.path.parent.name}/{rule.path.name}"


def _clean(text: Optional[str]) -> Optional[str]:
    return " ".join(text.split()) if text else None


def rule_to_dict(rule: Any, *, examples: bool = False) -> dict[str, Any]:
    """A compiled rule as plain JSON data (for ``rules list/show --format json``)."""
    data = {
        "code": rule.code,
        "name": rule.rule.name,
        "facet": rule.facet,
        "slot": rule.rule.sets,
        "conditions": format_conditions(rule),
        "when": rule.rule.when,
        "any": rule.rule.any,
        "specificity": rule.rule.specificity,
        "priority": rule.rule.priority,
        "value": rule.rule.value,
        "because": _clean(rule.rule.because),
        "departs": _clean(rule.rule.departs),
        "source": rule.rule.source,
        "seed": list(rule.rule.seed),
        "file": rule_file_name(rule),
    }
    family = rule.family
    data["family"] = family
    if family != "recommend":
        for key in ("slot", "specificity", "priority", "value", "departs", "seed"):
            data.pop(key, None)
        data.update({"severity": rule.rule.severity, "message": _clean(rule.rule.message),
                     "fix": _clean(rule.rule.fix), "layer": rule.rule.layer,
                     "autofix": rule.rule.autofix})
    if examples:
        data["examples"] = rule.rule.examples.model_dump()
    return data


def render_rules_table(rules: Sequence[Any], *, width: int = 100, count: bool = True) -> str:
    """Rules as a table: code | facet | slot | name | conditions, and a count.

    Audit rules report rather than set a slot: their third column is the severity.
    """
    audit = bool(rules) and all(r.family != "recommend" for r in rules)
    rows = [[r.code, r.facet, (r.rule.severity or "") if audit else (r.rule.sets or ""),
             r.rule.name, format_conditions(r)] for r in rules]
    headers = ["code", "facet", "severity" if audit else "slot", "name", "conditions"]
    fixed = sum(max([len(headers[i])] + [len(row[i]) for row in rows]) for i in range(3))
    # names wrap at hyphens, conditions between conditions; names get the room first, but
    # never so much that a single condition (task=classification|regression) must break
    longest = min(40, max([len(word) for row in rows for word in row[4].split()] or [0]))
    conditions_width = max(28, longest)
    name_cap = max(20, width - fixed - 4 * len(SEPARATOR) - conditions_width)
    table = render_table(headers, rows, width=width, caps=[None, None, None, name_cap],
                         min_last=conditions_width, hyphenated=[3])
    if not count:
        return table
    return f"{table}\n\n{len(rules)} rule{'s' if len(rules) != 1 else ''}"


def rule_value_text(value: Any) -> str:
    """A rule's value as written, with value functions shown as calls: ``mlp_layers(width=...)``."""
    from ..values import is_call

    if is_call(value):
        args = ", ".join(f"{k}={rule_value_text(v)}" for k, v in (value.get("args") or {}).items())
        return f"{value['fn']}({args})"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {rule_value_text(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(rule_value_text(v) for v in value) + "]"
    return scalar(value)


def render_rule(rule: Any, *, width: int = 100, slot_doc: Optional[str] = None) -> str:
    """Everything about one rule, in sections like ``ruff rule``.

    Args:
        rule: a compiled rule (:class:`advisor.rules.compile.CompiledRule`).
        width: the width prose paragraphs wrap to.
        slot_doc: what the slot the rule sets means (from ``advisor.recommend.SLOTS``).
    """
    spec = rule.rule

    def paragraph(text: str) -> list[str]:
        return textwrap.wrap(" ".join(text.split()), width=max(width, 40),
                             break_on_hyphens=False) or [""]

    lines = [f"# {spec.name} ({rule.code})", "",
             f"Facet: {rule.facet}. Rule file: {rule_file_name(rule)}.", "",
             "## What it sets"]
    slot = spec.sets or "?"
    lines.extend(textwrap.wrap(f"{slot} = {rule_value_text(spec.value)}", width=max(width, 40),
                               subsequent_indent="    ", break_on_hyphens=False))
    if slot_doc:
        lines.append(slot_doc)
    lines += ["", "## When"]
    if not rule.all_of and not rule.any_of:
        lines.append("Always: the default when no more specific rule matches.")
    for condition in rule.all_of:
        lines.append(f"- {_condition(*condition)}")
    if rule.any_of:
        lines.append("- any of:")
        lines.extend("  - " + " and ".join(_condition(*c) for c in alt) for alt in rule.any_of)
    lines.append(f"Specificity {spec.specificity}, priority {spec.priority}: the most specific "
                 "matching rule wins its slot; priority breaks ties.")
    if spec.runner_up:
        lines.append("A runner-up by design: it never wins its slot; `recommend` lists it as an "
                     "alternative and `verify --trials` trains it.")
    lines += ["", "## Why"] + paragraph(spec.because)
    lines += ["", "## Departs from the source document"]
    lines += paragraph(spec.departs) if spec.departs else ["No: it follows the source document."]
    lines += ["", "## Source", spec.source]
    lines += ["", "## Source document cells"]
    lines.append(", ".join(spec.seed) if spec.seed else "None listed.")
    lines += ["", "## Examples"]
    for kind, title in (("fire", "Fires for:"), ("no_fire", "Does not fire for:"),
                        ("loses", "Fires but loses to a more specific rule for:")):
        cases = getattr(spec.examples, kind)
        if cases:
            lines.append(title)
            lines.extend(f"- {scalar(case)}" for case in cases)
    return "\n".join(lines)


def render_finding_rule(rule: Any, *, width: int = 100) -> str:
    """Everything about one rule that reports findings (audit, diagnose), in sections like
    ``ruff rule``: what it checks, when, why, the fix, an example and the source."""
    spec = rule.rule

    def paragraph(text: Optional[str]) -> list[str]:
        return textwrap.wrap(" ".join((text or "").split()), width=max(width, 40),
                             break_on_hyphens=False) or [""]

    lines = [f"# {spec.name} ({rule.code})", "",
             f"Severity: {spec.severity}. Facet: {rule.facet}. Rule file: {rule_file_name(rule)}.",
             "", "## What it checks"]
    lines += paragraph(spec.message)
    if spec.layer:
        lines.append("Points at: the output layer." if spec.layer == "output" else
                     "Points at: the offending layer.")
    lines += ["", "## When"]
    for condition in rule.all_of:
        lines.append(f"- {_condition(*condition)}")
    if rule.any_of:
        lines.append("- any of:")
        lines.extend("  - " + " and ".join(_condition(*c) for c in alt) for alt in rule.any_of)
    lines += ["", "## Why"] + paragraph(spec.because)
    lines += ["", "## Fix"] + paragraph(spec.fix)
    if spec.autofix and rule.family == "diagnose":
        moves = ", ".join(f"{knob} {scalar(change)}" for knob, change in spec.autofix.items())
        lines += paragraph(f"advisor verify --refine applies it once and trains again: {moves}.")
    elif spec.autofix:
        settings = ", ".join(f"{path} = {scalar(value)}" for path, value in spec.autofix.items())
        lines += paragraph(f"Automatic fix for advisor configs (advisor audit --fix): sets "
                           f"{settings}. Keras model files are never changed.")
    lines += ["", "## Example", "Fires for:"]
    lines.append(f"- {scalar(spec.examples.fire[0])}")
    if spec.examples.no_fire:
        lines.append("Does not fire for:")
        lines.append(f"- {scalar(spec.examples.no_fire[0])}")
    lines += ["", "## Source", spec.source]
    return "\n".join(lines)


def render_rule_text(rule: Any, *, width: int = 100) -> str:
    """``advisor rules show CODE``: the sections for the rule's family."""
    if get_family(rule.family).reports_findings:
        return render_finding_rule(rule, width=width)
    from ..recommend import SLOTS_BY_NAME

    slot = SLOTS_BY_NAME.get(rule.rule.sets or "")
    return render_rule(rule, width=width, slot_doc=slot.doc if slot else None)


# -- docs/rules.md --------------------------------------------------------------------------------

def _value_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def _ruleset_heading(ruleset: Any, folder: str) -> list[str]:
    out = [f"## {ruleset.name} (`rules/{folder}/{ruleset.path.name}`)", ""]
    if ruleset.description:
        out += [" ".join(ruleset.description.split()), ""]
    return out


def recommend_markdown() -> list[str]:
    """The reference of the recommend rules: slots, facts, coverage of the source document's
    table, then every rule."""
    from ..facts import RECOMMEND_FACTS
    from ..recommend import SLOTS, recommend_rules

    rulebase = recommend_rules()
    out = ["# Rule reference", "",
           "Generated from `rules/*/*.yaml` by `python -m advisor.docs` "
           "(`make docs`). Do not edit by hand.", "",
           f"{len(rulebase.rules)} recommend rules in {len(rulebase.rulesets)} rule sets. "
           "For each slot the most specific matching rule (most conditions) wins; `priority` "
           "breaks ties, then the code. Model rules run first; the other facets can test the "
           "chosen model `family`.", "",
           "## Slots", "", "| slot | facet | meaning |", "|---|---|---|"]
    out += [f"| `{s.name}` | {s.facet} | {s.doc} |" for s in SLOTS]
    out += ["", "## Facts rules can test", "", "| fact | type | meaning |", "|---|---|---|"]
    for fact in RECOMMEND_FACTS.values():
        kind = fact.kind if fact.kind != "enum" else " \\| ".join(fact.values)
        out.append(f"| `{fact.name}` | {kind} | {fact.doc} |")
    out += ["", "## Coverage of the source document's table", "",
            "| technique | " + " | ".join(SEED_CRITERIA) + " |",
            "|---|" + "---|" * len(SEED_CRITERIA)]
    for technique in ("preprocessing", "model", "optimizer", "loss", "learning_rate",
                      "regularization"):
        cells = []
        for criterion in SEED_CRITERIA:
            codes = [r.code for r in rulebase.rules if f"{technique}/{criterion}" in r.rule.seed]
            cells.append(", ".join(codes) or "-")
        out.append(f"| {technique} | " + " | ".join(cells) + " |")
    for ruleset in rulebase.rulesets:
        out += [""] + _ruleset_heading(ruleset, "recommend")
        for rule in ruleset.rules:
            r = rule.rule
            out += [f"### {r.code} `{r.name}`", "",
                    f"- **sets** `{r.sets}` = `{_value_text(r.value)}`",
                    f"- **when** {format_conditions(rule)}"
                    + (f" (priority {r.priority})" if r.priority else "")
                    + ("; a runner-up by design: `verify --trials` trains it"
                       if r.runner_up else ""),
                    f"- **because** {' '.join(r.because.split())}"]
            if r.departs:
                out.append(f"- **departs from the source document** {' '.join(r.departs.split())}")
            if r.seed:
                out.append(f"- **addresses** {', '.join(r.seed)}")
            out += [f"- **source** <{r.source}>", ""]
    return out


def finding_rules_markdown(rulebase: Any, intro: str) -> list[str]:
    """The reference of a family whose rules report findings (audit, diagnose): per rule file,
    each rule's severity, conditions, message, fix, reason and source."""
    folder = rulebase.family.name
    out = [f"# {rulebase.family.title}", "", intro, "",
           f"{len(rulebase.rules)} rules in {len(rulebase.rulesets)} files "
           f"(`rules/{folder}/`).", ""]
    for ruleset in rulebase.rulesets:
        out += _ruleset_heading(ruleset, folder)
        for rule in ruleset.rules:
            r = rule.rule
            out += [f"### {r.code} `{r.name}` ({r.severity})", "",
                    f"- **when** {format_conditions(rule)}",
                    f"- **message** {' '.join((r.message or '').split())}",
                    f"- **fix** {' '.join((r.fix or '').split())}",
                    f"- **because** {' '.join(r.because.split())}",
                    f"- **source** <{r.source}>", ""]
    return out


def render_all() -> str:
    """The whole reference (docs/rules.md): every family of the registry, recommend first."""
    parts: list[str] = []
    for family in families():
        if family.reports_findings:
            parts += [""] + finding_rules_markdown(family.rulebase(), family.intro)
        else:
            parts += recommend_markdown()
    return "\n".join(parts).strip() + "\n"
