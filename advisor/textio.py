"""Reading user files (profiles, configs) as data: size limits, safe YAML, clear errors."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import yaml

from .errors import AdvisorError, NotAMappingError

MAX_TEXT_BYTES = 5 * 1024 * 1024


class _SafeNoAliasLoader(yaml.SafeLoader):
    """``safe_load`` that refuses aliases, so a 'billion laughs' anchor bomb cannot expand."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


def read_text(path: str | Path) -> str:
    path = Path(path)
    try:
        size = path.stat().st_size
    except FileNotFoundError:
        raise AdvisorError("file not found; check the path", where=str(path)) from None
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror}", where=str(path)) from None
    if path.is_dir():
        raise AdvisorError("is a folder; expected a YAML or JSON file", where=str(path))
    if size > MAX_TEXT_BYTES:
        raise AdvisorError(f"file is {size} bytes; profiles and configs are limited to "
                           f"{MAX_TEXT_BYTES} bytes", where=str(path))
    try:
        return path.read_text(encoding="utf-8")
    except UnicodeDecodeError:
        raise AdvisorError("not UTF-8 text; expected a YAML or JSON file", where=str(path)) from None
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror}", where=str(path)) from None


def parse_mapping(text: str, *, where: str) -> dict[str, Any]:
    """Parse YAML or JSON text that must hold a mapping."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            data = json.loads(text)
        else:
            data = yaml.load(text, Loader=_SafeNoAliasLoader)  # noqa: S506 - SafeLoader subclass
    except json.JSONDecodeError as exc:
        raise AdvisorError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                           where=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise AdvisorError(f"not valid YAML: {problem}{at}", where=where) from None
    if not isinstance(data, dict):
        raise NotAMappingError(f"expected a mapping of fields, got {type(data).__name__}",
                               where=where)
    return data


def read_mapping(path: str | Path) -> dict[str, Any]:
    return parse_mapping(read_text(path), where=str(path))
