"""Loading a whole data set raw, for the executor (``advisor verify``)."""

from __future__ import annotations

from typing import Any, Optional

from ..dataset import Dataset
from ..errors import AdvisorError
from ._formats import TABULAR_FORMATS, detect_format
from ._profile import TableReader, _no_table_options, parse_time, profile_table


def encode_target(values: Any, plan: dict[str, Any], where: str) -> Any:
    """Targets as the executor wants them: class codes, one-hot -> codes, 0/1 (n, k), floats."""
    import numpy as np
    import pandas as pd

    encoding = plan["encoding"]
    frame = values if isinstance(values, pd.DataFrame) else pd.DataFrame(
        values.reshape(len(values), -1) if getattr(values, "ndim", 1) > 1 else
        {"y": values})
    if encoding == "codes":
        series = frame.iloc[:, 0]
        classes = plan["classes"]
        if all(isinstance(c, (int, float)) and not isinstance(c, bool) for c in classes):
            array = pd.to_numeric(series, errors="coerce").to_numpy(dtype=float)
            known = np.asarray(classes, dtype=float)
            codes = np.searchsorted(known, array).clip(0, len(known) - 1)
            bad = known[codes] != array
        else:
            codes = pd.Categorical(series.astype(str), categories=[str(c) for c in classes]
                                   ).codes.astype(np.int64)
            bad = codes < 0
        if np.any(bad):
            raise AdvisorError("a target value is not one of the measured classes", where=where)
        return codes.astype(np.int64)
    if encoding == "one_hot":
        return frame.to_numpy(dtype=float).argmax(axis=1).astype(np.int64)
    if encoding == "multi_hot":
        return frame.to_numpy(dtype=float).astype(np.int64)
    if encoding == "continuous":
        array = frame.to_numpy(dtype=float)
        return array[:, 0] if array.shape[1] == 1 else array
    array = frame.to_numpy()
    return array[:, 0] if array.shape[1] == 1 else array


def load_path(path: Any, *, targets: list[str], text_column: Optional[str],
              time_column: Optional[str], forecast_horizon: Optional[int], x_key: str,
              y_key: str, overrides: dict[str, Any], max_rows: Optional[int]) -> Dataset:
    import numpy as np

    fmt, p = detect_format(path)
    source = str(path)
    if fmt in TABULAR_FORMATS:
        reader = TableReader(p, fmt, max_rows)
        frame = reader.read_all()
        frame.columns = [str(c) for c in frame.columns]
        profiled, plan = profile_table(iter([frame]), list(frame.columns), targets=targets,
                                       text_column=text_column, time_column=time_column,
                                       forecast_horizon=forecast_horizon, overrides=overrides,
                                       source=source, fmt=fmt, total_rows=reader.total_rows,
                                       max_rows=max_rows)
        return _table_dataset(frame, profiled, plan, source)
    _no_table_options(fmt, source, text_column=text_column, time_column=time_column,
                      forecast_horizon=forecast_horizon, targets=targets)
    if fmt in ("npz", "npy"):
        from ._arrays import profile_arrays, read_arrays

        x, y, _ = read_arrays(p, fmt, x_key, y_key)
        profiled, plan = profile_arrays(x, y, overrides=overrides, source=source, fmt=fmt,
                                        y_key=y_key)
        features = np.asarray(x)
        shape = profiled.profile.input_shape
        if profiled.profile.data_structure == "image" and list(features.shape[1:]) != shape:
            features = _reshape(features, shape, source)
        target = None if y is None else encode_target(np.asarray(y), plan, source)
        return Dataset(profile=profiled.profile, features=features, target=target,
                       target_names=[y_key] if y is not None else [], classes=plan["classes"],
                       source=source, sampled=False)
    from ._images import load_images, profile_folder

    profiled, plan = profile_folder(p, overrides=overrides, source=source)
    features, target = load_images(p, plan)
    return Dataset(profile=profiled.profile, features=features, target=target,
                   target_names=["class"], classes=list(plan["classes"]), source=source,
                   sampled=False)


def _reshape(features: Any, shape: list[int], where: str) -> Any:
    import numpy as np

    size = int(np.prod(shape))
    per_example = int(np.prod(features.shape[1:])) if features.ndim > 1 else 1
    if size != per_example:
        raise AdvisorError(
            f"input_shape {shape} holds {size} values but each example has {per_example}; "
            "give an --input-shape whose product is the number of features", where=where)
    return features.reshape((len(features), *shape))


def _table_dataset(frame: Any, profiled: Any, plan: dict[str, Any], source: str) -> Dataset:
    targets = plan["targets"]
    if targets:
        frame = frame[frame[targets].notna().all(axis=1)]
    frame = frame.reset_index(drop=True)
    profile = profiled.profile
    target = encode_target(frame[targets], plan, source) if targets else None
    structure = profile.data_structure
    time_index = None
    features_cols = plan["features"]
    feature_names: Optional[list[str]] = list(features_cols)
    if plan["text_column"]:
        features = frame[plan["text_column"]].fillna("").astype(str).to_numpy(dtype=str)
        feature_names = [plan["text_column"]]
    elif structure == "time_series":
        columns = list(features_cols)
        if profile.problem_type == "forecasting":
            columns += [t for t in targets if t not in columns]
        features = frame[columns]
        feature_names = columns
        if plan["time_column"]:
            time_index = parse_time(frame[plan["time_column"]], plan["time_column"],
                                    source).to_numpy()
    elif structure in ("image", "audio", "sequence"):
        import numpy as np

        numeric = frame[features_cols]
        if any(numeric[c].dtype.kind not in "biuf" for c in features_cols):
            raise AdvisorError(f"{structure} data from a table needs numeric columns only",
                               where=source)
        features = _reshape(numeric.to_numpy(), profile.input_shape, source)
        if not np.issubdtype(features.dtype, np.number):
            features = features.astype(float)
    else:
        features = frame[features_cols]
    return Dataset(profile=profile, features=features, target=target,
                   target_names=list(targets), classes=plan["classes"],
                   feature_names=feature_names, source=source, sampled=profiled.sampled,
                   time_index=time_index)
