"""The rule reference in docs/ is generated from the rule files and must not go stale."""

from pathlib import Path

from advisor.rules.render import render_all

DOC = Path(__file__).resolve().parent.parent / "docs" / "rules.md"


def test_rule_reference_is_up_to_date():
    assert DOC.read_text(encoding="utf-8") == render_all(), \
        "docs/rules.md is stale: run `make docs` (python -m advisor.docs > docs/rules.md)"
