"""Loading a family of rule files (recommend, audit, diagnose) into validated, compiled rules.

Each YAML file under ``rules/<family>/`` becomes one ruleset of at most 40 rules (the limit that keeps
durable-rules inside its 64-entry alpha stack). Everything that can be wrong with a rule is
reported when the rules are loaded, with the file and rule code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any, Callable, Mapping, Optional

from .dsl import MAX_RULES_PER_FILE, Rule, RuleFile, branch_count, conditions, load_rule_file
from .dsl import to_durable, to_predicate
from .errors import RuleError
from .facts import Fact

MAX_BRANCHES_PER_RULESET = 48  # engine limit is 64 matching branches; keep a margin


@functools.lru_cache(maxsize=None)
def rules_root() -> Path:
    """Where the rule files are: inside the installed package, else the checkout's ``rules/``."""
    packaged = Path(str(resources.files("advisor"))) / "_rules"
    if packaged.is_dir():
        return packaged
    return Path(__file__).resolve().parent.parent / "rules"


@dataclass(frozen=True, eq=False)  # hashed by identity: one object per family
class RuleFamily:
    """What a family of rules is written against and how its rules are checked.

    Attributes:
        name: folder under ``rules/`` and the engine's fact-type tag.
        facts: the fact vocabulary its conditions may use.
        check_rule: raises :class:`RuleError` when a rule lacks what the family needs.
        example_facts: turns one fixture example into facts (raising on an invalid example).
    """

    name: str
    facts: Mapping[str, Fact]
    check_rule: Callable[[Rule, RuleFile, str], None]
    example_facts: Callable[[Mapping[str, Any], str], dict[str, Any]]


@dataclass
class CompiledRule:
    rule: Rule
    facet: str
    path: Path
    all_of: list
    any_of: Optional[list]
    predicate: Callable[[Mapping[str, Any]], bool]
    pattern: dict[str, Any]

    @property
    def code(self) -> str:
        return self.rule.code


@dataclass
class RuleSet:
    name: str
    path: Path
    facet: str
    description: str
    rules: list[CompiledRule]


@dataclass
class RuleBase:
    family: RuleFamily
    rulesets: list[RuleSet]
    by_code: dict[str, CompiledRule] = field(default_factory=dict)

    @property
    def rules(self) -> list[CompiledRule]:
        return [r for rs in self.rulesets for r in rs.rules]

    def durable_definitions(self) -> dict[str, dict[str, Any]]:
        """One durable ruleset definition per rule file (rule names are rule codes)."""
        return {f"{self.family.name}.{rs.name}": {r.code: {"all": [{"m": r.pattern}]}
                                                  for r in rs.rules} for rs in self.rulesets}


def compile_rulebase(family: RuleFamily, folder: Path, *, check_examples: bool = False
                     ) -> RuleBase:
    """Load, validate and compile every rule file of a family in ``folder``.

    ``check_examples`` also validates every fixture example (``advisor rules lint`` and the
    tests do; the advice path skips it to start faster).
    """
    if not folder.is_dir():
        raise RuleError(f"rule folder not found: {folder}")
    paths = sorted(p for p in folder.glob("*.yaml"))
    if not paths:
        raise RuleError(f"no rule files (*.yaml) in {folder}")
    rulesets: list[RuleSet] = []
    by_code: dict[str, CompiledRule] = {}
    for path in paths:
        rule_file = load_rule_file(path)
        compiled = []
        branches = 0
        for rule in rule_file.rules:
            where = f"{path}: {rule.code}"
            if rule.code in by_code:
                raise RuleError(f"duplicate rule code (also in {by_code[rule.code].path.name})",
                                where=where)
            family.check_rule(rule, rule_file, where)
            all_of, any_of = conditions(rule, family.facts, where)
            branches += branch_count(all_of, any_of)
            item = CompiledRule(rule, rule_file.facet, path, all_of, any_of,
                                to_predicate(all_of, any_of),
                                to_durable(family.name, all_of, any_of))
            if check_examples:
                for kind in ("fire", "no_fire", "loses"):
                    for index, example in enumerate(getattr(rule.examples, kind)):
                        family.example_facts(example, f"{where}: examples.{kind}[{index}]")
            compiled.append(item)
            by_code[rule.code] = item
        if len(compiled) > MAX_RULES_PER_FILE or branches > MAX_BRANCHES_PER_RULESET:
            raise RuleError(f"{len(compiled)} rules / {branches} engine branches: split the file "
                            f"(at most {MAX_RULES_PER_FILE} rules and {MAX_BRANCHES_PER_RULESET} "
                            "branches per ruleset keep durable-rules inside its limits)",
                            where=str(path))
        rulesets.append(RuleSet(path.stem, path, rule_file.facet, rule_file.description, compiled))
    return RuleBase(family, rulesets, by_code)


@functools.lru_cache(maxsize=None)
def _cached(family: RuleFamily, folder: str) -> RuleBase:
    return compile_rulebase(family, Path(folder))


def load_rulebase(family: RuleFamily, folder: Optional[Path] = None) -> RuleBase:
    """The family's compiled rules, loaded once per process."""
    return _cached(family, str(folder or rules_root() / family.name))


def check_finding_examples(rulebase: RuleBase, *, engine: Optional[Any] = None) -> list[str]:
    """Run every fire / no_fire example of a family that reports findings (audit, diagnose)
    through the engine, with the family's own example facts; the failures as messages."""
    from .engine import get_engine
    from .facts import sanitize

    engine = engine or get_engine()
    failures = []
    for compiled in rulebase.rules:
        where = f"{compiled.path.name}: {compiled.code}"
        for kind in ("fire", "no_fire"):
            for example in getattr(compiled.rule.examples, kind):
                facts = sanitize(rulebase.family.example_facts(example, where))
                fired = engine.fire(rulebase, facts)
                if (compiled.code in fired) != (kind == "fire"):
                    verb = "did not match" if kind == "fire" else "matched"
                    failures.append(f"{where} {verb} a {kind} example {dict(example)}")
    return failures


def check_finding_rule(rule: Rule, family: str, facts: Mapping[str, Fact], where: str) -> None:
    """What every rule that reports findings (audit, diagnose) needs: a severity, a message
    and a fix, no recommend value, and a message that names only known facts."""
    import string

    missing = [name for name in ("severity", "message", "fix") if not getattr(rule, name)]
    if missing:
        raise RuleError(f"{family} rules need {', '.join(missing)}", where=where)
    if rule.sets is not None or rule.value is not None:
        raise RuleError(f"{family} rules report findings; 'sets'/'value' are for recommend "
                        "rules", where=where)
    for _, name, _, _ in string.Formatter().parse(rule.message or ""):
        if name and name not in facts:
            raise RuleError(f"message names unknown fact {{{name}}}", where=where)
