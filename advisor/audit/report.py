"""What an audit produces: findings, unreadable inputs and a summary (DESIGN.md contract)."""

from __future__ import annotations

from typing import Optional

from pydantic import BaseModel, ConfigDict, Field

from ..vocab import SEVERITIES, SEVERITY_RANK, Severity


class Finding(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    code: str
    name: str
    severity: Severity
    facet: str
    message: str
    fix: str
    layer: Optional[str] = None
    because: str = ""
    source: str = ""
    line: Optional[int] = Field(None, description="1-based line in the file (scripts)")
    column: Optional[int] = Field(None, description="1-based column in the file (scripts)")


class Unchecked(BaseModel):
    """A check that could not run on a file, and why (checkov's UNKNOWN): an audit says what
    it could not check instead of passing it."""

    model_config = ConfigDict(extra="forbid")

    file: str
    what: str = Field(description="the checks that did not run, e.g. 'loss and optimizer checks'")
    reason: str
    line: Optional[int] = None


class InputError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    file: str
    reason: str


class Summary(BaseModel):
    model_config = ConfigDict(extra="forbid")

    files: int = 0
    files_with_findings: int = 0
    findings: int = 0
    errors: int = 0
    unchecked: int = 0
    by_severity: dict[str, int] = Field(default_factory=lambda: {"error": 0, "warning": 0,
                                                                 "info": 0})


class AuditReport(BaseModel):
    """``{"findings": [...], "errors": [...], "unchecked": [...], "summary": {...}}``"""

    model_config = ConfigDict(extra="forbid")

    findings: list[Finding] = Field(default_factory=list)
    errors: list[InputError] = Field(default_factory=list)
    unchecked: list[Unchecked] = Field(default_factory=list)
    summary: Summary = Field(default_factory=Summary)

    def tally(self, files: Optional[int] = None) -> "AuditReport":
        """Recompute the summary from the findings and errors (after a batch, a --fix, or
        adding errors); ``files`` is the number of inputs audited (default: unchanged)."""
        by_severity = {name: 0 for name in SEVERITIES}
        for finding in self.findings:
            by_severity[finding.severity] += 1
        self.summary = Summary(
            files=self.summary.files if files is None else files,
            files_with_findings=len({f.file for f in self.findings}),
            findings=len(self.findings), errors=len(self.errors),
            unchecked=len(self.unchecked), by_severity=by_severity)
        return self

    def exit_code(self, fail_on: Severity = "warning") -> int:
        """0 nothing at or above ``fail_on``; 1 findings; 2 an input was unreadable."""
        if self.errors:
            return 2
        threshold = SEVERITY_RANK[fail_on]
        return 1 if any(SEVERITY_RANK[f.severity] >= threshold for f in self.findings) else 0
