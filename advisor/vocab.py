"""The advisor's name lists, in one place: every module that needs one of these imports it here.

A leaf module: it imports nothing from the advisor and nothing outside the standard library, so
any module (the CLI, the rules, the audit readers, the executor) can use it without a cycle.

Where the code also wants a ``Literal`` type, the ``Literal`` is spelled once here and the tuple
is read off it with ``get_args``: a type checker cannot build a ``Literal`` from a runtime tuple,
but it can check the ``Literal``, and the tuple then cannot drift from it.
"""

from __future__ import annotations

from typing import Literal, get_args

# -- rules ----------------------------------------------------------------------------------------

# what a rule is about, in the order a reader wants: what to build first, then how to train it,
# then the data pipeline; "initialization" has audit rules only (every facet has a rule: a test)
Facet = Literal["model", "output", "loss", "optimizer", "learning_rate", "regularization",
                "training", "preprocessing", "metrics", "initialization"]
FACETS: tuple[str, ...] = get_args(Facet)
# the facets a recommendation fills (each has at least one slot)
RECOMMEND_FACETS = FACETS[:9]

# how bad a finding is, most severe first; the rank orders findings and gates --fail-on
Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = get_args(Severity)
SEVERITY_RANK = {name: len(SEVERITIES) - 1 - index for index, name in enumerate(SEVERITIES)}

# the rule families (folders under rules/), in listing order; advisor.rules.registry says where
# each is defined and whether it reports findings (severity, message, fix)
RuleFamilyName = Literal["recommend", "audit", "diagnose"]
RULE_FAMILIES: tuple[str, ...] = get_args(RuleFamilyName)

# -- recommendations ------------------------------------------------------------------------------

# the model families a recommend rule may choose (the "family" of a ModelSpec); not to be
# confused with the rule families above
ModelFamily = Literal["mlp", "cnn", "cnn1d", "cnn3d", "rnn", "transformer", "autoencoder",
                      "pretrained_cnn", "seq2seq"]
MODEL_FAMILIES: tuple[str, ...] = get_args(ModelFamily)

# the preprocessing step names and their groups live with the step models in advisor.steps

# the scikit-learn data sets bundled for `advisor verify --sample` (each is sklearn's load_<name>)
SAMPLE_DATASETS = ("wine", "breast_cancer", "diabetes", "digits")

# -- files ----------------------------------------------------------------------------------------

# what `advisor audit` reads: Keras files, Keras JSON, advisor configs (YAML / JSON), training
# scripts (Python, parsed and never run)
SETUP_SUFFIXES = (".keras", ".h5", ".hdf5", ".json", ".yaml", ".yml", ".py")
CONFIG_SUFFIXES = (".yaml", ".yml", ".json")  # advisor configs (the files --fix may change)
PROFILE_SUFFIXES = (".profile.yaml", ".profile.yml", ".profile.json")  # a setup's sidecar

# -- Keras class names (read by advisor.audit.readers, judged by advisor.audit.facts) -------------

# layers that only apply an activation (ThresholdedReLU is Keras 2's; its files are still read)
ACTIVATION_LAYERS = frozenset({"Activation", "Softmax", "ReLU", "LeakyReLU", "ELU", "PReLU",
                               "ThresholdedReLU"})
# the Dropout family: every layer that drops or noises units at a rate while training
DROPOUT_LAYERS = frozenset({"Dropout", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D",
                            "AlphaDropout", "GaussianDropout"})
# the losses known by their Keras snake_case name (aliases and class names map onto these)
KERAS_LOSSES = ("binary_crossentropy", "categorical_crossentropy",
                "sparse_categorical_crossentropy", "binary_focal_crossentropy",
                "categorical_focal_crossentropy", "mean_squared_error", "mean_absolute_error",
                "mean_absolute_percentage_error", "mean_squared_logarithmic_error", "huber",
                "log_cosh", "poisson", "kl_divergence", "hinge", "squared_hinge",
                "categorical_hinge", "cosine_similarity", "ctc", "dice", "tversky", "circle",
                "categorical_generalized_cross_entropy")
