"""Shared test setup.

Slow tests (real training, many profiles) run in a small version by default, as CI does; set
ADVISOR_TEST_SCALE=full for the full version.
"""

from __future__ import annotations

import os
import sys
import types
from pathlib import Path

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


@pytest.fixture
def load_script():
    """Execute a generated training script as a module (not its main()): its namespace. It is
    a module in sys.modules while it runs (its dataclasses look their module up), and the Keras
    registry entries it overwrites are restored afterwards."""
    import keras

    def load(script: Path) -> dict:
        registry = keras.saving.get_custom_objects()
        saved = dict(registry)
        module = types.ModuleType("generated_train_script")
        module.__file__ = str(script)
        sys.modules[module.__name__] = module
        try:
            exec(compile(script.read_text(encoding="utf-8"), str(script), "exec"),
                 module.__dict__)
        finally:
            registry.clear()
            registry.update(saved)
            sys.modules.pop(module.__name__, None)
        return module.__dict__

    return load
