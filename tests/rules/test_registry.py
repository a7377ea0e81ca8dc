"""The rule-family registry, lint through it, and the house's import rules."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from advisor.errors import AdvisorError, RuleError
from advisor.rules.compile import rules_root
from advisor.rules.lint import lint
from advisor.rules.registry import FAMILIES, all_rules, family_of_codes, find_rule, get_family

PACKAGE = Path(__file__).resolve().parents[2] / "advisor"


def test_every_family_is_registered_once_with_its_own_codes():
    assert FAMILIES == ("recommend", "audit", "diagnose")
    codes = [rule.code for rule in all_rules()]
    assert len(codes) == len(set(codes))
    for rule in all_rules():
        family = get_family(rule.family)
        assert family.code_pattern.match(rule.code), rule.code
        assert family_of_codes([rule.code]) is family, rule.code   # patterns never overlap


@pytest.mark.parametrize("code,family", [("LOSS001", "recommend"), ("out101", "audit"),
                                         (" DIAG001 ", "diagnose"), ("MOD011", "recommend")])
def test_find_rule_looks_in_every_family(code, family):
    assert find_rule(code).family == family


def test_an_unknown_code_offers_the_closest():
    with pytest.raises(AdvisorError, match=r"unknown rule code 'LOSS01'.*did you mean .*LOSS001"):
        find_rule("LOSS01")


def test_a_code_outside_its_family_pattern_is_rejected_when_compiling(tmp_path):
    source = (rules_root() / "audit" / "loss.yaml").read_text(encoding="utf-8")
    first = find_rule("LOSS101").code if "LOSS101" in source else None
    assert first
    folder = tmp_path / "audit"
    folder.mkdir()
    (folder / "loss.yaml").write_text(source.replace("code: LOSS101", "code: LOSS001", 1))
    with pytest.raises(RuleError, match=r"loss rules of the audit family are LOSS followed by "
                                        r"digits matching 1\\d\\d"):
        lint("audit", folder)


def test_lint_tells_a_folder_s_family_from_its_codes(tmp_path):
    folder = tmp_path / "my-rules"                # not named after its family
    folder.mkdir()
    for path in (rules_root() / "audit").glob("*.yaml"):
        (folder / path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    result = lint(folder=folder)
    assert result.family == "audit" and result.rules == len(get_family("audit").rulebase().rules)


def test_lint_builds_every_example_s_recommendation(tmp_path):
    """A value function that raises on an example fails lint, not a user's run."""
    folder = tmp_path / "recommend"
    folder.mkdir()
    for path in (rules_root() / "recommend").glob("*.yaml"):
        folder.joinpath(path.name).write_text(path.read_text(encoding="utf-8"), encoding="utf-8")
    training = folder / "training.yaml"
    text = training.read_text(encoding="utf-8")
    # a value function given an argument it cannot compute with: it raises only when evaluated
    old = "{fn: epochs_for_steps, args: {target_steps: 3000, minimum: 10, maximum: 100}}"
    assert old in text
    training.write_text(text.replace(old, old.replace("3000", "many")), encoding="utf-8")
    with pytest.raises(RuleError, match="the recommendation cannot be built"):
        lint("recommend", folder)


def test_rules_list_and_show_never_import_the_executor_or_keras():
    code = ("import sys; from advisor.cli import main; sys.argv = ['advisor', 'rules', 'show', "
            "'DIAG001']\ntry: main()\nexcept SystemExit: pass\n"
            "bad = [m for m in sys.modules if m.startswith(('advisor.executor', 'tensorflow', "
            "'keras'))]; print('IMPORTED', bad)")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          timeout=120)
    assert "IMPORTED []" in done.stdout, done.stdout + done.stderr


def _imports(path: Path) -> set[str]:
    """The advisor modules one file imports (top level or inside functions)."""
    module = ".".join(path.relative_to(PACKAGE.parent).with_suffix("").parts)
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.rsplit(".", node.level - 1)[0] if node.level > 1 else package
                target = f"{base}.{node.module}" if node.module else base
            else:
                target = node.module or ""
            found.add(target)
            found.update(f"{target}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
    return {name for name in found if name == "advisor" or name.startswith("advisor.")}


def _graph() -> dict[str, set[str]]:
    modules = {".".join(p.relative_to(PACKAGE.parent).with_suffix("").parts).removesuffix(
        ".__init__"): p for p in PACKAGE.rglob("*.py")}
    return {name: {t for t in _imports(path) if t in modules and t != name}
            for name, path in modules.items()}


def test_the_library_never_imports_the_cli():
    importers = sorted(name for name, targets in _graph().items()
                       if "advisor.cli" in targets and not name.startswith("advisor.cli"))
    assert importers == []


def test_no_import_circles_among_the_library_modules():
    graph = _graph()
    graph.pop("advisor", None)                    # the package's lazy public names
    circles, state = [], {}

    def visit(node: str, trail: list[str]) -> None:
        state[node] = "open"
        for target in sorted(graph.get(node, ())):
            if target == "advisor" or target not in graph:
                continue
            if state.get(target) == "open":
                circles.append(trail[trail.index(target):] + [target])
            elif target not in state:
                visit(target, trail + [target])
        state[node] = "done"

    for name in sorted(graph):
        if name not in state:
            visit(name, [name])
    assert circles == []


def test_every_facet_offered_has_rules():
    """``rules list --facet data`` listed nothing: a facet without rules is not offered."""
    from advisor.vocab import FACETS

    used = {rule.facet for rule in all_rules()}
    assert set(FACETS) == used
