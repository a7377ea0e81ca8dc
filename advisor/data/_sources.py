"""One source per data format: how it is profiled, read whole, and read again like a training
file. :func:`open_source` is the only place that tells the formats apart.

* a table (CSV, TSV, TXT, Parquet): streamed in chunks to profile, read whole to load;
* arrays (``.npz``, ``.npy``): features under ``x_key``, targets under ``y_key``;
* an image folder: one sub-folder per class.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..dataset import Dataset
from ..errors import AdvisorError
from ._formats import TABULAR_FORMATS, detect_format
from ._load import _array_dataset, _table_dataset
from .models import ProfiledData


@dataclass(frozen=True)
class ReadOptions:
    """How to read a data file (the ``advisor.data.profile_data`` arguments)."""

    targets: tuple[str, ...] = ()
    text_column: Optional[str] = None
    time_column: Optional[str] = None
    forecast_horizon: Optional[int] = None
    x_key: str = "x"
    y_key: str = "y"
    overrides: Any = None            # DatasetProfile fields given instead of measured
    max_rows: Optional[int] = None
    encoding: Optional[str] = None   # of a text table (default UTF-8)
    drop: tuple[str, ...] = ()       # table columns never used as features
    keep: tuple[str, ...] = ()       # table columns used even where they look like IDs


@dataclass
class _Source:
    path: Path
    fmt: str
    source: str                      # the path as the user wrote it, for messages

    kind = ""
    expected = ""                    # what a test file of this kind must be

    def check_options(self, options: ReadOptions) -> None:
        given = [flag for flag, value in (("target", options.targets),
                                          ("encoding", options.encoding),
                                          ("drop", options.drop), ("keep", options.keep),
                                          ("text-column", options.text_column),
                                          ("time-column", options.time_column),
                                          ("forecast-horizon", options.forecast_horizon))
                 if value]
        if given:
            what = "an image folder" if self.fmt == "images" else f"an .{self.fmt} file"
            raise AdvisorError(
                f"--{', --'.join(given)} name(s) columns of a table, but {self.source} is {what}"
                + ("; name the arrays with --x-key / --y-key" if self.kind == "arrays" else ""),
                where=self.source)

    def profile(self, options: ReadOptions) -> ProfiledData:
        raise NotImplementedError

    def load(self, options: ReadOptions) -> Dataset:
        raise NotImplementedError

    def load_like(self, like: Dataset) -> Dataset:
        raise NotImplementedError


class _Table(_Source):
    kind = "table"
    expected = "a table (CSV, TSV, TXT or Parquet) like the training file"

    def check_options(self, options: ReadOptions) -> None:
        pass

    def _profile(self, chunks: Any, columns: list[str], reader: Any, options: ReadOptions
                 ) -> tuple[ProfiledData, dict[str, Any]]:
        from ._tables import profile_table

        return profile_table(chunks, columns, targets=list(options.targets),
                             text_column=options.text_column, time_column=options.time_column,
                             forecast_horizon=options.forecast_horizon,
                             overrides=dict(options.overrides or {}), source=self.source,
                             fmt=self.fmt, total_rows=reader.total_rows,
                             max_rows=options.max_rows, drop=tuple(options.drop),
                             keep=tuple(options.keep))

    def profile(self, options: ReadOptions) -> ProfiledData:
        from ._tables import TableReader

        reader = TableReader(self.path, self.fmt, options.max_rows, options.encoding)
        profiled, plan = self._profile(reader.chunks(), reader.columns, reader, options)
        profiled.plan = {**plan, "kind": "table", "text_encoding": options.encoding}
        return profiled

    def _frame(self, max_rows: Optional[int], encoding: Optional[str]) -> tuple[Any, Any]:
        from ._tables import TableReader

        reader = TableReader(self.path, self.fmt, max_rows, encoding)
        frame = reader.read_all()
        frame.columns = [str(c) for c in frame.columns]
        return frame, reader

    def load(self, options: ReadOptions) -> Dataset:
        frame, reader = self._frame(options.max_rows, options.encoding)
        profiled, plan = self._profile(iter([frame]), list(frame.columns), reader, options)
        plan = {**plan, "kind": "table", "text_encoding": options.encoding}
        return _table_dataset(frame, profiled.profile, plan, self.source,
                              sampled=profiled.sampled)

    def load_like(self, like: Dataset) -> Dataset:
        plan, profile, source = like.plan, like.profile, self.source
        frame, _ = self._frame(None, plan.get("text_encoding"))  # as the training file
        needed = list(plan["features"]) + list(plan["targets"]) + [
            c for c in (plan["time_column"], plan["text_column"]) if c]
        missing = [c for c in needed if c not in frame.columns]
        if missing:
            raise AdvisorError(
                f"the test file lacks column(s) {', '.join(map(repr, missing))} of the training "
                f"file; it has {', '.join(map(repr, list(frame.columns)[:20]))}", where=source)
        if not len(frame):
            raise AdvisorError("the test file has a header but no data rows", where=source)
        test = _table_dataset(frame, profile, plan, source, sampled=False)
        if profile.problem_type == "forecasting" and like.time_index is not None and \
                test.time_index is not None and len(test.time_index) and \
                not test.time_index[0] > like.time_index[-1]:
            raise AdvisorError(
                f"the test file must continue the training series: its first time "
                f"{test.time_index[0]} is not after the training file's last "
                f"{like.time_index[-1]} (column {plan['time_column']!r})", where=source)
        return test


class _Arrays(_Source):
    kind = "arrays"
    expected = "an .npz file with the same arrays as the training file"

    def _read(self, x_key: str, y_key: str) -> tuple[Any, Any]:
        from ._arrays import read_arrays

        x, y, _ = read_arrays(self.path, self.fmt, x_key, y_key)
        return x, y

    def _profile(self, x: Any, y: Any, options: ReadOptions) -> tuple[ProfiledData, dict]:
        from ._arrays import profile_arrays

        return profile_arrays(x, y, overrides=dict(options.overrides or {}), source=self.source,
                              fmt=self.fmt, y_key=options.y_key)

    def profile(self, options: ReadOptions) -> ProfiledData:
        profiled, plan = self._profile(*self._read(options.x_key, options.y_key), options)
        profiled.plan = {**plan, "kind": "arrays", "x_key": options.x_key, "y_key": options.y_key}
        return profiled

    def load(self, options: ReadOptions) -> Dataset:
        x, y = self._read(options.x_key, options.y_key)
        profiled, plan = self._profile(x, y, options)
        plan = {**plan, "kind": "arrays", "x_key": options.x_key, "y_key": options.y_key}
        return _array_dataset(x, y, profiled.profile, plan, self.source)

    def load_like(self, like: Dataset) -> Dataset:
        import numpy as np

        plan, source = like.plan, self.source
        x, y = self._read(plan["x_key"], plan["y_key"])
        expected_shape = list(like.features.shape[1:])
        layout_shape = list(x.shape[1:])
        if plan.get("layout") == "channels_first" and len(layout_shape) == 2:
            layout_shape = layout_shape[::-1]
        if int(np.prod(layout_shape)) != int(np.prod(expected_shape)):
            raise AdvisorError(
                f"the test examples have shape {list(x.shape[1:])}; the training examples "
                f"{list(like.features.shape[1:])}", where=source)
        if x.dtype.kind not in "biuf":
            raise AdvisorError(f"the input array has dtype {x.dtype}; expected numbers",
                               where=source)
        return _array_dataset(x, y, like.profile, plan, source)


class _Images(_Source):
    kind = "images"
    expected = "a folder of the same class sub-folders as the training folder"

    def _profile(self, options: ReadOptions) -> tuple[ProfiledData, dict]:
        from ._images import profile_folder

        return profile_folder(self.path, overrides=dict(options.overrides or {}),
                              source=self.source)

    def profile(self, options: ReadOptions) -> ProfiledData:
        profiled, plan = self._profile(options)
        profiled.plan = self._kept(plan)
        return profiled

    @staticmethod
    def _kept(plan: dict[str, Any]) -> dict[str, Any]:
        """What reading another folder the same way needs (not the file list)."""
        return {"kind": "images", "classes": list(plan["classes"]), "size": plan["size"],
                "channels": plan["channels"], "one_class": bool(plan.get("one_class"))}

    def load(self, options: ReadOptions) -> Dataset:
        from ._images import load_images

        profiled, plan = self._profile(options)
        features, target, notes = load_images(self.path, plan)
        return self._dataset(profiled.profile, features, target, self._kept(plan),
                             plan["skipped"] + notes)

    def _dataset(self, profile: Any, features: Any, target: Any, plan: dict[str, Any],
                 notes: list[str]) -> Dataset:
        """One class (anomaly detection) has no target; otherwise the class codes."""
        one_class = bool(plan.get("one_class"))
        return Dataset(profile=profile, features=features, target=None if one_class else target,
                       target_names=[] if one_class else ["class"],
                       classes=None if one_class else list(plan["classes"]),
                       source=self.source, sampled=False, plan=plan, notes=notes)

    def load_like(self, like: Dataset) -> Dataset:
        from ._images import load_images, test_folder_plan

        plan = like.plan
        files_plan = test_folder_plan(self.path, plan, self.source)
        features, target, notes = load_images(self.path, files_plan)
        return self._dataset(like.profile, features, target, plan, notes)


def open_source(path: Any) -> _Source:
    """The source of a data path, by its format (an :class:`AdvisorError` when unknown)."""
    fmt, p = detect_format(path)
    kind = _Table if fmt in TABULAR_FORMATS else _Arrays if fmt in ("npz", "npy") else _Images
    return kind(p, fmt, str(path))


def profile_path(path: Any, options: ReadOptions) -> ProfiledData:
    source = open_source(path)
    source.check_options(options)
    return source.profile(options)


def load_path(path: Any, options: ReadOptions) -> Dataset:
    source = open_source(path)
    source.check_options(options)
    return source.load(options)


def load_like(path: Any, like: Dataset) -> Dataset:
    """Read another file (a test file) exactly as ``like`` was read: the same columns or
    arrays, the same target encoding and classes, ``like``'s profile. Nothing is measured."""
    if like.plan is None:
        raise AdvisorError("the training data was made in memory, so there is no reading to "
                           "repeat; give the test data as a Dataset as well", where=str(path))
    source = open_source(path)
    wanted = {cls.kind: cls for cls in (_Table, _Arrays, _Images)}[like.plan["kind"]]
    if source.kind != wanted.kind:
        raise AdvisorError(f"the test data must be {wanted.expected}; got {source.fmt}",
                           where=source.source)
    return source.load_like(like)
