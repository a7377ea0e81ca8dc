"""The registry of rule families: every family, every rule, any rule by its code.

The three families live beside the code that uses their findings (``advisor.recommend``,
``advisor.audit.core``, ``advisor.diagnose``), because each needs that code's facts and checks.
Here they are named once and loaded on first use, so listing the recommend rules never imports
the audit readers, and nothing here imports the executor.
"""

from __future__ import annotations

import difflib
import importlib
from typing import Iterator, Optional

from ..errors import AdvisorError
from .compile import CompiledRule, RuleFamily

#: family name (advisor.vocab.RULE_FAMILIES) -> (module, attribute) of its RuleFamily
_HOMES = {
    "recommend": ("advisor.recommend", "RECOMMEND"),
    "audit": ("advisor.audit.core", "AUDIT"),
    "diagnose": ("advisor.diagnose", "DIAGNOSE"),
}
FAMILIES: tuple[str, ...] = tuple(_HOMES)


def get_family(name: str) -> RuleFamily:
    """The family called ``name`` (an :class:`AdvisorError` naming the known ones otherwise)."""
    if name not in _HOMES:
        raise AdvisorError(f"unknown rule family {name!r}; expected one of {', '.join(FAMILIES)}")
    module, attribute = _HOMES[name]
    return getattr(importlib.import_module(module), attribute)


def families() -> list[RuleFamily]:
    return [get_family(name) for name in FAMILIES]


def all_rules() -> Iterator[CompiledRule]:
    """Every installed rule, family by family, in file order."""
    for family in families():
        yield from family.rulebase().rules


def family_of_codes(codes: list[str]) -> Optional[RuleFamily]:
    """The one family whose code pattern every code matches (None when none or several do)."""
    matching = [family for family in families()
                if codes and all(family.code_pattern.match(code) for code in codes)]
    return matching[0] if len(matching) == 1 else None


def find_rule(code: str) -> CompiledRule:
    """The installed rule with this code (any family; case and spaces ignored).

    Raises:
        AdvisorError: no such rule; the message offers the closest codes.
    """
    wanted = code.strip().upper()
    for family in families():
        if family.code_pattern.match(wanted):
            rule = family.rulebase().by_code.get(wanted)
            if rule is not None:
                return rule
    known = [rule.code for rule in all_rules()]
    close = difflib.get_close_matches(wanted, known, n=3, cutoff=0.6)
    raise AdvisorError(f"unknown rule code {code!r}; expected a code such as LOSS001 or OUT101"
                       + (f" (did you mean {', '.join(close)}?)" if close else ""),
                       hint="'advisor rules list' shows every rule code")
