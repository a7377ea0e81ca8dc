"""Measure the script audit on a corpus of training scripts that declare what is wrong with them.

Each script says in its header what the audit must find:

* ``# expect: OUT101`` - a finding with that code (several codes: comma-separated, or one
  ``# expect:`` line each); each code is one fault for recall;
* ``# expect-facet: output`` - some finding of that facet (when more than one rule may name
  the fault);
* ``# expect: none`` - a correct setup: any error or warning on it is a false alarm (info
  findings are reminders and are counted apart).

``measure(folder)`` audits the folder through :func:`audit_paths` (what ``advisor audit``
runs) and returns recall over the declared faults, the false alarms on the correct scripts,
and what was missed (used by tests/audit/test_script_corpus.py and
benchmarks/bench_scripts.py).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional, Union

from .core import audit_paths

_EXPECT = re.compile(r"^#\s*expect(-facet)?:\s*(.+?)\s*$", re.M)


@dataclass
class Expectation:
    file: str
    codes: list[str] = field(default_factory=list)
    facets: list[str] = field(default_factory=list)
    correct: bool = False


@dataclass
class CorpusResult:
    scripts: int = 0
    faults: int = 0
    found: int = 0
    correct_scripts: int = 0
    false_alarms: list[str] = field(default_factory=list)  # "file: CODE [severity]"
    infos_on_correct: list[str] = field(default_factory=list)
    missed: list[str] = field(default_factory=list)  # "file: CODE"
    errors: list[str] = field(default_factory=list)
    seconds: float = 0.0

    @property
    def recall(self) -> float:
        return self.found / self.faults if self.faults else 1.0


def expectations(path: Union[str, Path]) -> Optional[Expectation]:
    """What a script's header declares (None: it declares nothing)."""
    text = Path(path).read_text(encoding="utf-8")
    expected = Expectation(file=str(path))
    declared = False
    for facet_flag, value in _EXPECT.findall(text):
        declared = True
        items = [v.strip() for v in value.split(",") if v.strip()]
        if facet_flag:
            expected.facets.extend(items)
        elif [i.lower() for i in items] == ["none"]:
            expected.correct = True
        else:
            expected.codes.extend(i.upper() for i in items)
    return expected if declared else None


def measure(folder: Union[str, Path], *, jobs: Optional[int] = None) -> CorpusResult:
    import time

    scripts = sorted(Path(folder).rglob("*.py"))
    declared = {str(p): e for p in scripts if (e := expectations(p)) is not None}
    started = time.perf_counter()
    report = audit_paths(list(declared), jobs=jobs)
    result = CorpusResult(seconds=time.perf_counter() - started, scripts=len(declared))
    result.errors = [f"{e.file}: {e.reason}" for e in report.errors]
    by_file: dict[str, list] = {}
    for finding in report.findings:
        by_file.setdefault(finding.file, []).append(finding)
    for name, expected in declared.items():
        findings = by_file.get(name, [])
        if expected.correct:
            result.correct_scripts += 1
            for f in findings:
                entry = f"{Path(name).name}: {f.code} [{f.severity}]"
                (result.infos_on_correct if f.severity == "info" else
                 result.false_alarms).append(entry)
            continue
        wanted = [(code, {f.code for f in findings}, code) for code in expected.codes]
        wanted += [(facet, {f.facet for f in findings}, f"facet {facet}")
                   for facet in expected.facets]
        for value, seen, label in wanted:  # each declared fault: found on its code or facet?
            result.faults += 1
            if value in seen:
                result.found += 1
            else:
                result.missed.append(f"{Path(name).name}: {label}")
    return result
