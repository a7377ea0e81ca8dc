"""Hostile and broken input exits 2 with a message, never 3 (issue 11); what comes from a file
is printed, never obeyed."""

from __future__ import annotations

import json
import os

import pytest
from click.testing import CliRunner

from advisor.cli import cli

ENV = {"COLUMNS": "100", "ADVISOR_DEBUG": ""}
TABLE = ["--data-structure", "tabular", "--n-samples", "100", "--input-shape", "3"]
MODEL = {"class_name": "Sequential", "config": {"name": "m", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
    {"class_name": "Dense", "config": {"units": 4, "activation": "softmax",
                                       "name": "evil\n::error file=x::pwned\x1b]0;title\x07"}},
    {"class_name": "Dense", "config": {"units": 1, "activation": "sigmoid", "name": "out"}}]}}


def run(*args: str, input: str | None = None):
    return CliRunner().invoke(cli, list(args), input=input, env=ENV, prog_name="advisor")


@pytest.mark.parametrize("args,needle", [
    (["--problem-type", "regression", *TABLE[:-2], "--input-shape", "3",
      "--target-range=-1e20,0"], "target_range [-1e+20, 0.0] reaches beyond what the rules"),
    (["--problem-type", "regression", "--data-structure", "tabular", "--n-samples",
      "10000000000000000", "--input-shape", "3"], "n_samples 1e+16 is beyond any data set"),
    (["--problem-type", "regression", "--data-structure", "image", "--n-samples", "10",
      "--input-shape", "100000000,100000000,3"], "values per example, beyond what the rules"),
], ids=["huge-range", "huge-count", "huge-shape"])
def test_huge_numbers_are_bad_input_not_a_bug(args, needle):
    result = run("recommend", *args)
    assert result.exit_code == 2, result.output
    assert needle in result.stderr and "internal error" not in result.stderr


@pytest.mark.parametrize("name,text,needle", [
    ("deep.json", "[" * 100_000 + "]" * 100_000, "nested too deeply|maximum nesting depth"),
    ("deep.yaml", "a: " + "[" * 50_000 + "]" * 50_000 + "\n", "maximum nesting depth"),
    ("deep_object.json", '{"a": ' + "[" * 100_000 + "]" * 100_000 + "}",
     "nested too deeply to read"),
    ("digits.yaml", "n_samples: " + "9" * 5000 + "\n", "an integer of more than 4,300 digits"),
    ("digits.json", '{"n_samples": ' + "9" * 5000 + "}", "an integer of more than 4,300 digits"),
])
def test_pathological_documents_are_bad_input(tmp_path, name, text, needle):
    path = tmp_path / name
    path.write_text(text)
    import re

    profile = run("recommend", "--profile", str(path))
    assert profile.exit_code == 2 and re.search(needle, profile.stderr), profile.output
    audited = run("audit", str(path), "--format", "json")
    assert audited.exit_code == 2, audited.output
    assert re.search(needle, json.loads(audited.stdout)["errors"][0]["reason"])


@pytest.mark.parametrize("rate", ["1e30", "1e400"])  # 1e400 reads as infinity
def test_a_huge_learning_rate_in_a_model_file_names_the_value(tmp_path, rate):
    model = dict(MODEL, config={**MODEL["config"], "layers": [
        layer for layer in MODEL["config"]["layers"] if "evil" not in json.dumps(layer)]})
    text = json.dumps({**model, "compile_config": {
        "optimizer": {"class_name": "Adam", "config": {"learning_rate": 123}},
        "loss": "binary_crossentropy"}}).replace("123", rate)
    path = tmp_path / "model.json"
    path.write_text(text)
    result = run("audit", str(path))
    assert result.exit_code == 2, result.output
    assert "is outside what the rules can compare" in result.stdout
    assert "unexpected error" not in result.stdout and "nan" not in result.stdout


def test_a_decompression_bomb_in_an_image_folder_is_an_unreadable_image(tmp_path):
    from PIL import Image

    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for index in range(3):
            Image.new("L", (8, 8)).save(tmp_path / label / f"{index}.png")
    Image.new("1", (20_000, 20_000)).save(tmp_path / "a" / "bomb.png", optimize=True)
    result = run("profile", str(tmp_path))
    assert result.exit_code == 0, result.output            # skipped with a note, not fatal
    assert "a/bomb.png (Image size (400000000 pixels) exceeds limit" in result.stdout
    assert "internal error" not in result.output


def test_error_messages_quote_a_bounded_excerpt(tmp_path):
    from advisor.errors import MAX_MESSAGE_CHARS

    path = tmp_path / "long.yaml"
    path.write_text("problem_type: " + "x" * 200_000 + "\n")
    result = run("recommend", "--profile", str(path))
    assert result.exit_code == 2 and len(result.stderr) < MAX_MESSAGE_CHARS + 500


@pytest.mark.parametrize("fmt", ["text", "github", "sarif"])
def test_layer_names_cannot_inject_workflow_commands_or_escapes(tmp_path, fmt):
    (tmp_path / "model.json").write_text(json.dumps(MODEL))
    result = run("audit", str(tmp_path), "--format", fmt)
    assert result.exit_code == 1
    assert "\x1b" not in result.stdout and "\x07" not in result.stdout
    assert not any(line.startswith("::error file=x") for line in result.stdout.splitlines())
    escaped = "evil\\x0a::error file=x::pwned\\x1b]0;title\\x07"
    if fmt == "sarif":  # the JSON text doubles the backslashes
        escaped = escaped.replace("\\", "\\\\")
    assert escaped in result.stdout


@pytest.mark.skipif(os.name != "posix", reason="non-UTF-8 file names are a POSIX matter")
@pytest.mark.parametrize("fmt", ["text", "json", "sarif", "github"])
def test_non_utf8_file_names_are_shown_escaped_in_every_format(tmp_path, fmt):
    folder = os.path.join(os.fsencode(tmp_path), b"caf\xe9")
    os.makedirs(folder)
    with open(os.path.join(folder, b"m\xff.json"), "w") as handle:
        handle.write(json.dumps(MODEL))
    result = run("audit", str(tmp_path), "--format", fmt)
    assert result.exit_code == 1, result.output
    if fmt == "json":
        assert json.loads(result.stdout)["findings"][0]["file"].endswith("caf\\xe9/m\\xff.json")
    elif fmt == "sarif":
        uri = json.loads(result.stdout)["runs"][0]["results"][0]["locations"][0][
            "physicalLocation"]["artifactLocation"]["uri"]
        assert uri.endswith("caf%5Cxe9/m%5Cxff.json")
    else:
        assert "caf\\xe9/m\\xff.json" in result.stdout


def test_booleans_and_leading_zeros_are_not_silently_numbers(tmp_path):
    from advisor.textio import parse_mapping

    assert parse_mapping("n_samples: 010\nn_classes: 0x10\n", where="x") == {
        "n_samples": 10, "n_classes": 16}                  # YAML 1.1 read 010 as octal 8
    path = tmp_path / "bool.yaml"
    path.write_text("problem_type: binary\ndata_structure: tabular\nn_samples: true\n"
                    "input_shape: [3]\nn_classes: 2\n")
    result = run("recommend", "--profile", str(path))
    assert result.exit_code == 2
    assert "n_samples: expected a number, got true" in result.stderr


def test_rows_without_a_target_are_left_out_and_said(tmp_path):
    from advisor.data import load_dataset

    path = tmp_path / "t.csv"
    path.write_text("a,b,y\n" + "".join(f"{i},{i % 3},{'' if i % 10 == 0 else i % 2}\n"
                                         for i in range(50)))
    dataset = load_dataset(path, targets="y")
    assert dataset.n_samples == 45
    assert dataset.notes == [f"{path}: 5 of 50 rows have no target value and were left out"]


def test_an_npz_member_is_checked_by_its_real_size_before_it_is_read(tmp_path):
    import io
    import zipfile

    import numpy as np

    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        with archive.open("x.npy", "w", force_zip64=True) as member:
            header = io.BytesIO()
            np.lib.format.write_array_header_1_0(
                header, {"descr": "<f8", "fortran_order": False, "shape": (2 ** 27,)})
            member.write(header.getvalue())
            for _ in range(64):
                member.write(bytes(1 << 24))            # 1 GiB of zeros, ~1 MB on disk
        with archive.open("y.npy", "w") as member:
            np.save(member, np.zeros(10))
    result = run("profile", str(path))
    assert result.exit_code == 2
    assert "array 'x.npy' expands" in result.stderr and "refused as a zip bomb" in result.stderr


def test_a_one_line_csv_is_refused_at_the_header(tmp_path):
    path = tmp_path / "one_line.csv"
    path.write_text("a," * 700_000)
    result = run("profile", str(path))
    assert result.exit_code == 2
    assert "the first line is longer than 1048576 characters" in result.stderr
    assert len(result.stderr) < 1000


def test_a_json_of_millions_of_empty_objects_is_refused_before_parsing(tmp_path):
    path = tmp_path / "objects.json"
    path.write_text("[" + "{}," * 5_000_001 + "{}]")
    result = run("audit", str(path))
    assert result.exit_code == 2
    assert "holds more than 5000000 objects and arrays" in result.stdout


def test_a_yaml_flow_mapping_is_a_profile_not_bad_json(tmp_path):
    path = tmp_path / "flow.yaml"
    path.write_text("{problem_type: binary, data_structure: tabular, n_samples: 100, "
                    "input_shape: [3], n_classes: 2}\n")
    result = run("recommend", "--profile", str(path), "--format", "json")
    assert result.exit_code == 0, result.output
    broken = tmp_path / "broken.json"
    broken.write_text('{"problem_type": "binary",}')
    assert "not valid JSON" in run("recommend", "--profile", str(broken)).stderr


def test_skip_unknown_skips_a_broken_unrelated_yaml(tmp_path):
    (tmp_path / "workflow.yaml").write_text("on: [push\njobs: {\n")
    (tmp_path / "model.json").write_text(json.dumps(MODEL))
    result = run("audit", str(tmp_path / "workflow.yaml"), str(tmp_path / "model.json"),
                 "--skip-unknown")
    assert result.exit_code == 1, result.output     # the model's findings, nothing unreadable
    assert "workflow.yaml" not in result.stdout
    strict = run("audit", str(tmp_path / "workflow.yaml"))
    assert strict.exit_code == 2 and "not valid YAML" in strict.stdout
