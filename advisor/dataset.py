"""Data as the executor receives it: the raw examples of one data set and its profile.

The contract between reading data (``advisor.data``: CSV, Parquet, NPZ, image folders, the
bundled scikit-learn samples) and training it (``advisor.executor``). Readers do no
preprocessing: features stay raw (missing values, strings, unscaled numbers), because the
executor fits the recommended preprocessing on the training split only.

Importing this module is cheap (no numpy/pandas at import time); the arrays in a Dataset are
numpy arrays or pandas DataFrames.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Optional

from .profile import DatasetProfile


@dataclass
class Dataset:
    """One data set's examples, raw, with its profile.

    Attributes:
        profile: the DatasetProfile (measured and/or given) that recommend reads.
        features: the inputs, raw, by ``profile.data_structure``:
            - tabular: a pandas DataFrame, one row per example, feature columns only (may hold
              NaN and string / categorical columns);
            - image: a numpy array (n, H, W, C) or (n, D, H, W, C), uint8 or float as read;
            - text: a numpy array of str, shape (n,);
            - time_series: a pandas DataFrame of the series in time order, one row per time
              step, feature columns only (the target column may also appear here when it is
              its own input, as in univariate forecasting); the executor cuts the windows;
            - audio / sequence: a numpy array (n, steps, channels).
        target: the labels or values, numpy: (n,) integer class codes, or (n,) floats for
            regression and forecasting, or (n, k) multi-hot (multilabel) / multi-output;
            None when there is no target (anomaly detection without labels).
        target_names: the target column(s) as named in the source (["y"] when unnamed).
        classes: for classification, the original label of each integer code, in code order
            (e.g. ["cat", "dog"]); None otherwise.
        feature_names: column names of tabular / time-series features, when known.
        source: where the data came from (a path, or "sample:wine").
        sampled: True when the profile was measured on a sample of a larger file.
        time_index: for time series, the time column's values (for plots), else None.
        overlap: examples that are windows cut every step from one series share this many
            steps with their neighbours (window length - 1); 0 for independent examples. The
            executor then splits in time order and keeps the parts apart.
        plan: how the source was read (columns, target encoding, classes, array keys), so
            that another file (a test file) can be read the same way; None for data made in
            memory.
        notes: what reading left out or changed, for the report (rows without a target).
    """

    profile: DatasetProfile
    features: Any
    target: Any
    target_names: list[str] = field(default_factory=lambda: ["y"])
    classes: Optional[list[Any]] = None
    feature_names: Optional[list[str]] = None
    source: str = "<memory>"
    sampled: bool = False
    time_index: Any = None
    overlap: int = 0
    plan: Optional[dict[str, Any]] = None
    notes: list[str] = field(default_factory=list)

    @property
    def n_samples(self) -> int:
        return len(self.features)
