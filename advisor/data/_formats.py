"""Which reader a path needs, and the errors for paths that cannot be read."""

from __future__ import annotations

import difflib
from pathlib import Path

from ..errors import AdvisorError

COMPRESSIONS = (".gz", ".bz2", ".xz", ".zip", ".zst")
SUFFIX_FORMATS = {
    ".csv": "csv", ".tsv": "tsv", ".tab": "tsv", ".txt": "txt",
    ".parquet": "parquet", ".pq": "parquet",
    ".npz": "npz", ".npy": "npy",
}
IMAGE_SUFFIXES = (".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp")
TABULAR_FORMATS = ("csv", "tsv", "txt", "parquet")


def detect_format(path: str | Path) -> tuple[str, Path]:
    """The format of ``path`` (csv, tsv, txt, parquet, npz, npy or images) and the path.

    Raises:
        AdvisorError: the path does not exist, is empty, or has an unknown suffix.
    """
    from . import SUPPORTED_FORMATS

    p = Path(path)
    if not p.exists():
        hint = ""
        parent = p.parent if str(p.parent) else Path(".")
        if parent.is_dir():
            try:
                names = [c.name for c in parent.iterdir()]
            except OSError:
                names = []
            close = difflib.get_close_matches(p.name, names, n=3, cutoff=0.75)
            if close:
                hint = f" (did you mean {', '.join(close)}?)"
        raise AdvisorError(f"no such file or folder{hint}; check the path", where=str(path))
    if p.is_dir():
        return "images", p
    suffixes = [s.lower() for s in p.suffixes]
    if suffixes and suffixes[-1] in COMPRESSIONS:
        suffixes = suffixes[:-1]
        if suffixes and suffixes[-1] in (".npz", ".npy", ".parquet", ".pq"):
            suffixes = []
    fmt = SUFFIX_FORMATS.get(suffixes[-1]) if suffixes else None
    if fmt is None:
        if p.suffix.lower() in IMAGE_SUFFIXES:
            raise AdvisorError(
                "is a single image; give the folder that holds one sub-folder of images per "
                "class", where=str(path))
        raise AdvisorError(
            f"unknown data format {p.suffix or '(no suffix)'!r}; supported: {SUPPORTED_FORMATS}",
            where=str(path))
    try:
        size = p.stat().st_size
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if size == 0:
        raise AdvisorError("the file is empty (0 bytes); expected a header and data rows"
                           if fmt in ("csv", "tsv", "txt") else "the file is empty (0 bytes)",
                           where=str(path))
    return fmt, p


MAX_HEADER_CHARS = 1024 * 1024
"""Longest header line read (a 200 MB one-line file would otherwise be parsed as columns)."""


def sniff_delimiter(path: Path, fmt: str, encoding: str = "utf-8") -> str:
    """The delimiter of a delimited text file: tab for .tsv, else the most frequent of
    ``, \\t ; |`` in the header line; a header of words separated by spaces only (as
    ``np.savetxt`` and many instruments write) is whitespace-delimited; else comma. The header
    line is read bounded: one longer than :data:`MAX_HEADER_CHARS` is an error."""
    import pandas as pd  # noqa: F401 - pandas' opener handles compressed files
    from pandas.io.common import get_handle

    try:
        with get_handle(str(path), "r", compression="infer", encoding=encoding,
                        errors="replace") as handle:
            header = handle.handle.readline(MAX_HEADER_CHARS + 1)
    except LookupError:
        raise AdvisorError(f"unknown encoding {encoding!r}; give one Python knows, e.g. "
                           "--encoding latin-1", where=str(path)) from None
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc}", where=str(path)) from None
    if len(header) > MAX_HEADER_CHARS:
        raise AdvisorError(f"the first line is longer than {MAX_HEADER_CHARS} characters: not a "
                           "header line of a table (is the file one long line?)", where=str(path))
    if fmt == "tsv":
        return "\t"
    counts = {d: header.count(d) for d in (",", "\t", ";", "|")}
    best = max(counts, key=lambda d: counts[d])
    if counts[best]:
        return best
    return r"\s+" if len(header.split()) > 1 else ","
