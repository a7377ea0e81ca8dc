"""Profiling tables: reading CSV/TSV/TXT/Parquet in bounded chunks, column roles, per-column
statistics, text and time-series measures."""

from __future__ import annotations

import difflib
import math
import re
from collections import Counter
from pathlib import Path
from typing import Any, Iterator, Optional

from ..errors import AdvisorError
from ._formats import sniff_delimiter
from ._measure import (AUTO_TARGETS, CELL_BUDGET, CODE_NAME, SAMPLE_ROWS, SEQUENCE_CAP, SERIES_CAP,
                       VOCAB_CAP, Measure, finish, fmt_num)
from ._target import SingleValueTarget, TargetStats, infer_target
from .models import ColumnInfo, ProfiledData

MAX_TRACKED_DISTINCT = 100_000
MANY_CATEGORIES = 50  # the one_hot step's max_categories in rules/recommend/preprocessing.yaml  # distinct values kept per column to tell names and IDs
ID_NAME = re.compile(r"(^|_)id$|[a-z]Id$|ID$", re.IGNORECASE)


def _numbering(distinct: Optional[set], present: int) -> bool:
    """Whole numbers 0..n-1 or 1..n, each once: a row index or a running ID in any order."""
    if not distinct or len(distinct) != present or len(distinct) < 2:
        return False
    low, high = min(distinct), max(distinct)
    return low in (0, 1) and high - low + 1 == present


# what keras.layers.TextVectorization's default standardize ("lower_and_strip_punctuation")
# removes, so that the measured vocabulary and lengths are those the model's layer will see
KERAS_PUNCTUATION = re.compile(r'[!"#$%&()\*\+,-\./:;<=>?@\[\\\]^_`{|}~\']')
# names that say a column is time (or a position in time), whatever its values
TIME_NAME = re.compile(r"(^|_)(time|timestamp|step|epoch|t|date|datetime|year|month|day|hour)$",
                       re.IGNORECASE)


def keras_words(text: str) -> list[str]:
    """``text`` split into words as TextVectorization's defaults do: lower-cased, punctuation
    removed, split on whitespace."""
    return KERAS_PUNCTUATION.sub("", text.lower()).split()

# -- tabular files ------------------------------------------------------------------------------

class TableReader:
    """Chunks of a CSV / TSV / TXT / Parquet file (bounded memory) and its column names."""

    def __init__(self, path: Path, fmt: str, max_rows: Optional[int],
                 encoding: Optional[str] = None):
        self.path = path
        self.format = fmt
        self.max_rows = max_rows
        self.encoding = encoding or "utf-8"
        self.where = str(path)
        if fmt == "parquet":
            import pyarrow.parquet as pq

            try:
                self._file = pq.ParquetFile(str(path))
            except Exception as exc:  # noqa: BLE001 - pyarrow raises several kinds
                raise AdvisorError(f"not a readable Parquet file: {exc}", where=self.where) \
                    from None
            self.columns = list(self._file.schema_arrow.names)
            self.total_rows: Optional[int] = self._file.metadata.num_rows
        else:
            import pandas as pd

            self.sep = sniff_delimiter(path, fmt, self.encoding)
            try:
                head = pd.read_csv(str(path), sep=self.sep, nrows=0, encoding=self.encoding)
            except pd.errors.EmptyDataError:
                raise AdvisorError("the file is empty: no header line and no data rows",
                                   where=self.where) from None
            except UnicodeDecodeError as exc:
                raise self._decoding(exc) from None
            except LookupError:
                raise AdvisorError(f"unknown encoding {self.encoding!r}; give one Python "
                                   "knows, e.g. --encoding latin-1 or --encoding cp1252",
                                   where=self.where) from None
            except (pd.errors.ParserError, OSError, ValueError) as exc:
                raise AdvisorError(f"cannot read as delimited text: {exc}",
                                   where=self.where) from None
            self.columns = [str(c) for c in head.columns]
            self.total_rows = None
        self.chunk_rows = max(1_000, min(200_000, CELL_BUDGET // max(1, len(self.columns))))

    def chunks(self) -> Iterator[Any]:
        remaining = self.max_rows
        if self.format == "parquet":
            batches = self._file.iter_batches(batch_size=self.chunk_rows)
            for batch in batches:
                frame = batch.to_pandas()
                frame.columns = [str(c) for c in frame.columns]
                if remaining is not None:
                    frame = frame.iloc[:remaining]
                    remaining -= len(frame)
                yield frame
                if remaining is not None and remaining <= 0:
                    return
            return
        import pandas as pd

        try:
            reader = pd.read_csv(str(self.path), sep=self.sep, chunksize=self.chunk_rows,
                                 nrows=self.max_rows, low_memory=True, encoding=self.encoding)
            with reader:
                for frame in reader:
                    frame.columns = [str(c) for c in frame.columns]
                    yield frame
        except UnicodeDecodeError as exc:
            raise self._decoding(exc) from None
        except pd.errors.ParserError as exc:
            raise AdvisorError(f"cannot read as delimited text: {exc}", where=self.where) \
                from None

    def _decoding(self, exc: UnicodeDecodeError) -> AdvisorError:
        byte = exc.object[exc.start:exc.start + 1].hex() if exc.object else "?"
        return AdvisorError(
            f"byte 0x{byte} is not valid {self.encoding}: the file was written in another "
            "encoding; give it with --encoding (latin-1 and cp1252 are common for spreadsheet "
            "exports)", where=self.where)

    def read_all(self) -> Any:
        import pandas as pd

        frames = list(self.chunks())
        if not frames:
            return pd.DataFrame(columns=self.columns)
        return pd.concat(frames, ignore_index=True) if len(frames) > 1 else frames[0]


def resolve_columns(columns: list[str], targets: list[str], text_column: Optional[str],
                    time_column: Optional[str], where: str, *,
                    allow_no_target: bool) -> tuple[list[str], list[str]]:
    """Check the named columns exist; choose the target by name when none is given.
    Returns (targets, notes)."""
    notes: list[str] = []

    def missing(name: str, option: str) -> AdvisorError:
        close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
        lower = [c for c in columns if c.lower() == name.lower() and c not in close]
        close = lower + close
        return AdvisorError(
            f"{option} column {name!r} is not in the data"
            + (f" (did you mean {', '.join(map(repr, close))}?)" if close else "")
            + f"; columns: {_column_list(columns)}", where=where)

    for name in targets:
        if name not in columns:
            raise missing(name, "target")
    if len(set(targets)) != len(targets):
        raise AdvisorError(f"a target column is named twice: {targets}", where=where)
    for name, option in ((text_column, "text"), (time_column, "time")):
        if name is not None and name not in columns:
            raise missing(name, option)
        if name is not None and name in targets:
            raise AdvisorError(f"{name!r} is both a target and the {option} column; "
                               "give it once", where=where)
    if not targets and not allow_no_target:
        named = [c for c in columns if c.lower() in AUTO_TARGETS]
        if len(named) == 1:
            targets = named
            notes.append(f"target column {named[0]!r} chosen by its name; use --target to "
                         "choose another")
        else:
            raise AdvisorError(
                f"which column is the target? give it with --target; columns: "
                f"{_column_list(columns)}", where=where)
    return targets, notes


def _column_list(columns: list[str], limit: int = 30) -> str:
    shown = ", ".join(columns[:limit])
    return shown + (f", ... ({len(columns)} in all)" if len(columns) > limit else "")


class TableStats:
    """Exact streaming statistics of a table's feature, target, text and time columns."""

    def __init__(self, columns: list[str], targets: list[str], text_column: Optional[str],
                 time_column: Optional[str], where: str, keep_series: bool = False,
                 drop: tuple[str, ...] = (), keep: tuple[str, ...] = ()):
        self.columns = columns
        self.drop, self.keep = set(drop), set(keep)
        self.ignored: dict[str, str] = {c: "dropped with --drop" for c in drop}
        # column roles: running numbers (row index, IDs), distinct strings (names, IDs), dates
        self.runs: dict[str, Optional[tuple[int, int]]] = {}   # column -> (first, last) or None
        self.distinct: dict[str, Optional[set]] = {}
        self.dates: dict[str, bool] = {}
        # numeric columns rising in every row so far: column -> (first, last), None once broken
        self.rising: dict[str, Optional[tuple[float, float]]] = {}
        self.time_like: dict[str, str] = {}  # features that look like time: column -> why
        self.targets = targets
        self.text_column = text_column
        self.time_column = time_column
        self.where = where
        skip = set(targets) | {text_column, time_column} | self.drop
        self.features = [c for c in columns if c not in skip]
        self.rows_read = 0
        self.rows = 0
        self.rows_without_target = 0
        self.missing: Counter = Counter()
        self.low: dict[str, float] = {}
        self.high: dict[str, float] = {}
        self.strings: dict[str, Any] = {}           # column -> an example non-numeric value
        self.mixed_columns: dict[str, Any] = {}     # numbers and some text in one column
        self.integer_values: dict[str, Optional[set]] = {}
        self.non_integer: set[str] = set()
        self.target_stats = [TargetStats(t) for t in targets]
        self.one_hot_rows = True
        self.time_last: Any = None
        self.time_kind: Optional[str] = None
        self.time_first: Any = None
        self.text_tokens: list[int] = []
        self.vocab: set[str] = set()
        self.vocab_capped = False
        self.text_seen = 0
        self.text_missing = 0
        # a series' first target, in order, for its season length (the first SERIES_CAP steps)
        self.series: Optional[list[Any]] = [] if keep_series and targets else None
        self.series_kept = 0

    def update(self, frame: Any) -> None:
        import numpy as np
        import pandas as pd

        self.rows_read += len(frame)
        self._roles(frame)
        if self.targets:
            keep = frame[self.targets].notna().all(axis=1)
            dropped = int((~keep).sum())
            if dropped:
                self.rows_without_target += dropped
                frame = frame[keep]
        if not len(frame):
            return
        start = self.rows
        self.rows += len(frame)
        if self.time_column is not None:
            self._time(frame[self.time_column], start)
        features = frame[self.features]
        self.missing.update({c: int(v) for c, v in features.isna().sum().items() if v})
        for column in self.features:
            series = features[column]
            kind = series.dtype.kind
            if kind in "iufb":
                if kind == "b":
                    continue
                values = series.to_numpy()
                if kind == "f":
                    values = values[~np.isnan(values)]
                    if not len(values):
                        continue
                    if column not in self.non_integer and not np.all(np.mod(values, 1) == 0):
                        self.non_integer.add(column)
                self._range(column, float(values.min()), float(values.max()))
                if kind in "iu" and self.integer_values.get(column, set()) is not None:
                    seen = self.integer_values.setdefault(column, set())
                    seen.update(pd.unique(values).tolist())
                    if len(seen) > 50:
                        self.integer_values[column] = None
                elif kind == "f":
                    self.integer_values[column] = None
                continue
            series = series.dropna()
            if not len(series):
                continue
            if column in self.strings:
                continue
            numbers = pd.to_numeric(series, errors="coerce")
            bad = numbers.isna()
            if bad.any():
                self.strings[column] = series[bad].iloc[0]
                if column in self.low or not bad.all():
                    self.mixed_columns[column] = series[bad].iloc[0]
            else:
                self._range(column, float(numbers.min()), float(numbers.max()))
                self.integer_values[column] = None
        for stats in self.target_stats:
            stats.update(frame[stats.name])
        if self.series is not None and self.series_kept < SERIES_CAP:
            values = pd.to_numeric(frame[self.targets[0]], errors="coerce").to_numpy(
                dtype=np.float64)[:SERIES_CAP - self.series_kept]
            self.series.append(values)
            self.series_kept += len(values)
        if len(self.targets) > 1 and self.one_hot_rows:
            values = frame[self.targets].apply(pd.to_numeric, errors="coerce")
            self.one_hot_rows = bool((values.sum(axis=1) == 1).all())
        if self.text_column is not None:
            self._text(frame[self.text_column])

    def _roles(self, frame: Any) -> None:
        """What tells a column's role, on every row (before rows without a target go): a run of
        integers rising by one (a row index or a running ID), the distinct strings (capped),
        and, on the first rows, whether a string column holds dates."""
        import numpy as np
        import pandas as pd

        for column in self.features:
            series = frame[column]
            kind = series.dtype.kind
            if kind in "iuf" and self.rising.get(column, (0, 0)) is not None and len(series):
                values = series.to_numpy(dtype=np.float64)
                previous = self.rising.get(column)
                up = bool(np.all(np.diff(values) > 0)) and not np.isnan(values).any() and (
                    previous is None or values[0] > previous[1])
                self.rising[column] = ((previous or (float(values[0]), 0.0))[0],
                                       float(values[-1])) if up else None
            if kind in "iu":
                seen_ints = self.distinct.setdefault(column, set())
                if seen_ints is not None:
                    seen_ints.update(pd.unique(series.to_numpy()).tolist())
                    if len(seen_ints) > MAX_TRACKED_DISTINCT:
                        self.distinct[column] = None
                if self.runs.get(column, (0, 0)) is None:
                    continue
                values = series.to_numpy()
                previous = self.runs.get(column)
                rising = bool(np.all(np.diff(values) == 1)) and (
                    previous is None or int(values[0]) == previous[1] + 1)
                self.runs[column] = ((previous or (int(values[0]), 0))[0], int(values[-1])) \
                    if rising and len(values) else None
            elif kind == "O":
                seen = self.distinct.setdefault(column, set())
                if seen is not None:
                    seen.update(series.dropna().astype(str).unique().tolist())
                    if len(seen) > MAX_TRACKED_DISTINCT:
                        self.distinct[column] = None
                if column not in self.dates:
                    sample = series.dropna().astype(str).head(200)
                    parsed = pd.to_datetime(sample, errors="coerce", format="ISO8601") \
                        if len(sample) else sample
                    self.dates[column] = bool(len(sample)) and \
                        float(parsed.notna().mean()) >= 0.95 and \
                        bool(sample.str.contains(r"\d{4}-\d{2}-\d{2}", regex=True).mean() >= 0.95)

    def decide_roles(self, structure: Optional[str]) -> None:
        """Leave out of the features what carries no signal, each with its reason (``--keep``
        keeps a column whatever it looks like). Where the columns are the values of one
        example (an image, audio or a sequence given as a table) every one stays."""
        rows = self.rows_read
        if structure in ("image", "audio", "sequence"):
            return
        for column in self.features:
            if column in self.keep:
                continue
            present = rows - int(self.missing.get(column, 0))
            run = self.runs.get(column)
            distinct = self.distinct.get(column, set())
            if present == 0:
                self.ignored[column] = "empty: no values"
            elif rows >= 10 and column in self.runs and (
                    (run is not None and run[0] in (0, 1)) or _numbering(distinct, present)):
                low, high = (run if run is not None else (min(distinct), max(distinct)))
                what = ("a row index" if column.startswith("Unnamed: ") or
                        column.lower() in ("index", "rownames", "") else "a row index or an ID")
                self.ignored[column] = (f"numbers {low}..{high}, one per row ({what}): they "
                                        "say which row it is, not what it is; give "
                                        "--time-column if it is time, --keep to use it")
            elif rows >= 10 and column in self.runs and ID_NAME.search(column) and \
                    distinct is not None and len(distinct) == present:
                self.ignored[column] = ("an identifier: named like one and unique per row; "
                                        "--keep to use it")
            elif self.dates.get(column):
                self.ignored[column] = ("dates (YYYY-MM-DD): not used as features yet; turn them "
                                        "into numbers (e.g. days since a start) to use them")
            elif column in self.strings and rows >= 20 and (
                    distinct is None or len(distinct) >= 0.9 * present):
                shown = f"{len(distinct)} distinct" if distinct is not None else "too many distinct"
                self.ignored[column] = (f"near-unique text ({shown} of {present} values: names "
                                        "or IDs), which one-hot encoding cannot learn from")
            elif column in self.low and self.low[column] == self.high[column] and \
                    not self.missing.get(column):
                self.ignored[column] = "constant: the same value in every row"
            elif column in self.strings and distinct is not None and len(distinct) == 1 and \
                    not self.missing.get(column):
                self.ignored[column] = "constant: the same value in every row"
        self.features = [c for c in self.features if c not in self.ignored]
        for column in self.features:
            run = self.rising.get(column)
            if rows >= 10 and run is not None:
                self.time_like[column] = (f"rises in every row ({fmt_num(run[0])}.."
                                          f"{fmt_num(run[1])})")
            elif TIME_NAME.search(column) and column not in self.strings:
                self.time_like[column] = "is named like time"
        for table in (self.low, self.high, self.strings, self.mixed_columns, self.integer_values):
            for column in self.ignored:
                table.pop(column, None)

    def _range(self, column: str, low: float, high: float) -> None:
        self.low[column] = min(self.low.get(column, low), low)
        self.high[column] = max(self.high.get(column, high), high)

    def _time(self, series: Any, start: int) -> None:
        values = parse_time(series, self.time_column or "", self.where)
        if values.isna().any():
            row = int(values.isna().to_numpy().argmax()) + start + 2
            raise AdvisorError(
                f"time column {self.time_column!r} has a missing or unreadable value (about "
                f"line {row}); every row needs a time", where=self.where)
        first = values.iloc[0]
        self.time_kind = "datetime" if values.dtype.kind == "M" else "numeric"
        if self.time_first is None:
            self.time_first = first
        problem = None
        if self.time_last is not None and first < self.time_last:
            problem = (self.time_last, first, start)
        elif not values.is_monotonic_increasing:
            array = values.to_numpy()
            position = int((array[1:] < array[:-1]).argmax()) + 1
            problem = (values.iloc[position - 1], values.iloc[position], start + position)
        if problem:
            before, after, row = problem
            raise AdvisorError(
                f"time column {self.time_column!r} is not in increasing order: {after} comes "
                f"after {before} (data row {row + 1}); sort the file by {self.time_column!r} "
                "first (the advisor does not reorder rows: windows follow the file order)",
                where=self.where)
        self.time_last = values.iloc[-1]

    def _text(self, series: Any) -> None:
        self.text_missing += int(series.isna().sum())
        room = SAMPLE_ROWS - self.text_seen
        texts = series.dropna()
        if room <= 0:
            return
        texts = texts.iloc[:room]
        self.text_seen += len(texts)
        for text in texts.astype(str):
            tokens = keras_words(text)
            self.text_tokens.append(len(tokens))
            if not self.vocab_capped:
                self.vocab.update(tokens)
                if len(self.vocab) >= VOCAB_CAP:
                    self.vocab_capped = True

    def column_info(self) -> list[ColumnInfo]:
        info = []
        for column in self.columns:
            if column in self.targets:
                role = "target"
            elif column == self.time_column:
                role = "time"
            elif column == self.text_column:
                role = "text"
            elif column in self.features:
                role = "feature"
            else:
                role = "ignored"
            kind = ("string" if column in self.strings else
                    "integer" if column in self.integer_values and column not in self.non_integer
                    else "numeric" if column in self.low else "empty")
            if role == "time":
                kind = "datetime" if self.time_kind == "datetime" else "numeric"
            if role == "target":
                target = self.target_stats[self.targets.index(column)]
                kind = {"str": "string", "int": "integer", "float": "numeric",
                        "mixed": "string"}.get(target.kind, "empty")
                if target.kinds == {"bool"}:
                    kind = "bool"
            info.append(ColumnInfo(name=column, role=role, kind=kind,  # type: ignore[arg-type]
                                   missing=int(self.missing.get(column, 0)),
                                   reason=self.ignored.get(column) if role == "ignored"
                                   else None))
        return info

    def categorical(self) -> tuple[list[str], list[str]]:
        """(string columns, integer columns that look like codes)."""
        strings = [c for c in self.features if c in self.strings]
        codes = []
        for column in self.features:
            values = self.integer_values.get(column)
            if column in self.strings or values is None or column in self.non_integer:
                continue
            ordered = sorted(values)
            if CODE_NAME.search(column) and 2 < len(ordered) <= 50:
                codes.append(column)
            elif 3 <= len(ordered) <= 10:
                gaps = {b - a for a, b in zip(ordered, ordered[1:])}
                if len(gaps) > 1:
                    codes.append(column)
        return strings, codes


def _measure_season(stats: TableStats, measure: Measure, n: int) -> Optional[int]:
    """The season length of the first target series, set on the profile when there is one."""
    import numpy as np

    from ._series import season_length

    if not stats.series:
        return None
    values = np.concatenate(stats.series)
    season, evidence = season_length(values)
    name = stats.targets[0]
    if stats.series_kept < n:
        evidence += f" (the first {stats.series_kept} of {n} steps)"
        measure.sampled = True
    if season is None:
        measure.notes.append(f"no season in {name!r}: {evidence}")
        return None
    measure.set("season_length", season, f"{name!r}: {evidence}")
    return season


def parse_time(series: Any, name: str, where: str) -> Any:
    import pandas as pd

    if series.dtype.kind in "iufM":
        return series.reset_index(drop=True)
    parsed = pd.to_datetime(series, errors="coerce", format="mixed")
    bad = parsed.isna() & series.notna()
    if bad.any():
        raise AdvisorError(
            f"time column {name!r} holds values that are neither numbers nor dates "
            f"(e.g. {series[bad].iloc[0]!r}); give a column of increasing numbers or dates",
            where=where)
    return parsed.reset_index(drop=True)


def _auto_text_column(frame: Any, features: list[str]) -> Optional[str]:
    """The only feature column, when it holds free text (on average 4+ words, mostly
    distinct)."""
    if len(features) != 1:
        return None
    series = frame[features[0]].dropna()
    if series.dtype.kind in "iufbM" or not len(series):
        return None
    texts = series.astype(str)
    words = texts.str.split().str.len().mean()
    return features[0] if words >= 4 and texts.nunique() > 0.5 * len(texts) else None


def profile_table(chunks: Iterator[Any], columns: list[str], *, targets: list[str],
                  text_column: Optional[str], time_column: Optional[str],
                  forecast_horizon: Optional[int], overrides: dict[str, Any], source: str,
                  fmt: str, total_rows: Optional[int] = None,
                  max_rows: Optional[int] = None, drop: tuple[str, ...] = (),
                  keep: tuple[str, ...] = ()) -> tuple[ProfiledData, dict[str, Any]]:
    """Profile a table given as chunks of DataFrames; (ProfiledData, how to load the target).

    ``drop`` columns are never features; ``keep`` columns are features even where they look
    like a row index, an ID, names, dates or a constant (which are otherwise left out, each
    with its reason in the notes and the column list)."""
    where = source
    for option, names in (("--drop", drop), ("--keep", keep)):
        for name in names:
            if name not in columns:
                close = difflib.get_close_matches(name, columns, n=3, cutoff=0.5)
                raise AdvisorError(f"{option} column {name!r} is not in the data"
                                   + (f" (did you mean {', '.join(map(repr, close))}?)"
                                      if close else "") + f"; columns: {_column_list(columns)}",
                                   where=where)
    given_problem = overrides.get("problem_type")
    allow_no_target = given_problem == "anomaly_detection" or (
        forecast_horizon is not None and bool(targets))
    targets, notes = resolve_columns(columns, targets, text_column, time_column, where,
                                     allow_no_target=allow_no_target or given_problem ==
                                     "anomaly_detection")
    iterator = iter(chunks)
    first = next(iterator, None)
    if first is None or not len(first):
        raise AdvisorError("the file has a header but no data rows; expected one row per "
                           "example", where=where)
    if text_column is None and time_column is None and forecast_horizon is None:
        skip = set(targets)
        auto = _auto_text_column(first, [c for c in columns if c not in skip])
        if auto:
            text_column = auto
            notes.append(f"column {auto!r} holds free text, so the data is text; give "
                         "--text-column to choose another")
    stats = TableStats(columns, targets, text_column, time_column, where,
                       keep_series=forecast_horizon is not None, drop=tuple(drop),
                       keep=tuple(keep))
    if text_column is not None:
        ignored = stats.features
        if ignored:
            notes.append(f"text data: the other columns are not used "
                         f"({_column_list(ignored, 10)})")
        stats.features = []
    stats.update(first)
    for frame in iterator:
        stats.update(frame)
    if stats.rows_read == 0:
        raise AdvisorError("the file has a header but no data rows", where=where)
    stats.decide_roles(overrides.get("data_structure"))
    for column, reason in stats.ignored.items():
        notes.append(f"column {column!r} is left out: {reason}")
    for column, why in stats.time_like.items():
        notes.append(f"column {column!r} {why}: it looks like time or an order, and is used as "
                     f"a plain feature; give --time-column {column} if the rows are time steps, "
                     f"--drop {column} to leave it out")
    if stats.rows == 0:
        raise AdvisorError(f"every row misses a value in the target column(s) "
                           f"{', '.join(map(repr, targets))}", where=where)
    if stats.rows_without_target:
        notes.append(f"{stats.rows_without_target} row(s) without a target value are left out")
    if max_rows is not None and stats.rows_read >= max_rows and (
            total_rows is None or total_rows > max_rows):
        notes.append(f"--max-rows {max_rows}: only the first {max_rows} rows were read (the "
                     "first rows, not a random sample: in a file sorted by its target they may "
                     "hold one class or one range of values)")
    measure = Measure(source, fmt)
    measure.notes = notes
    n = stats.rows
    read = (f"first {stats.rows_read} rows (--max-rows)" if max_rows is not None and
            stats.rows_read >= max_rows else f"{stats.rows_read} rows")

    structure = ("text" if text_column else
                 "time_series" if time_column or forecast_horizon else "tabular")
    structure_evidence = {
        "text": f"free text in column {text_column!r}",
        "time_series": (f"time order from column {time_column!r}" if time_column else
                        "--forecast-horizon given: rows in file order are time steps"),
        "tabular": f"a table of {len(stats.features)} feature column(s), one row per example",
    }[structure]
    measure.set("data_structure", structure, structure_evidence)
    given_structure = overrides.get("data_structure", structure)

    target_plan: dict[str, Any] = {"encoding": "raw", "classes": None}
    if forecast_horizon is not None and given_problem in (None, "forecasting"):
        if not targets:
            raise AdvisorError("forecasting needs the column(s) to forecast: give --target",
                               where=where)
        target_plan = infer_target(stats.target_stats, measure, given_problem="forecasting",
                                   n=n, one_hot_rows=False, where=where)
        measure.set("problem_type", "forecasting",
                    f"--forecast-horizon {forecast_horizon}: predict "
                    f"{', '.join(map(repr, targets))} {forecast_horizon} step(s) ahead",
                    how="given")
        if len(targets) > 1:
            measure.set("n_targets", len(targets), f"{len(targets)} series to forecast")
        measure.set("forecast_horizon", forecast_horizon,
                    f"--forecast-horizon {forecast_horizon}", how="given")
    elif targets:
        try:
            target_plan = infer_target(stats.target_stats, measure, given_problem=given_problem,
                                       n=n, one_hot_rows=stats.one_hot_rows, where=where)
        except SingleValueTarget as exc:
            if max_rows is None or stats.rows_read < max_rows:
                raise
            raise AdvisorError(exc.message, where=exc.where,
                               hint=f"--max-rows {max_rows} reads the first {max_rows} rows, not "
                               "a sample: in a file sorted by its target they can hold a single "
                               "class; raise --max-rows or shuffle the file") from None

    if given_structure == "time_series" or structure == "time_series":
        channels_cols = stats.features + (targets if measure.values.get("problem_type") ==
                                          "forecasting" or given_problem == "forecasting"
                                          else [])
        if not channels_cols:
            raise AdvisorError(
                f"nothing to predict from: the only columns besides the time column are the "
                f"target(s) {', '.join(map(repr, targets))}; give --forecast-horizon N to "
                "forecast them from their own past", where=where)
        horizon = forecast_horizon or 0
        season = _measure_season(stats, measure, n) if horizon else None
        wanted = min(max(4 * horizon, 2 * (season or 0), 24), SEQUENCE_CAP) if horizon else 32
        # a third of the series at most (at least one season), so that the training part
        # (about two thirds of the series) still yields as many windows as a window is long
        cap = min(max(n // 3, season or 0), (n - horizon) // 2)
        window = max(1, min(wanted, cap))
        windows = n - window - horizon + 1
        if windows < 1:
            raise AdvisorError(f"the series has {n} rows: too short for a forecast horizon of "
                               f"{horizon} steps", where=where)
        rule = (f"window = the larger of 4 x forecast horizon {horizon}"
                + (f", 2 seasons of {season}" if season else "")
                + f" and 24, at most {SEQUENCE_CAP}" if horizon else "default window of 32 steps")
        if window < wanted:
            rule += f", cut to a third of the {n}-step series ({window})"
        measure.set("input_shape", [window, len(channels_cols)],
                    f"{rule}; {len(channels_cols)} channel(s): "
                    f"{_column_list(channels_cols, 8)}", how="derived")
        measure.set("n_samples", windows,
                    f"{windows} windows of {window} steps over {n} time steps ({read})"
                    + (f", predicting {horizon} ahead" if horizon else ""), how="derived")
    elif structure == "text":
        import numpy as np

        tokens = np.asarray(stats.text_tokens or [0])
        length = int(min(SEQUENCE_CAP, max(1, math.ceil(float(np.percentile(tokens, 95))))))
        sample_note = (f"on the first {stats.text_seen} texts" if stats.text_seen < n -
                       stats.text_missing else f"over all {stats.text_seen} texts")
        if stats.text_seen < n - stats.text_missing:
            measure.sampled = True
        measure.set("input_shape", [length],
                    f"95th percentile of words per text, at most {SEQUENCE_CAP} "
                    f"(median {int(np.median(tokens))}, max {int(tokens.max())}) {sample_note}")
        vocab = len(stats.vocab)
        if vocab >= 2:
            measure.set("vocab_size", vocab,
                        f"distinct words as TextVectorization splits them (lower-cased, "
                        f"punctuation removed) {sample_note}"
                        + (f" (counting stopped at {VOCAB_CAP})" if stats.vocab_capped else ""))
        measure.set("n_samples", n, f"{n} rows with a target ({read})")
        measure.set("missing_ratio", round(stats.text_missing / max(1, n), 6),
                    f"{stats.text_missing} empty texts in {n} rows")
    else:
        measure.set("n_samples", n, f"{n} rows with a target ({read})" if targets else
                    f"{n} rows ({read})")
        measure.set("input_shape", [len(stats.features)],
                    f"{len(stats.features)} feature columns"
                    + (f" (not counting the target(s) {', '.join(map(repr, targets))}"
                       + (f" and time column {time_column!r}" if time_column else "") + ")"
                       if targets else ""))
        if not stats.features:
            raise AdvisorError(f"no feature columns: the file holds only the target(s) "
                               f"{', '.join(map(repr, targets))}", where=where)
    if structure != "text" and stats.features:
        cells = n * len(stats.features)
        missing = sum(stats.missing[c] for c in stats.features)
        worst = stats.missing.most_common(1)
        measure.set("missing_ratio", round(missing / cells, 6),
                    f"{missing} missing of {cells} feature values"
                    + (f" (most in {worst[0][0]!r}: {worst[0][1]})" if missing else ""))
    if structure != "text":
        lows, highs = dict(stats.low), dict(stats.high)
        if measure.values.get("problem_type") == "forecasting":  # the series are inputs too
            for target in stats.target_stats:
                if math.isfinite(target.low):
                    lows[target.name], highs[target.name] = target.low, target.high
        if lows:
            low = min(lows.values())
            high = max(highs.values())
            lo_col = min(lows, key=lows.get)  # type: ignore[arg-type]
            hi_col = max(highs, key=highs.get)  # type: ignore[arg-type]
            measure.set("input_range", [low, high],
                        f"min over numeric inputs ({lo_col!r}: {fmt_num(low)}), max "
                        f"({hi_col!r}: {fmt_num(high)})")
    for column, example in stats.mixed_columns.items():
        measure.notes.append(
            f"column {column!r} holds numbers and text (e.g. {example!r}), so it counts as "
            "categorical; if the text marks missing values, leave those cells empty")
    if structure == "tabular":
        strings, codes = stats.categorical()
        parts = []
        many = {c: len(stats.distinct[c]) for c in strings
                if stats.distinct.get(c) is not None and len(stats.distinct[c]) > MANY_CATEGORIES}
        for column, count in many.items():
            measure.notes.append(
                f"column {column!r} has {count} categories: one-hot encoding keeps the "
                f"{MANY_CATEGORIES} most frequent as columns and groups the rest (rule PRE011's "
                "max_categories), so the input does not grow by a column per rare value; "
                f"--drop {column} leaves it out")
        if strings:
            parts.append(f"text columns {_column_list(strings, 6)}"
                         + (f" ({', '.join(f'{c!r}: {n} distinct' for c, n in many.items())})"
                            if many else ""))
        if codes:
            parts.append(f"integer code columns {_column_list(codes, 6)}")
        measure.set("categorical_features", len(strings) + len(codes),
                    "; ".join(parts) if parts else
                    "no text columns and no integer columns that look like codes (numeric "
                    "columns with small evenly spaced ranges, e.g. 0..16, count as numeric)")
    profiled = finish(measure, overrides, targets=targets, text_column=text_column,
                      time_column=time_column, forecast_horizon=forecast_horizon,
                      columns=stats.column_info(),
                      n_rows=stats.rows_read)
    plan = {**target_plan, "targets": targets, "text_column": text_column,
            "time_column": time_column, "features": stats.features,
            "window": (profiled.profile.input_shape[0]
                       if profiled.profile.data_structure == "time_series" else None)}
    return profiled, plan


# -- entry points (files: advisor.data._sources) ------------------------------------------------

def profile_dataframe(frame: Any, *, targets: list[str], text_column: Optional[str],
                      time_column: Optional[str], forecast_horizon: Optional[int],
                      overrides: dict[str, Any], source: str) -> ProfiledData:
    frame = frame.copy(deep=False)
    frame.columns = [str(c) for c in frame.columns]
    return profile_table(iter([frame]), list(frame.columns), targets=targets,
                         text_column=text_column, time_column=time_column,
                         forecast_horizon=forecast_horizon, overrides=overrides,
                         source=source, fmt="dataframe")[0]
