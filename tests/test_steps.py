"""advisor.steps is the one home of the preprocessing steps: a setup's steps are checked against
its models, and the executor, the audit facts and the rules read the names from it."""

from __future__ import annotations

import subprocess
import sys

import pytest

from advisor import steps
from advisor.errors import AdvisorError
from advisor.models import TrainingConfig, TrainingSetup


def _setup(preprocessing):
    return {"model": {"family": "mlp", "layers": [{"type": "Input", "shape": [4]},
                                                  {"type": "Dense", "units": 1}],
                      "output": {"units": 1, "activation": "sigmoid"}},
            "loss": {"name": "binary_crossentropy"},
            "optimizer": {"name": "adam", "learning_rate": 1e-3},
            "regularization": {"dropout": 0.0, "l1": 0.0, "l2": 0.0},
            "training": {"batch_size": 32, "epochs": 2, "validation_split": 0.2},
            "preprocessing": preprocessing, "metrics": ["accuracy"]}


def test_the_names_are_the_models_discriminators():
    assert len(steps.PREPROCESSING_STEPS) == len(steps.STEP_MODELS) == 12
    assert "log_target" in steps.PREPROCESSING_STEPS
    for name in steps.PREPROCESSING_STEPS:
        required = {"multi_hot": {"num_tokens": 3}, "pad": {"length": 4},
                    "window": {"length": 4, "horizon": 1}}.get(name, {})
        assert steps.checked_step({"step": name, **required}) == {"step": name, **required}


@pytest.mark.parametrize("step, field", [({"step": "normalize"}, "normalize"),
                                         ({"step": "robust_scale"}, "robust_scale"),
                                         ({"step": "impute", "strategy": "mode"}, "strategy"),
                                         ({"step": "rescale", "divide_by": 0}, "divide_by"),
                                         ({"step": "one_hot", "max_cats": 3}, "max_cats"),
                                         ({"step": "clip", "quantiles": [0.9, 0.1]}, "quantiles")])
def test_a_setup_with_an_unknown_step_or_argument_is_refused(step, field):
    with pytest.raises(ValueError, match=field):
        TrainingSetup.model_validate(_setup([step]))


def test_a_valid_setup_keeps_its_steps_as_written():
    written = [{"step": "impute", "strategy": "median"}, {"step": "min_max", "range": [0, 255]}]
    assert TrainingSetup.model_validate(_setup(written)).preprocessing == written


def test_a_config_file_with_an_unknown_step_is_a_clear_error(tmp_path):
    import yaml

    path = tmp_path / "bad.yaml"
    path.write_text(yaml.safe_dump({"advisor_config": 1, **_setup([{"step": "whiten"}])}))
    with pytest.raises(AdvisorError, match="whiten"):
        TrainingConfig.from_file(path)


def test_steps_imports_no_numpy_or_keras():
    code = ("import sys, advisor.steps; print(sorted(m for m in sys.modules if m.split('.')[0] "
            "in ('numpy', 'keras', 'tensorflow', 'pandas')))")
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "[]"


def test_the_defaults_plain_dict_readers_use_are_the_models():
    """The executor's pipeline (and the script embedding it) fills a step's missing arguments
    from STEP_DEFAULTS: exactly what validating the bare step gives."""
    for name, defaults in steps.STEP_DEFAULTS.items():
        required = {"multi_hot": {"num_tokens": 3}, "pad": {"length": 4},
                    "window": {"length": 4, "horizon": 1}}.get(name, {})
        full = steps.parse_step({"step": name, **required}).model_dump(mode="json")
        assert full == {"step": name, **required, **defaults}
