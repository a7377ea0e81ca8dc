"""The audit: read a setup, derive facts, run the audit rules, report findings.

``audit(path_or_config, profile=...)`` audits one setup; :func:`audit_paths` audits files and
folders (recursively), joins each file with its sidecar profile (``<stem>.profile.yaml|json``)
or the shared one, never stops at an unreadable file, and spreads large batches over every core.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import (Any, Callable, Iterable, Iterator, Mapping, NamedTuple, Optional, Sequence,
                    Union)

from pydantic import ValidationError

from ..errors import AdvisorError, DocumentError, RuleError, format_validation_error
from ..profile import DatasetProfile, load_profile
from ..rules.compile import RuleBase, RuleFamily
from ..rules.findings import check_finding_rule, findings_for, run_finding_examples
from ..rules.language import Rule, RuleFile
from ..vocab import CONFIG_SUFFIXES, PROFILE_SUFFIXES, SETUP_SUFFIXES, SEVERITY_RANK
from .facts import AUDIT_FACTS, LAYER_FACTS, PROFILE_FACTS, raw_setup_facts
from .report import AuditReport, Finding, InputError, Unchecked
from .setup import LayerInfo, NormalizedSetup, NotASetupError, SourceLocation

PARALLEL_THRESHOLD = 64  # below this many files a process pool costs more than it saves


def _check_rule(rule: Rule, rule_file: RuleFile, where: str) -> None:
    from .fix import autofix_path_problem

    check_finding_rule(rule, "audit", AUDIT_FACTS, where)
    if rule.layer and rule.layer != "output" and rule.layer not in AUDIT_FACTS:
        raise RuleError(f"layer must be 'output' or a fact name, got {rule.layer!r}", where=where)
    for path in rule.autofix or {}:
        problem = autofix_path_problem(path)
        if problem:
            raise RuleError(problem, where=where)


def example_setup(example: Mapping[str, Any]) -> NormalizedSetup:
    """A fixture example (NormalizedSetup fields; layers may omit their index) as a setup."""
    data = dict(example)
    data["layers"] = [{"index": i, **layer} for i, layer in enumerate(data.get("layers", []))]
    return NormalizedSetup.model_validate(data)


def _example_facts(example: Mapping[str, Any], where: str) -> dict[str, Any]:
    try:
        setup = example_setup(example)
    except ValidationError as exc:
        raise RuleError(format_validation_error(exc, what="example setup", where=where)) from None
    from .facts import setup_facts

    return setup_facts(setup)


#: facet -> code prefix of the audit rules (numbers 101-199 keep them apart from recommend's)
AUDIT_PREFIXES = {"model": "ARCH", "output": "OUT", "loss": "LOSS", "optimizer": "OPT",
                  "learning_rate": "LR", "initialization": "INIT", "regularization": "REG",
                  "preprocessing": "PRE", "training": "TRN", "metrics": "MET"}

AUDIT = RuleFamily(
    "audit", "Audit rules", AUDIT_FACTS, AUDIT_PREFIXES, r"1\d\d", True, _check_rule, _example_facts,
    run_finding_examples,
    intro="What `advisor audit` checks in existing setups. Errors are impossibilities (the "
          "setup cannot learn the task); warnings are matters of degree; info is a reminder. "
          "Rules whose conditions name profile facts stay silent without a profile.")


def audit_rules() -> RuleBase:
    """The compiled audit rules (loaded once per process)."""
    return AUDIT.rulebase()


def cores() -> int:
    """The cores this process may use (its CPU affinity, where the platform tells)."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except (AttributeError, OSError):  # pragma: no cover - macOS, Windows
        return os.cpu_count() or 1


def parse_selectors(values: Iterable[str], *, label: str = "select") -> list[str]:
    """``["LOSS,OUT", "LR1"]`` as ``["LOSS", "OUT", "LR1"]``; each prefix must match at least
    one audit rule code, so a typo is an error rather than a silent no-op. ``label`` names the
    option in the message (the CLI's ``--select``)."""
    prefixes = [part.strip().upper() for value in values for part in value.split(",")
                if part.strip()]
    codes = sorted(audit_rules().by_code) if prefixes else []
    for prefix in prefixes:
        if not any(code.startswith(prefix) for code in codes):
            starts = sorted({code.rstrip("0123456789") for code in codes})
            raise AdvisorError(
                f"{label} {prefix!r} matches no audit rule code; codes start with "
                f"{', '.join(starts)} (e.g. {codes[0]})",
                hint="'advisor rules list --family audit' shows every audit rule")
    return prefixes


def _selected(code: str, select: Optional[Sequence[str]], ignore: Optional[Sequence[str]]) -> bool:
    if select and not any(code.startswith(prefix) for prefix in select):
        return False
    return not (ignore and any(code.startswith(prefix) for prefix in ignore))


def audit_setup(setup: NormalizedSetup, profile: Optional[DatasetProfile] = None, *,
                select: Optional[Sequence[str]] = None, ignore: Optional[Sequence[str]] = None,
                engine: Optional[Any] = None) -> list[Finding]:
    """Findings for one normalized setup, most severe first; each points at the line that
    set it where the setup knows lines (scripts), and ``# advisor: ignore[CODE]`` on that
    line silences it.

    Every output head is audited on its own path against its own loss (the profile describes
    one target, so the heads after the first skip the rules that need a profile), and a rule
    whose ``layer`` is a per-layer fact (:data:`~.facts.LAYER_FACTS`) is evaluated once per
    layer, so each offending layer gets its own finding."""
    for index, layer in enumerate(setup.layers):
        layer.index = index
    rulebase = audit_rules()
    variants = [(setup, False)] + [
        (setup.model_copy(update={"layers": head.layers, "output": head.output,
                                  "loss": head.loss, "metrics": head.metrics,
                                  "extra_heads": []}), True)
        for head in setup.extra_heads]
    found: dict[tuple[str, Optional[str], str], Finding] = {}
    for variant, extra_head in variants:
        for compiled, fields, layer in _variant_findings(variant, profile, rulebase, engine):
            if not _selected(compiled.code, select, ignore):
                continue
            if extra_head and needs_profile(compiled):
                continue
            where = locate(setup, layer, compiled.facet)
            if where is not None and _suppressed(setup, where.line, compiled.code):
                continue
            finding = Finding(file=setup.source, **fields, layer=layer,
                              line=where.line if where else None,
                              column=where.column if where else None)
            found.setdefault((finding.code, layer, finding.message), finding)
    findings = list(found.values())
    findings.sort(key=lambda f: (-SEVERITY_RANK[f.severity], f.code))
    return findings


def _variant_findings(setup: NormalizedSetup, profile: Optional[DatasetProfile],
                      rulebase: RuleBase, engine: Optional[Any]
                      ) -> Iterator[tuple[Any, dict[str, Any], Optional[str]]]:
    """(rule, finding fields, layer to blame) of one setup: the rules fired on its facts, and
    the per-layer rules fired on each layer's value of their fact."""
    raw, evidence = raw_setup_facts(setup, profile)
    for compiled, fields in findings_for(rulebase, raw, engine=engine):
        if compiled.rule.layer in LAYER_FACTS:
            continue  # judged per layer below
        layer = evidence.get(compiled.rule.layer) if compiled.rule.layer else None
        yield compiled, fields, layer
    per_layer = {c.rule.layer for c in rulebase.rules if c.rule.layer in LAYER_FACTS}
    for fact in sorted(per_layer):
        fired: dict[Any, list] = {}  # layers with equal values fire alike: one run per value
        for info in setup.layers:
            value = LAYER_FACTS[fact](info)
            if value is None or fact not in raw:
                continue
            if value not in fired:
                fired[value] = [(c, f) for c, f in findings_for(
                    rulebase, {**raw, fact: value}, engine=engine) if c.rule.layer == fact]
            for compiled, fields in fired[value]:
                yield compiled, fields, _layer_name(info)


def _layer_name(layer: LayerInfo) -> str:
    return layer.path or layer.name or f"#{layer.index} {layer.class_name}"


def condition_facts(compiled: Any) -> set[str]:
    """The facts a compiled rule's conditions name."""
    alternatives = [compiled.all_of, *(compiled.any_of or [])]
    return {field for conditions in alternatives for field, _, _ in conditions}


def needs_profile(compiled: Any) -> bool:
    """The rule cannot fire without a profile: its conditions (every alternative of its
    ``any``) require a fact only a profile gives, or ``has_profile: true``."""
    def requires(conditions: list) -> bool:
        return any((field in PROFILE_FACTS and not (op == "exists" and literal is False))
                   or (field == "has_profile" and (op, literal) in (("eq", True), ("neq", False)))
                   for field, op, literal in conditions)

    if requires(compiled.all_of):
        return True
    return bool(compiled.any_of) and all(requires(alt) for alt in compiled.any_of)


def profile_rules(select: Optional[Sequence[str]] = None,
                  ignore: Optional[Sequence[str]] = None) -> list[str]:
    """Codes of the selected audit rules that need a profile."""
    return sorted(c.code for c in audit_rules().rules
                  if _selected(c.code, select, ignore) and needs_profile(c))


def locate(setup: NormalizedSetup, layer: Optional[str], facet: str) -> Optional[SourceLocation]:
    """Where a finding about ``layer`` (a layer name) or ``facet`` was written: the layer's
    line, else the facet's, else the model's; None where the setup knows no lines."""
    if layer is not None:
        for info in setup.layers:
            if info.line is not None and layer in (info.name, info.path):
                return SourceLocation(line=info.line, column=info.column or 1)
    return setup.locations.get(facet) or setup.locations.get("model")


def _suppressed(setup: NormalizedSetup, line: int, code: str) -> bool:
    codes = setup.suppressions.get(line)
    if codes is None:
        return False
    return not codes or any(code.startswith(prefix.upper()) for prefix in codes)


def unchecked_items(setup: NormalizedSetup, profile: Optional[DatasetProfile] = None, *,
                    select: Optional[Sequence[str]] = None,
                    ignore: Optional[Sequence[str]] = None,
                    unread_profile: Optional[str] = None) -> list[Unchecked]:
    """What could not be checked in ``setup``, as report entries: what the reader knows, the
    rules that need a profile when there is none (their real number, among the selected
    rules), and the profile checks of the output heads after the first. ``unread_profile``:
    the sidecar profile that could not be read (its error is reported beside)."""
    items = [Unchecked(file=setup.source, what=item.what, reason=item.reason, line=item.line)
             for item in setup.unchecked]
    needing = profile_rules(select, ignore)
    if needing and profile is None and setup.profile is None:
        stem = Path(setup.source).name.rsplit(".", 1)[0] if setup.source else "<model>"
        reason = (f"its profile {Path(unread_profile).name} could not be read (see the error)"
                  if unread_profile else
                  f"no profile: add {stem}.profile.yaml beside it or pass --profile")
        items.append(Unchecked(
            file=setup.source, what=f"{len(needing)} data checks ({_codes(needing)})",
            reason=reason))
    elif needing and setup.extra_heads:
        heads = ", ".join(h.output.layer for h in setup.extra_heads if h.output) or "the others"
        items.append(Unchecked(
            file=setup.source, what=f"data checks of the outputs after the first ({heads})",
            reason="a profile describes one target; it is checked against the first output "
                   f"({setup.output.layer if setup.output else 'unknown'}) only"))
    return items


def _codes(codes: list[str], shown: int = 6) -> str:
    return ", ".join(codes[:shown]) + (f", ... {len(codes) - shown} more"
                                       if len(codes) > shown else "")


# -- inputs ---------------------------------------------------------------------------------------

def is_profile_file(path: Path) -> bool:
    return path.name.lower().endswith(PROFILE_SUFFIXES)


def sidecar_profile(path: Path) -> Optional[Path]:
    stem = path.name[: -len(path.suffix)] if path.suffix else path.name
    for suffix in PROFILE_SUFFIXES:
        candidate = path.with_name(stem + suffix)
        if candidate.is_file():
            return candidate
    return None


def discover(paths: Iterable[Union[str, Path]]
             ) -> Iterator[tuple[Path, bool, Optional[str]]]:
    """Files to audit, as (path, named explicitly, why it cannot be read or None). Folders are
    walked recursively in sorted order; profiles (``*.profile.yaml|json``) are never inputs
    themselves. Nothing unread passes silently: a folder that cannot be listed, and a FIFO,
    device, socket, link loop or unreadable file with an audited suffix, come with a reason."""
    from ..textio import file_problem

    for item in paths:
        path = Path(item)
        if path.is_dir():
            unlisted: list[OSError] = []
            for root, dirs, files in os.walk(path, onerror=unlisted.append):
                yield from _unlisted(unlisted)
                dirs[:] = sorted(d for d in dirs if not d.startswith("."))
                for name in sorted(files):
                    candidate = Path(root) / name
                    if candidate.suffix.lower() in SETUP_SUFFIXES and \
                            not is_profile_file(candidate):
                        yield candidate, False, file_problem(candidate)
            yield from _unlisted(unlisted)
        elif is_profile_file(path):
            continue
        else:
            yield path, True, None  # read_setup says what is wrong with it, if anything


def _unlisted(errors: list[OSError]) -> Iterator[tuple[Path, bool, Optional[str]]]:
    while errors:
        error = errors.pop(0)
        reason = ("permission denied: the folder cannot be listed, so its files were not "
                  "audited" if isinstance(error, PermissionError) else
                  f"cannot list the folder: {error.strerror or error}")
        yield Path(error.filename), True, reason


def _load_profile_file(path: Path) -> DatasetProfile:
    from ..textio import read_mapping

    return load_profile(read_mapping(path), where=str(path))


class FileAudit(NamedTuple):
    """One file's audit: its findings, what could not be checked, and the inputs that could
    not be read beside it (a bad sidecar profile: the model's other checks still ran)."""

    findings: list[Finding]
    unchecked: list[Unchecked]
    errors: list[InputError]


def audit_file_result(path: Union[str, Path], *, profile: Optional[DatasetProfile] = None,
                      select: Optional[Sequence[str]] = None,
                      ignore: Optional[Sequence[str]] = None) -> FileAudit:
    """Read one file (never executing anything in it) and audit it, saying what could not
    be checked.

    The profile is, in order: ``profile`` if given, the file's sidecar profile, the profile
    embedded in an advisor config. A sidecar profile that cannot be read is an entry of
    ``errors`` (for the profile's file), and the checks that need no profile still run.

    Raises:
        AdvisorError: the file itself cannot be read.
    """
    from .readers import read_setup

    path = Path(path)
    setup = read_setup(path)
    errors: list[InputError] = []
    unread = None
    if profile is None:
        sidecar = sidecar_profile(path)
        if sidecar is not None:
            try:
                profile = _load_profile_file(sidecar)
            except AdvisorError as exc:
                unread = str(sidecar)
                errors.append(InputError(file=str(sidecar), reason=_reason(exc, str(sidecar))
                                         + f"; {path.name} was audited without it"))
    findings = audit_setup(setup, profile, select=select, ignore=ignore)
    return FileAudit(findings, unchecked_items(setup, profile, select=select, ignore=ignore,
                                               unread_profile=unread), errors)


def audit_file(path: Union[str, Path], *, profile: Optional[DatasetProfile] = None,
               select: Optional[Sequence[str]] = None, ignore: Optional[Sequence[str]] = None
               ) -> list[Finding]:
    """Read one file (never executing anything in it) and audit it: its findings
    (:func:`audit_file_result` also says what could not be checked).

    Raises:
        AdvisorError: the file, or its sidecar profile, cannot be read.
    """
    result = audit_file_result(path, profile=profile, select=select, ignore=ignore)
    if result.errors:
        error = result.errors[0]
        raise AdvisorError(error.reason, where=error.file)
    return result.findings


def audit(target: Any, *, profile: Any = None, select: Optional[Sequence[str]] = None,
          ignore: Optional[Sequence[str]] = None) -> list[Finding]:
    """Audit one training setup.

    Args:
        target: a path (``.keras``, ``.h5``, Keras JSON, advisor YAML/JSON config), a
            :class:`~advisor.models.TrainingConfig`, a :class:`NormalizedSetup`, or a dict
            holding a TrainingConfig.
        profile: a DatasetProfile, a mapping of its fields, or None (rules that need a profile
            then stay silent).

    Returns:
        The findings, most severe first.

    Example:
        >>> findings = audit("model.keras", profile={"problem_type": "binary", ...})
    """
    from ..models import TrainingConfig
    from .readers import setup_from_config

    select, ignore = parse_selectors(select or ()), parse_selectors(ignore or (), label="ignore")
    profile = None if profile is None else load_profile(profile)
    if isinstance(target, (str, Path)):
        return audit_file(target, profile=profile, select=select, ignore=ignore)
    if isinstance(target, Mapping):
        try:
            target = TrainingConfig.model_validate(dict(target))
        except ValidationError as exc:
            raise AdvisorError(format_validation_error(exc, what="training config")) from None
    if isinstance(target, TrainingConfig):
        target = setup_from_config(target, source="<config>")
    if isinstance(target, NormalizedSetup):
        return audit_setup(target, profile, select=select, ignore=ignore)
    raise AdvisorError(f"cannot audit a {type(target).__name__}; give a path, a TrainingConfig "
                       "or a dict")


def _audit_one(args: tuple[str, bool, Optional[dict], Optional[list], Optional[list], bool]
               ) -> dict[str, Any]:
    """Worker: (path, explicit, profile, select, ignore, skip_unknown) -> a plain dict
    ``{"file", "findings", "unchecked", "errors", "skipped"}`` (lists of dicts)."""
    name, explicit, profile_data, select, ignore, skip_unknown = args
    profile = DatasetProfile.model_validate(profile_data) if profile_data else None
    try:
        result = audit_file_result(name, profile=profile, select=select, ignore=ignore)
    except NotASetupError as exc:
        if explicit and not skip_unknown:
            return _failed(name, _reason(exc, name))
        return _skipped(name)
    except DocumentError as exc:  # not even JSON/YAML: with --skip-unknown, not ours to judge
        if skip_unknown and Path(name).suffix.lower() in CONFIG_SUFFIXES:
            return _skipped(name)
        return _failed(name, _reason(exc, name))
    except AdvisorError as exc:
        return _failed(name, _reason(exc, name))
    except Exception as exc:  # noqa: BLE001 - one bad file never stops the batch
        return _failed(name, f"unexpected error while reading: {type(exc).__name__}: {exc}")
    return {"file": name, "findings": [f.model_dump() for f in result.findings],
            "unchecked": [u.model_dump() for u in result.unchecked],
            "errors": [e.model_dump() for e in result.errors], "skipped": False}


def _failed(name: str, reason: str) -> dict[str, Any]:
    return {"file": name, "findings": [], "unchecked": [],
            "errors": [{"file": name, "reason": reason}], "skipped": False}


def _skipped(name: str) -> dict[str, Any]:
    return {"file": name, "findings": [], "unchecked": [], "errors": [], "skipped": True}


def _reason(exc: Exception, name: str) -> str:
    """The error without the file name the report already shows beside it."""
    if isinstance(exc, AdvisorError) and exc.where == name:
        return exc.message
    return str(exc)


def audit_paths(paths: Iterable[Union[str, Path]], *, profile: Any = None,
                select: Optional[Sequence[str]] = None, ignore: Optional[Sequence[str]] = None,
                jobs: Optional[int] = None, skip_unknown: bool = False,
                on_result: Optional[Callable[[str, int, Optional[str]], None]] = None
                ) -> AuditReport:
    """Audit files and folders; unreadable inputs become ``errors`` and the batch goes on.

    Args:
        jobs: worker processes (default: every core for large batches, 1 for small ones).
        skip_unknown: skip YAML/JSON files named explicitly that are neither a Keras model nor
            an advisor config, as folders always do (e.g. package.json handed over by
            pre-commit), instead of reporting them as unreadable.
        on_result: called after each discovered file, skipped ones included, with (file,
            number of findings, error or None), e.g. to drive a progress bar.
    """
    profile = None if profile is None else load_profile(profile)
    select, ignore = parse_selectors(select or ()), parse_selectors(ignore or (), label="ignore")
    found = list(discover(paths))
    report = AuditReport()
    tasks = [(str(path), explicit, profile.model_dump() if profile else None,
              select or None, ignore or None, skip_unknown)
             for path, explicit, reason in found if not reason]
    workers = min(jobs or cores(), cores())  # more workers than cores only multiply memory
    if workers > 1 and len(tasks) >= PARALLEL_THRESHOLD:
        results = _pooled(tasks, workers, on_result)
    else:  # in process; the native reads (HDF5) still run in a child with the limits
        results = []
        for task in tasks:
            results.append(_audit_one(task))
            _notify(on_result, results[-1])
    done = iter(results)
    ordered = []  # in the order found, the unread ones with their reason
    for path, _, reason in found:
        if reason:
            ordered.append(_failed(str(path), reason))
            _notify(on_result, ordered[-1])
        else:
            ordered.append(next(done))
    _collect(ordered, report)
    return report


def _pooled(tasks: list[tuple], workers: int, on_result: Optional[Callable]) -> list[tuple]:
    """The tasks in worker processes that may die: a crash, the memory limit or the time limit
    becomes that file's error, the worker is replaced and the batch goes on."""
    from .isolation import WorkerPool

    results: list[Any] = [None] * len(tasks)
    for index, kind, value in WorkerPool(_audit_one, workers).run(tasks):
        name = tasks[index][0]
        if kind == "ok":
            results[index] = value
        elif kind == "error":  # _audit_one catches everything; this is a worker-side bug
            results[index] = _failed(name, f"unexpected error while reading: {value}")
        else:  # crashed, timeout, memory: the pool says which
            results[index] = _failed(name, value)
        _notify(on_result, results[index])
    return results


def _notify(on_result: Optional[Callable], result: dict[str, Any]) -> None:
    if on_result is not None:
        errors = result["errors"]
        on_result(result["file"], len(result["findings"]),
                  "; ".join(e["reason"] for e in errors) if errors else None)


def _collect(results: Iterable[dict[str, Any]], report: AuditReport) -> None:
    files = 0
    for result in results:
        if result["skipped"]:
            continue
        files += 1
        report.errors.extend(InputError.model_validate(e) for e in result["errors"])
        report.findings.extend(Finding.model_validate(f) for f in result["findings"])
        report.unchecked.extend(Unchecked.model_validate(u) for u in result["unchecked"])
    report.tally(files)


def fix_report(report: Any, *, profile: Any = None, select: Optional[Sequence[str]] = None,
               ignore: Optional[Sequence[str]] = None) -> list[str]:
    """``audit --fix``: fix (:mod:`.fix`) every advisor config of an audit report that has
    fixable findings, re-audit it and update the report; the notes to show (what was fixed,
    what was not)."""
    from .fix import fix_file, fixable

    rulebase = audit_rules()
    by_file: dict[str, list[Any]] = {}
    for finding in report.findings:
        by_file.setdefault(finding.file, []).append(finding)
    notes: list[str] = []
    for file, findings in by_file.items():
        if not fixable(findings, rulebase):
            continue
        result = fix_file(file, findings, rulebase)
        for reason in result.skipped:
            notes.append(f"{file}: fix not applied: {reason}")
        if result.refused:
            notes.append(f"{file}: not fixed: {result.refused}")
        if not result.written:
            continue
        remaining = audit_file(file, profile=profile, select=select or None,
                               ignore=ignore or None)
        report.findings = [f for f in report.findings if f.file != file] + remaining
        left = {f.code for f in remaining}
        fixed = [code for code in result.applied if code not in left]
        if fixed:
            notes.append(f"Fixed {len(fixed)} finding{'s' if len(fixed) != 1 else ''} in "
                         f"{file} ({', '.join(fixed)})")
        still = [code for code in result.applied if code in left]
        if still:
            notes.append(f"{file}: applied the fix of {', '.join(still)}, but the finding "
                         "remains")
    report.tally()
    return notes


def fixable_in_configs(report: Any) -> int:
    """How many findings of a report ``fix_report`` could fix (those in advisor configs)."""
    from .fix import fixable, read_config_file

    candidates = fixable(report.findings, audit_rules())
    configs = {file for file in {f.file for f in candidates} if read_config_file(file)}
    return sum(1 for f in candidates if f.file in configs)
