"""What an audit could not check is reported, never hidden (issue 13): the report's
``unchecked`` entries, the footer, SARIF notifications; a bad sidecar profile is one error and
the model's other checks still run; findings point at lines; ``# advisor: ignore[CODE]``."""

from __future__ import annotations

import json

import pytest
import yaml

from advisor import recommend
from advisor.audit import audit_paths, audit_setup
from advisor.audit.core import example_setup
from advisor.audit.formats import render_footer, render_github, render_text, to_sarif
from advisor.audit.report import AuditReport, Unchecked

SOFTMAX_ONE_UNIT = {
    "source": "train.py", "format": "script",
    "layers": [{"class_name": "InputLayer", "name": "in"},
               {"class_name": "Dense", "name": "out", "units": 1, "activation": "softmax",
                "line": 7, "column": 5}],
    "output": {"layer": "out", "units": 1, "activation": "softmax"},
    "loss": {"name": "binary_crossentropy"},
    "locations": {"model": {"line": 3}, "loss": {"line": 9, "column": 1}},
}


BINARY = {"problem_type": "binary", "data_structure": "tabular", "n_samples": 5000,
          "input_shape": [20], "n_classes": 2}


@pytest.fixture
def config_data() -> dict:
    return yaml.safe_load(recommend(BINARY).to_config().to_yaml())


def test_findings_point_at_their_layer_or_facet_line():
    findings = audit_setup(example_setup(SOFTMAX_ONE_UNIT))
    by_code = {f.code: f for f in findings}
    assert by_code["OUT101"].line == 7 and by_code["OUT101"].column == 5
    assert all(f.line is not None for f in findings)
    report = AuditReport(findings=findings).tally(1)
    assert "train.py:7:5: OUT101 [error]" in render_text(report)
    sarif = to_sarif(report)
    region = [r for r in sarif["runs"][0]["results"] if r["ruleId"] == "OUT101"][0][
        "locations"][0]["physicalLocation"]["region"]
    assert region == {"startLine": 7, "startColumn": 5}
    assert "file=train.py,line=7,col=5," in render_github(report)


def test_an_ignore_comment_silences_one_code_on_its_line():
    setup = example_setup({**SOFTMAX_ONE_UNIT, "suppressions": {7: ["OUT101"]}})
    codes = {f.code for f in audit_setup(setup)}
    assert "OUT101" not in codes
    everything = example_setup({**SOFTMAX_ONE_UNIT, "suppressions": {7: []}})
    assert not any(f.line == 7 for f in audit_setup(everything))


def test_unchecked_changes_the_footer_and_becomes_sarif_notes():
    report = AuditReport(unchecked=[Unchecked(file="m.keras", what="loss and optimizer checks",
                                              reason="the model was saved without compile()")])
    report.tally(1)
    assert render_footer(report) == "No findings (1 file); some checks could not run (1 reason, see above)."
    assert "m.keras: not checked: loss and optimizer checks: the model was saved without " \
           "compile()" in render_text(report)
    notes = to_sarif(report)["runs"][0]["invocations"][0]["toolExecutionNotifications"]
    assert notes[0]["level"] == "note" and "without compile()" in notes[0]["message"]["text"]
    assert render_footer(AuditReport().tally(1)) == "All checks passed (1 file)."
    assert report.exit_code() == 0  # exit codes do not change


def test_a_bad_sidecar_profile_is_one_error_and_the_model_is_still_audited(tmp_path,
                                                                           config_data):
    data = json.loads(json.dumps(config_data))
    data["profile"] = None
    data["optimizer"]["learning_rate"] = 3.0
    path = tmp_path / "model.yaml"
    path.write_text(yaml.safe_dump(data))
    alone = {f.code for f in audit_paths([path]).findings}
    assert alone, "the config should have profile-free findings"
    (tmp_path / "model.profile.yaml").write_text("problem_type: [not, a, type]\n")
    report = audit_paths([tmp_path])
    assert [e.file for e in report.errors] == [str(tmp_path / "model.profile.yaml")]
    assert "audited without it" in report.errors[0].reason
    assert {f.code for f in report.findings} == alone
    assert report.exit_code() == 2


def test_the_found_footer_also_says_what_could_not_run():
    findings = audit_setup(example_setup(SOFTMAX_ONE_UNIT))
    report = AuditReport(findings=findings, unchecked=[
        Unchecked(file="train.py", what="epoch checks", reason="computed at run time", line=17)])
    report.tally(1)
    assert render_footer(report).endswith("in 1 of 1 file; some checks could not run (1 reason, see above).")
    assert "train.py:17: not checked: epoch checks: computed at run time" in render_text(report)
