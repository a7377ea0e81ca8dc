"""Audit reports as text, JSON, SARIF 2.1.0 and GitHub Actions annotations.

Every renderer is a pure function of an :class:`~advisor.audit.report.AuditReport` (and, for
SARIF, the audit rules), so the output can be tested exactly. Formats follow ruff and checkov:

- ``text``: one line per finding (``file: CODE [severity] message``) with an indented ``fix:``
  line, unreadable files as ``file: error: reason``, and a "Found N findings" footer;
- ``json``: exactly ``{"findings": [...], "errors": [...], "unchecked": [...], "summary": {...}}``;
- ``sarif``: a SARIF 2.1.0 log for code-scanning tools (GitHub code scanning reads it);
- ``github``: workflow commands (``::error file=...::...``) that GitHub Actions shows as
  annotations.
"""

from __future__ import annotations

import json
import os
from pathlib import Path, PurePath
from typing import Any, Iterable, Optional, Sequence
from urllib.parse import quote

from ..vocab import PROFILE_SUFFIXES, SETUP_SUFFIXES, SEVERITIES
from .report import AuditReport, Finding, InputError, Unchecked

FORMATS = ("text", "json", "sarif", "github")
SARIF_VERSION = "2.1.0"
SARIF_SCHEMA = ("https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/"
                "sarif-schema-2.1.0.json")
SARIF_LEVELS = {"error": "error", "warning": "warning", "info": "note"}
GITHUB_COMMANDS = {"error": "error", "warning": "warning", "info": "notice"}


def _plural(count: int, word: str) -> str:
    if word == "info":  # "2 info", like "2 notes" would read oddly as "2 infos"
        return f"{count} info"
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- text -----------------------------------------------------------------------------------------

def _where(file: str, line: Optional[int], column: Optional[int] = None) -> str:
    """``file``, ``file:line`` or ``file:line:col`` (as compilers and linters print them)."""
    if line is None:
        return file
    return f"{file}:{line}" + (f":{column}" if column is not None else "")


def finding_lines(finding: Finding) -> list[str]:
    """One finding as text: ``file[:line:col]: CODE [severity] message (layer: NAME)`` and its
    fix."""
    head = (f"{_where(finding.file, finding.line, finding.column)}: {finding.code} "
            f"[{finding.severity}] {finding.message}")
    if finding.layer:
        head += f" (layer: {finding.layer})"
    lines = [head]
    if finding.fix:
        lines.append(f"  fix: {finding.fix}")
    return lines


def error_line(error: InputError) -> str:
    return f"{error.file}: error: {error.reason}"


def unchecked_line(item: Unchecked) -> str:
    return f"{_where(item.file, item.line)}: not checked: {item.what}: {item.reason}"


def render_footer(report: AuditReport) -> str:
    """``Found 3 findings (1 error, 2 warnings) in 2 of 5 files; 1 file could not be read.``"""
    summary = report.summary
    files, errors, count = summary.files, summary.errors, len(report.findings)
    if files == 0:
        looked = ", ".join(SETUP_SUFFIXES[:-1]) + f" and {SETUP_SUFFIXES[-1]}"
        return (f"No files to audit (looked for {looked} files; *.profile.yaml|json are "
                "profiles, not inputs; scripts that build no Keras model are skipped).")
    unreadable = (f"; {_plural(errors, 'file')} could not be read" if errors else "")
    # an entry is one reason, which may cover many checks ("17 data checks: no profile")
    could_not = (f"; some checks could not run ({_plural(len(report.unchecked), 'reason')}, "
                 "see above)"
                 if report.unchecked else "")
    if count:
        by_severity = {s: sum(1 for f in report.findings if f.severity == s)
                       for s in SEVERITIES}
        breakdown = ", ".join(_plural(n, s) for s, n in by_severity.items() if n)
        with_findings = len({f.file for f in report.findings})
        return (f"Found {_plural(count, 'finding')} ({breakdown}) in {with_findings} of "
                f"{_plural(files, 'file')}{unreadable}{could_not}.")
    # a bad sidecar profile is an error too, but its model was audited (without it)
    unread = len({e.file for e in report.errors
                  if not e.file.lower().endswith(PROFILE_SUFFIXES)})
    if errors:
        readable = max(0, files - unread)
        return f"No findings in {_plural(readable, 'readable file')}{unreadable}{could_not}."
    if report.unchecked:
        return f"No findings ({_plural(files, 'file')}){could_not}."
    return f"All checks passed ({_plural(files, 'file')})."


def render_text(report: AuditReport, *, footer: bool = True,
                notes: Sequence[str] = ()) -> str:
    """The human format: findings and unreadable files ordered by file, then the footer.

    Args:
        report: the audit report.
        footer: add the "Found N findings" summary (``--quiet`` leaves it out).
        notes: extra lines to show between the findings and the footer (``--fix`` results).
    """
    entries: list[tuple[str, list[str]]] = [(f.file, finding_lines(f)) for f in report.findings]
    entries += [(e.file, [error_line(e)]) for e in report.errors]
    entries += [(u.file, [unchecked_line(u)]) for u in report.unchecked]
    entries.sort(key=lambda entry: entry[0])  # stable: within a file, most severe first
    lines = [line for _, block in entries for line in block]
    tail = list(notes)
    if footer:
        tail.append(render_footer(report))
    if lines and tail:
        lines.append("")
    return "\n".join(lines + tail)


# -- json -----------------------------------------------------------------------------------------

def render_json(report: AuditReport) -> str:
    """``{"findings": [...], "errors": [...], "unchecked": [...], "summary": {...}}``."""
    return json.dumps(report.model_dump(mode="json"), indent=2, ensure_ascii=False)


# -- sarif ----------------------------------------------------------------------------------------

def artifact_uri(file: str, base: Optional[Path] = None) -> str:
    """A file as a SARIF artifact URI: relative to ``base`` (the working folder) with forward
    slashes when it lies inside it, else an absolute ``file://`` URI."""
    path = Path(file)
    relative: Optional[str]
    if path.is_absolute():
        try:
            relative = os.path.relpath(path, Path(base) if base is not None else Path.cwd())
        except ValueError:  # another drive on Windows
            relative = None
    else:
        relative = os.path.normpath(file)
    if relative is None or relative == ".." or relative.startswith(("../", "..\\")):
        return path.resolve().as_uri()
    return quote(PurePath(relative).as_posix(), safe="/")


def _information_uri() -> Optional[str]:
    """The project's home page from the installed package metadata (Project-URL)."""
    try:
        from importlib.metadata import PackageNotFoundError, metadata
    except ImportError:  # pragma: no cover - Python >= 3.8 has it
        return None
    try:
        urls = metadata("advisor").get_all("Project-URL") or []
    except PackageNotFoundError:
        return None
    found = {}
    for entry in urls:
        label, _, url = entry.partition(",")
        found[label.strip().lower()] = url.strip()
    for label in ("homepage", "documentation", "repository", "source"):
        if found.get(label):
            return found[label]
    return next(iter(found.values()), None)


def _clean(text: Optional[str]) -> str:
    return " ".join((text or "").split())


def _sentence(name: str) -> str:
    words = name.replace("-", " ")
    return words[:1].upper() + words[1:] + "."


def _short_description(rule: Any) -> str:
    """The message when it reads without facts filled in, else the rule's name as a sentence."""
    message = _clean(rule.message)
    return message if message and "{" not in message else _sentence(rule.name)


def sarif_rule(compiled: Any) -> dict[str, Any]:
    """One audit rule as a SARIF ``reportingDescriptor``."""
    rule = compiled.rule
    because, fix, source = _clean(rule.because), _clean(rule.fix), rule.source
    text = f"{because} Fix: {fix} Source: {source}"
    markdown = f"**Why:** {because}\n\n**Fix:** {fix}\n\n**Source:** <{source}>"
    if rule.autofix:
        settings = ", ".join(f"`{path}: {json.dumps(value)}`" for path, value in
                             rule.autofix.items())
        markdown += (f"\n\n**Automatic fix** (advisor configs only, `advisor audit --fix`): "
                     f"sets {settings}.")
    descriptor: dict[str, Any] = {
        "id": compiled.code,
        "name": rule.name,
        "shortDescription": {"text": _short_description(rule)},
        "fullDescription": {"text": because},
        "help": {"text": text, "markdown": markdown},
        "defaultConfiguration": {"level": SARIF_LEVELS[rule.severity or "warning"]},
        "properties": {"tags": [compiled.facet], "facet": compiled.facet,
                       "severity": rule.severity},
    }
    if source.startswith(("http://", "https://")):
        descriptor["helpUri"] = source
    return descriptor


def _location(file: str, base: Optional[Path], *, region: bool, line: Optional[int] = None,
              column: Optional[int] = None) -> dict[str, Any]:
    physical: dict[str, Any] = {"artifactLocation": {"uri": artifact_uri(file, base)}}
    if line is not None:  # scripts: the line (and column) that set it
        physical["region"] = {"startLine": line, **({"startColumn": column} if column else {})}
    elif region:  # configs and model files have no meaningful line: point at the file's start
        physical["region"] = {"startLine": 1}
    return {"physicalLocation": physical}


def to_sarif(report: AuditReport, rules: Optional[Iterable[Any]] = None, *,
             base: Optional[Path] = None, version: Optional[str] = None) -> dict[str, Any]:
    """The report as a SARIF 2.1.0 log (a dict; ``json.dumps`` it).

    Args:
        report: the audit report.
        rules: compiled audit rules to describe in ``tool.driver.rules`` (default: every audit
            rule); each result points at its rule by ``ruleIndex``.
        base: the folder artifact URIs are relative to (default: the working folder).
        version: the tool version (default: the advisor's).
    """
    if rules is None:
        from .core import audit_rules

        rules = audit_rules().rules
    if version is None:
        from .. import __version__ as version
    rules = list(rules)
    index = {compiled.code: number for number, compiled in enumerate(rules)}
    driver: dict[str, Any] = {"name": "advisor", "version": version,
                              "semanticVersion": version}
    information_uri = _information_uri()
    if information_uri:
        driver["informationUri"] = information_uri
    driver["rules"] = [sarif_rule(compiled) for compiled in rules]
    results = []
    for finding in report.findings:
        result: dict[str, Any] = {
            "ruleId": finding.code,
            "level": SARIF_LEVELS[finding.severity],
            "message": {"text": f"{finding.message} Fix: {finding.fix}" if finding.fix
                        else finding.message},
            "locations": [_location(finding.file, base, region=True, line=finding.line,
                                    column=finding.column)],
            "properties": {"facet": finding.facet, "name": finding.name},
        }
        if finding.code in index:
            result["ruleIndex"] = index[finding.code]
        if finding.layer:
            result["locations"][0]["logicalLocations"] = [
                {"name": finding.layer, "kind": "member"}]
            result["properties"]["layer"] = finding.layer
        results.append(result)
    invocation: dict[str, Any] = {"executionSuccessful": not report.errors}
    notifications = [
        {"level": "error", "message": {"text": f"could not read {error.file}: {error.reason}"},
         "locations": [_location(error.file, base, region=False)]}
        for error in report.errors]
    notifications += [  # what could not be checked is said, as a note (checkov's UNKNOWN)
        {"level": "note", "descriptor": {"id": "unchecked"},
         "message": {"text": f"not checked: {item.what}: {item.reason}"},
         "locations": [_location(item.file, base, region=False, line=item.line)]}
        for item in report.unchecked]
    if notifications:
        invocation["toolExecutionNotifications"] = notifications
    return {
        "$schema": SARIF_SCHEMA,
        "version": SARIF_VERSION,
        "runs": [{"tool": {"driver": driver}, "invocations": [invocation],
                  "columnKind": "unicodeCodePoints", "results": results}],
    }


def render_sarif(report: AuditReport, rules: Optional[Iterable[Any]] = None, *,
                 base: Optional[Path] = None) -> str:
    return json.dumps(to_sarif(report, rules, base=base), indent=2, ensure_ascii=False)


# -- github ---------------------------------------------------------------------------------------

def escape_data(text: str) -> str:
    """Escape a workflow command's message (as the Actions toolkit does)."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value (``file=``, ``title=``)."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _relative(file: str) -> str:
    """Paths as GitHub resolves them: relative to the workspace, with forward slashes."""
    path = Path(file)
    if path.is_absolute():
        try:
            return path.relative_to(Path.cwd()).as_posix()
        except ValueError:
            return path.as_posix()
    return PurePath(os.path.normpath(file)).as_posix()


def render_github(report: AuditReport) -> str:
    """One ``::error|warning|notice file=PATH,line=1,title=CODE name::message Fix: fix`` per
    finding, and ``::error file=PATH::reason`` per unreadable file."""
    lines = []
    for finding in report.findings:
        command = GITHUB_COMMANDS[finding.severity]
        title = f"{finding.code} {finding.name}"
        message = finding.message
        if finding.layer:
            message += f" (layer: {finding.layer})"
        if finding.fix:
            message += f" Fix: {finding.fix}"
        place = f"line={finding.line or 1}" + (f",col={finding.column}" if finding.column
                                                else "")
        lines.append(f"::{command} file={escape_property(_relative(finding.file))},{place},"
                     f"title={escape_property(title)}::{escape_data(message)}")
    for error in report.errors:
        lines.append(f"::error file={escape_property(_relative(error.file))}::"
                     f"{escape_data('could not read the file: ' + error.reason)}")
    for item in report.unchecked:
        place = f",line={item.line}" if item.line else ""
        lines.append(f"::notice file={escape_property(_relative(item.file))}{place},"
                     f"title={escape_property('not checked: ' + item.what)}::"
                     f"{escape_data(item.reason)}")
    return "\n".join(lines)


# -- what came from a file is shown, never obeyed --------------------------------------------------

def printable(text: str, *, controls: bool = True) -> str:
    """``text`` safe to print: a file name that is not UTF-8 (Python keeps its bytes as lone
    surrogates) shows those bytes as ``\\xNN``; with ``controls``, so do control characters
    (newlines, escape sequences), so a layer name cannot start a GitHub workflow command or
    drive a terminal."""
    out = []
    for char in text:
        code = ord(char)
        if 0xDC80 <= code <= 0xDCFF:          # surrogateescape: one byte of a non-UTF-8 name
            out.append(f"\\x{code - 0xDC00:02x}")
        elif 0xD800 <= code <= 0xDFFF:
            out.append(f"\\u{code:04x}")
        elif controls and (code < 0x20 or 0x7F <= code < 0xA0):
            out.append(f"\\x{code:02x}")
        else:
            out.append(char)
    return "".join(out)


def printable_report(report: AuditReport, *, controls: bool = True) -> AuditReport:
    """A copy of the report whose strings are :func:`printable`."""
    def clean(value: Any) -> Any:
        if isinstance(value, str):
            return printable(value, controls=controls)
        if isinstance(value, dict):
            return {clean(k): clean(v) for k, v in value.items()}
        if isinstance(value, list):
            return [clean(v) for v in value]
        return value

    return AuditReport.model_validate(clean(report.model_dump()))


def render(report: AuditReport, output_format: str, **options: Any) -> str:
    """Dispatch to the renderer of ``output_format`` (one of :data:`FORMATS`); strings from the
    audited files are made printable first (JSON keeps control characters, which it escapes
    itself)."""
    report = printable_report(report, controls=output_format != "json")
    if output_format == "text":
        return render_text(report, **options)
    if output_format == "json":
        return render_json(report)
    if output_format == "sarif":
        return render_sarif(report)
    if output_format == "github":
        return render_github(report)
    raise ValueError(f"unknown audit output format {output_format!r}; expected one of "
                     f"{', '.join(FORMATS)}")
