"""Measure a DatasetProfile from data, and load data for the executor.

Public API::

    from advisor.data import profile_data, load_dataset, load_sample_dataset
    profiled = profile_data("train.csv", targets=["label"])
    profiled.profile, profiled.provenance["n_classes"].evidence
    dataset = load_dataset("train.csv", targets=["label"])      # advisor.dataset.Dataset

Formats: CSV / TSV / TXT (optionally .gz/.bz2/.xz/.zip/.zst compressed), Parquet, NPY / NPZ
(always ``allow_pickle=False``), folders of class sub-folders of images. Large files are streamed:
counts, ranges, missing values and target classes are exact; text statistics come from the first
rows (``SAMPLE_ROWS``) and image sizes from a sample of files, which the output says.

Importing this package is cheap: numpy, pandas and Pillow are imported by the functions that
read data, never at import time.
"""

from __future__ import annotations

from typing import Any, Iterable, Mapping, Optional, Sequence

from .models import ColumnInfo, ProfiledData, Provenance

__all__ = [
    "ColumnInfo",
    "ProfiledData",
    "Provenance",
    "SUPPORTED_FORMATS",
    "load_dataset",
    "load_sample_dataset",
    "load_test_dataset",
    "profile_data",
    "profile_frame",
    "sample_dataset_names",
]

SUPPORTED_FORMATS = (
    "CSV (.csv), TSV (.tsv), delimited text (.txt), each optionally compressed "
    "(.gz, .bz2, .xz, .zip, .zst); Parquet (.parquet, .pq); NumPy (.npz with x/y arrays, .npy "
    "with inputs only); a folder of class sub-folders of images (.png, .jpg, .jpeg, .bmp, .gif, "
    ".tif, .tiff, .webp)"
)


def _targets(targets: Optional[Iterable[str] | str]) -> list[str]:
    if targets is None:
        return []
    if isinstance(targets, str):
        return [targets]
    return [str(t) for t in targets]


def profile_data(path: Any, *, targets: Sequence[str] | str = (), text_column: Optional[str] = None,
                 time_column: Optional[str] = None, forecast_horizon: Optional[int] = None,
                 x_key: str = "x", y_key: str = "y",
                 overrides: Optional[Mapping[str, Any]] = None,
                 max_rows: Optional[int] = None, encoding: Optional[str] = None,
                 drop: Sequence[str] = (), keep: Sequence[str] = ()) -> ProfiledData:
    """Measure the DatasetProfile of a data file or image folder.

    Args:
        path: a CSV / TSV / TXT / Parquet / NPY / NPZ file or a folder of class sub-folders.
        targets: the target column(s); several 0/1 columns are a multilabel target, several
            numeric columns a multi-output regression. Without it, a column named target,
            label, labels, class or y is used (a note says so).
        text_column: the column holding free text (makes the data ``text``).
        time_column: the column giving time order (makes the data ``time_series``); it must be
            increasing (the file is not reordered).
        forecast_horizon: steps ahead to predict: the problem becomes ``forecasting``.
        x_key, y_key: array names inside an .npz file.
        overrides: DatasetProfile fields to set instead of measuring them (the CLI flags).
        max_rows: read at most this many rows (tabular files); the profile describes them.
        encoding: the text encoding of a CSV/TSV/TXT file (default UTF-8), e.g. "latin-1".
        drop: table columns never used as features. A row index, running IDs, near-unique
            strings (names), dates and constant columns are left out on their own, each with
            its reason; ``keep`` names columns to use even so.

    Raises:
        AdvisorError: a missing file, an unknown format, a missing target column, ... with the
            values found and the fix.
    """
    from ._sources import ReadOptions, profile_path

    return profile_path(path, ReadOptions(
        tuple(_targets(targets)), text_column, time_column, forecast_horizon, x_key, y_key,
        dict(overrides or {}), max_rows, encoding, tuple(drop), tuple(keep)))


def profile_frame(frame: Any, *, targets: Sequence[str] | str = (),
                  text_column: Optional[str] = None, time_column: Optional[str] = None,
                  forecast_horizon: Optional[int] = None,
                  overrides: Optional[Mapping[str, Any]] = None,
                  source: str = "<memory>") -> ProfiledData:
    """:func:`profile_data` for a pandas DataFrame already in memory."""
    from ._tables import profile_dataframe

    return profile_dataframe(frame, targets=_targets(targets), text_column=text_column,
                             time_column=time_column, forecast_horizon=forecast_horizon,
                             overrides=dict(overrides or {}), source=source)


def load_dataset(path: Any, *, targets: Sequence[str] | str = (), text_column: Optional[str] = None,
                 time_column: Optional[str] = None, forecast_horizon: Optional[int] = None,
                 x_key: str = "x", y_key: str = "y",
                 overrides: Optional[Mapping[str, Any]] = None,
                 max_rows: Optional[int] = None, encoding: Optional[str] = None,
                 drop: Sequence[str] = (), keep: Sequence[str] = ()):
    """Load the whole data set raw (no preprocessing) with its profile, for the executor.

    Returns an :class:`advisor.dataset.Dataset`: class labels become integer codes in
    ``target`` with the original labels in ``classes``; a multilabel target is (n, k) 0/1;
    rows without a target are left out; time-series features are a DataFrame in time order.
    Same arguments as :func:`profile_data`.
    """
    from ._sources import ReadOptions, load_path

    return load_path(path, ReadOptions(
        tuple(_targets(targets)), text_column, time_column, forecast_horizon, x_key, y_key,
        dict(overrides or {}), max_rows, encoding, tuple(drop), tuple(keep)))


def load_test_dataset(path: Any, like: Any):
    """Load a held-out test file (or image folder) exactly as the training data ``like`` (a
    Dataset from :func:`load_dataset`) was read: the same columns or arrays, the same target
    encoding and classes, and the training data's profile; nothing is measured on it, so the
    test data never shapes the advice. A forecasting test file must continue the training
    series (its times after the training file's).

    Raises:
        AdvisorError: another format, missing columns, another example shape, a class the
            training data lacks, or a series that does not continue the training series.
    """
    from ._sources import load_like

    return load_like(path, like)


def sample_dataset_names() -> list[str]:
    """The bundled scikit-learn data sets :func:`load_sample_dataset` knows."""
    from ..vocab import SAMPLE_DATASETS

    return sorted(SAMPLE_DATASETS)


def load_sample_dataset(name: str, *, overrides: Optional[Mapping[str, Any]] = None):
    """A bundled scikit-learn data set (no download) as a Dataset: wine, breast_cancer,
    diabetes, digits (digits as 8x8x1 images, input_range [0, 16]). Needs scikit-learn (the
    ``train`` extra)."""
    from ._samples import sample_dataset

    return sample_dataset(name, overrides=dict(overrides or {}))
