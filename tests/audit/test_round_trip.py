"""Round trip (DESIGN.md's "consistent" invariant): whatever ``advisor recommend`` produces,
``advisor audit`` finds nothing wrong with — as a config in memory, as a config file, and as a
``.keras`` model built by the executor."""

from __future__ import annotations

import json
import os
import random

import pytest
from hypothesis import HealthCheck, given, settings, strategies as st

from advisor import recommend
from advisor._random_profiles import random_profile
from advisor.audit.core import audit, audit_paths

FULL = os.environ.get("ADVISOR_TEST_SCALE") == "full"
BAD = ("warning", "error")


def _complaints(findings):
    return [f"{f.code} [{f.severity}] {f.message}" for f in findings if f.severity in BAD]


@settings(max_examples=3000 if FULL else 600, deadline=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(st.randoms(use_true_random=False))
def test_every_recommended_config_audits_clean(rng):
    profile = random_profile(rng)
    config = recommend(profile).to_config()
    assert _complaints(audit(config, profile=profile)) == [], profile.model_dump(exclude_none=True)


def test_recommended_config_files_audit_clean_through_the_reader(tmp_path):
    """The YAML and JSON files `recommend --format config` writes, read back by the audit's
    reader (the embedded profile makes the profile-dependent rules speak)."""
    rng = random.Random(20261128)
    for index in range(60):
        profile = random_profile(rng)
        config = recommend(profile).to_config()
        if index % 2:
            (tmp_path / f"run{index}.yaml").write_text(config.to_yaml())
        else:
            (tmp_path / f"run{index}.json").write_text(config.to_json())
    report = audit_paths([tmp_path], jobs=1)
    assert report.errors == []
    assert report.summary.files == 60
    assert _complaints(report.findings) == []


# One small profile per model family the executor can build without downloads.
KERAS_PROFILES = {
    "mlp": dict(problem_type="binary", data_structure="tabular", n_samples=5000,
                input_shape=[20], n_classes=2, input_range=[-3, 3]),
    "mlp_imbalanced": dict(problem_type="binary", data_structure="tabular", n_samples=20000,
                           input_shape=[30], n_classes=2, minority_class_ratio=0.01),
    "mlp_regression": dict(problem_type="regression", data_structure="tabular", n_samples=400,
                           input_shape=[8], target_range=[25, 50000]),
    "multilabel": dict(problem_type="multilabel", data_structure="tabular", n_samples=3000,
                       input_shape=[40], n_classes=6),
    "cnn": dict(problem_type="multiclass", data_structure="image", n_samples=60000,
                input_shape=[28, 28, 1], n_classes=10, input_range=[0, 255]),
    "cnn3d": dict(problem_type="binary", data_structure="image", n_samples=200,
                  input_shape=[16, 32, 32, 1], n_classes=2),
    "cnn1d": dict(problem_type="multiclass", data_structure="time_series", n_samples=3600,
                  input_shape=[500, 1], n_classes=4),
    "rnn_forecast": dict(problem_type="forecasting", data_structure="time_series",
                         n_samples=50000, input_shape=[120, 14], n_targets=1),
    "text": dict(problem_type="binary", data_structure="text", n_samples=25000,
                 input_shape=[200], n_classes=2, vocab_size=20000),
    "transformer": dict(problem_type="multiclass", data_structure="text", n_samples=500000,
                        input_shape=[128], n_classes=5, vocab_size=30000, compute="gpu"),
    "autoencoder": dict(problem_type="anomaly_detection", data_structure="tabular",
                        n_samples=5000, input_shape=[30]),
    "conv_autoencoder": dict(problem_type="anomaly_detection", data_structure="image",
                             n_samples=6000, input_shape=[28, 28, 1], input_range=[0, 255]),
    "token_autoencoder": dict(problem_type="anomaly_detection", data_structure="text",
                              n_samples=2000, input_shape=[50], vocab_size=300),
}


@pytest.mark.keras
@pytest.mark.slow
@pytest.mark.parametrize("name", sorted(KERAS_PROFILES))
def test_built_keras_models_audit_clean(name, tmp_path):
    """Build and compile the recommendation with the executor, save it as Keras does, audit the
    archive (read as data) with the profile as a sidecar."""
    pytest.importorskip("keras")
    from advisor.executor.build import build_model, compile_model

    profile_data = KERAS_PROFILES[name]
    rec = recommend(profile_data)
    model = compile_model(build_model(rec, weights=None), rec)
    path = tmp_path / f"{name}.keras"
    model.save(path)
    (tmp_path / f"{name}.profile.json").write_text(json.dumps(profile_data))
    report = audit_paths([tmp_path], jobs=1)
    assert report.errors == []
    assert report.summary.files == 1  # the sidecar profile is not an input
    assert _complaints(report.findings) == [], rec.model.family
