"""Bundled example profiles of well-known data sets (``advisor recommend --sample mnist``)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from ..errors import AdvisorError
from ..profile import DatasetProfile, load_profile
from ..textio import read_mapping


def _folder() -> Path:
    return Path(str(resources.files(__package__)))


def sample_names() -> list[str]:
    return sorted(p.stem for p in _folder().glob("*.yaml"))


def sample_path(name: str) -> Path:
    """The bundled profile called ``name``; only bundled names (``--sample /etc/x`` is refused,
    never read)."""
    path = _folder() / f"{name}.yaml"
    if name not in sample_names() or not path.is_file():
        raise AdvisorError(f"unknown sample {name!r}; expected one of {', '.join(sample_names())}")
    return path


def load_sample_profile(name: str) -> DatasetProfile:
    """The bundled profile of a well-known data set, e.g. ``load_sample_profile("wine")``."""
    path = sample_path(name)
    return load_profile(read_mapping(path), where=str(path))
