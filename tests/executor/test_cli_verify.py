"""``advisor verify`` on the command line: files and JSON per contract, bad input exits 2."""

from __future__ import annotations

import json

import pytest

pytest.importorskip("keras")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from click.testing import CliRunner  # noqa: E402

from advisor.cli import cli  # noqa: E402


def run(*args):
    return CliRunner().invoke(cli, list(args))


def test_verify_sample_writes_the_report_files_and_json(tmp_path):
    out = tmp_path / "out"
    result = run("verify", "--sample", "wine", "--report", str(out), "--format", "json",
                 "--max-epochs", "3", "--quiet")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    for name in ("report.json", "report.md", "curves.png"):
        assert (out / name).is_file() and (out / name).stat().st_size > 0
    assert (out / "curves.png").read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert json.loads((out / "report.json").read_text()) == data
    assert set(data["recommended"]["metrics"]) == {"accuracy", "macro_f1"}
    assert set(data["baselines"]) == {"document_default", "trivial", "reference"}
    assert data["split"]["test"] == {"source": "held_out", "path": None}
    for baseline in data["baselines"].values():
        assert set(baseline["metrics"]) == {"accuracy", "macro_f1"}
    assert data["split"]["method"] == "stratified"
    assert data["paths"] == {"report_json": str(out / "report.json"),
                             "report_md": str(out / "report.md"),
                             "curves_png": str(out / "curves.png")}
    assert isinstance(data["diagnosis"], list) and "recommended" in data["history"]


def test_verify_text_summary_has_the_table_and_the_diagnosis():
    result = run("verify", "--sample", "diabetes", "--max-epochs", "2", "-q")
    assert result.exit_code == 0, result.output
    assert "setup" in result.output and "mae" in result.output and "rmse" in result.output
    for row in ("recommended", "document default", "trivial baseline"):
        assert row in result.output
    assert "Diagnosis (recommended):" in result.output
    assert "DIAG006" in result.output  # two epochs: still improving


@pytest.mark.parametrize("args, message", [
    ((), "verify needs data"),
    (("--sample", "wine", "--data", "x.csv"), "use one of them"),
    (("--sample", "wine", "--target", "y"), "--target"),
    (("--sample", "mnist"), "invalid value for '--sample'"),
    (("--sample", "wine", "--max-epochs", "0"), "--max-epochs"),
])
def test_bad_usage_exits_2(args, message):
    result = run("verify", *args)
    assert result.exit_code == 2, result.output
    assert message.lower() in result.output.lower()
    assert "Traceback" not in result.output


def test_a_config_that_does_not_fit_the_data_exits_2(tmp_path):
    config = tmp_path / "wine.yaml"
    made = run("recommend", "--sample", "wine", "--format", "config")
    assert made.exit_code == 0, made.output
    config.write_text(made.output)
    result = run("verify", "--sample", "breast_cancer", "--config", str(config), "-q")
    assert result.exit_code == 2, result.output
    assert "Input shape [13] does not match" in result.output


def test_a_data_file_with_too_few_rows_exits_2(tmp_path):
    pytest.importorskip("advisor.data._load", reason="advisor.data cannot read files yet")
    path = tmp_path / "tiny.csv"
    path.write_text("a,b,label\n" + "".join(f"{i},{i * 2},{i % 2}\n" for i in range(6)))
    result = run("verify", "--data", str(path), "--target", "label", "-q")
    assert result.exit_code == 2, result.output
    assert "too few rows" in result.output and "Traceback" not in result.output


def test_a_missing_data_file_exits_2(tmp_path):
    result = run("verify", "--data", str(tmp_path / "nope.csv"), "--target", "label", "-q")
    assert result.exit_code == 2, result.output
    assert "Traceback" not in result.output


def test_verify_a_csv_with_categories_and_gaps(tmp_path):
    pytest.importorskip("advisor.data._load", reason="advisor.data cannot read files yet")
    import numpy as np

    rng = np.random.default_rng(0)
    rows = ["size,colour,weight,label"]
    for i in range(240):
        colour = ["red", "green", "blue"][i % 3]
        size = "" if i % 17 == 0 else f"{rng.normal(10 if i % 2 else 14, 2):.3f}"
        rows.append(f"{size},{colour},{rng.normal(50, 10):.2f},{'yes' if i % 2 else 'no'}")
    path = tmp_path / "train.csv"
    path.write_text("\n".join(rows) + "\n")
    result = run("verify", "--data", str(path), "--target", "label", "--format", "json",
                 "--max-epochs", "3", "-q")
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    steps = [step["step"] for step in data["recommended"]["setup"]["preprocessing"]]
    assert "impute" in steps and "one_hot" in steps, steps
    assert data["problem_type"] == "binary" and "roc_auc" in data["recommended"]["metrics"]
    from advisor import verify

    report = verify(data=str(path), target="label", max_epochs=2)
    assert report.source.endswith("train.csv") and report.split.method == "stratified"


def test_verify_is_exported_lazily():
    import advisor
    from advisor.executor.verify import verify

    assert "verify" in advisor.__all__ and advisor.verify is verify


def test_verify_config_calls_the_users_setup_your_config(tmp_path):
    config = run("recommend", "--sample", "wine", "--format", "config")
    assert config.exit_code == 0
    path = tmp_path / "mine.yaml"
    path.write_text(config.stdout)
    result = run("verify", "--sample", "wine", "--config", str(path), "--max-epochs", "2", "-q")
    assert result.exit_code == 0, result.output
    assert "Diagnosis (your config):" in result.output
    assert "your config beats trivial" in result.output
    data = json.loads(run("verify", "--sample", "wine", "--config", str(path), "--max-epochs",
                          "1", "-q", "--format", "json").stdout)
    assert data["trained"] == "config" and "recommended" in data   # the JSON keys stay
