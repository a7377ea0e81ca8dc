"""Every rule's examples, through the real engine (Semgrep-style fixtures).

``fire``: the rule matches; ``no_fire``: it does not; ``loses``: it matches but another rule wins
its slot. One parametrized test runs them all.
"""

from __future__ import annotations

import pytest

from advisor.profile import DatasetProfile
from advisor.recommend import fire_rules, rank, recommend_rules

CASES = [
    pytest.param(rule.code, kind, index, example, id=f"{rule.code}-{kind}-{index}")
    for rule in recommend_rules().rules
    for kind in ("fire", "no_fire", "loses")
    for index, example in enumerate(getattr(rule.rule.examples, kind))
]


@pytest.mark.parametrize("code,kind,index,example", CASES)
def test_rule_example(code, kind, index, example, recommend_rulebase):
    profile = DatasetProfile.model_validate(example)
    facts, fired = fire_rules(profile)
    rule = recommend_rulebase.by_code[code]
    if kind == "no_fire":
        assert code not in fired, f"{code} must not match {example}\nfacts: {facts}"
        return
    assert code in fired, f"{code} must match {example}\nfacts: {facts}"
    if kind == "loses":
        slot = rule.rule.sets
        rivals = rank([recommend_rulebase.by_code[c] for c in fired
                       if recommend_rulebase.by_code[c].rule.sets == slot])
        assert rivals[0].code != code, f"{code} should lose slot {slot} on {example}"


def test_every_rule_has_fixtures():
    for rule in recommend_rules().rules:
        examples = rule.rule.examples
        assert examples.fire, rule.code
        assert examples.no_fire or examples.loses, rule.code
