"""Audit output formats on a hand-built report: text, JSON, SARIF 2.1.0 and GitHub annotations.

The SARIF schema in ``data/`` is the official OASIS SARIF 2.1.0 schema (errata 01), see
``data/README.md`` for where it comes from.
"""

from __future__ import annotations

import json
from pathlib import Path
from types import SimpleNamespace

import pytest

from advisor.audit.formats import (artifact_uri, escape_data, escape_property, render,
                                   render_footer, render_github, render_json, render_text,
                                   to_sarif)
from advisor.audit.report import AuditReport, Finding, InputError, Summary

SCHEMA = Path(__file__).parent / "data" / "sarif-schema-2.1.0.json"


def _finding(file: str, code: str, severity: str, message: str, fix: str, *,
             layer: str | None = None, facet: str = "loss", name: str = "some-pattern"):
    return Finding(file=file, code=code, name=name, severity=severity, facet=facet,
                   message=message, fix=fix, layer=layer, because="Because it is so, twice.",
                   source="https://keras.io/api/losses/")


@pytest.fixture
def report() -> AuditReport:
    findings = [
        _finding("models/b.yaml", "OUT101", "error", "Softmax on one unit.", "Use sigmoid.",
                 layer="dense_2", facet="output", name="softmax-on-a-single-unit"),
        _finding("models/a.keras", "LR101", "warning", "Learning rate 5 is high.",
                 "Use 1e-3.", facet="learning_rate", name="adaptive-optimizer-learning-rate-high"),
        _finding("models/b.yaml", "MET101", "warning", "Accuracy for regression.",
                 "Use MAE.", facet="metrics", name="accuracy-for-regression"),
    ]
    return AuditReport(
        findings=findings,
        errors=[InputError(file="models/broken.yaml", reason="not valid YAML: at line 2")],
        summary=Summary(files=5, files_with_findings=2, findings=3, errors=1,
                        by_severity={"error": 1, "warning": 2, "info": 0}))


RULES = [
    SimpleNamespace(code="OUT101", facet="output", rule=SimpleNamespace(
        name="softmax-on-a-single-unit", severity="error",
        message="The output applies softmax to a single unit.", fix="Use sigmoid.",
        because="Softmax over one unit is 1.0.", source="https://keras.io/api/layers/",
        autofix=None)),
    SimpleNamespace(code="LR101", facet="learning_rate", rule=SimpleNamespace(
        name="adaptive-optimizer-learning-rate-high", severity="warning",
        message="{optimizer_name} at learning rate {learning_rate} is high.", fix="Use 1e-3.",
        because="Adaptive optimizers overshoot.", source="https://karpathy.github.io/",
        autofix=None)),
    SimpleNamespace(code="MET101", facet="metrics", rule=SimpleNamespace(
        name="accuracy-for-regression", severity="info", message="Accuracy for regression.",
        fix="Use MAE.", because="Accuracy compares classes.", source="a textbook",
        autofix={"metrics": ["mean_absolute_error"]})),
]


# -- text -----------------------------------------------------------------------------------------

def test_text_lines_are_grouped_by_file_with_fix_and_footer(report):
    assert render_text(report).splitlines() == [
        "models/a.keras: LR101 [warning] Learning rate 5 is high.",
        "  fix: Use 1e-3.",
        "models/b.yaml: OUT101 [error] Softmax on one unit. (layer: dense_2)",
        "  fix: Use sigmoid.",
        "models/b.yaml: MET101 [warning] Accuracy for regression.",
        "  fix: Use MAE.",
        "models/broken.yaml: error: not valid YAML: at line 2",
        "",
        "Found 3 findings (1 error, 2 warnings) in 2 of 5 files; 1 file could not be read.",
    ]


def test_text_quiet_and_notes(report):
    quiet = render_text(report, footer=False)
    assert "Found" not in quiet and not quiet.endswith("\n")
    noted = render_text(report, notes=["Fixed 1 finding in models/b.yaml (MET101)"])
    assert noted.splitlines()[-2:] == ["Fixed 1 finding in models/b.yaml (MET101)",
                                       render_footer(report)]


@pytest.mark.parametrize("findings, errors, files, expected", [
    ([], [], 5, "All checks passed (5 files)."),
    ([], [], 1, "All checks passed (1 file)."),
    ([], [InputError(file="x.h5", reason="truncated")], 3,
     "No findings in 2 readable files; 1 file could not be read."),
    ([_finding("a.yaml", "LOSS105", "info", "m", "f")], [], 1,
     "Found 1 finding (1 info) in 1 of 1 file."),
    ([_finding("a.yaml", "LOSS105", "error", "m", "f"),
      _finding("a.yaml", "LOSS106", "error", "m", "f")],
     [InputError(file="b", reason="r"), InputError(file="c", reason="r")], 4,
     "Found 2 findings (2 errors) in 1 of 4 files; 2 files could not be read."),
    ([], [], 0, None),
])
def test_footer_wording(findings, errors, files, expected):
    report = AuditReport(findings=findings, errors=errors,
                         summary=Summary(files=files, errors=len(errors)))
    footer = render_footer(report)
    if expected is None:
        assert footer.startswith("No files to audit")
    else:
        assert footer == expected
    if not findings and not errors:
        assert render_text(report) == footer  # no blank line before a lone footer


# -- json -----------------------------------------------------------------------------------------

def test_json_is_exactly_the_report(report):
    data = json.loads(render_json(report))
    assert list(data) == ["findings", "errors", "unchecked", "summary"]
    assert data == report.model_dump(mode="json")
    first = data["findings"][0]
    assert {"file", "code", "name", "severity", "facet", "message", "fix", "layer"} <= set(first)
    assert data["errors"] == [{"file": "models/broken.yaml", "reason": "not valid YAML: at line 2"}]
    assert data["summary"]["by_severity"] == {"error": 1, "warning": 2, "info": 0}
    assert render(report, "json") == render_json(report)


# -- sarif ----------------------------------------------------------------------------------------

@pytest.fixture(scope="module")
def validator():
    jsonschema = pytest.importorskip("jsonschema")
    schema = json.loads(SCHEMA.read_text(encoding="utf-8"))
    assert schema["id"].endswith("/sarif-schema-2.1.0.json")
    return jsonschema.Draft4Validator(schema)


def _errors(validator, log) -> list[str]:
    return [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
            for e in validator.iter_errors(log)]


def test_sarif_validates_and_carries_results_and_notifications(report, validator):
    log = to_sarif(report, RULES, version="9.9.9")
    assert _errors(validator, log) == []
    assert log["version"] == "2.1.0"
    run = log["runs"][0]
    driver = run["tool"]["driver"]
    assert driver["name"] == "advisor" and driver["version"] == "9.9.9"
    assert [r["id"] for r in driver["rules"]] == ["OUT101", "LR101", "MET101"]
    by_rule = {result["ruleId"]: result for result in run["results"]}
    out = by_rule["OUT101"]
    assert out["ruleIndex"] == 0 and out["level"] == "error"
    assert out["message"]["text"] == "Softmax on one unit. Fix: Use sigmoid."
    location = out["locations"][0]
    assert location["physicalLocation"] == {"artifactLocation": {"uri": "models/b.yaml"},
                                            "region": {"startLine": 1}}
    assert location["logicalLocations"] == [{"name": "dense_2", "kind": "member"}]
    assert by_rule["LR101"]["ruleIndex"] == 1 and by_rule["LR101"]["level"] == "warning"
    assert by_rule["MET101"]["level"] == "warning"  # the finding's severity, not the default
    invocation = run["invocations"][0]
    assert invocation["executionSuccessful"] is False
    [note] = invocation["toolExecutionNotifications"]
    assert note["level"] == "error"
    assert "models/broken.yaml" in note["message"]["text"]
    assert note["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] == \
        "models/broken.yaml"


def test_sarif_rule_metadata(validator):
    log = to_sarif(AuditReport(), RULES, version="1.0")
    assert _errors(validator, log) == []
    assert log["runs"][0]["invocations"] == [{"executionSuccessful": True}]
    assert log["runs"][0]["results"] == []
    out, lr, met = log["runs"][0]["tool"]["driver"]["rules"]
    assert out["shortDescription"] == {"text": "The output applies softmax to a single unit."}
    # a message with fact placeholders does not read on its own: the name stands in
    assert lr["shortDescription"] == {"text": "Adaptive optimizer learning rate high."}
    assert out["fullDescription"] == {"text": "Softmax over one unit is 1.0."}
    assert out["helpUri"] == "https://keras.io/api/layers/"
    assert "Use sigmoid." in out["help"]["text"] and "**Fix:** Use sigmoid." in \
        out["help"]["markdown"]
    assert out["defaultConfiguration"] == {"level": "error"}
    assert lr["defaultConfiguration"] == {"level": "warning"}
    assert met["defaultConfiguration"] == {"level": "note"}
    assert out["properties"]["tags"] == ["output"]
    assert "helpUri" not in met  # a source that is not a URL
    assert "advisor audit --fix" in met["help"]["markdown"]


def test_sarif_with_every_installed_audit_rule(report, validator):
    from advisor.audit.core import audit_rules

    rules = audit_rules().rules
    log = json.loads(render(report, "sarif"))
    assert _errors(validator, log) == []
    driver = log["runs"][0]["tool"]["driver"]
    assert driver["version"] and len(driver["rules"]) == len(rules)
    for descriptor, compiled in zip(driver["rules"], rules):
        assert descriptor["id"] == compiled.code
        assert descriptor["shortDescription"]["text"]
        assert descriptor["help"]["text"] and descriptor["helpUri"].startswith("http")
        assert compiled.facet in descriptor["properties"]["tags"]
    for result in log["runs"][0]["results"]:
        if "ruleIndex" in result:
            assert driver["rules"][result["ruleIndex"]]["id"] == result["ruleId"]


def test_artifact_uri(tmp_path):
    assert artifact_uri("models/sub dir/a.keras") == "models/sub%20dir/a.keras"
    assert artifact_uri("./models//a.yaml") == "models/a.yaml"
    inside = tmp_path / "m" / "a.h5"
    assert artifact_uri(str(inside), base=tmp_path) == "m/a.h5"
    outside = artifact_uri(str(inside), base=tmp_path / "elsewhere")
    assert outside.startswith("file://") and outside.endswith("/m/a.h5")


# -- github ---------------------------------------------------------------------------------------

def test_github_workflow_commands(report):
    assert render_github(report).splitlines() == [
        "::error file=models/b.yaml,line=1,title=OUT101 softmax-on-a-single-unit::"
        "Softmax on one unit. (layer: dense_2) Fix: Use sigmoid.",
        "::warning file=models/a.keras,line=1,title=LR101 "
        "adaptive-optimizer-learning-rate-high::Learning rate 5 is high. Fix: Use 1e-3.",
        "::warning file=models/b.yaml,line=1,title=MET101 accuracy-for-regression::"
        "Accuracy for regression. Fix: Use MAE.",
        "::error file=models/broken.yaml::could not read the file: not valid YAML: at line 2",
    ]


def test_github_escaping_and_notice():
    finding = _finding("dir,1/x:y.yaml", "LOSS105", "info", "100% wrong,\r\nreally: yes",
                       "fix: it", name="a-b")
    error = InputError(file="a,b.h5", reason="line one\nline two 50%")
    text = render_github(AuditReport(findings=[finding], errors=[error]))
    assert text.splitlines() == [
        "::notice file=dir%2C1/x%3Ay.yaml,line=1,title=LOSS105 a-b::"
        "100%25 wrong,%0D%0Areally: yes Fix: fix: it",
        "::error file=a%2Cb.h5::could not read the file: line one%0Aline two 50%25",
    ]
    assert escape_data("a%\r\n:,") == "a%25%0D%0A:,"
    assert escape_property("a%\r\n:,") == "a%25%0D%0A%3A%2C"


def test_unknown_format_is_an_error(report):
    with pytest.raises(ValueError, match="unknown audit output format 'xml'"):
        render(report, "xml")


def test_sarif_information_uri_comes_from_the_package_metadata(monkeypatch, validator):
    import advisor.audit.formats as formats

    monkeypatch.setattr(formats, "_information_uri", lambda: "https://example.org/advisor")
    log = to_sarif(AuditReport(), RULES, version="1.0")
    assert log["runs"][0]["tool"]["driver"]["informationUri"] == "https://example.org/advisor"
    assert _errors(validator, log) == []
