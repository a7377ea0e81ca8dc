"""The diagnose rules: fixtures, facts computed from histories, and --refine's adjustments.

No Keras here: histories are lists of floats, so these run in milliseconds.
"""

from __future__ import annotations

import math
import subprocess
import sys

import pytest

from advisor.engine import ReferenceEngine, get_engine
from advisor.errors import RuleError
from advisor.diagnose import (DIAGNOSE, KNOBS, RunSummary, apply_adjustments,
                                       diagnose, diagnose_rules,
                                       history_facts)
from advisor.rules.compile import compile_rulebase, rules_root

OVERFITTING = {"loss": [1.0, 0.6, 0.4, 0.3, 0.2, 0.15, 0.1, 0.07, 0.05, 0.04],
               "val_loss": [1.0, 0.7, 0.55, 0.5, 0.52, 0.58, 0.66, 0.75, 0.85, 0.95],
               "epochs_planned": 100, "early_stopping": True, "skill": 0.7}
DIVERGING = {"loss": [1.0, 0.8, 0.7, 0.9, 1.4, 2.5, 4.0],
             "val_loss": [1.0, 0.85, 0.75, 1.0, 1.6, 2.9, 4.5], "epochs_planned": 7}
NAN_RUN = {"loss": [1.0, 3.0, float("nan")], "val_loss": [1.0, 4.0, float("nan")],
           "epochs_planned": 50}
HEALTHY = {"loss": [1.0, 0.6, 0.45, 0.38, 0.34, 0.32, 0.31, 0.305, 0.303, 0.302, 0.302, 0.302],
           "val_loss": [1.0, 0.65, 0.5, 0.43, 0.4, 0.39, 0.385, 0.386, 0.388, 0.387, 0.389, 0.39],
           "epochs_planned": 100, "early_stopping": True, "skill": 0.85}
UNDERFITTING = {"loss": [1.1, 1.08, 1.07, 1.07, 1.06, 1.06], "val_loss":
                [1.1, 1.09, 1.09, 1.08, 1.08, 1.08], "epochs_planned": 6, "skill": 0.03}


def _codes(run):
    return [f.code for f in diagnose(run)]


def test_rule_files_load_with_their_examples():
    rulebase = compile_rulebase(DIAGNOSE, rules_root() / "diagnose", check_examples=True)
    assert len(rulebase.rules) >= 8
    for compiled in rulebase.rules:
        rule = compiled.rule
        assert rule.severity and rule.message and rule.fix and rule.source.startswith("http")
        assert rule.examples.fire and rule.examples.no_fire


@pytest.mark.parametrize("engine", ["durable", "reference"])
def test_every_fixture_fires_or_not_as_it_says(engine):
    chosen = get_engine() if engine == "durable" else ReferenceEngine()
    assert DIAGNOSE.run_examples(diagnose_rules(), chosen) == []


def test_an_overfitting_history_is_diagnosed_as_overfitting():
    findings = diagnose(OVERFITTING)
    assert [f.code for f in findings] == ["DIAG001"]
    finding = findings[0]
    assert finding.facet == "regularization" and finding.severity == "warning"
    assert "Over-fitting" in finding.message and "epoch 4 of 10" in finding.message
    assert finding.adjust == {"dropout": {"add": 0.2, "max": 0.5}}
    assert "Q9" in finding.because and finding.source.startswith("https://cs231n")


def test_a_diverging_run_and_a_nan_run_are_errors_about_the_learning_rate():
    diverging = diagnose(DIVERGING)
    assert "DIAG004" in [f.code for f in diverging]
    assert diverging[0].severity == "error" and diverging[0].facet == "learning_rate"
    assert diverging[0].adjust == {"learning_rate": {"multiply": 0.3}}
    nan = diagnose(NAN_RUN)
    assert [f.code for f in nan] == ["DIAG003"]
    assert nan[0].adjust == {"learning_rate": {"multiply": 0.1}}


def test_a_healthy_run_gets_no_findings_and_an_underfitting_run_does():
    assert _codes(HEALTHY) == []
    assert "DIAG002" in _codes(UNDERFITTING)
    assert "DIAG005" in _codes(UNDERFITTING)  # the loss also hardly moved


def test_still_improving_and_early_best_epoch():
    improving = {"loss": [1.0 * 0.85 ** i for i in range(10)],
                 "val_loss": [1.05 * 0.86 ** i for i in range(10)], "epochs_planned": 10}
    assert _codes(improving) == ["DIAG006"]
    early = {"loss": [1.0, 0.7, 0.5, 0.4, 0.3, 0.25, 0.2, 0.18],
             "val_loss": [0.9, 0.8, 0.82, 0.84, 0.86, 0.88, 0.9, 0.92],
             "epochs_planned": 100, "early_stopping": True}
    assert "DIAG007" in _codes(early)
    assert _codes({"loss": [1.0, 0.5, 0.5, 0.5]}) == ["DIAG008"]


def test_history_facts():
    facts = history_facts(RunSummary(**OVERFITTING))
    assert facts["best_epoch"] == 4 and facts["epochs_run"] == 10
    assert facts["stopped_early"] is True and facts["has_validation"] is True
    assert facts["train_improved_after_best"] is True
    assert facts["val_loss_rise"] == pytest.approx(0.9)
    assert facts["gap_ratio"] == pytest.approx(0.95 / 0.04)
    assert facts["train_loss_drop"] == pytest.approx(0.96)
    nan = history_facts(RunSummary(**NAN_RUN))
    assert nan["nan_seen"] is True and "gap_ratio" not in nan
    assert all(not isinstance(v, float) or math.isfinite(v) for v in nan.values())


def _setup():
    from advisor import recommend

    return recommend({"problem_type": "multiclass", "data_structure": "tabular",
                      "n_samples": 178, "input_shape": [13], "n_classes": 3}).setup()


def test_refine_applies_each_knob_once():
    setup = _setup()
    findings = diagnose(OVERFITTING) + diagnose(DIVERGING)
    refined, changes = apply_adjustments(setup, findings)
    assert refined.optimizer.learning_rate == pytest.approx(setup.optimizer.learning_rate * 0.3)
    old_rates = [l["rate"] for l in setup.model.layers if l["type"] == "Dropout"]
    new_rates = [l["rate"] for l in refined.model.layers if l["type"] == "Dropout"]
    assert new_rates == pytest.approx([min(0.5, r + 0.2) for r in old_rates])
    assert refined.regularization.dropout == pytest.approx(min(0.5, setup.regularization.dropout
                                                               + 0.2))
    assert any("DIAG004" in c for c in changes) and any("DIAG001" in c for c in changes)


def test_refine_widens_the_hidden_layers_and_doubles_the_epochs():
    setup = _setup()
    refined, changes = apply_adjustments(setup, diagnose(UNDERFITTING))
    old = [l.get("units") for l in setup.model.layers if l["type"] == "Dense"]
    new = [l.get("units") for l in refined.model.layers if l["type"] == "Dense"]
    assert new[:-1] == [u * 2 for u in old[:-1]] and new[-1] == old[-1]  # output unchanged
    assert refined.training.epochs == setup.training.epochs * 2
    assert changes


def test_a_rule_with_an_unknown_knob_is_rejected(tmp_path):
    source = (rules_root() / "diagnose" / "regularization.yaml").read_text()
    (tmp_path / "bad.yaml").write_text(source.replace("autofix: {dropout:",
                                                      "autofix: {dropuot:"))
    with pytest.raises(RuleError, match="knob 'dropuot'"):
        compile_rulebase(DIAGNOSE, tmp_path)
    assert set(KNOBS) >= {"dropout", "learning_rate", "epochs", "width"}


def test_diagnosis_imports_no_tensorflow():
    code = ("import sys, advisor.diagnose as d; d.diagnose({'loss': [1.0, 0.5]}); "
            "import advisor.executor.report; "
            "assert 'tensorflow' not in sys.modules and 'keras' not in sys.modules")
    subprocess.run([sys.executable, "-c", code], check=True)


def test_a_setup_that_lost_to_the_document_default_is_said():
    lost = diagnose({**HEALTHY, "skill": 0.70, "default_skill": 0.85})
    assert [d.code for d in lost] == ["DIAG009"]
    assert "-0.15 less than the default" in lost[0].message
    assert diagnose({**HEALTHY, "skill": 0.84, "default_skill": 0.85}) == []
    assert history_facts(RunSummary(**HEALTHY)).get("skill_vs_default") is None


def test_validation_flat_while_training_falls_to_the_end_of_the_budget():
    run = {"loss": [1.0, 0.8, 0.65, 0.55, 0.48, 0.42, 0.37, 0.33, 0.29, 0.26],
           "val_loss": [1.0, 0.8, 0.6, 0.55, 0.53, 0.53, 0.53, 0.531, 0.532, 0.53],
           "epochs_planned": 10}
    facts = history_facts(RunSummary(**run))
    assert facts["recent_improvement"] == 0.0 and facts["train_recent_improvement"] > 0.3
    found = diagnose(run)
    assert [d.code for d in found] == ["DIAG010"]
    assert found[0].adjust == {"dropout": {"add": 0.1, "max": 0.5}}
    # the same curves cut short by early stopping are early stopping doing its job
    assert diagnose({**run, "epochs_planned": 30, "early_stopping": True}) == []
    assert diagnose(HEALTHY) == []
