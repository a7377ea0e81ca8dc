"""advisor: what to use to train a Keras model, and what is wrong with how you train it.

Public API::

    from advisor import recommend, DatasetProfile
    rec = recommend(DatasetProfile(problem_type="binary", data_structure="tabular",
                                   n_samples=5000, input_shape=[20], n_classes=2))
    rec.loss.name, rec.optimizer.learning_rate, rec.explain("loss")
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
    "load_profile",
    "recommend",
]
__version__ = "0.1.0"
