"""What the families that report findings (audit, diagnose) share: their rule contract, running
their examples, and turning fired rules into findings."""

from __future__ import annotations

import string
from typing import Any, Mapping, Optional

from ..engine import get_engine
from ..errors import RuleError
from ..facts import Fact, sanitize
from .compile import CompiledRule, RuleBase
from ..vocab import SEVERITY_RANK
from .language import Rule


def check_finding_rule(rule: Rule, family: str, facts: Mapping[str, Fact], where: str) -> None:
    """What every rule that reports findings needs: a severity, a message and a fix, no
    recommend value, and a message that names only known facts."""
    missing = [name for name in ("severity", "message", "fix") if not getattr(rule, name)]
    if missing:
        raise RuleError(f"{family} rules need {', '.join(missing)}", where=where)
    if rule.sets is not None or rule.value is not None:
        raise RuleError(f"{family} rules report findings; 'sets'/'value' are for recommend "
                        "rules", where=where)
    for _, name, _, _ in string.Formatter().parse(rule.message or ""):
        if name and name not in facts:
            raise RuleError(f"message names unknown fact {{{name}}}", where=where)


def run_finding_examples(rulebase: RuleBase, engine: Optional[Any] = None) -> list[str]:
    """Run every fire / no_fire example through the engine, with the family's own example
    facts; the failures as messages."""
    engine = engine or get_engine()
    failures = []
    for compiled in rulebase.rules:
        where = f"{compiled.path.name}: {compiled.code}"
        for kind in ("fire", "no_fire"):
            for example in getattr(compiled.rule.examples, kind):
                facts = sanitize(rulebase.family.example_facts(example, where))
                fired = engine.fire(rulebase, facts)
                if (compiled.code in fired) != (kind == "fire"):
                    verb = "did not match" if kind == "fire" else "matched"
                    failures.append(f"{where} {verb} a {kind} example {dict(example)}")
    return failures


class _SafeFormat(dict):
    def __missing__(self, key: str) -> str:
        return "?"


def _one_line(text: Optional[str]) -> str:
    return " ".join((text or "").split())


def findings_for(rulebase: RuleBase, raw: Mapping[str, Any], *, engine: Optional[Any] = None
                 ) -> list[tuple[CompiledRule, dict[str, Any]]]:
    """Fire the rules on ``raw`` facts: each fired rule with its finding's common fields (code,
    name, severity, facet, message with the facts filled in, fix, because, source), most
    severe first, then by code."""
    fired = (engine or get_engine()).fire(rulebase, sanitize(dict(raw)))
    spec = rulebase.family.float_format
    display = _SafeFormat({key: format(value, spec) if isinstance(value, float) else str(value)
                           for key, value in raw.items()})
    found = []
    for code in fired:
        compiled = rulebase.by_code[code]
        rule = compiled.rule
        found.append((compiled, {
            "code": code, "name": rule.name, "severity": rule.severity or "info",
            "facet": compiled.facet,
            "message": _one_line((rule.message or "").format_map(display)),
            "fix": _one_line(rule.fix), "because": _one_line(rule.because),
            "source": rule.source}))
    found.sort(key=lambda item: (-SEVERITY_RANK.get(item[1]["severity"], 0), item[1]["code"]))
    return found
