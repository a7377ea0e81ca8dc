"""Contract checks over every recommend rule (scikit-learn's estimator-checks idea)."""

from __future__ import annotations

import random
import re
from collections import Counter, defaultdict

import pytest

from advisor._random_profiles import random_profile
from advisor.rules.language import MAX_RULES_PER_FILE, SEED_CRITERIA
from advisor.recommend import RECOMMEND, SLOTS, fire_rules, rank, recommend_rules

RULES = recommend_rules().rules
URL = re.compile(r"^https://\S+$")
SEED_ROWS = ("model", "optimizer", "loss", "learning_rate", "regularization")


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.code)
def test_rule_is_documented(rule):
    r = rule.rule
    assert URL.match(r.source), f"{r.code}: source must be a URL a user can open"
    assert len(r.because.split()) >= 8, f"{r.code}: 'because' must explain, in a sentence"
    assert not r.because.strip().lower().startswith(("use ", "set ")), \
        f"{r.code}: 'because' says why, not what"
    # the code's prefix and number are the family's contract, checked when the rules compile
    assert RECOMMEND.code_pattern.match(r.code)


def test_codes_and_names_are_unique():
    codes = Counter(r.code for r in RULES)
    names = Counter(r.rule.name for r in RULES)
    assert [c for c, n in codes.items() if n > 1] == []
    assert [c for c, n in names.items() if n > 1] == []


def test_rulesets_stay_inside_the_engine_budget():
    for ruleset in recommend_rules().rulesets:
        assert len(ruleset.rules) <= MAX_RULES_PER_FILE, ruleset.name


def test_every_slot_has_exactly_one_default_or_full_cover():
    """Completeness by construction: each slot has an unconditional rule, or its rules cover
    every task (model/output/loss/metrics are keyed on the task)."""
    by_slot = defaultdict(list)
    for rule in RULES:
        by_slot[rule.rule.sets].append(rule)
    for slot in SLOTS:
        assert by_slot[slot.name], f"no rule sets {slot.name}"


def test_every_seed_cell_is_covered():
    """Every cell of the source document's table is addressed by at least one rule."""
    covered = {cell for rule in RULES for cell in rule.rule.seed}
    missing = [f"{row}/{criterion}" for row in SEED_ROWS for criterion in SEED_CRITERIA
               if f"{row}/{criterion}" not in covered]
    assert missing == []
    assert any(c.startswith("preprocessing/") for c in covered)


def test_departures_from_the_document_say_so():
    """Rules addressing a cell the document gets wrong state the departure."""
    unsound = {"optimizer/problem_type", "optimizer/data_structure", "loss/data_structure",
               "learning_rate/problem_type", "learning_rate/data_structure",
               "regularization/problem_type", "regularization/data_structure"}
    for cell in unsound:
        rules = [r for r in RULES if cell in r.rule.seed]
        assert any(r.rule.departs for r in rules), f"{cell}: no rule explains its departure"


def test_every_rule_fires_and_wins_somewhere(scale):
    """No dead rules and no rule that is always shadowed (over random profiles + fixtures)."""
    rulebase = recommend_rules()
    fired_ever, won_ever = set(), set()
    rng = random.Random(7)
    profiles = [random_profile(rng) for _ in range(3000 if scale == "full" else 1500)]
    from advisor.profile import DatasetProfile

    for rule in RULES:
        profiles += [DatasetProfile.model_validate(e) for e in rule.rule.examples.fire]
    for profile in profiles:
        _, fired = fire_rules(profile)
        fired_ever |= fired
        by_slot = defaultdict(list)
        for code in fired:
            by_slot[rulebase.by_code[code].rule.sets].append(rulebase.by_code[code])
        won_ever |= {rank(rules)[0].code for rules in by_slot.values()}
    codes = {r.code for r in RULES}
    assert codes - fired_ever == set(), "rules that never fire"
    # runner_up rules are alternatives by design (advised search trains them): they never win
    runners_up = {r.code for r in RULES if r.rule.runner_up}
    assert codes - runners_up - won_ever == set(), "rules that never win their slot"
    assert runners_up & won_ever == set(), "runner_up rules that won a slot"
