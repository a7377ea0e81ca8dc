"""Reading user files (profiles, configs) as data: size limits, safe YAML, clear errors.

:func:`file_problem` and :func:`read_limited` are the one way the advisor opens a file it was
given: only regular files are opened (a FIFO would block forever, a device never ends), and no
read takes more than its limit whatever the file claims to be.
"""

from __future__ import annotations

import errno
import json
import os
import stat
from pathlib import Path
from typing import Any, BinaryIO, Optional

import yaml

from .errors import AdvisorError, DocumentError, NotAMappingError

MAX_TEXT_BYTES = 5 * 1024 * 1024


def _decimal_int(loader: Any, node: Any) -> int:
    """YAML 1.2's reading of ``010`` (10); the rest as PyYAML's safe constructor reads them."""
    text = str(node.value).replace("_", "")
    digits = text.lstrip("+-")
    if len(digits) > 1 and digits.startswith("0") and digits.isdigit():
        return int(text, 10)
    return yaml.constructor.SafeConstructor.construct_yaml_int(loader, node)


class _SafeNoAliasLoader(yaml.SafeLoader):
    """``safe_load`` that refuses aliases, so a 'billion laughs' anchor bomb cannot expand, and
    reads ``010`` as 10, as YAML 1.2 and JSON do (YAML 1.1 made it octal 8, silently)."""

    def compose_node(self, parent, index):  # type: ignore[override]
        if self.check_event(yaml.AliasEvent):
            event = self.peek_event()
            raise yaml.composer.ComposerError(
                None, None, "anchors and aliases are not allowed", event.start_mark)
        return super().compose_node(parent, index)


_SafeNoAliasLoader.add_constructor("tag:yaml.org,2002:int", _decimal_int)

if getattr(yaml, "__with_libyaml__", False):
    class _FastLoader(yaml.CSafeLoader):  # type: ignore[name-defined, misc]
        """LibYAML's parser (50 times faster: a 5 MB flat list took 67 s in pure Python) for
        documents without anchors, which therefore cannot hold aliases either."""

    _FastLoader.add_constructor("tag:yaml.org,2002:int", _decimal_int)
else:  # pragma: no cover - PyYAML built without LibYAML
    _FastLoader = _SafeNoAliasLoader


def _yaml(text: str) -> Any:
    loader = _SafeNoAliasLoader if "&" in text else _FastLoader
    return yaml.load(text, Loader=loader)  # noqa: S506 - SafeLoader subclasses


_KINDS = ((stat.S_ISFIFO, "a named pipe (FIFO)"), (stat.S_ISCHR, "a character device"),
          (stat.S_ISBLK, "a block device"), (stat.S_ISSOCK, "a socket"))


def file_problem(path: str | Path, *, missing: str = "file not found; check the path"
                 ) -> Optional[str]:
    """Why ``path`` cannot be read as a regular file (None when it can): missing, a broken
    link or a link loop, no permission, a folder, a FIFO, device or socket."""
    path = Path(path)
    try:
        mode = path.stat().st_mode
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "a loop of symbolic links; nothing to read"
        if exc.errno in (errno.EACCES, errno.EPERM):
            return "permission denied; check the file's permissions"
        if exc.errno == errno.ENOENT:
            return ("a symbolic link to a file that does not exist" if path.is_symlink()
                    else missing)
        return f"cannot read: {exc.strerror or exc}"
    if stat.S_ISDIR(mode):
        return "is a folder; expected a file"
    for test, kind in _KINDS:
        if test(mode):
            return f"{kind}, not a regular file: not read"
    if not os.access(path, os.R_OK):
        return "permission denied; check the file's permissions"
    return None


def read_limited(source: str | Path | BinaryIO, limit: int, *, what: str = "file",
                 where: Optional[str] = None) -> bytes:
    """At most ``limit`` bytes of a regular file (or an open stream such as stdin); more is an
    :class:`AdvisorError` naming the limit, never a read of the rest."""
    if isinstance(source, (str, Path)):
        where = where or str(source)
        problem = file_problem(source)
        if problem:
            raise AdvisorError(problem, where=where)
        try:
            with open(source, "rb") as handle:
                data = handle.read(limit + 1)
        except OSError as exc:
            raise AdvisorError(f"cannot read: {exc.strerror or exc}", where=where) from None
    else:
        data = source.read(limit + 1)
    if len(data) > limit:
        raise AdvisorError(f"the {what} is larger than {limit} bytes, the limit", where=where)
    return data


def read_text(path: str | Path) -> str:
    data = read_limited(path, MAX_TEXT_BYTES, what="file (profiles and configs)")
    return decode_text(data, where=str(path))


def decode_text(data: bytes, *, where: str) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        raise DocumentError("not UTF-8 text; expected a YAML or JSON file", where=where) from None


def _value_problem(exc: ValueError) -> str:
    text = str(exc)
    if "integer string conversion" in text:  # Python's guard against quadratic int parsing
        return "an integer of more than 4,300 digits"
    return text[:200]


MAX_JSON_CONTAINERS = 5_000_000
"""Most objects and arrays a JSON document may hold (each costs Python ~100 bytes or more)."""


def parse_json(data: bytes | str, *, what: str = "the file", where: str) -> Any:
    """JSON as data, every failure an :class:`AdvisorError` (bad syntax, not UTF-8, nesting
    deeper than Python's recursion limit, integers longer than Python converts, more than
    :data:`MAX_JSON_CONTAINERS` objects and arrays, counted before parsing)."""
    opening = (b"{", b"[") if isinstance(data, bytes) else ("{", "[")
    if sum(data.count(mark) for mark in opening) > MAX_JSON_CONTAINERS:  # type: ignore[arg-type]
        raise AdvisorError(f"{what} holds more than {MAX_JSON_CONTAINERS} objects and arrays, "
                           "the limit of what is read", where=where)
    try:
        return json.loads(data)
    except UnicodeDecodeError:
        raise DocumentError(f"{what} is not UTF-8 text", where=where) from None
    except json.JSONDecodeError as exc:
        raise DocumentError(f"{what} is not valid JSON: {exc.msg} at line {exc.lineno}, column "
                           f"{exc.colno}", where=where) from None
    except RecursionError:
        raise DocumentError(f"{what} is nested too deeply to read", where=where) from None
    except ValueError as exc:
        raise DocumentError(f"{what} holds a value that cannot be read: {_value_problem(exc)}",
                           where=where) from None


def parse_mapping(text: str, *, where: str) -> dict[str, Any]:
    """Parse YAML or JSON text that must hold a mapping."""
    stripped = text.lstrip()
    try:
        if stripped.startswith("{"):
            try:
                data = json.loads(text)
            except json.JSONDecodeError:
                if where.lower().endswith(".json"):
                    raise
                data = _yaml(text)  # not JSON, but a YAML flow mapping: {problem_type: binary}
        else:
            data = _yaml(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON: {exc.msg} at line {exc.lineno}, column {exc.colno}",
                           where=where) from None
    except RecursionError:
        raise DocumentError("nested too deeply to read", where=where) from None
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        at = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(exc, "problem", None) or str(exc)
        raise DocumentError(f"not valid YAML: {str(problem)[:200]}{at}", where=where) from None
    except ValueError as exc:
        raise DocumentError(f"holds a value that cannot be read: {_value_problem(exc)}",
                           where=where) from None
    if not isinstance(data, dict):
        raise NotAMappingError(f"expected a mapping of fields, got {type(data).__name__}",
                               where=where)
    return data


def read_mapping(path: str | Path) -> dict[str, Any]:
    return parse_mapping(read_text(path), where=str(path))
