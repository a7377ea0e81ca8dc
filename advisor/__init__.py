"""advisor: what to use to train a Keras model, and what is wrong with how you train it.

Public API::

    from advisor import recommend, DatasetProfile
    rec = recommend(DatasetProfile(problem_type="binary", data_structure="tabular",
                                   n_samples=5000, input_shape=[20], n_classes=2))
    rec.loss.name, rec.optimizer.learning_rate, rec.explain("loss")

    from advisor import audit
    findings = audit("model.keras", profile=profile)

Heavier parts load on first use (module ``__getattr__``), so ``import advisor`` stays fast.
"""

from .errors import AdvisorError, ProfileError, RuleError
from .models import Recommendation, TrainingConfig, TrainingSetup
from .profile import DatasetProfile, load_profile
from .recommend import recommend

__all__ = [
    "AdvisorError",
    "DatasetProfile",
    "ProfileError",
    "Recommendation",
    "RuleError",
    "TrainingConfig",
    "TrainingSetup",
    "audit",
    "audit_paths",
    "load_profile",
    "profile_data",
    "recommend",
    "verify",
]
__version__ = "0.1.0"


# public name -> (module, attribute), imported on first access
_LAZY = {
    "audit": ("advisor", "audit"),  # the callable subpackage: see advisor/audit/__init__.py
    "audit_paths": ("advisor.audit.core", "audit_paths"),
    "profile_data": ("advisor.data", "profile_data"),  # reads data files: loads pandas
    "verify": ("advisor.executor.verify", "verify"),  # trains Keras models: loads TensorFlow
}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        module, attribute = _LAZY[name]
        if module == "advisor":  # a subpackage: importing it binds the attribute
            value = importlib.import_module(f"advisor.{attribute}")
        else:
            value = getattr(importlib.import_module(module), attribute)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'advisor' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_LAZY))
