"""The durable-rules adapter against the pure-Python reference evaluator, and the engine traps
listed in research/durable-rules.md."""

from __future__ import annotations

import os
import random
import subprocess
import sys
import textwrap
import threading
from pathlib import Path

import pytest

from advisor._random_profiles import random_profile
from advisor.engine import DurableEngine, ReferenceEngine, get_engine
from advisor.errors import EngineError, RuleError
from advisor.facts import sanitize
from advisor.recommend import RECOMMEND, fire_rules, recommend, recommend_rules
from advisor.rules.compile import compile_rulebase


def test_engine_is_durable_rules_and_built_once():
    engine = get_engine()
    assert isinstance(engine, DurableEngine)
    assert get_engine() is engine


def test_durable_and_reference_fire_the_same_rules(scale):
    """Differential test: >= 3,000 random profiles, the same rule set from both evaluators."""
    rng = random.Random(20261128)
    durable, reference = get_engine(), ReferenceEngine()
    count = 3000 if scale == "small" else 10000
    mismatches = []
    for _ in range(count):
        profile = random_profile(rng)
        facts_d, fired_d = fire_rules(profile, engine=durable)
        facts_r, fired_r = fire_rules(profile, engine=reference)
        if fired_d != fired_r:
            mismatches.append((profile, fired_d ^ fired_r))
    assert mismatches == []


def test_facts_never_carry_exponent_floats_or_nan():
    facts = sanitize({"a": 0.00005, "b": 1234.5678912, "c": 3, "d": "x", "e": None})
    assert facts == {"a": 0.0, "b": 1234.567891, "c": 3, "d": "x"}
    from advisor.errors import FactRangeError

    with pytest.raises(FactRangeError, match="a = nan is outside what the rules can compare"):
        sanitize({"a": float("nan")})
    with pytest.raises(FactRangeError, match="a = 10000000000000000 is outside"):
        sanitize({"a": 10**16})


def test_engine_survives_a_failed_assert(recommend_rulebase):
    """A fact the engine cannot parse (an exponent-form float) makes assert_fact fail; the adapter
    runs the reset rule before delete_state (which would otherwise crash the process) and the
    engine keeps working."""
    engine = get_engine()
    facts, _ = fire_rules(random_profile(random.Random(1)))
    with pytest.raises(EngineError):
        engine.fire(recommend_rulebase, {**facts, "minority_class_ratio": 1e-05})
    before = recommend({"problem_type": "binary", "data_structure": "tabular",
                        "n_samples": 5000, "input_shape": [20], "n_classes": 2})
    assert before.loss.name == "binary_crossentropy"


def test_or_branches_fire_once(recommend_rulebase):
    """`any` compiles to $or, which durable-rules fires once per true branch; codes are a set."""
    rule = recommend_rulebase.by_code["MOD005"]
    assert rule.any_of
    profile = {"problem_type": "multiclass", "data_structure": "image", "n_samples": 1000,
               "input_shape": [16, 16, 1], "n_classes": 3, "pretrained": True}
    _, fired = fire_rules(__import__("advisor").load_profile(profile))
    assert "MOD005" in fired  # both branches (grey and small) hold


def test_recommend_is_thread_safe():
    """durable-rules keeps global state: 8 threads at once get exactly the sequential answers."""
    rng = random.Random(99)
    profiles = [random_profile(rng) for _ in range(200)]
    expected = [recommend(p).model_dump_json() for p in profiles]
    results: dict[int, list[str]] = {}
    errors: list[BaseException] = []

    def work(worker: int) -> None:
        try:
            order = list(range(len(profiles)))
            random.Random(worker).shuffle(order)
            out = [""] * len(profiles)
            for index in order:
                out[index] = recommend(profiles[index]).model_dump_json()
            results[worker] = out
        except BaseException as exc:  # noqa: BLE001 - reported below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert all(results[i] == expected for i in range(8))


# -- the rule language rejects what the engine would get wrong --------------------------------

def _compile(tmp_path: Path, body: str):
    folder = tmp_path / "recommend"
    folder.mkdir()
    (folder / "loss.yaml").write_text(textwrap.dedent(body))
    return compile_rulebase(RECOMMEND, folder)


RULE = """
facet: loss
rules:
  - code: LOSS090
    name: test-rule
    sets: loss
    when: {WHEN}
    value: {name: mean_squared_error}
    because: A test rule that exists to check the loader rejects a bad condition.
    source: https://example.org/test
    examples:
      fire: [{problem_type: regression, data_structure: tabular, n_samples: 10, input_shape: [2]}]
      no_fire: [{problem_type: binary, data_structure: tabular, n_samples: 10, input_shape: [2], n_classes: 2}]
"""


@pytest.mark.parametrize("when,message", [
    ("{problem_type: regresion}", "'problem_type' is one of"),          # enum typo
    ("{n_samples: '100'}", "'n_samples' is a number"),                  # string vs number
    ("{n_samples: 1e-3}", "'n_samples' is a number"),                   # YAML reads 1e-3 as text
    ("{missing_ratio: {gt: 0.00001}}", "outside what the engine can read"),  # exponent float
    ("{colour: red}", "unknown fact 'colour'"),                          # unknown fact
    ("{n_samples: {between: [1, 2]}}", "unknown operator 'between'"),    # unknown operator
    ("{data_structure: {gt: 3}}", "gt needs a numeric fact"),
    ("{pretrained: {in: [true]}}", "is boolean"),
])
def test_bad_conditions_are_rejected_at_load(tmp_path, when, message):
    with pytest.raises(RuleError, match=message):
        _compile(tmp_path, RULE.replace("{WHEN}", when))


def test_a_ruleset_over_40_rules_is_rejected(tmp_path):
    rules = "".join(RULE.split("rules:\n")[1].replace("LOSS090", f"LOSS0{i:02d}")
                    .replace("test-rule", f"test-rule-{i}").replace("{WHEN}", "{task: regression}")
                    for i in range(41))
    with pytest.raises(RuleError, match="at most 40"):
        _compile(tmp_path, "facet: loss\nrules:\n" + rules)


def test_duplicate_codes_are_rejected(tmp_path):
    one = RULE.split("rules:\n")[1].replace("{WHEN}", "{task: regression}")
    with pytest.raises(RuleError, match="duplicate rule code"):
        _compile(tmp_path, "facet: loss\nrules:\n" + one + one.replace("test-rule", "other-rule"))


def test_recommend_rules_fit_one_engine_registration(recommend_rulebase):
    assert recommend_rules() is recommend_rulebase
    assert len(recommend_rulebase.rules) >= 60


# -- how the engine is provided (Python 3.13: advisor.engine_install) ----------------------------

_WITHOUT_DURABLE = ("import sys; sys.modules['durable_rules_engine'] = None; "
                    "from advisor.cli import main; sys.argv = ['advisor', *sys.argv[1:]]; main()")


def _advisor_without_durable(*args: str, env: dict | None = None):
    """The real CLI in a fresh process where durable-rules cannot be imported."""
    return subprocess.run([sys.executable, "-c", _WITHOUT_DURABLE, *args], capture_output=True,
                          text=True, env={**os.environ, "ADVISOR_ENGINE": "", **(env or {})},
                          timeout=120)


def test_without_durable_rules_the_reference_evaluator_runs_and_says_so():
    version = _advisor_without_durable("--version")
    assert version.returncode == 0, version.stderr
    assert "rule engine: reference evaluator, the same rules in plain Python (durable-rules " \
           "cannot be imported" in version.stdout
    assert "python -m advisor.engine_install" in version.stdout
    flags = ["recommend", "--problem-type", "binary", "--data-structure", "tabular",
             "--n-samples", "5000", "--input-shape", "20", "--n-classes", "2", "--format", "json"]
    quiet = _advisor_without_durable(*flags)
    assert quiet.returncode == 0 and quiet.stderr == ""   # said once, in --version / -v
    verbose = _advisor_without_durable("-v", *flags)
    assert verbose.stderr.startswith("advisor: rule engine: reference evaluator")
    normal = subprocess.run([sys.executable, "-m", "advisor.cli", *flags], capture_output=True,
                            text=True, timeout=120)
    assert quiet.stdout == normal.stdout      # the same rules fire: the same answer


def test_advisor_engine_durable_requires_durable_rules():
    result = _advisor_without_durable("--version", env={"ADVISOR_ENGINE": "durable"})
    assert result.returncode == 2
    assert result.stderr.startswith("error: ADVISOR_ENGINE=durable, but durable-rules cannot be "
                                    "imported")
    bogus = _advisor_without_durable("--version", env={"ADVISOR_ENGINE": "drools"})
    assert bogus.returncode == 2 and "expected auto (the default), durable or reference" \
        in bogus.stderr


def _source_tree(folder: Path, calls: int) -> Path:
    (folder / "src" / "rulespy").mkdir(parents=True)
    body = "".join(f"    result = PyEval_CallObject(callback, arglist{i});\n" for i in range(calls))
    (folder / "src" / "rulespy" / "rules.c").write_text(f"static void f(void) {{\n{body}}}\n")
    (folder / "setup.py").write_text("setup(\n    version = '2.0.28',\n)\n")
    return folder


def test_engine_install_applies_the_upstream_fix_and_labels_the_version(tmp_path):
    from advisor.engine_install import patch_source

    tree = _source_tree(tmp_path, calls=5)
    patch_source(tree)
    source = (tree / "src" / "rulespy" / "rules.c").read_text()
    assert "PyEval_CallObject" not in source and source.count("PyObject_CallObject(") == 5
    assert "version = '2.0.28+pr403'" in (tree / "setup.py").read_text()


def test_engine_install_refuses_a_source_it_was_not_written_for(tmp_path):
    from advisor.engine_install import InstallError, patch_source

    with pytest.raises(InstallError, match="has 4 calls of PyEval_CallObject, expected 5"):
        patch_source(_source_tree(tmp_path, calls=4))


def test_engine_install_does_nothing_where_durable_rules_imports(capsys):
    from advisor.engine_install import importable, main

    assert importable() == (True, "")
    assert main([]) == 0
    assert capsys.readouterr().out == "durable-rules: already importable, nothing to do\n"
