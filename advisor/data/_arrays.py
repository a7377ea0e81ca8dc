"""NumPy inputs: ``.npz`` files with x / y arrays and ``.npy`` files with inputs only.

Files are always read with ``allow_pickle=False``: an array of Python objects is refused, never
unpickled (unpickling runs code from the file).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

from ..errors import AdvisorError
from ._measure import Measure, finish, fmt_num
from ._target import TargetStats, infer_target
from .models import ProfiledData

PICKLE_HINT = ("it holds Python objects, which would need unpickling; the advisor never "
               "unpickles data (it can run code): save numeric arrays (np.savez(path, x=..., "
               "y=...)) with string labels as a fixed-width str array")


MAX_ARRAY_BYTES = 8 * 1024 ** 3
"""Largest array read from an .npz member, by its decompressed size (checked before reading)."""
MAX_ARRAY_RATIO = 1000
"""An .npz member compressed more than this (and over 64 MB) is refused as a zip bomb."""


def _check_members(path: Path, keys: tuple[str, ...], where: str) -> None:
    """The real (decompressed) size of the members that will be read, before reading them."""
    import zipfile

    with zipfile.ZipFile(path) as archive:
        for info in archive.infolist():
            if info.filename.removesuffix(".npy") not in keys:
                continue
            size, packed = info.file_size, max(1, info.compress_size)
            if size > MAX_ARRAY_BYTES:
                raise AdvisorError(f"array {info.filename!r} is {size} bytes decompressed; the "
                                   f"limit is {MAX_ARRAY_BYTES}", where=where)
            if size > 64 * 1024 ** 2 and size / packed > MAX_ARRAY_RATIO:
                raise AdvisorError(f"array {info.filename!r} expands {size // packed}-fold (to "
                                   f"{size} bytes): refused as a zip bomb", where=where)


def read_arrays(path: Path, fmt: str, x_key: str, y_key: str
                ) -> tuple[Any, Optional[Any], list[str]]:
    import numpy as np

    where = str(path)
    try:
        if fmt == "npz":
            _check_members(path, (x_key, y_key), where)
        if fmt == "npy":
            return np.load(str(path), allow_pickle=False, mmap_mode="r"), None, []
        with np.load(str(path), allow_pickle=False) as archive:
            keys = list(archive.files)
            if not keys:
                raise AdvisorError("the .npz file holds no arrays", where=where)
            for key, option in ((x_key, "--x-key"), (y_key, "--y-key")):
                if key not in keys:
                    raise AdvisorError(
                        f"no array {key!r} in the .npz file; it holds {', '.join(map(repr, keys))}"
                        f": name the input and target arrays with --x-key and --y-key "
                        f"(missing: {option} {key})", where=where)
            return archive[x_key], archive[y_key], keys
    except AdvisorError:
        raise
    except ValueError as exc:
        if "pickle" in str(exc).lower() or "python objects" in str(exc).lower():
            raise AdvisorError(f"cannot read: {PICKLE_HINT}", where=where) from None
        raise AdvisorError(f"not a readable NumPy file: {exc}", where=where) from None
    except (OSError, EOFError) as exc:
        raise AdvisorError(f"not a readable NumPy file: {exc}", where=where) from None
    except Exception as exc:  # noqa: BLE001 - zipfile.BadZipFile and friends
        raise AdvisorError(f"not a readable NumPy file: {type(exc).__name__}: {exc}",
                           where=where) from None


def profile_arrays(x: Any, y: Optional[Any], *, overrides: dict[str, Any], source: str,
                   fmt: str, y_key: str = "y") -> tuple[ProfiledData, dict[str, Any]]:
    import numpy as np
    import pandas as pd

    where = source
    if x.dtype.kind not in "biuf":
        raise AdvisorError(f"the input array has dtype {x.dtype}; expected numbers", where=where)
    if x.ndim < 1 or x.shape[0] == 0:
        raise AdvisorError(f"the input array has shape {x.shape}: no examples", where=where)
    n = int(x.shape[0])
    measure = Measure(source, fmt)
    shape = list(x.shape[1:]) or [1]
    given_structure = overrides.get("data_structure")
    layout = "channels_last"
    if given_structure in ("time_series", "sequence", "audio", "text"):
        structure, input_shape, evidence = given_structure, shape, f"array shape {list(x.shape)}"
        if given_structure == "time_series" and x.ndim == 2:
            input_shape = shape + [1]
            evidence += f": {shape[0]} steps of one channel per example"
        elif given_structure == "time_series" and x.ndim == 3 and _channels_first(shape):
            layout, input_shape = "channels_first", [shape[1], shape[0]]
            evidence += (f": {shape[1]} steps of {shape[0]} channel(s), stored channels first "
                         "(transposed to [steps, channels])")
    elif x.ndim <= 2:
        structure, input_shape = "tabular", shape
        evidence = f"input array of shape {list(x.shape)}: one row of {shape[0]} features each"
        if x.ndim == 2 and shape[0] >= 24:
            measure.notes.append(
                f"each example is {shape[0]} values in a row; if they are the steps of a series, "
                f"give --data-structure time_series (read as [{shape[0]}, 1])")
    elif x.ndim == 3 and given_structure != "image" and _channels_last_series(shape):
        structure, input_shape = "time_series", shape
        evidence = (f"input array of shape {list(x.shape)}: {shape[0]} steps of {shape[1]} "
                    f"channel(s) per example (few channels against many steps is a series, not "
                    "an image; --data-structure image says otherwise)")
    elif x.ndim == 3 and given_structure != "image" and _channels_first(shape):
        structure, input_shape, layout = "time_series", [shape[1], shape[0]], "channels_first"
        evidence = (f"input array of shape {list(x.shape)}: {shape[0]} channel(s) of "
                    f"{shape[1]} steps per example, stored channels first as sktime and tslearn "
                    "do (transposed to [steps, channels]; --data-structure image says otherwise)")
    elif x.ndim == 3:
        structure, input_shape = "image", shape + [1]
        evidence = (f"input array of shape {list(x.shape)}: {shape[0]}x{shape[1]} grayscale "
                    "images (a channel axis of 1 is added)")
    elif x.ndim == 4 and shape[-1] <= 4:
        structure, input_shape = "image", shape
        evidence = f"input array of shape {list(x.shape)}: images, {shape[-1]} channel(s) last"
    elif x.ndim == 4:
        structure, input_shape = "image", shape + [1]
        evidence = f"input array of shape {list(x.shape)}: 3-D volumes, one channel"
    else:
        structure, input_shape = "image", shape
        evidence = f"input array of shape {list(x.shape)}: 3-D volumes with channels last"
    measure.set("data_structure", structure, evidence)
    measure.set("input_shape", input_shape, evidence)
    if y is None:
        measure.set("n_samples", n, f"{n} examples (first axis of the array)")
        measure.notes.append("an .npy file holds inputs only: give the problem type with "
                             "--problem-type, or save x and y in an .npz file")
    else:
        if y.ndim == 0 or y.shape[0] != n:
            raise AdvisorError(
                f"the target array {y_key!r} has shape {list(y.shape)} but the inputs hold {n} "
                "examples; the first axes must match", where=where)
        measure.set("n_samples", n, f"{n} examples (first axis of the arrays)")
    finite = x if x.dtype.kind != "f" else x[~np.isnan(x)]
    if finite.size:
        low, high = float(finite.min()), float(finite.max())
        measure.set("input_range", [low, high],
                    f"min {fmt_num(low)} and max {fmt_num(high)} of the input array")
    missing = int(np.isnan(x).sum()) if x.dtype.kind == "f" else 0
    measure.set("missing_ratio", round(missing / max(1, x.size), 6),
                f"{missing} NaN of {x.size} input values")
    if structure == "tabular":
        measure.set("categorical_features", 0, "a numeric array has no text columns")
    plan: dict[str, Any] = {"encoding": "raw", "classes": None}
    names: list[str] = []
    if y is not None:
        if y.dtype.kind == "O":
            raise AdvisorError(f"the target array holds Python objects: {PICKLE_HINT}",
                               where=where)
        if y.ndim > 2:
            raise AdvisorError(f"the target array {y_key!r} has shape {list(y.shape)}; expected "
                               "(n,) labels or values, or (n, k) columns", where=where)
        columns = [y] if y.ndim == 1 else [y[:, i] for i in range(y.shape[1])]
        names = [y_key] if y.ndim == 1 else [f"{y_key}[{i}]" for i in range(y.shape[1])]
        stats = []
        for name, column in zip(names, columns):
            s = TargetStats(name)
            s.update(pd.Series(column))
            stats.append(s)
        one_hot = bool(y.ndim == 2 and y.dtype.kind in "biuf" and np.all(y.sum(axis=1) == 1))
        plan = infer_target(stats, measure, given_problem=overrides.get("problem_type"), n=n,
                            one_hot_rows=one_hot, where=where)
    elif "problem_type" not in overrides:
        raise AdvisorError(
            "an .npy file holds inputs only, so the problem type cannot be measured; give "
            "--problem-type (e.g. anomaly_detection), or save inputs and targets together "
            "with np.savez(path, x=inputs, y=targets)", where=where)
    profiled = finish(measure, overrides, targets=names, n_rows=n)
    plan["layout"] = layout
    return profiled, plan


# An example of rank 2 is a series when its channels are few against its steps: GunPoint's
# (150, 1), BasicMotions' (100, 6) and JapaneseVowels' (29, 12) are series, MNIST's (28, 28)
# and digits' (8, 8) images.
SERIES_MAX_CHANNELS = 16
SERIES_MIN_STEPS = 16


def _channels_last_series(shape: list[int]) -> bool:
    steps, channels = shape
    return channels <= SERIES_MAX_CHANNELS and steps >= max(SERIES_MIN_STEPS, 2 * channels)


def _channels_first(shape: list[int]) -> bool:
    return _channels_last_series([shape[1], shape[0]]) and not _channels_last_series(shape)
