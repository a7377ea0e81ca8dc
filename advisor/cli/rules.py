"""``advisor rules list | show | lint``: the rules, through the registry (advisor.rules)."""

from __future__ import annotations

from typing import Optional

import click

from ..vocab import FACETS, RULE_FAMILIES
from .app import cli
from .options import format_option
from .output import echo_text, terminal_width


@cli.group(no_args_is_help=True)
def rules() -> None:
    """List, explain and check the rules behind the recommendations.

    \b
    Example:
      advisor rules list --facet loss
      advisor rules show LOSS001
      advisor rules lint
    """


def _facets() -> list[str]:
    from ..recommend import SLOTS

    return list(dict.fromkeys([slot.facet for slot in SLOTS] + list(FACETS)))


@rules.command("list")
@click.option("--family", type=click.Choice(RULE_FAMILIES + ("all",)), default="all",
              show_default=True,
              help="recommend: rules that choose a setup; audit: rules that report findings in "
              "setups; diagnose: rules that read training histories (advisor verify).")
@click.option("--facet", type=click.Choice(_facets()), default=None,
              help="Only the rules of one facet.")
@format_option("text", "json")
def rules_list(family: str, facet: Optional[str], output_format: str) -> None:
    """List the rules: code, facet, slot (recommend) or severity (audit, diagnose), name and
    conditions.

    \b
    Example:
      advisor rules list
      advisor rules list --family audit --facet loss
      advisor rules list --facet loss --format json
    """
    from ..render import to_json
    from ..rules.registry import families, get_family
    from ..rules.render import render_rules_table, rule_to_dict

    order = {name: index for index, name in enumerate(FACETS)}
    tables = []
    for spec in families() if family == "all" else [get_family(family)]:
        selected = sorted((r for r in spec.rulebase().rules
                           if facet is None or r.facet == facet),
                          key=lambda r: order.get(r.facet, len(order)))  # file order in a facet
        tables.append((spec.name, selected))
    if output_format == "json":
        echo_text(to_json([rule_to_dict(r) for _, selected in tables for r in selected]))
    elif len(tables) == 1:
        echo_text(render_rules_table(tables[0][1], width=terminal_width()))
    else:
        parts = []
        for name, selected in tables:
            if selected:
                parts += [f"{name.capitalize()} rules",
                          render_rules_table(selected, width=terminal_width(), count=False), ""]
        counts = ", ".join(f"{len(selected)} {name}" for name, selected in tables)
        total = sum(len(selected) for _, selected in tables)
        parts.append(f"{total} rule{'s' if total != 1 else ''} ({counts})")
        echo_text("\n".join(parts))


@rules.command("show")
@click.argument("code")
@format_option("text", "json")
def rules_show(code: str, output_format: str) -> None:
    """Explain one rule: what it sets or checks, when, why, the fix, its source and examples.

    \b
    Example:
      advisor rules show LOSS001
      advisor rules show OUT101
      advisor rules show MOD002 --format json
    """
    from ..render import to_json
    from ..rules.registry import find_rule
    from ..rules.render import render_rule_text, rule_to_dict

    rule = find_rule(code)
    if output_format == "json":
        echo_text(to_json(rule_to_dict(rule, examples=True)))
    else:
        echo_text(render_rule_text(rule, width=terminal_width()))


@rules.command("lint")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--family", type=click.Choice(RULE_FAMILIES), default=None,
              help="The family of the rules in FOLDER (default: told by their codes).")
def rules_lint(folder: Optional[str], family: Optional[str]) -> None:
    """Load and validate rule files; exit 0 if clean, 2 with the error.

    Without FOLDER, every installed family (recommend, audit, diagnose) is linted. The check covers
    the file format, rule codes, conditions against the fact vocabulary, values and value
    functions, engine limits, that every example is valid and fires (or not) as it says, that
    every example's whole recommendation can be built, and that audit autofix paths name
    TrainingConfig fields.

    \b
    Example:
      advisor rules lint
      advisor rules lint rules/recommend
      advisor rules lint my-rules/ --family audit
    """
    from ..rules.lint import lint

    if folder is None:
        results = [lint(name) for name in ((family,) if family else RULE_FAMILIES)]
    else:
        results = [lint(family, folder)]
    echo_text("\n".join(result.summary() for result in results))
