"""Safe automatic fixes for advisor configs (``advisor audit --fix``).

An audit rule may carry ``autofix``: dotted paths into a TrainingConfig and the values to set
there, e.g. ``{"loss.from_logits": true}``. Fixes are applied only to the advisor's own config
files (YAML/JSON TrainingConfig): a Keras model file (``.keras``, ``.h5``, Keras JSON) records
what code built, so it is fixed in that code, never rewritten here.

Safety: a fix whose path does not exist in the config is refused (a path may name a missing
leaf only when the config's schema declares that field), two fixes that disagree on a value are
not both applied, and the fixed config must validate as a TrainingConfig before anything is
written. Files are written back in their own format (YAML or JSON); YAML comments are lost.
"""

from __future__ import annotations

import copy
import json
import types
import typing
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence, Union

from pydantic import BaseModel, ValidationError

from ..errors import AdvisorError, format_validation_error
from ..vocab import CONFIG_SUFFIXES

MODEL_FILES_NOTE = ("--fix changes advisor configs (TrainingConfig YAML/JSON) only; fix a Keras "
                    "model file in the code that builds and compiles it")


class FixError(AdvisorError):
    """An automatic fix that cannot be applied safely."""


@dataclass
class FixResult:
    """What ``--fix`` did to one file."""

    file: str
    applied: list[str] = field(default_factory=list)  # rule codes whose fix was written
    skipped: list[str] = field(default_factory=list)  # "CODE: reason" for fixes not applied
    refused: Optional[str] = None  # why the file was left untouched, if it was
    written: bool = False


# -- paths ----------------------------------------------------------------------------------------

def _parts(path: str) -> list[Union[str, int]]:
    parts: list[Union[str, int]] = []
    for part in path.split("."):
        if not part:
            raise FixError(f"autofix path {path!r} has an empty segment")
        parts.append(int(part) if part.lstrip("-").isdigit() else part)
    return parts


def _model_class(annotation: Any) -> Optional[type]:
    """The pydantic model inside an annotation such as ``Optional[LossSpec]``."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    origin = typing.get_origin(annotation)
    if origin is typing.Union or (hasattr(types, "UnionType") and origin is types.UnionType):
        for arg in typing.get_args(annotation):
            found = _model_class(arg)
            if found is not None:
                return found
    return None


def declared_field(path: Sequence[Union[str, int]], model: Optional[type] = None) -> bool:
    """Whether the TrainingConfig schema declares the field a path names (through nested
    specs; list items and free-form dicts declare nothing)."""
    if model is None:
        from ..models import TrainingConfig

        model = TrainingConfig
    current: Optional[type] = model
    for part in path:
        if current is None or not isinstance(part, str) or part not in current.model_fields:
            return False
        annotation = current.model_fields[part].annotation
        current = _model_class(annotation)
    return True


def autofix_path_problem(path: str) -> Optional[str]:
    """Why an autofix path cannot name a TrainingConfig field, or None (for ``rules lint``).

    Paths into free-form parts of a config (layer lists, optimizer keyword arguments) are
    accepted when their first segments are declared fields.
    """
    try:
        parts = _parts(path)
    except FixError as exc:
        return str(exc)
    from ..models import TrainingConfig

    current: Optional[type] = TrainingConfig
    for depth, part in enumerate(parts):
        if current is None:
            return None  # below a free-form value: checked against the file when applied
        if not isinstance(part, str) or part not in current.model_fields:
            if current.model_config.get("extra") == "allow" and isinstance(part, str):
                return None  # e.g. optimizer.epsilon: a keyword argument of an open spec
            where = ".".join(str(p) for p in parts[:depth]) or "the config"
            return (f"autofix path {path!r}: {part!r} is not a field of {where} (fields: "
                    f"{', '.join(current.model_fields)})")
        current = _model_class(current.model_fields[part].annotation)
    return None


def _resolve(config: Any, parts: list[Union[str, int]], path: str) -> tuple[Any, Union[str, int]]:
    """The container holding the last segment of ``path``; raises FixError when the path does
    not exist in the config."""
    container = config
    for depth, part in enumerate(parts[:-1]):
        where = ".".join(str(p) for p in parts[: depth + 1])
        if isinstance(container, Mapping) and isinstance(part, str) and part in container:
            container = container[part]
        elif isinstance(container, list) and isinstance(part, int) and \
                -len(container) <= part < len(container):
            container = container[part]
        else:
            raise FixError(f"path {path!r} does not exist in the config (no {where})")
        if container is None:
            raise FixError(f"path {path!r} does not exist in the config ({where} is null)")
    last = parts[-1]
    if isinstance(container, list):
        if not (isinstance(last, int) and -len(container) <= last < len(container)):
            raise FixError(f"path {path!r} does not exist in the config (no item {last})")
        return container, last
    if not isinstance(container, dict) or not isinstance(last, str):
        raise FixError(f"path {path!r} does not exist in the config")
    if last not in container and not declared_field(parts):
        raise FixError(f"path {path!r} does not exist in the config and is not a "
                       "TrainingConfig field")
    return container, last


def apply_autofixes(config: Mapping[str, Any], findings: Sequence[Any], rulebase: Any
                    ) -> tuple[dict[str, Any], list[str]]:
    """Apply the ``autofix`` of each finding's rule to a copy of a config dict.

    Findings are taken in order (most severe first): a fix that would set a path another fix
    already set to a different value is left out, and so is a fix whose path does not exist.

    Args:
        config: the config as read from its file (not modified).
        findings: the file's findings (anything with a ``code``).
        rulebase: the compiled audit rules (``advisor.audit.core.audit_rules()``).

    Returns:
        The fixed config and the codes whose fixes were applied, in order.

    Example:
        >>> fixed, codes = apply_autofixes(data, findings, audit_rules())
    """
    fixed, applied, _ = _apply(config, findings, rulebase)
    return fixed, applied


def _apply(config: Mapping[str, Any], findings: Sequence[Any], rulebase: Any
           ) -> tuple[dict[str, Any], list[str], list[str]]:
    fixed = copy.deepcopy(dict(config))
    applied: list[str] = []
    skipped: list[str] = []
    chosen: dict[str, Any] = {}
    for finding in findings:
        code = finding.code
        compiled = rulebase.by_code.get(code)
        autofix = compiled.rule.autofix if compiled is not None else None
        if not autofix or code in applied:
            continue
        conflict = next((p for p, v in autofix.items() if p in chosen and chosen[p] != v), None)
        if conflict is not None:
            skipped.append(f"{code}: {conflict} is already set to "
                           f"{json.dumps(chosen[conflict])} by another fix")
            continue
        try:
            targets = [(_resolve(fixed, _parts(path), path), value)
                       for path, value in autofix.items()]
        except FixError as exc:
            skipped.append(f"{code}: {exc}")
            continue
        for (container, key), value in targets:
            container[key] = copy.deepcopy(value)
        chosen.update(autofix)
        applied.append(code)
    return fixed, applied, skipped


# -- files ----------------------------------------------------------------------------------------

def read_config_file(path: Union[str, Path]) -> Optional[dict[str, Any]]:
    """The file's data when it is an advisor config (YAML/JSON with ``advisor_config``, or
    ``model`` + ``loss`` + ``optimizer``), else None (Keras model files, other data)."""
    from ..textio import parse_mapping, read_text

    path = Path(path)
    if path.suffix.lower() not in CONFIG_SUFFIXES:
        return None
    try:
        data = parse_mapping(read_text(path), where=str(path))
    except AdvisorError:
        return None
    if "advisor_config" in data or {"model", "loss", "optimizer"} <= set(data):
        return data
    return None


def dump_config(data: Mapping[str, Any], path: Union[str, Path]) -> str:
    """A config as text in its file's format: JSON (indent 2) for ``.json``, else YAML."""
    if Path(path).suffix.lower() == ".json":
        return json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    import yaml

    return yaml.safe_dump(dict(data), sort_keys=False, allow_unicode=True)


def _replace(path: Path, text: str) -> None:
    """Write ``text`` to ``path`` atomically: a temporary file beside it, then a rename, so an
    interrupted fix leaves the old file or the new one, never half of one."""
    import os
    import tempfile

    mode = path.stat().st_mode & 0o7777
    handle, temporary = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except BaseException:
        if os.path.exists(temporary):
            os.unlink(temporary)
        raise


def fix_file(path: Union[str, Path], findings: Sequence[Any], rulebase: Any) -> FixResult:
    """Apply the automatic fixes of ``findings`` to one advisor config and write it back.

    Nothing is written unless the file is an advisor config, at least one fix applies, and the
    fixed config validates as a TrainingConfig.
    """
    from ..models import TrainingConfig

    result = FixResult(file=str(path))
    if Path(path).is_symlink():
        result.refused = ("a symbolic link: not rewritten (the fix would change the file it "
                          "points to, which may be outside the audited paths)")
        return result
    data = read_config_file(path)
    if data is None:
        result.refused = MODEL_FILES_NOTE
        return result
    fixed, applied, skipped = _apply(data, findings, rulebase)
    result.skipped = skipped
    if not applied or fixed == data:
        return result
    try:
        TrainingConfig.model_validate(fixed)
    except ValidationError as exc:
        result.refused = format_validation_error(
            exc, what="training config after the fixes " + ", ".join(applied)
        ).replace("\n", " ")
        return result
    try:
        _replace(Path(path), dump_config(fixed, path))
    except OSError as exc:
        result.refused = f"cannot write: {exc.strerror or exc}"
        return result
    result.applied = applied
    result.written = True
    return result


def fixable(findings: Sequence[Any], rulebase: Any) -> list[Any]:
    """The findings whose rule has an automatic fix."""
    return [f for f in findings
            if (c := rulebase.by_code.get(f.code)) is not None and c.rule.autofix]

