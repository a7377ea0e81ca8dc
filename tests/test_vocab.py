"""advisor.vocab is the one home of the name lists: the types and checks elsewhere use it.

The Literal types are spelled once in vocab and the tuples read off them, so these tests pin the
other direction: the models, rules and readers take their names from vocab, not from a copy.
"""

from __future__ import annotations

import ast
import sys
from pathlib import Path
from typing import Optional, get_args

import pytest

from advisor import vocab
from advisor.audit import facts as audit_facts
from advisor.audit import keras_graph, keras_names, keras_values
from advisor.audit.report import Finding
from advisor.rules.language import Rule, RuleFile
from advisor.facts import RECOMMEND_FACTS
from advisor.models import ModelSpec
from advisor.recommend import SLOTS

VOCAB = Path(vocab.__file__)


def test_the_literal_types_are_the_vocabulary():
    assert get_args(vocab.Facet) == vocab.FACETS
    assert get_args(vocab.Severity) == vocab.SEVERITIES
    assert get_args(vocab.ModelFamily) == vocab.MODEL_FAMILIES
    assert get_args(vocab.RuleFamilyName) == vocab.RULE_FAMILIES
    assert RuleFile.model_fields["facet"].annotation is vocab.Facet
    assert Rule.model_fields["severity"].annotation == Optional[vocab.Severity]
    assert Finding.model_fields["severity"].annotation is vocab.Severity
    assert ModelSpec.model_fields["family"].annotation is vocab.ModelFamily


def test_the_lists_agree_with_each_other():
    from advisor.rules.registry import FAMILIES, get_family

    assert FAMILIES == vocab.RULE_FAMILIES
    assert [get_family(name).name for name in FAMILIES] == list(FAMILIES)
    assert set(vocab.RECOMMEND_FACETS) == {slot.facet for slot in SLOTS}
    assert vocab.SEVERITY_RANK == {"info": 0, "warning": 1, "error": 2}
    assert set(vocab.CONFIG_SUFFIXES) < set(vocab.SETUP_SUFFIXES)
    assert RECOMMEND_FACTS["family"].values == vocab.MODEL_FAMILIES


def test_readers_and_audit_facts_share_one_table_of_keras_names():
    for name in ("ACTIVATION_LAYERS", "DROPOUT_LAYERS"):
        assert getattr(keras_graph, name) is getattr(vocab, name) is getattr(audit_facts, name)
    assert keras_values.KERAS_LOSSES is vocab.KERAS_LOSSES
    assert audit_facts.LOSSES == vocab.KERAS_LOSSES + ("other",)
    assert vocab.DROPOUT_LAYERS <= audit_facts.LINEAR_PASSTHROUGH


def test_the_dropout_family_is_what_keras_has():
    keras = pytest.importorskip("keras")
    assert vocab.DROPOUT_LAYERS == {n for n in dir(keras.layers) if n.endswith("Dropout")
                                    or n.startswith("SpatialDropout")}


def test_vocab_is_a_leaf():
    """vocab imports only the standard library, so any module can use it without a cycle."""
    tree = ast.parse(VOCAB.read_text(encoding="utf-8"))
    imported = {alias.name.split(".")[0] for node in ast.walk(tree)
                if isinstance(node, ast.Import) for alias in node.names}
    imported |= {node.module.split(".")[0] for node in ast.walk(tree)
                 if isinstance(node, ast.ImportFrom) and node.module and not node.level}
    assert not any(isinstance(node, ast.ImportFrom) and node.level for node in ast.walk(tree))
    assert imported <= set(sys.stdlib_module_names), imported - set(sys.stdlib_module_names)


def test_the_executor_builds_only_losses_the_audit_knows():
    """The executor's loss table maps names (and the aliases the reader resolves) to classes."""
    from advisor.executor.build import LOSS_CLASSES
    from advisor.executor.train import ONE_HOT_LOSSES

    known = set(vocab.KERAS_LOSSES) | set(keras_names.LOSS_ALIASES)
    assert set(LOSS_CLASSES) <= known, set(LOSS_CLASSES) - known
    assert ONE_HOT_LOSSES <= set(vocab.KERAS_LOSSES)
