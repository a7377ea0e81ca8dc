"""``advisor audit`` and the audit side of ``advisor rules``, through click's CliRunner.

Inputs are advisor configs made by ``recommend(...).to_config()`` and then broken on purpose,
plus a hand-written Keras JSON (``model.to_json()`` shape). Expected codes come from the library
(``advisor.audit.audit``) where the rule set may still grow, so the tests hold the CLI's
behaviour, not today's rule list.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from advisor import TrainingConfig, recommend
from advisor.audit import audit
from advisor.cli import cli

ENV = {"COLUMNS": "100", "ADVISOR_DEBUG": ""}
BINARY = {"problem_type": "binary", "data_structure": "tabular", "n_samples": 5000,
          "input_shape": [20], "n_classes": 2}
KERAS_JSON = {
    "class_name": "Sequential",
    "config": {"name": "seq", "layers": [
        {"class_name": "InputLayer", "config": {"batch_shape": [None, 4], "name": "in"}},
        {"class_name": "Dense", "config": {"name": "hidden", "units": 16, "activation": "relu"}},
        {"class_name": "Dense", "config": {"name": "out", "units": 1, "activation": "linear"}},
    ]},
    "compile_config": {"loss": "binary_crossentropy", "metrics": ["accuracy"],
                       "optimizer": {"class_name": "Adam", "config": {"learning_rate": 0.001}}},
}
LINE = re.compile(r"^(?P<file>\S+): (?P<code>[A-Z]+\d{3}) \[(?P<severity>error|warning|info)\] "
                  r"(?P<message>.+)$")


def run(*args: str):
    return CliRunner().invoke(cli, ["audit", *args], env=ENV, prog_name="advisor")


def run_cli(*args: str):
    return CliRunner().invoke(cli, list(args), env=ENV, prog_name="advisor")


@pytest.fixture(scope="module")
def config_data() -> dict:
    return yaml.safe_load(recommend(BINARY).to_config().to_yaml())


def _write(path: Path, data: dict) -> Path:
    if path.suffix == ".json":
        path.write_text(json.dumps(data, indent=2))
    else:
        path.write_text(yaml.safe_dump(data, sort_keys=False))
    return path


def _softmax_one_unit(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    data["model"]["output"]["activation"] = "softmax"
    data["model"]["layers"][-1]["activation"] = "softmax"
    data["optimizer"]["learning_rate"] = 5.0
    return data


def _logits(data: dict) -> dict:
    data = json.loads(json.dumps(data))
    data["model"]["output"]["activation"] = "linear"
    data["model"]["layers"][-1]["activation"] = "linear"
    data["loss"]["from_logits"] = False
    return data


def _codes(path: Path, **options) -> list[str]:
    return [f.code for f in audit(str(path), **options)]


@pytest.fixture
def broken(tmp_path, config_data) -> Path:
    return _write(tmp_path / "broken.yaml", _softmax_one_unit(config_data))


# -- text and exit codes --------------------------------------------------------------------------

def test_a_recommended_config_passes(tmp_path, config_data):
    path = _write(tmp_path / "good.yaml", config_data)
    result = run(str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout == "All checks passed (1 file).\n"
    assert result.stderr == ""


def test_a_broken_config_reports_every_finding_with_its_fix(broken):
    expected = audit(str(broken))
    assert expected, "the broken config should have findings"
    result = run(str(broken))
    assert result.exit_code == 1, result.output
    lines = result.stdout.splitlines()
    finding_lines = [line for line in lines if LINE.match(line)]
    assert [LINE.match(line)["code"] for line in finding_lines] == [f.code for f in expected]
    for finding in expected:
        head = f"{broken}: {finding.code} [{finding.severity}] {finding.message}"
        if finding.layer:
            head += f" (layer: {finding.layer})"
        index = lines.index(head)
        assert lines[index + 1] == f"  fix: {finding.fix}"
    errors = sum(f.severity == "error" for f in expected)
    warnings = sum(f.severity == "warning" for f in expected)
    parts = [f"{n} {word}{'s' if n != 1 else ''}" for n, word in
             ((errors, "error"), (warnings, "warning")) if n]
    n = len(expected)
    footer = (f"Found {n} finding{'s' if n != 1 else ''} ({', '.join(parts)}) in 1 of 1 file.")
    assert footer in lines
    # the two deliberate faults are among the findings
    facets = {f.facet for f in expected}
    assert "output" in facets and "learning_rate" in facets


def test_folder_with_broken_yaml_missing_path_and_sidecar_profile(tmp_path, config_data):
    folder = tmp_path / "models"
    (folder / "nested").mkdir(parents=True)
    _write(folder / "good.yaml", config_data)
    _write(folder / "nested" / "bad.yaml", _softmax_one_unit(config_data))
    (folder / "nested" / "bad.profile.yaml").write_text(yaml.safe_dump(BINARY))
    (folder / "broken.yaml").write_text("model: [1, 2\n")
    (folder / "notes.txt").write_text("not an input")
    missing = tmp_path / "nowhere.keras"
    result = run(str(folder), str(missing), "--format", "json")
    assert result.exit_code == 2, result.output
    data = json.loads(result.stdout)
    assert list(data) == ["findings", "errors", "unchecked", "summary"]
    errors = {Path(e["file"]).name: e["reason"] for e in data["errors"]}
    assert set(errors) == {"broken.yaml", "nowhere.keras"}
    assert "not valid YAML" in errors["broken.yaml"]
    assert "no such file" in errors["nowhere.keras"]
    audited = {Path(f["file"]).name for f in data["findings"]}
    assert audited == {"bad.yaml"}  # the profile next to it is not an input
    assert data["summary"]["files"] == 4  # good, bad, broken, nowhere
    assert data["summary"]["errors"] == 2
    assert data["summary"]["files_with_findings"] == 1
    text = run(str(folder), str(missing))
    assert text.exit_code == 2
    assert f"{missing}: error: no such file or folder; check the path" in text.stdout
    assert text.stdout.rstrip().endswith(
        "in 1 of 4 files; 2 files could not be read.")


def test_sidecar_profile_is_used(tmp_path, config_data):
    data = json.loads(json.dumps(config_data))
    data["profile"] = None  # only the sidecar can tell that this is classification
    data["loss"] = {"name": "mean_squared_error", "from_logits": False}
    path = _write(tmp_path / "mse.yaml", data)
    without = _codes(path)
    (tmp_path / "mse.profile.yaml").write_text(yaml.safe_dump(BINARY))
    with_sidecar = _codes(path)
    assert set(with_sidecar) - set(without), "a profile-dependent rule should speak"
    result = run(str(tmp_path), "--format", "json")
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == with_sidecar
    # the profile file named on its own is not an input either
    alone = run(str(tmp_path / "mse.profile.yaml"))
    assert alone.exit_code == 0 and alone.stdout.startswith("No files to audit")


def test_shared_profile_option_and_bad_profile(tmp_path, config_data):
    data = json.loads(json.dumps(config_data))
    data["profile"] = None
    data["loss"] = {"name": "mean_squared_error", "from_logits": False}
    path = _write(tmp_path / "mse.yaml", data)
    profile = tmp_path / "shared.yaml"
    profile.write_text(yaml.safe_dump(BINARY))
    result = run(str(path), "--profile", str(profile), "--format", "json")
    codes = [f["code"] for f in json.loads(result.stdout)["findings"]]
    assert codes == _codes(path, profile=BINARY)
    bad = tmp_path / "bad-profile.yaml"
    bad.write_text("problem_type: ranking\n")
    broken = run(str(path), "--profile", str(bad))
    assert broken.exit_code == 2
    assert broken.stderr.startswith("error: ") and "problem_type" in broken.stderr
    assert broken.stdout == ""
    absent = run(str(path), "--profile", str(tmp_path / "absent.yaml"))
    assert absent.exit_code == 2 and "file not found" in absent.stderr


def test_select_ignore_fail_on_and_exit_zero(broken):
    findings = audit(str(broken))
    codes = [f.code for f in findings]
    first = codes[0]
    family = first.rstrip("0123456789")

    only = run(str(broken), "--select", family, "--format", "json")
    kept = [f["code"] for f in json.loads(only.stdout)["findings"]]
    assert kept == [c for c in codes if c.startswith(family)]

    # comma-separated and repeatable, case-insensitive
    both = run(str(broken), "--select", codes[0], "--select", codes[-1], "--format", "json")
    assert {f["code"] for f in json.loads(both.stdout)["findings"]} == {codes[0], codes[-1]}
    comma = run(str(broken), "--select", f"{codes[0].lower()},{codes[-1]}", "--format", "json")
    assert comma.stdout == both.stdout

    none_left = run(str(broken), "--ignore", ",".join(codes))
    assert none_left.exit_code == 0
    assert none_left.stdout == "All checks passed (1 file).\n"

    severities = {f.severity for f in findings}
    assert run(str(broken)).exit_code == 1
    assert run(str(broken), "--exit-zero").exit_code == 0
    if "error" in severities:
        assert run(str(broken), "--fail-on", "error").exit_code == 1
    warnings_only = [f.code for f in findings if f.severity != "warning"]
    if warnings_only and len(warnings_only) < len(codes):
        ignored = run(str(broken), "--ignore", ",".join(warnings_only), "--fail-on", "error")
        assert ignored.exit_code == 0  # only warnings left, below --fail-on error
        assert run(str(broken), "--ignore", ",".join(warnings_only)).exit_code == 1
    assert run(str(broken), "--fail-on", "info").exit_code == 1


def test_exit_zero_does_not_hide_unreadable_inputs(tmp_path, broken):
    result = run(str(broken), str(tmp_path / "missing.yaml"), "--exit-zero")
    assert result.exit_code == 2


@pytest.mark.parametrize("args, expected", [
    (["--format", "xml"], "'xml' is not one of"),
    (["--select", "XYZ"], "--select 'XYZ' matches no audit rule code"),
    (["--ignore", "LOSS,QQ"], "--ignore 'QQ' matches no audit rule code"),
    (["--fail-on", "fatal"], "'fatal' is not one of"),
    (["--jobs", "0"], "--jobs"),
    ([], "missing argument"),
])
def test_bad_usage_exits_2(broken, args, expected):
    paths = [str(broken)] if args else []
    result = run(*paths, *args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert expected.lower() in result.stderr.lower()
    assert result.stdout == ""


def test_quiet_prints_findings_only_and_no_progress_bar_in_pipes(tmp_path, config_data, broken):
    for index in range(25):  # more files than the progress-bar threshold
        _write(tmp_path / f"good{index:02}.yaml", config_data)
    quiet = run(str(tmp_path), "--quiet")
    assert quiet.exit_code == 1
    assert all(LINE.match(line) or line.startswith("  fix: ")
               for line in quiet.stdout.splitlines())
    loud = run(str(tmp_path))
    assert loud.stderr == ""  # CliRunner's stderr is not a terminal: no progress bar
    assert "in 1 of 26 files." in loud.stdout


def test_machine_formats_keep_stdout_clean(broken):
    sarif = run(str(broken), "--format", "sarif")
    assert sarif.exit_code == 1
    log = json.loads(sarif.stdout)
    assert log["version"] == "2.1.0"
    assert [r["ruleId"] for r in log["runs"][0]["results"]] == _codes(broken)
    uri = log["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert uri["uri"].startswith("file://") or not uri["uri"].startswith("/")
    github = run(str(broken), "--format", "github")
    assert github.exit_code == 1
    assert all(line.startswith(("::error ", "::warning ", "::notice "))
               for line in github.stdout.splitlines())
    assert "Found" not in github.stdout and "Found" not in sarif.stdout


def test_sarif_paths_are_relative_to_the_working_folder(tmp_path, config_data, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "models").mkdir()
    _write(tmp_path / "models" / "bad.yaml", _softmax_one_unit(config_data))
    log = json.loads(run("models", "--format", "sarif").stdout)
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]
            for r in log["runs"][0]["results"]}
    assert uris == {"models/bad.yaml"}


# -- --fix ----------------------------------------------------------------------------------------

@pytest.mark.parametrize("suffix", [".yaml", ".json"])
def test_fix_round_trip(tmp_path, config_data, suffix):
    from advisor.audit.core import audit_rules

    path = _write(tmp_path / f"logits{suffix}", _logits(config_data))
    before = audit(str(path))
    fixable = [f.code for f in before if audit_rules().by_code[f.code].rule.autofix]
    assert fixable, "the logits config should have a finding with an automatic fix"
    hint = run(str(path))
    assert "can be fixed automatically: rerun with --fix." in hint.stdout

    result = run(str(path), "--fix")
    lines = result.stdout.splitlines()
    assert any(line.startswith(f"Fixed {len(fixable)} finding") and str(path) in line
               for line in lines), result.stdout
    after = audit(str(path))
    assert not set(fixable) & {f.code for f in after}
    config = TrainingConfig.from_file(path)  # still a valid config
    assert config.loss.from_logits is True
    text = path.read_text()
    if suffix == ".json":
        assert json.loads(text)["loss"]["from_logits"] is True and text.startswith("{\n  ")
    else:
        assert yaml.safe_load(text)["loss"]["from_logits"] is True
    assert result.exit_code == (1 if after else 0)
    again = run(str(path), "--fix")
    assert "Fixed" not in again.stdout  # nothing left to fix


def test_fix_notes_go_to_stderr_in_machine_formats(tmp_path, config_data):
    path = _write(tmp_path / "logits.yaml", _logits(config_data))
    result = run(str(path), "--fix", "--format", "json")
    data = json.loads(result.stdout)
    assert all(f["file"] != str(path) or f["code"] != "LOSS106" for f in data["findings"])
    assert "Fixed" in result.stderr


def test_fix_never_writes_through_a_symlink_and_replaces_atomically(tmp_path, config_data):
    outside = tmp_path / "outside"
    outside.mkdir()
    target = _write(outside / "real.yaml", _logits(config_data))
    audited = tmp_path / "audited"
    audited.mkdir()
    (audited / "link.yaml").symlink_to(target)
    before = target.read_bytes()
    result = run(str(audited), "--fix")
    assert target.read_bytes() == before
    assert "link.yaml: not fixed: a symbolic link: not rewritten" in result.stdout
    own = _write(audited / "own.yaml", _logits(config_data))
    own.chmod(0o640)
    inode = own.stat().st_ino
    run(str(own), "--fix")
    assert own.stat().st_ino != inode          # a new file renamed over the old one
    assert own.stat().st_mode & 0o777 == 0o640  # with the old file's permissions
    assert not [p.name for p in audited.iterdir() if p.name.endswith(".tmp")]


def test_sample_takes_only_bundled_names(tmp_path):
    (tmp_path / "secret.yaml").write_text("problem_type: binary\n")
    result = CliRunner().invoke(cli, ["recommend", "--sample", str(tmp_path / "secret")],
                                env={"COLUMNS": "100"})
    assert result.exit_code == 2 and "unknown sample" in result.stderr
    assert "binary" not in result.stderr.split("expected one of")[0]


def test_jobs_is_capped_at_the_core_count_with_a_note(tmp_path, config_data):
    from advisor.audit.core import cores

    _write(tmp_path / "a.yaml", _logits(config_data))
    result = run(str(tmp_path), "--jobs", "999")
    assert f"note: --jobs 999 is more than the {cores()} cores; using {cores()}" in result.stderr


def test_fix_never_touches_keras_files(tmp_path):
    path = tmp_path / "model.json"
    path.write_text(json.dumps(KERAS_JSON))
    before = path.read_bytes()
    codes = _codes(path)
    result = run(str(path), "--fix")
    assert path.read_bytes() == before
    if any(code == "LOSS106" for code in codes):
        assert "advisor configs (TrainingConfig YAML/JSON) only" in result.stdout
        assert f"{path}: LOSS106" in result.stdout


def test_apply_autofixes_is_safe(config_data):
    from types import SimpleNamespace

    from advisor.audit.core import audit_rules
    from advisor.audit.fix import apply_autofixes, autofix_path_problem

    rulebase = audit_rules()
    fixable = next(c for c in rulebase.rules if c.rule.autofix)
    data = _logits(config_data)
    fixed, codes = apply_autofixes(data, [SimpleNamespace(code="LOSS106")], rulebase)
    assert codes == ["LOSS106"] and fixed["loss"]["from_logits"] is True
    assert data["loss"]["from_logits"] is False  # the input is not modified
    # a fix whose path is missing from the config is refused
    no_loss = {k: v for k, v in data.items() if k != "loss"}
    fixed, codes = apply_autofixes(no_loss, [SimpleNamespace(code="LOSS106")], rulebase)
    assert codes == [] and "loss" not in fixed
    # two fixes that disagree: only the first is applied
    fixed, codes = apply_autofixes(data, [SimpleNamespace(code="LOSS106"),
                                          SimpleNamespace(code="LOSS107")], rulebase)
    assert codes == ["LOSS106"] and fixed["loss"]["from_logits"] is True
    # findings without an autofix are ignored
    assert apply_autofixes(data, [SimpleNamespace(code="OUT101")], rulebase)[1] == []
    assert fixable.rule.autofix
    # every installed autofix names a TrainingConfig field
    for compiled in rulebase.rules:
        for path in compiled.rule.autofix or {}:
            assert autofix_path_problem(path) is None, (compiled.code, path)
    assert "not a field" in autofix_path_problem("training.batchsize")
    assert autofix_path_problem("optimizer.epsilon") is None  # an open spec's keyword


def test_skip_unknown_passes_over_other_json(tmp_path, broken):
    other = tmp_path / "package.json"
    other.write_text('{"name": "pkg"}')
    plain = run(str(broken), str(other))
    assert plain.exit_code == 2 and f"{other}: error: " in plain.stdout
    skipped = run(str(broken), str(other), "--skip-unknown")
    assert skipped.exit_code == 1
    assert str(other) not in skipped.stdout
    assert "in 1 of 1 file." in skipped.stdout


# -- rules ----------------------------------------------------------------------------------------

def test_rules_show_an_audit_rule():
    from advisor.audit.core import audit_rules

    compiled = audit_rules().by_code.get("OUT101") or audit_rules().rules[0]
    result = run_cli("rules", "show", compiled.code.lower())
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0] == f"# {compiled.rule.name} ({compiled.code})"
    assert lines[2] == (f"Severity: {compiled.rule.severity}. Facet: {compiled.facet}. "
                        f"Rule file: audit/{compiled.path.name}.")
    for section in ["## What it checks", "## When", "## Why", "## Fix", "## Example",
                    "Fires for:", "## Source", compiled.rule.source]:
        assert section in lines
    data = json.loads(run_cli("rules", "show", compiled.code, "--format", "json").stdout)
    assert data["family"] == "audit" and data["severity"] == compiled.rule.severity
    assert data["fix"] and data["message"] and data["examples"]["fire"]


def test_rules_show_audit_autofix_section():
    from advisor.audit.core import audit_rules

    compiled = next(c for c in audit_rules().rules if c.rule.autofix)
    text = run_cli("rules", "show", compiled.code).stdout
    assert "advisor audit --fix" in " ".join(text.split())


def test_rules_list_families():
    from advisor.audit.core import audit_rules
    from advisor.recommend import recommend_rules

    from advisor.diagnose import diagnose_rules

    n_audit, n_recommend = len(audit_rules().rules), len(recommend_rules().rules)
    n_diagnose = len(diagnose_rules().rules)
    everything = run_cli("rules", "list")
    assert everything.exit_code == 0
    lines = everything.stdout.splitlines()
    assert lines[0] == "Recommend rules" and "Audit rules" in lines and "Diagnose rules" in lines
    assert lines[-1] == (f"{n_audit + n_recommend + n_diagnose} rules ({n_recommend} recommend, "
                         f"{n_audit} audit, {n_diagnose} diagnose)")
    diagnose_only = run_cli("rules", "list", "--family", "diagnose").stdout.splitlines()
    assert diagnose_only[0].split() == ["code", "facet", "severity", "name", "conditions"]
    assert diagnose_only[-1] == f"{n_diagnose} rules"
    audit_only = run_cli("rules", "list", "--family", "audit").stdout.splitlines()
    assert audit_only[0].split() == ["code", "facet", "severity", "name", "conditions"]
    assert audit_only[-1] == f"{n_audit} rules"
    data = json.loads(run_cli("rules", "list", "--family", "audit", "--facet", "loss",
                              "--format", "json").stdout)
    assert data and all(r["family"] == "audit" and r["facet"] == "loss" for r in data)
    assert {"severity", "message", "fix", "autofix"} <= set(data[0])
    assert json.loads(run_cli("rules", "list", "--format", "json").stdout).__len__() == \
        n_audit + n_recommend + n_diagnose


def test_rules_lint_covers_every_family(tmp_path):
    from advisor.rules.compile import rules_root

    clean = run_cli("rules", "lint")
    assert clean.exit_code == 0, clean.output
    lines = clean.stdout.splitlines()
    assert lines[0].startswith("ok: ") and " recommend rules " in lines[0]
    assert lines[1].startswith("ok: ") and " audit rules " in lines[1]
    assert lines[2].startswith("ok: ") and " diagnose rules " in lines[2]
    diagnose_dir = tmp_path / "diagnose"  # a folder named after a family is linted as one
    diagnose_dir.mkdir()
    for source in (rules_root() / "diagnose").glob("*.yaml"):
        (diagnose_dir / source.name).write_text(source.read_text())
    diagnosed = run_cli("rules", "lint", str(diagnose_dir))
    assert diagnosed.exit_code == 0 and " diagnose rules " in diagnosed.stdout, diagnosed.output
    audit_dir = tmp_path / "audit"
    audit_dir.mkdir()
    for source in (rules_root() / "audit").glob("*.yaml"):
        (audit_dir / source.name).write_text(source.read_text())
    copied = run_cli("rules", "lint", str(audit_dir))
    assert copied.exit_code == 0 and " audit rules " in copied.stdout
    # a fire example that no longer fires is reported (the reference evaluator runs it)
    target = next(audit_dir.glob("*.yaml"))
    text = target.read_text()
    data = yaml.safe_load(text)
    rule = data["rules"][0]
    rule["examples"]["fire"] = rule["examples"]["no_fire"][:1]
    target.write_text(yaml.safe_dump(data, sort_keys=False))
    broken = run_cli("rules", "lint", str(audit_dir))
    assert broken.exit_code == 2
    assert f"{rule['code']} did not match a fire example" in broken.stderr
    # a bad autofix path is reported too
    target.write_text(text)
    data = yaml.safe_load(text)
    data["rules"][0]["autofix"] = {"training.batchsize": 8}
    other = tmp_path / "other"
    other.mkdir()
    (other / target.name).write_text(yaml.safe_dump(data, sort_keys=False))
    bad_fix = run_cli("rules", "lint", str(other), "--family", "audit")
    assert bad_fix.exit_code == 2 and "'batchsize' is not a field of training" in bad_fix.stderr


def test_pre_commit_hook_definition():
    root = Path(__file__).resolve().parents[2]
    [hook] = yaml.safe_load((root / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "advisor-audit" and hook["language"] == "python"
    assert hook["entry"] == "advisor audit"
    files, exclude = re.compile(hook["files"]), re.compile(hook["exclude"])
    for name in ["m.keras", "m.h5", "m.json", "c.yaml", "c.yml", "train.py"]:
        assert files.search(name) and not exclude.search(name)
    for name in ["m.profile.yaml", "m.profile.yml", "m.profile.json"]:
        assert exclude.search(name)
    assert not files.search("notes.txt")


def test_the_library_checks_selectors_as_the_cli_does(tmp_path):
    """A typo in select/ignore is an error in audit_paths too, never a silent no-op."""
    from advisor.audit.core import audit_paths, parse_selectors
    from advisor.errors import AdvisorError

    assert parse_selectors(["loss,out", " LR1 "]) == ["LOSS", "OUT", "LR1"]
    with pytest.raises(AdvisorError, match="select 'LOSX' matches no audit rule code"):
        audit_paths([str(tmp_path)], select=["LOSX"])
    with pytest.raises(AdvisorError, match="ignore 'ZZZ' matches no audit rule code"):
        audit_paths([str(tmp_path)], ignore=["ZZZ"])


def test_audit_and_audit_paths_word_a_missing_path_the_same(tmp_path):
    from advisor.audit.core import audit_paths

    missing = tmp_path / "nodir"
    report = audit_paths([str(missing)])
    assert [(e.file, e.reason) for e in report.errors] == [
        (str(missing), "no such file or folder; check the path")]
    text = run("audit", str(missing))
    assert f"{missing}: error: no such file or folder; check the path" in text.stdout
