"""The ``advisor`` command line: output formats, exit codes and error messages.

Every command runs in-process through click's ``CliRunner``; ``COLUMNS=100`` makes the text
layout deterministic whatever terminal runs the tests.
"""

from __future__ import annotations

import json
import sys
import types

import click
import pytest
import yaml
from click.testing import CliRunner

from advisor import DatasetProfile, TrainingConfig, recommend
from advisor.cli import cli
from advisor.render import layer_summary, setting_value
from advisor.rules.render import format_conditions

ENV = {"COLUMNS": "100", "ADVISOR_DEBUG": ""}
MNIST = ["--problem-type", "multiclass", "--data-structure", "image", "--n-samples", "60000",
         "--input-shape", "28,28,1", "--n-classes", "10"]
MNIST_PROFILE = {"problem_type": "multiclass", "data_structure": "image", "n_samples": 60000,
                 "input_shape": [28, 28, 1], "n_classes": 10}
CIFAR_YAML = """\
problem_type: multiclass
data_structure: image
n_samples: 50000
input_shape: [32, 32, 3]
n_classes: 10
"""


def run(*args: str, input: str | None = None, env: dict | None = None):
    runner = CliRunner()
    return runner.invoke(cli, list(args), input=input, env={**ENV, **(env or {})},
                         prog_name="advisor")


@pytest.fixture
def in_tmp(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "cifar.yaml").write_text(CIFAR_YAML)
    return tmp_path


# -- recommend: text ------------------------------------------------------------------------------

def test_recommend_text_shows_profile_table_layers_and_sources():
    result = run("recommend", *MNIST)
    assert result.exit_code == 0, result.output
    out = result.stdout
    lines = out.splitlines()
    assert lines[:8] == [
        "Profile: multiclass problem, image data",
        "  n_samples       60000",
        "  input_shape     [28, 28, 1]",
        "  n_classes       10",
        "  compute         cpu",
        "  label_encoding  integer (default for multiclass)",
        "  complexity      medium (derived from n_samples and input_shape)",
        "",
    ]
    assert lines[8].split() == ["facet", "setting", "value", "why"]
    model_row = next(line for line in lines if line.startswith("model "))
    assert model_row.split()[:4] == ["model", "model", "cnn:", "Conv2D"]
    assert "Model: cnn, 19 layers" in lines
    assert "   1  Input                   shape=[28, 28, 1]" in lines

    rec = recommend(MNIST_PROFILE)
    sources = lines[lines.index("Sources:") + 1:]
    for entry in rec.rationale:  # every row: its rule code in the table, its source listed
        if entry.slot == "caveat" and entry.value is None:
            assert f"{entry.rule} " not in out  # no caveat: no row
            continue
        assert f"{entry.rule} " in out
        assert any(line.endswith(" " + entry.source) for line in sources)
    for entry in rec.rationale:
        if entry.departs:
            assert f"  {entry.rule} ({entry.slot}): " in out
    # everything but the source URLs fits the 100 columns
    body = lines[:lines.index("Sources:")]
    assert max(len(line) for line in body) <= 100


def test_recommend_text_marks_given_complexity():
    result = run("recommend", *MNIST, "--complexity", "high")
    assert result.exit_code == 0
    assert "  complexity      high (given)" in result.stdout.splitlines()


def test_layer_summary_folds_batch_norm_and_counts_repeats():
    rec = recommend(MNIST_PROFILE)
    assert layer_summary(rec.model.layers) == (
        "Conv2D 32+BN ×2 → MaxPool → Conv2D 64+BN ×2 → MaxPool → Conv2D 128+BN ×2 → MaxPool → "
        "GlobalAvgPool → Dropout 0.5 → Dense 10 softmax")
    assert setting_value("early_stopping", {"monitor": "val_loss", "patience": 10,
                                            "restore_best_weights": True}) == (
        "val_loss, patience 10, restore best weights")
    assert setting_value("weight_penalty", {"l1": 0.0, "l2": 0.0001}) == "l2=0.0001"
    assert setting_value("lr_schedule", None) == "none"


# -- recommend: machine formats --------------------------------------------------------------------

DESIGN_KEYS = {
    "model": {"family", "layers", "output"},
    "regularization": {"dropout", "l1", "l2", "early_stopping", "augmentation"},
    "training": {"batch_size", "epochs", "validation_split", "class_weight"},
}


def test_recommend_json_has_the_design_keys():
    result = run("recommend", *MNIST, "--format", "json")
    assert result.exit_code == 0
    data = json.loads(result.stdout)
    assert data == recommend(MNIST_PROFILE).to_dict()
    design = {"model", "loss", "optimizer", "lr_schedule", "regularization", "training",
              "preprocessing", "metrics", "rationale"}
    # the DESIGN.md keys, plus what Recommendation.to_dict() adds for tools
    assert set(data) == design | {"profile", "facts", "alternatives", "caveats"}
    for key, fields in DESIGN_KEYS.items():
        assert set(data[key]) == fields
    assert set(data["model"]["output"]) == {"units", "activation"}
    assert data["model"]["output"] == {"units": 10, "activation": "softmax"}
    assert {"name", "from_logits"} <= set(data["loss"])
    assert {"name", "learning_rate"} <= set(data["optimizer"])
    assert data["lr_schedule"] is None or "name" in data["lr_schedule"]
    early = data["regularization"]["early_stopping"]
    assert {"monitor", "patience", "restore_best_weights"} <= set(early)
    assert all("step" in step for step in data["preprocessing"])
    assert data["metrics"] == ["accuracy"]
    assert all({"facet", "rule", "because", "source"} <= set(e) for e in data["rationale"])
    facets = {e["facet"] for e in data["rationale"]}
    assert {"model", "loss", "optimizer", "learning_rate", "regularization", "training",
            "preprocessing", "metrics"} <= facets


def test_recommend_yaml_is_the_json_as_yaml():
    result = run("recommend", *MNIST, "--format", "yaml")
    assert result.exit_code == 0
    assert yaml.safe_load(result.stdout) == recommend(MNIST_PROFILE).to_dict()


def test_recommend_config_round_trips():
    result = run("recommend", *MNIST, "--format", "config")
    assert result.exit_code == 0
    config = TrainingConfig.from_text(result.stdout, where="<stdout>")
    assert config == recommend(MNIST_PROFILE).to_config()
    assert config.profile == DatasetProfile(**MNIST_PROFILE)


def test_recommend_keras_calls_the_script_writer(monkeypatch):
    calls = []
    script = types.ModuleType("advisor.executor.script")

    def render_keras_script(rec, reading=None):
        calls.append(rec)
        return "import keras\n"

    script.render_keras_script = render_keras_script
    monkeypatch.setitem(sys.modules, "advisor.executor", types.ModuleType("advisor.executor"))
    monkeypatch.setitem(sys.modules, "advisor.executor.script", script)
    result = run("recommend", *MNIST, "--format", "keras")
    assert result.exit_code == 0, result.output
    assert result.stdout == "import keras\n"
    assert calls[0].model.family == "cnn"


# -- recommend: profile file and flags ------------------------------------------------------------

def test_flags_override_the_profile_file(in_tmp):
    result = run("recommend", "--profile", "cifar.yaml", "--n-samples", "800",
                 "--input-shape", "[64, 64, 3]", "--format", "json")
    assert result.exit_code == 0, result.output
    profile = json.loads(result.stdout)["profile"]
    assert profile["n_samples"] == 800
    assert profile["input_shape"] == [64, 64, 3]
    assert profile["n_classes"] == 10  # from the file


def test_profile_from_json_file_and_stdin(in_tmp):
    (in_tmp / "p.json").write_text(json.dumps(MNIST_PROFILE))
    from_file = run("recommend", "--profile", "p.json", "--format", "json")
    from_stdin = run("recommend", "--profile", "-", "--format", "json", input=CIFAR_YAML)
    assert from_file.exit_code == 0 and from_stdin.exit_code == 0, from_stdin.output
    assert json.loads(from_file.stdout) == recommend(MNIST_PROFILE).to_dict()
    assert json.loads(from_stdin.stdout)["profile"]["input_shape"] == [32, 32, 3]


def test_pretrained_flags_and_ranges():
    base = ["recommend", "--problem-type", "multiclass", "--data-structure", "image",
            "--n-samples", "5000", "--input-shape", "96,96,3", "--n-classes", "5",
            "--input-range", "[0, 255]", "--format", "json"]
    on = json.loads(run(*base, "--pretrained").stdout)
    off = json.loads(run(*base, "--no-pretrained").stdout)
    assert on["profile"]["pretrained"] is True and off["profile"]["pretrained"] is False
    assert on["profile"]["input_range"] == [0.0, 255.0]
    assert on["model"]["family"] == "pretrained_cnn" != off["model"]["family"]


# -- bad input: one "error: " message, exit 2, never a traceback -----------------------------------

FILES = {
    "typo.yaml": CIFAR_YAML.replace("n_samples", "n_sample"),
    "broken.yaml": "problem_type: [multiclass\n",
    "broken.json": '{"problem_type": "binary",}',
    "list.yaml": "- problem_type\n",
}

BAD_INPUT = [
    pytest.param(["recommend", "--profile", "typo.yaml"],
                 ["typo.yaml", "n_sample", "unknown field", "50000", "n_samples: required"],
                 id="unknown-field"),
    pytest.param(["recommend", "--profile", "broken.yaml"],
                 ["broken.yaml", "not valid YAML", "line 2"], id="malformed-yaml"),
    pytest.param(["recommend", "--profile", "broken.json"],
                 ["broken.json", "not valid JSON", "line 1"], id="malformed-json"),
    pytest.param(["recommend", "--profile", "list.yaml"],
                 ["list.yaml", "expected a mapping"], id="not-a-mapping"),
    pytest.param(["recommend", "--profile", "missing.yaml"],
                 ["missing.yaml", "file not found"], id="file-not-found"),
    pytest.param(["recommend", "--profile", "cifar.yaml", "--problem-type", "binary",
                  "--n-classes", "10"],
                 ["cifar.yaml with command-line flags", "binary problems have n_classes 2",
                  "got 10", "hint: change problem_type with --problem-type; change n_classes "
                  "with --n-classes"], id="flags-conflict"),
    pytest.param(["recommend", "--problem-type", "multiclass", "--data-structure", "image",
                  "--n-samples", "100", "--input-shape", "28,28,1"],
                 ["n_classes is required for problem_type 'multiclass'",
                  "hint: set n_classes with --n-classes"], id="missing-n-classes"),
    pytest.param(["recommend", "--problem-type", "regression", "--data-structure", "tabular",
                  "--n-samples", "100", "--input-shape", "3", "--n-classes", "3"],
                 ["n_classes (3) is only for classification", "hint: drop --n-classes"],
                 id="field-that-does-not-apply"),
    pytest.param(["recommend", "--profile", "cifar.yaml", "--problem-type", "regression"],
                 ["n_classes (10) is only for classification",
                  "hint: remove n_classes from cifar.yaml"], id="file-field-that-does-not-apply"),
    pytest.param(["recommend", "--problem-type", "binary", "--data-structure", "tabular",
                  "--n-samples", "-5", "--input-shape", "20", "--n-classes", "2"],
                 ["n_samples", "greater than 0", "received: -5"], id="negative-size"),
    pytest.param(["recommend", "--problem-type", "binary", "--data-structure", "tabular",
                  "--n-samples", "500", "--input-shape", "28,28", "--n-classes", "2"],
                 ["input_shape [28, 28]", "tabular data expects [n_features]"],
                 id="shape-does-not-fit"),
    pytest.param(["recommend", "--problem-type", "binary", "--data-structure", "graph",
                  "--n-samples", "500", "--input-shape", "20", "--n-classes", "2"],
                 ["data_structure 'graph' is not supported", "graph neural networks",
                  "Supported: tabular"], id="unsupported-structure"),
    pytest.param(["recommend", "--profile", "cifar.yaml", "--data-structure", "video"],
                 ["'video' is not supported", "[frames, height, width, channels]"],
                 id="unsupported-video"),
    pytest.param(["recommend", "--profile", "cifar.yaml", "--input-shape", "28,a,1"],
                 ["'--input-shape'", "'28,a,1'", "such as 28,28,1 or [28, 28, 1]"],
                 id="bad-shape-flag"),
    pytest.param(["recommend", "--profile", "cifar.yaml", "--input-range", "0"],
                 ["'--input-range'", "'0'", "2 comma-separated numbers such as 0,255"],
                 id="bad-range-flag"),
    pytest.param(["recommend", "--profile", "cifar.yaml", "--n-samples", "many"],
                 ["'--n-samples'", "'many' is not a valid integer"], id="bad-integer-flag"),
    pytest.param(["recommend", "--profile", "cifar.yaml", "--problem-type", "ranking"],
                 ["'--problem-type'", "'ranking'", "multiclass"], id="bad-choice"),
    pytest.param(["rules", "show", "LOSS999"],
                 ["unknown rule code 'LOSS999'", "advisor rules list"], id="unknown-rule"),
    pytest.param(["no-such-command"], ["no such command"], id="unknown-command"),
]


@pytest.mark.parametrize("args, expected", BAD_INPUT)
def test_bad_input_exits_2_with_one_clear_message(in_tmp, args, expected):
    for name, text in FILES.items():
        (in_tmp / name).write_text(text)
    result = run(*args)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith("error: ")
    assert result.stdout == ""
    for text in expected:
        assert text in result.stderr
    assert "Traceback" not in result.output
    assert not isinstance(result.exception, Exception) or isinstance(result.exception,
                                                                     SystemExit)


def test_internal_error_exits_3_with_a_hint(monkeypatch):
    def broken(profile):
        raise RuntimeError("engine exploded")

    monkeypatch.setattr(sys.modules["advisor.recommend"], "recommend", broken)
    result = run("recommend", *MNIST)
    assert result.exit_code == 3
    assert result.stderr.startswith("error: internal error: RuntimeError: engine exploded")
    assert "ADVISOR_DEBUG=1" in result.stderr
    assert "Traceback" not in result.output

    debug = run("recommend", *MNIST, env={"ADVISOR_DEBUG": "1"})
    assert isinstance(debug.exception, RuntimeError)  # re-raised for tests and bug reports


# -- rules ----------------------------------------------------------------------------------------

def test_rules_show_prints_every_section():
    result = run("rules", "show", "LOSS001")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines[0] == "# binary-labels-use-binary-crossentropy (LOSS001)"
    assert lines[2] == "Facet: loss. Rule file: recommend/loss.yaml."
    for expected in [
        "## What it sets",
        "loss = {name: binary_crossentropy, from_logits: false}",
        "The loss function.",
        "## When",
        "- problem_type=binary",
        "## Why",
        "## Departs from the source document",
        "No: it follows the source document.",
        "## Source",
        "https://keras.io/api/losses/probabilistic_losses/#binarycrossentropy-class",
        "## Source document cells",
        "loss/problem_type",
        "## Examples",
        "Fires for:",
        "- {problem_type: binary, data_structure: tabular, n_samples: 5000, input_shape: [20], "
        "n_classes: 2}",
        "Does not fire for:",
        "- {problem_type: regression, data_structure: tabular, n_samples: 5000, "
        "input_shape: [20]}",
    ]:
        assert expected in lines


def test_rules_show_departs_and_json():
    text = run("rules", "show", "loss003").stdout  # codes are case-insensitive
    assert "The document ties cross-entropy to spatial data" in text
    data = json.loads(run("rules", "show", "LOSS003", "--format", "json").stdout)
    assert data["code"] == "LOSS003" and data["slot"] == "loss"
    assert data["conditions"] == ("task=classification|seq2seq, label_encoding=integer, "
                                  "problem_type!=binary")
    assert data["examples"]["fire"]


def test_rules_list_text_and_json():
    from advisor.recommend import recommend_rules

    # the default lists both families (tests/audit/test_cli_audit.py); this is the recommend table
    everything = run("rules", "list", "--family", "recommend")
    assert everything.exit_code == 0
    lines = everything.stdout.splitlines()
    assert lines[0].split() == ["code", "facet", "slot", "name", "conditions"]
    assert lines[-1] == f"{len(recommend_rules().rules)} rules"
    loss = run("rules", "list", "--family", "recommend", "--facet", "loss").stdout
    assert loss.splitlines()[2].split() == ["LOSS001", "loss", "loss",
                                            "binary-labels-use-binary-crossentropy",
                                            "problem_type=binary"]
    assert "MOD001" not in loss
    data = json.loads(run("rules", "list", "--family", "recommend", "--facet", "loss",
                          "--format", "json").stdout)
    assert [r["code"] for r in data] == [f"LOSS00{i}" for i in range(1, len(data) + 1)]
    assert {"code", "name", "facet", "slot", "conditions", "because", "source"} <= set(data[0])
    assert data[0]["conditions"] == "problem_type=binary"


def test_format_conditions_reads_any_groups_and_defaults():
    from advisor.recommend import recommend_rules

    by_code = recommend_rules().by_code
    assert format_conditions(by_code["MOD002"]) == (
        "data_structure=image, input_rank=3, task=classification|regression")
    assert "any of (channels!=3; min_side<32)" in format_conditions(by_code["MOD005"])
    assert format_conditions(by_code["LR001"]) == "(default)"


def test_rules_lint_clean_and_broken(tmp_path):
    from advisor.rules.compile import rules_root

    clean = run("rules", "lint")
    assert clean.exit_code == 0
    assert clean.stdout.startswith("ok: ")
    source = (rules_root() / "recommend" / "loss.yaml").read_text()
    (tmp_path / "loss.yaml").write_text(source.replace("when: {problem_type: binary}",
                                                       "when: {problem_typo: binary}", 1))
    broken = run("rules", "lint", str(tmp_path))
    assert broken.exit_code == 2
    assert broken.stderr.startswith(f"error: {tmp_path / 'loss.yaml'}: LOSS001: "
                                    "unknown fact 'problem_typo'")
    missing = run("rules", "lint", str(tmp_path / "nowhere"))
    assert missing.exit_code == 2 and "rule folder not found" in missing.stderr


# -- schema, version, help ------------------------------------------------------------------------

def test_schema_profile_is_the_dataset_profile_schema():
    result = run("schema", "profile")
    assert result.exit_code == 0
    schema = json.loads(result.stdout)
    assert set(schema["properties"]) == set(DatasetProfile.model_fields)
    assert schema["additionalProperties"] is False
    assert {"problem_type", "data_structure", "n_samples", "input_shape"} <= set(
        schema["required"])


def test_version_names_the_python_and_the_rule_engine():
    import platform
    from importlib import metadata

    result = run("--version")
    assert result.exit_code == 0
    engine = metadata.version("durable-rules")
    assert result.stdout.startswith(f"advisor 0.1.0, Python {platform.python_version()}, "
                                    f"rule engine: durable-rules {engine}")


def test_verbose_names_the_rule_engine_on_stderr():
    result = run("-v", "recommend", *MNIST, "--format", "json")
    assert result.exit_code == 0
    assert result.stderr.startswith("advisor: rule engine: durable-rules ")
    json.loads(result.stdout)  # the answer itself is unchanged


def _commands(command: click.Command, path: tuple[str, ...] = ()):
    yield path, command
    if isinstance(command, click.Group):
        for name, sub in command.commands.items():
            yield from _commands(sub, path + (name,))


@pytest.mark.parametrize("path", [p for p, _ in _commands(cli)], ids=lambda p: " ".join(p) or
                         "advisor")
def test_every_command_has_help_with_an_example(path):
    result = run(*path, "--help")
    assert result.exit_code == 0
    assert "Example:\n    advisor " in result.stdout
    command = dict(_commands(cli))[path]
    assert command.help and command.get_short_help_str()


def test_every_profile_field_has_a_flag():
    from advisor.cli.options import FIELD_FLAGS

    assert set(FIELD_FLAGS) == set(DatasetProfile.model_fields)
    help_text = run("recommend", "--help").stdout
    for flag in FIELD_FLAGS.values():
        assert flag in help_text


def test_ascii_terminals_get_ascii_arrows_and_aligned_columns():
    from advisor.render import render_recommendation_text

    text = render_recommendation_text(recommend(MNIST_PROFILE), 100, ascii_only=True)
    assert "cnn: Conv2D 32+BN x2 ->" in text
    assert "\u2192" not in text and "\u00d7" not in text
    body = text.splitlines()[:text.splitlines().index("Sources:")]
    assert max(len(line) for line in body) <= 100


# -- bundled samples ------------------------------------------------------------------------------

def test_every_bundled_sample_recommends():
    from advisor.samples import sample_names

    assert {"wine", "mnist", "cifar10", "imdb", "jena_climate"} <= set(sample_names())
    for name in sample_names():
        result = run("recommend", "--sample", name, "--format", "json")
        assert result.exit_code == 0, (name, result.stderr)
        assert json.loads(result.stdout)["rationale"]


def test_sample_flags_override_and_conflicts():
    result = run("recommend", "--sample", "mnist", "--compute", "gpu", "--format", "json")
    assert json.loads(result.stdout)["profile"]["compute"] == "gpu"
    unknown = run("recommend", "--sample", "nope")
    assert unknown.exit_code == 2 and "unknown sample 'nope'" in unknown.stderr
    assert "wine" in unknown.stderr
    both = run("recommend", "--sample", "wine", "--profile", "x.yaml")
    assert both.exit_code == 2 and "use one of them" in both.stderr


def test_forecast_horizon_without_data_sets_the_profile_field():
    result = run("recommend", "--problem-type", "forecasting", "--data-structure", "time_series",
                 "--n-samples", "1000", "--input-shape", "48,1", "--forecast-horizon", "12",
                 "--season-length", "12", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["model"]["output"]["units"] == 12
    window = next(step for step in data["preprocessing"] if step["step"] == "window")
    assert (window["horizon"], window["base"]) == (12, "last_value")
    result = run("recommend", "--problem-type", "regression", "--data-structure", "tabular",
                 "--n-samples", "100", "--input-shape", "4", "--forecast-horizon", "3")
    assert result.exit_code == 2
    assert "forecast_horizon (3) is for problem_type 'forecasting'" in result.stderr


def test_rules_list_never_breaks_a_condition_inside_a_token():
    """'has_profile=fa' / 'lse': alternatives joined without spaces made unbreakable tokens."""
    result = run("rules", "list", "--family", "audit", env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "has_profile=fa\n" not in result.stdout and "=fa " not in result.stdout
    words = {word.strip("(),;") for line in result.stdout.splitlines() for word in line.split()}
    assert "has_profile=false" in words
