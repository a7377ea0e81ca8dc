"""Generate the rule reference (docs/rules.md) from the rule files.

Run ``python -m advisor.docs > docs/rules.md`` (``make docs``); a test fails when the checked-in
file is stale. Recommend rules come first, then the families that report findings.
"""

from __future__ import annotations

import json
import sys
from typing import Any

from .dsl import SEED_CRITERIA
from .facts import RECOMMEND_FACTS


def condition_text(all_of: list, any_of: list | None) -> str:
    """Conditions as a compact, readable string: ``data_structure = image, input_rank = 3``."""
    def one(field: str, op: str, literal: Any) -> str:
        symbol = {"eq": "=", "neq": "!=", "lt": "<", "lte": "<=", "gt": ">", "gte": ">=",
                  "in": "in", "not_in": "not in"}.get(op)
        if op == "exists":
            return f"{field} {'is known' if literal else 'is unknown'}"
        if isinstance(literal, list):
            literal = "{" + ", ".join(json.dumps(v) if not isinstance(v, str) else v
                                      for v in literal) + "}"
        elif isinstance(literal, bool):
            literal = str(literal).lower()
        return f"{field} {symbol} {literal}"

    parts = [one(*c) for c in all_of]
    if any_of:
        parts.append("(" + " or ".join(" and ".join(one(*c) for c in alt) for alt in any_of)
                     + ")")
    return ", ".join(parts) if parts else "always (default)"


def _value_text(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False)


def render_markdown() -> str:
    from .recommend import SLOTS, recommend_rules

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
        out += ["", f"## {ruleset.name} (`rules/recommend/{ruleset.path.name}`)", ""]
        if ruleset.description:
            out += [" ".join(ruleset.description.split()), ""]
        for rule in ruleset.rules:
            r = rule.rule
            out += [f"### {r.code} `{r.name}`", "",
                    f"- **sets** `{r.sets}` = `{_value_text(r.value)}`",
                    f"- **when** {condition_text(rule.all_of, rule.any_of)}"
                    + (f" (priority {r.priority})" if r.priority else ""),
                    f"- **because** {' '.join(r.because.split())}"]
            if r.departs:
                out.append(f"- **departs from the source document** {' '.join(r.departs.split())}")
            if r.seed:
                out.append(f"- **addresses** {', '.join(r.seed)}")
            out += [f"- **source** <{r.source}>", ""]
    return "\n".join(out).rstrip() + "\n"


def finding_rules_markdown(rulebase: Any, title: str, intro: str) -> list[str]:
    """The reference of a family whose rules report findings (audit, diagnose): per rule file,
    each rule's severity, conditions, message, fix, reason and source."""
    folder = rulebase.family.name
    out = [f"# {title}", "", intro, "",
           f"{len(rulebase.rules)} rules in {len(rulebase.rulesets)} files "
           f"(`rules/{folder}/`).", ""]
    for ruleset in rulebase.rulesets:
        out += [f"## {ruleset.name} (`rules/{folder}/{ruleset.path.name}`)", ""]
        if ruleset.description:
            out += [" ".join(ruleset.description.split()), ""]
        for rule in ruleset.rules:
            r = rule.rule
            out += [f"### {r.code} `{r.name}` ({r.severity})", "",
                    f"- **when** {condition_text(rule.all_of, rule.any_of)}",
                    f"- **message** {' '.join((r.message or '').split())}",
                    f"- **fix** {' '.join((r.fix or '').split())}",
                    f"- **because** {' '.join(r.because.split())}",
                    f"- **source** <{r.source}>", ""]
    return out


def render_all() -> str:
    """The whole reference: recommend rules, then the audit rules (and any other family that
    reports findings)."""
    from .audit.core import audit_rules

    parts = [render_markdown().rstrip(), ""]
    parts += finding_rules_markdown(
        audit_rules(), "Audit rules",
        "What `advisor audit` checks in existing setups. Errors are impossibilities (the "
        "setup cannot learn the task); warnings are matters of degree; info is a reminder. "
        "Rules whose conditions name profile facts stay silent without a profile.")
    from .executor.diagnose import diagnose_rules  # no Keras: arithmetic on histories

    parts += finding_rules_markdown(
        diagnose_rules(), "Diagnose rules",
        "What `advisor verify` reads in a training history (loss and val_loss per epoch, the "
        "epoch budget, the score against the trivial baseline) and what to change next; "
        "`--refine` applies the named change once and trains again.")
    return "\n".join(parts).rstrip() + "\n"


def main() -> None:
    sys.stdout.write(render_all())


if __name__ == "__main__":
    main()
