"""Model-file audits say what they could not check, survive odd profiles and check every head
(issue 13): real Keras files saved here, the real rules and engine, the CLI."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

keras = pytest.importorskip("keras")

from advisor import recommend  # noqa: E402
from advisor.audit import audit_paths  # noqa: E402
from advisor.audit.core import audit_file_result, audit_rules, profile_rules  # noqa: E402
from advisor.cli import cli  # noqa: E402
from advisor.profile import DatasetProfile, load_profile  # noqa: E402

pytestmark = pytest.mark.keras

L = keras.layers
BINARY_30 = {"problem_type": "binary", "data_structure": "tabular", "n_samples": 5000,
             "input_shape": [30], "n_classes": 2}
MNIST = {"problem_type": "multiclass", "data_structure": "image", "n_samples": 60000,
         "n_classes": 10}


@keras.saving.register_keras_serializable(package="coverage_tests")
class FancyCustomLayer(L.Layer):
    def call(self, inputs):
        return inputs * 2.0


def _mlp(inputs: int, *middle, out_units: int = 1, out_activation: str = "sigmoid"):
    return keras.Sequential([keras.Input((inputs,)), L.Dense(16, activation="relu"), *middle,
                             L.Dense(out_units, activation=out_activation, name="output")])


def _two_heads(loss):
    inputs = keras.Input((20,), name="x")
    trunk = L.Dense(8, activation="relu", name="trunk")(inputs)
    label = L.Dense(3, activation="softmax", name="label")(trunk)
    flag = L.Dense(1, activation="softmax", name="flag")(trunk)  # softmax on one unit
    model = keras.Model(inputs, [label, flag])
    model.compile(optimizer="adam", loss=loss)
    return model


@pytest.fixture(scope="module")
def models(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("coverage")
    keras.Sequential([keras.Input((4,)), FancyCustomLayer(name="fancy")]).save(
        folder / "custom_only.keras")
    uncompiled = _mlp(30)
    uncompiled.save(folder / "uncompiled.keras")
    (folder / "uncompiled.json").write_text(uncompiled.to_json(), encoding="utf-8")
    compiled = _mlp(20)
    compiled.compile(optimizer="adam", loss="binary_crossentropy")
    compiled.save(folder / "input20.keras")
    _two_heads(["sparse_categorical_crossentropy", "binary_crossentropy"]).save(
        folder / "heads_list.keras")
    _two_heads({"label": "sparse_categorical_crossentropy", "flag": "binary_crossentropy"}).save(
        folder / "heads_dict.keras")
    dropouts = _mlp(30, L.Dropout(0.8, name="drop_a"), L.Dense(16, activation="relu"),
                    L.Dropout(0.8, name="drop_b"))
    dropouts.compile(optimizer="adam", loss="binary_crossentropy")
    dropouts.save(folder / "dropouts.keras")
    flat = _mlp(784, out_units=10, out_activation="softmax")
    flat.compile(optimizer="adam", loss="sparse_categorical_crossentropy")
    flat.save(folder / "mnist_flat.keras")
    return folder


def _one(path: Path, profile=None):
    report = audit_paths([path], profile=profile, jobs=1)
    assert report.errors == []
    return report


def test_a_model_of_one_unknown_custom_layer_says_what_was_not_checked(models):
    report = _one(models / "custom_only.keras")
    reasons = [f"{u.what}: {u.reason}" for u in report.unchecked]
    assert any("layer class FancyCustomLayer is not a Keras layer" in r for r in reasons)
    assert any(r.startswith("output checks of fancy") for r in reasons)
    assert any("saved without compile()" in r for r in reasons)
    result = CliRunner().invoke(cli, ["audit", str(models / "custom_only.keras")])
    assert result.exit_code == 0  # exit codes do not change
    assert "All checks passed" not in result.stdout
    assert f"No findings (1 file); some checks could not run ({len(reasons)} reasons, see above)." in \
        result.stdout
    assert "not checked: " in result.stdout


def test_an_uncompiled_model_and_its_to_json_report_loss_and_optimizer_unchecked(models):
    keras_file = _one(models / "uncompiled.keras", BINARY_30).unchecked
    assert [(u.what, u.reason) for u in keras_file] == [
        ("loss, optimizer, learning-rate and metrics checks",
         "the model was saved without compile()")]
    json_file = _one(models / "uncompiled.json", BINARY_30).unchecked
    assert len(json_file) == 1 and "model.to_json()" in json_file[0].reason
    assert json_file[0].what.startswith("loss, optimizer")


def test_no_profile_counts_the_rules_that_need_one(models):
    report = _one(models / "input20.keras")
    needing = profile_rules()
    assert 0 < len(needing) < len(audit_rules().rules)  # computed from the rules
    [item] = report.unchecked
    assert item.what.startswith(f"{len(needing)} data checks (")
    assert item.reason == "no profile: add input20.profile.yaml beside it or pass --profile"
    only_loss = audit_file_result(models / "input20.keras", select=["LOSS"])
    assert only_loss.unchecked[0].what.startswith(f"{len(profile_rules(select=['LOSS']))} data")
    assert not _one(models / "input20.keras", {**BINARY_30, "input_shape": [20]}).unchecked


def test_json_report_lists_the_unchecked_entries(models):
    result = CliRunner().invoke(cli, ["audit", str(models / "uncompiled.keras"), "--format",
                                      "json"])
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data["findings"] == []
    assert {u["what"] for u in data["unchecked"]} >= {
        "loss, optimizer, learning-rate and metrics checks"}
    assert data["summary"]["unchecked"] == len(data["unchecked"]) == 2


def test_a_bad_sidecar_is_one_error_and_its_data_checks_are_unchecked(models, tmp_path):
    model = tmp_path / "m.keras"
    model.write_bytes((models / "input20.keras").read_bytes())
    (tmp_path / "m.profile.yaml").write_text("problem_type: binary\ndata_structure: tabular\n")
    report = audit_paths([tmp_path], jobs=1)
    assert [e.file for e in report.errors] == [str(tmp_path / "m.profile.yaml")]
    [item] = report.unchecked
    assert item.reason == "its profile m.profile.yaml could not be read (see the error)"


@pytest.mark.parametrize("shape, read_as", [([28, 28], [28, 28, 1]), ([784], [28, 28, 1])])
def test_image_profiles_as_users_write_them_are_accepted(shape, read_as, models, tmp_path):
    profile = load_profile({**MNIST, "input_shape": shape})
    assert profile.input_shape == read_as and len(profile.notes) == 1
    assert DatasetProfile.model_validate(profile.model_dump()) == profile
    model = tmp_path / "mnist.keras"
    model.write_bytes((models / "mnist_flat.keras").read_bytes())
    (tmp_path / "mnist.profile.yaml").write_text(yaml.safe_dump({**MNIST, "input_shape": shape}))
    report = audit_paths([tmp_path], jobs=1)
    assert report.errors == [] and report.unchecked == []
    assert "ARCH108" not in {f.code for f in report.findings}  # 784 values either way
    path = tmp_path / "p.yaml"
    path.write_text(yaml.safe_dump({**MNIST, "input_shape": shape}))
    result = CliRunner().invoke(cli, ["recommend", "--profile", str(path), "--format", "json"])
    assert result.exit_code == 0, result.output
    assert f"note: {path}: input_shape {shape} read as {read_as}" in result.stderr
    assert json.loads(result.stdout)


def test_an_image_profile_that_is_no_image_is_still_refused():
    with pytest.raises(Exception, match="input_shape \\[785\\] has 1 dimension"):
        load_profile({**MNIST, "input_shape": [785]})


@pytest.mark.parametrize("name", ["heads_list", "heads_dict"])
def test_every_output_head_is_checked_against_its_own_loss(name, models):
    report = _one(models / f"{name}.keras")
    out101 = [f for f in report.findings if f.code == "OUT101"]
    assert [f.layer for f in out101] == ["flag"]
    assert all(f.because and f.source for f in report.findings)
    with_profile = _one(models / f"{name}.keras", {**BINARY_30, "problem_type": "multiclass",
                                                   "n_classes": 3, "input_shape": [20]})
    assert [f.layer for f in with_profile.findings if f.code == "OUT101"] == ["flag"]
    assert any("outputs after the first (flag)" in u.what for u in with_profile.unchecked)


def test_the_model_input_is_checked_against_the_profile(models):
    findings = _one(models / "input20.keras", BINARY_30).findings
    [arch108] = [f for f in findings if f.code == "ARCH108"]
    assert "takes 20 values per example" in arch108.message and "have 30" in arch108.message
    assert "ARCH108" not in {f.code for f in _one(models / "input20.keras", {
        **BINARY_30, "input_shape": [20]}).findings}


def _config(tmp_path: Path, lr: float, batch: int) -> Path:
    data = yaml.safe_load(recommend(BINARY_30).to_config().to_yaml())
    data["optimizer"] = {"name": "adam", "learning_rate": lr}
    data["training"]["batch_size"] = batch
    path = tmp_path / f"adam_{lr}_{batch}.yaml"
    path.write_text(yaml.safe_dump(data))
    return path


def test_learning_rate_rules_take_a_known_batch_size_into_account(tmp_path):
    # keras-io imbalanced_classification: Adam 1e-2 at batch 2048, a correct setup
    large = audit_paths([_config(tmp_path, 0.01, 2048)], profile=BINARY_30, jobs=1)
    assert "LR101" not in {f.code for f in large.findings}
    small = audit_paths([_config(tmp_path, 0.1, 32)], profile=BINARY_30, jobs=1)
    assert "LR101" in {f.code for f in small.findings}


def test_each_offending_layer_gets_its_own_finding(models):
    findings = _one(models / "dropouts.keras", BINARY_30).findings
    reg101 = [f for f in findings if f.code == "REG101"]
    assert [f.layer for f in reg101] == ["drop_a", "drop_b"]
    assert all("0.8" in f.message and f.because and f.source for f in reg101)
