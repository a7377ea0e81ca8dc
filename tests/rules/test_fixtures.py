"""Every rule's examples, through the real engine (Semgrep-style fixtures).

``fire``: the rule matches; ``no_fire``: it does not; ``loses``: it matches but another rule wins
its slot. One parametrized test runs them all.
"""

from __future__ import annotations

import pytest

from advisor.recommend import RECOMMEND, check_example, recommend_rules

CASES = [
    pytest.param(rule.code, kind, index, example, id=f"{rule.code}-{kind}-{index}")
    for rule in recommend_rules().rules
    for kind in ("fire", "no_fire", "loses")
    for index, example in enumerate(getattr(rule.rule.examples, kind))
]


@pytest.mark.parametrize("code,kind,index,example", CASES)
def test_rule_example(code, kind, index, example, recommend_rulebase):
    assert check_example(recommend_rulebase, code, kind, example) is None


def test_every_example_is_a_valid_profile():
    from advisor.rules.compile import compile_rulebase, rules_root

    compile_rulebase(RECOMMEND, rules_root() / "recommend", check_examples=True)


def test_every_rule_has_fixtures():
    for rule in recommend_rules().rules:
        examples = rule.rule.examples
        assert examples.fire, rule.code
        assert examples.no_fire or examples.loses, rule.code
