"""The scikit-learn bundled data sets as Datasets (no download): wine, breast_cancer,
diabetes, digits (8x8x1 images)."""

from __future__ import annotations

import difflib
from typing import Any

from ..dataset import Dataset
from ..errors import AdvisorError
from ..vocab import SAMPLE_DATASETS
from .models import Provenance

DIGITS_EVIDENCE = "the digits are 8x8 grayscale images (scikit-learn load_digits)"


def sample_dataset(name: str, *, overrides: dict[str, Any]) -> Dataset:
    if name not in SAMPLE_DATASETS:
        close = difflib.get_close_matches(name, list(SAMPLE_DATASETS), n=2)
        raise AdvisorError(
            f"unknown sample data set {name!r}"
            + (f" (did you mean {', '.join(close)}?)" if close else "")
            + f"; expected one of {', '.join(sorted(SAMPLE_DATASETS))}")
    try:
        from sklearn import datasets
    except ImportError:
        raise AdvisorError(
            f"the sample data set {name!r} comes from scikit-learn, which is not installed; "
            "install the train extra: pip install 'advisor[train]'") from None
    from ._load import encode_target
    from ._tables import profile_table

    bunch = getattr(datasets, f"load_{name}")(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [str(c) for c in frame.columns]
    source = f"sample:{name}"
    structure_overrides = {}
    if name == "digits":
        structure_overrides = {"data_structure": "image", "input_shape": [8, 8, 1]}
    profiled, plan = profile_table(iter([frame]), list(frame.columns), targets=["target"],
                                   text_column=None, time_column=None, forecast_horizon=None,
                                   overrides={**structure_overrides, **overrides},
                                   source=source, fmt="sample")
    for field in structure_overrides:
        if field not in overrides:
            profiled.provenance[field] = Provenance(how="derived", evidence=DIGITS_EVIDENCE)
    target = encode_target(frame[["target"]], plan, source)
    classes = plan["classes"]
    if classes is not None and getattr(bunch, "target_names", None) is not None and \
            len(bunch.target_names) == len(classes):
        classes = [str(c) for c in bunch.target_names]
    features_cols = plan["features"]
    if name == "digits" and profiled.profile.data_structure == "image":
        features = bunch.images.reshape(len(frame), *profiled.profile.input_shape)
    else:
        features = frame[features_cols]
    return Dataset(profile=profiled.profile, features=features, target=target,
                   target_names=["target"], classes=classes, feature_names=list(features_cols),
                   source=source, sampled=False)
