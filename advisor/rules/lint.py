"""``advisor rules lint``: everything that can be checked about a family's rule files.

Compiling checks the file format, codes (each facet's prefix, the family's number pattern),
conditions against the fact vocabulary, values and value functions, and the engine limits;
linting adds the fixture examples: each is valid, fires (or not, or loses its slot) as it says,
and, for recommend rules, the whole recommendation of every example is built, so a value
function that raises fails here, not in a user's run.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from ..errors import RuleError
from .compile import RuleFamily, compile_rulebase, rules_root
from .language import load_rule_file
from .registry import FAMILIES, family_of_codes, get_family


@dataclass(frozen=True)
class LintResult:
    family: str
    rules: int
    files: int
    examples: int
    folder: Path

    def summary(self) -> str:
        return (f"ok: {self.rules} {self.family} rules in {self.files} files, {self.examples} "
                f"examples hold ({self.folder})")


def family_of_folder(folder: Path) -> RuleFamily:
    """The family of a folder of rule files, from the codes of its rules."""
    if not folder.is_dir():
        raise RuleError(f"rule folder not found: {folder}")
    codes = [rule.code for path in sorted(folder.glob("*.yaml"))
             for rule in load_rule_file(path).rules]
    if not codes:
        raise RuleError(f"no rule files (*.yaml) in {folder}")
    family = family_of_codes(codes)
    if family is None:
        raise RuleError(f"cannot tell the family of the rules in {folder} from their codes "
                        f"({', '.join(codes[:5])}{', ...' if len(codes) > 5 else ''}): give "
                        f"the family, one of {', '.join(FAMILIES)}")
    return family


def lint(family: Optional[str] = None, folder: Optional[Path | str] = None) -> LintResult:
    """Lint the installed rules of ``family``, or the rule files in ``folder`` (whose family is
    ``family``, or told by their codes).

    Raises:
        RuleError: the first problem that stops compiling, or every example that fails.
    """
    if folder is None and family is None:
        raise RuleError("lint needs a family or a folder")
    path = Path(folder) if folder is not None else None
    spec = get_family(family) if family else family_of_folder(path)  # type: ignore[arg-type]
    default = rules_root() / spec.name
    path = path or default
    rulebase = compile_rulebase(spec, path, check_examples=True)
    if path.resolve() == default.resolve():
        failures = spec.run_examples(spec.rulebase(), None)
    else:  # the engine holds the installed rules; other folders run in the reference evaluator
        from ..engine import ReferenceEngine

        failures = spec.run_examples(rulebase, ReferenceEngine())
    if failures:
        raise RuleError(f"{len(failures)} {spec.name} rule problem(s):\n  "
                        + "\n  ".join(failures))
    examples = sum(len(r.rule.examples.fire) + len(r.rule.examples.no_fire)
                   + len(r.rule.examples.loses) for r in rulebase.rules)
    return LintResult(spec.name, len(rulebase.rules), len(rulebase.rulesets), examples, path)
