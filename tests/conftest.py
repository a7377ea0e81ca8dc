"""Shared test setup.

Slow tests (real training, many profiles) run in a small version by default, as CI does; set
ADVISOR_TEST_SCALE=full for the full version.
"""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def scale() -> str:
    """'small' (default, CI) or 'full' (ADVISOR_TEST_SCALE=full)."""
    return os.environ.get("ADVISOR_TEST_SCALE", "small")


@pytest.fixture(scope="session")
def recommend_rulebase():
    """The compiled recommend rules, loaded once (each engine registration leaks memory)."""
    from advisor.recommend import recommend_rules

    return recommend_rules()
