"""Building a :class:`~advisor.dataset.Dataset` from what a source read: target codes, tables,
series windows and arrays in the shape the profile describes (for ``advisor verify``)."""

from __future__ import annotations

from typing import Any, Optional

from ..dataset import Dataset
from ..errors import AdvisorError
from ._tables import parse_time


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
            index = {str(c): code for code, c in enumerate(classes)}
            mapped = series.astype(str).map(index)
            bad = mapped.isna().to_numpy()
            codes = mapped.fillna(-1).to_numpy(dtype=np.int64)
        if np.any(bad):
            unknown = sorted({str(v) for v in series[np.asarray(bad)].tolist()})
            raise AdvisorError(
                f"target value(s) {', '.join(unknown[:5])}{' ...' if len(unknown) > 5 else ''} "
                f"are not among the classes of the training data "
                f"({', '.join(map(str, classes[:10]))}{' ...' if len(classes) > 10 else ''}); "
                "a test file can only hold classes the model was trained on", where=where)
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


def _array_dataset(x: Any, y: Any, profile: Any, plan: dict[str, Any], source: str) -> Dataset:
    import numpy as np

    features = np.asarray(x)
    shape = profile.input_shape
    structure = profile.data_structure
    if structure == "time_series" and plan.get("layout") == "channels_first":
        features = np.ascontiguousarray(np.swapaxes(features, 1, 2))
    if structure in ("image", "time_series") and list(features.shape[1:]) != shape:
        features = _reshape(features, shape, source)
    target = None if y is None else encode_target(np.asarray(y), plan, source)
    y_key = plan["y_key"]
    return Dataset(profile=profile, features=features, target=target,
                   target_names=[y_key] if y is not None else [], classes=plan["classes"],
                   source=source, sampled=False, plan=plan)


def _reshape(features: Any, shape: list[int], where: str) -> Any:
    import numpy as np

    size = int(np.prod(shape))
    per_example = int(np.prod(features.shape[1:])) if features.ndim > 1 else 1
    if size != per_example:
        raise AdvisorError(
            f"input_shape {shape} holds {size} values but each example has {per_example}; "
            "give an --input-shape whose product is the number of features", where=where)
    return features.reshape((len(features), *shape))


def _table_dataset(frame: Any, profile: Any, plan: dict[str, Any], source: str, *,
                   sampled: bool) -> Dataset:
    targets = plan["targets"]
    notes = []
    if targets:
        keep = frame[targets].notna().all(axis=1)
        if not keep.all():
            notes.append(f"{source}: {int((~keep).sum())} of {len(frame)} rows have no target "
                         "value and were left out")
        frame = frame[keep]
    frame = frame.reset_index(drop=True)
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
        if profile.problem_type != "forecasting":
            windows = _step_windows(features, target, profile, plan, source, time_index)
            windows.notes.extend(notes)
            return windows
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
                   feature_names=feature_names, source=source, sampled=sampled,
                   time_index=time_index, plan=plan, notes=notes)


def _step_windows(features: Any, target: Any, profile: Any, plan: dict[str, Any], source: str,
                  time_index: Any) -> Dataset:
    """A series labelled at every step (time column, no forecast horizon) as examples: the
    windows of ``input_shape[0]`` steps that end at each step, labelled with that step's
    target. Consecutive windows share all but one step (``Dataset.overlap``)."""
    import numpy as np

    length = profile.input_shape[0]
    bad = [str(c) for c in features.columns if features[c].dtype.kind not in "biuf"]
    if bad:
        raise AdvisorError(f"a time series' feature columns must be numeric; "
                           f"{', '.join(map(repr, bad[:5]))} are not", where=source)
    values = features.to_numpy(dtype=np.float64)
    if len(values) < length:
        raise AdvisorError(f"the series has {len(values)} rows, fewer than the window of "
                           f"{length} steps", where=source)
    windows = np.lib.stride_tricks.sliding_window_view(values, length, axis=0)
    windows = np.ascontiguousarray(np.moveaxis(windows, -1, 1))
    labels = None if target is None else np.asarray(target)[length - 1:]
    return Dataset(profile=profile, features=windows, target=labels,
                   target_names=list(plan["targets"]), classes=plan["classes"],
                   feature_names=list(features.columns), source=source,
                   time_index=None if time_index is None else time_index[length - 1:],
                   overlap=length - 1, plan=plan)
