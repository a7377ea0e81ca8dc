"""The audit rules: their examples through the real engine, and a contract over every rule."""

from __future__ import annotations

import re

import pytest

from advisor.audit.core import AUDIT, audit_rules
from advisor.engine import ReferenceEngine
from advisor.rules.compile import compile_rulebase, rules_root
from advisor.vocab import FACETS

RULES = audit_rules().rules


def test_every_example_holds_in_the_engine():
    assert AUDIT.run_examples(audit_rules(), None) == []


def test_every_example_holds_in_the_reference_evaluator():
    assert AUDIT.run_examples(audit_rules(), ReferenceEngine()) == []


def test_examples_are_valid_setups():
    compile_rulebase(AUDIT, rules_root() / "audit", check_examples=True)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_audit_rule_contract(rule):
    r = rule.rule
    assert rule.facet in FACETS
    assert r.code.startswith(AUDIT.prefixes[rule.facet]) and re.match(r"^[A-Z]+1\d\d$", r.code)
    assert r.severity in ("error", "warning", "info")
    assert r.message and r.fix and r.message != r.fix
    assert r.source.startswith("https://")
    assert r.examples.fire and r.examples.no_fire
    assert not r.name.startswith(("use-", "disallow-", "avoid-")), "names name the pattern"


def test_codes_do_not_clash_with_recommend_rules(recommend_rulebase):
    assert not set(audit_rules().by_code) & set(recommend_rulebase.by_code)
