"""`advisor profile` and `advisor recommend --data` through click's CliRunner."""

from __future__ import annotations

import json
import subprocess
import sys

import yaml
from click.testing import CliRunner

from advisor.cli import cli

ENV = {"COLUMNS": "100", "ADVISOR_DEBUG": ""}


def run(*args: str):
    return CliRunner().invoke(cli, [str(a) for a in args], env=ENV, prog_name="advisor")


def recommend_json(*args: str) -> dict:
    result = run("recommend", "--data", *args, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    facets = {entry["facet"] for entry in data["rationale"]}
    assert {"model", "loss", "optimizer"} <= facets
    assert data["model"]["layers"] and data["training"]["batch_size"] > 0
    assert data["optimizer"]["learning_rate"] > 0
    return data


def layer_types(data: dict) -> list[str]:
    return [layer["type"] for layer in data["model"]["layers"]]


# -- profile --------------------------------------------------------------------------------------

def test_profile_text_says_how_each_value_was_obtained(wine_csv):
    result = run("profile", wine_csv, "--target", "label", "--compute", "gpu")
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert out.splitlines()[0] == f"Profile of {wine_csv} (csv): multiclass problem, tabular data"
    assert "All measured values are exact (no sampling)." in out
    assert "n_classes             3" in out and "measured" in out
    assert "compute               gpu" in out and "given" in out


def test_profile_json_has_profile_and_provenance(wine_csv):
    result = run("profile", wine_csv, "--target", "label", "--format", "json",
                 "--input-range", "0,2000")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["profile"]["n_classes"] == 3 and data["profile"]["input_shape"] == [13]
    assert data["provenance"]["n_classes"] == {"how": "measured",
                                               "evidence": "3 distinct values in 'label'"}
    assert data["provenance"]["input_range"]["how"] == "given"
    assert data["profile"]["input_range"] == [0.0, 2000.0]
    assert data["sampled"] is False and data["source"] == str(wine_csv)
    assert {c["name"]: c["role"] for c in data["columns"]}["label"] == "target"


def test_profile_yaml_loads_as_a_profile_file(wine_csv, tmp_path):
    result = run("profile", wine_csv, "--target", "label", "--format", "yaml")
    assert result.exit_code == 0, result.output
    assert "# measured: 3 distinct values in 'label'" in result.stdout
    path = tmp_path / "wine.profile.yaml"
    path.write_text(result.stdout)
    assert yaml.safe_load(result.stdout)["n_classes"] == 3
    from_file = run("recommend", "--profile", path, "--format", "json")
    assert from_file.exit_code == 0, from_file.output
    assert json.loads(from_file.stdout) == recommend_json(wine_csv, "--target", "label")


def test_profile_digits_as_image_by_flags(digits_csv):
    result = run("profile", digits_csv, "--target", "digit", "--data-structure", "image",
                 "--input-shape", "8,8,1", "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["profile"]["data_structure"] == "image"
    assert data["profile"]["input_shape"] == [8, 8, 1]
    assert data["provenance"]["input_shape"]["how"] == "given"


# -- recommend --data -----------------------------------------------------------------------------

def test_recommend_data_text_output_says_measured(wine_csv):
    result = run("recommend", "--data", wine_csv, "--target", "label")
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[0].startswith(f"Profile measured from {wine_csv}")
    assert lines[1] == "Profile: multiclass problem, tabular data"


def test_recommend_tabular_multiclass(wine_csv):
    data = recommend_json(wine_csv, "--target", "label")
    assert data["model"]["family"] == "mlp"
    assert data["loss"]["name"] == "sparse_categorical_crossentropy"
    assert data["model"]["output"] == {"units": 3, "activation": "softmax"}


def test_recommend_binary_parquet(breast_cancer_parquet):
    data = recommend_json(breast_cancer_parquet, "--target", "target")
    assert data["model"]["family"] == "mlp"
    assert data["loss"]["name"] == "binary_crossentropy"
    assert data["model"]["output"] == {"units": 1, "activation": "sigmoid"}


def test_recommend_regression(diabetes_tsv):
    data = recommend_json(diabetes_tsv, "--target", "target")
    assert data["model"]["family"] == "mlp"
    assert data["model"]["output"]["activation"] == "linear"
    assert data["loss"]["name"] in ("mean_squared_error", "huber", "mean_absolute_error")


def test_recommend_multilabel(multilabel_parquet):
    path, _ = multilabel_parquet
    data = recommend_json(path, *[a for i in range(4) for a in ("--target", f"tag{i}")])
    assert data["loss"]["name"] == "binary_crossentropy"
    assert data["model"]["output"] == {"units": 4, "activation": "sigmoid"}


def test_recommend_imbalanced_uses_class_weights(imbalanced_csv):
    path, _ = imbalanced_csv
    data = recommend_json(path, "--target", "fraud")
    assert data["training"]["class_weight"] == "balanced"


def test_recommend_digits_as_image(digits_csv, digits_npz):
    data = recommend_json(digits_csv, "--target", "digit", "--data-structure", "image",
                          "--input-shape", "8,8,1")
    assert data["model"]["family"] == "cnn"
    assert data["model"]["output"] == {"units": 10, "activation": "softmax"}
    assert recommend_json(digits_npz) == data


def test_recommend_image_folders(rgb_images, gray_images):
    data = recommend_json(rgb_images)
    assert data["model"]["family"] == "cnn"
    assert data["model"]["layers"][0]["shape"] == [32, 24, 3]
    assert recommend_json(gray_images)["model"]["output"] == {"units": 1,
                                                               "activation": "sigmoid"}


def test_recommend_text(reviews_csv):
    path, _, length = reviews_csv
    data = recommend_json(path, "--target", "sentiment", "--text-column", "review")
    assert "Embedding" in layer_types(data)
    assert data["model"]["layers"][0]["shape"] == [length]
    assert any(step["step"] == "tokenize" for step in data["preprocessing"])


def test_recommend_forecasting(series_csv):
    path, _ = series_csv
    data = recommend_json(path, "--target", "temperature", "--time-column", "step",
                          "--forecast-horizon", "12")
    assert data["model"]["family"] == "mlp"  # a short series: a dense net over the window
    window = next(step for step in data["preprocessing"] if step["step"] == "window")
    assert data["model"]["layers"][0]["shape"] == [window["length"], 2]
    assert window["horizon"] == 12 and window["length"] >= 48


def test_recommend_data_excludes_profile_and_sample(wine_csv, tmp_path):
    result = run("recommend", "--data", wine_csv, "--target", "label", "--sample", "wine")
    assert result.exit_code == 2
    assert "--data and --sample both give the data set" in result.stderr
    result = run("recommend", "--data", wine_csv, "--profile", tmp_path / "p.yaml")
    assert result.exit_code == 2
    assert "--data and --profile both give the profile" in result.stderr
    result = run("recommend", "--sample", "wine", "--target", "label")
    assert result.exit_code == 2
    assert "--target describe(s) a data file, but no --data was given" in result.stderr


def test_plain_recommend_imports_no_data_or_training_libraries():
    code = (
        "import sys\n"
        "from click.testing import CliRunner\n"
        "from advisor.cli import cli\n"
        "r = CliRunner().invoke(cli, ['recommend', '--sample', 'wine', '--format', 'json'])\n"
        "assert r.exit_code == 0, r.output\n"
        "print(sorted(m for m in ('pandas', 'PIL', 'tensorflow', 'numpy', 'pyarrow')"
        " if m in sys.modules))\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True).stdout
    loaded = eval(out.strip().splitlines()[-1])  # noqa: S307 - our own printed list
    assert not {"pandas", "PIL", "tensorflow"} & set(loaded)


def test_data_options_are_reusable():
    import click

    from advisor.cli.options import data_options, pop_data_options, profile_from_options

    seen = {}

    @click.command()
    @data_options(data=True)
    def command(**kwargs):
        seen["data"] = kwargs.pop("data")
        seen["options"] = pop_data_options(kwargs)
        seen["rest"] = kwargs

    CliRunner().invoke(command, ["--data", "d.csv", "--target", "a", "--target", "b",
                                 "--forecast-horizon", "3"])
    assert seen["data"] == "d.csv" and seen["rest"] == {}
    assert seen["options"] == {"targets": ("a", "b"), "text_column": None, "time_column": None,
                               "forecast_horizon": 3, "x_key": "x", "y_key": "y",
                               "max_rows": None, "encoding": None, "drop": (), "keep": ()}
    assert callable(profile_from_options)


def test_a_measured_label_encoding_is_not_called_given(wine_csv):
    result = run("recommend", "--data", str(wine_csv), "--target", "label")
    assert result.exit_code == 0
    assert "label_encoding        integer (measured)" in result.stdout
    assert "(given)" not in result.stdout.split("facet")[0]


def _hint_runs(line: str, prefix: str):
    """Run a printed hint exactly as printed (shell-split, without the leading 'advisor')."""
    import shlex

    command = line.split(prefix, 1)[1]
    command = command.split("' shows the evidence")[0] if "shows the evidence" in line \
        else command
    words = shlex.split(command)
    assert words[0] == "advisor"
    return run(*words[1:])


def _cases(wine_csv, digits_npz, series_csv):
    return [
        [str(wine_csv), "--target", "label", "--compute", "gpu", "--max-rows", "150"],
        [str(digits_npz), "--data-structure", "image", "--input-shape", "8,8,1",
         "--problem-type", "multiclass", "--no-pretrained"],
        [str(series_csv[0]), "--target", "temperature", "--time-column", "step",
         "--forecast-horizon", "6"],
    ]


def test_every_printed_next_command_runs_with_the_given_flags(wine_csv, digits_npz,
                                                              series_csv):
    for args in _cases(wine_csv, digits_npz, series_csv):
        profiled = run("profile", *args)
        assert profiled.exit_code == 0, profiled.output
        next_line = profiled.stdout.rstrip().splitlines()[-1]
        assert next_line.startswith("Next: advisor recommend --data ")
        for flag in (a for a in args[1:] if a.startswith("--")):
            assert flag in next_line, (flag, next_line)
        followed = _hint_runs(next_line, "Next: ")
        assert followed.exit_code == 0, (next_line, followed.output)
        # and the recommendation's "shows the evidence" hint runs too, giving the same profile
        header = followed.stdout.splitlines()[0]
        evidence = _hint_runs(header, "; '")
        assert evidence.exit_code == 0, (header, evidence.output)
        assert evidence.stdout.splitlines()[0] == profiled.stdout.splitlines()[0]


def test_a_latin1_export_names_the_byte_and_the_option_and_reads_with_it(tmp_path):
    import pandas as pd

    from advisor.data import load_dataset, load_test_dataset

    frame = pd.DataFrame({"ville": ["Orl\u00e9ans", "S\u00e8te", "Paris"] * 20,
                          "x": range(60), "y": [0, 1] * 30})
    train, test = tmp_path / "train.csv", tmp_path / "test.csv"
    frame.to_csv(train, index=False, encoding="latin-1")
    frame.head(12).to_csv(test, index=False, encoding="latin-1")
    failed = run("profile", train, "--target", "y")
    assert failed.exit_code == 2
    assert "byte 0xe9 is not valid utf-8" in failed.stderr and "--encoding" in failed.stderr
    read = run("profile", train, "--target", "y", "--encoding", "latin-1")
    assert read.exit_code == 0 and "text columns ville" in read.stdout
    assert read.stdout.rstrip().endswith("--target y --encoding latin-1")
    dataset = load_dataset(train, targets="y", encoding="latin-1")
    assert "Orl\u00e9ans" in set(dataset.features["ville"])
    assert load_test_dataset(test, dataset).n_samples == 12   # read as the training file was
    unknown = run("profile", train, "--target", "y", "--encoding", "klingon")
    assert unknown.exit_code == 2 and "unknown encoding 'klingon'" in unknown.stderr


def test_a_whitespace_separated_txt_is_a_table(tmp_path):
    import numpy as np

    path = tmp_path / "measurements.txt"
    np.savetxt(path, np.c_[np.random.default_rng(0).random((60, 3)), np.arange(60) % 2],
               header="a b c y", comments="")
    result = run("profile", path, "--target", "y")
    assert result.exit_code == 0, result.output
    assert "3 feature columns" in result.stdout and "binary" in result.stdout
