"""verify with the user's own test split (--test-data), seeds, the classical reference, MASE."""

from __future__ import annotations

import json

import numpy as np
import pandas as pd
import pytest

pytest.importorskip("tensorflow")
pytest.importorskip("statsmodels")

from click.testing import CliRunner  # noqa: E402

from advisor.cli import cli  # noqa: E402
from advisor.errors import AdvisorError  # noqa: E402
from advisor.executor.train import score  # noqa: E402
from advisor.executor.verify import verify  # noqa: E402

pytestmark = [pytest.mark.keras, pytest.mark.slow]


def _series_npz(path, n, seed, steps=40):
    """Two classes of noisy series: a bump early or late."""
    rng = np.random.default_rng(seed)
    labels = np.arange(n) % 2
    t = np.arange(steps)
    x = rng.normal(0, 0.3, (n, steps))
    for i, label in enumerate(labels):
        centre = 10 if label == 0 else 30
        x[i] += np.exp(-((t - centre) ** 2) / 20.0)
    np.savez(path, x=x[:, :, None], y=np.where(labels == 0, "early", "late"))
    return path


def test_a_test_file_is_the_test_split_and_is_never_profiled(tmp_path):
    train = _series_npz(tmp_path / "train.npz", 40, 0)
    test = _series_npz(tmp_path / "test.npz", 70, 1)
    report = verify(data=train, test_data=test, max_epochs=2)
    assert report.split.test.source == "given" and report.split.test.path == str(test)
    assert report.split.n_test == 70
    assert report.split.n_train + report.split.n_validation == 40
    assert report.data_structure == "time_series"  # (n, 40, 1): a series, not an image
    assert report.recommended.setup["model"]["layers"][0]["shape"] == [40, 1]
    reference = report.baselines["reference"]
    assert reference.name == "1nn_euclidean"
    assert reference.metrics["accuracy"] > 0.8  # the bump's position is easy for 1-NN


def test_a_test_file_with_another_shape_or_class_is_an_error(tmp_path):
    train = _series_npz(tmp_path / "train.npz", 40, 0)
    np.savez(tmp_path / "short.npz", x=np.zeros((5, 30, 1)), y=np.array(["early"] * 5))
    with pytest.raises(AdvisorError, match=r"test examples have shape \[30, 1\].*\[40, 1\]"):
        verify(data=train, test_data=tmp_path / "short.npz", max_epochs=1)
    np.savez(tmp_path / "other.npz", x=np.zeros((5, 40, 1)), y=np.array(["middle"] * 5))
    with pytest.raises(AdvisorError, match="middle are not among the classes of the training"):
        verify(data=train, test_data=tmp_path / "other.npz", max_epochs=1)


def _table(path, n, seed, labels=("a", "b", "c")):
    rng = np.random.default_rng(seed)
    frame = pd.DataFrame({"x1": rng.normal(size=n), "x2": rng.normal(size=n)})
    frame["label"] = [labels[int(v)] for v in
                      np.digitize(frame.x1 + 0.3 * frame.x2, [-0.5, 0.5])]
    frame.to_csv(path, index=False)
    return path


def test_csv_test_file_through_the_cli(tmp_path):
    train = _table(tmp_path / "train.csv", 200, 0)
    test = _table(tmp_path / "test.csv", 90, 1)
    result = CliRunner().invoke(cli, ["verify", "--data", str(train), "--test-data", str(test),
                                      "--target", "label", "--max-epochs", "3", "--format",
                                      "json", "--quiet"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert data["split"]["test"] == {"source": "given", "path": str(test)}
    assert data["split"]["n_test"] == 90
    reference = data["baselines"]["reference"]
    assert reference["name"] in ("hist_gradient_boosting", "logistic_regression")
    assert {c["name"] for c in reference["candidates"]} == {"hist_gradient_boosting",
                                                            "logistic_regression"}
    assert sum(c["chosen"] for c in reference["candidates"]) == 1
    assert data["comparison"]["recommended_matches_reference"] in (True, False)


def test_test_data_options_are_checked(tmp_path):
    train = _table(tmp_path / "train.csv", 60, 0)
    runner = CliRunner()
    result = runner.invoke(cli, ["verify", "--sample", "wine", "--test-data", str(train)])
    assert result.exit_code == 2 and "--test-data needs --data" in result.output
    result = runner.invoke(cli, ["verify", "--data", str(train), "--target", "label",
                                 "--test-data", str(train), "--test-fraction", "0.3"])
    assert result.exit_code == 2 and "--test-fraction does not apply" in result.output
    pd.DataFrame({"x1": [1.0], "label": ["a"]}).to_csv(tmp_path / "narrow.csv", index=False)
    with pytest.raises(AdvisorError, match="lacks column\\(s\\) 'x2'"):
        verify(data=train, target="label", test_data=tmp_path / "narrow.csv", max_epochs=1)


def _sales(path, start, n):
    t = np.arange(start, start + n)
    frame = pd.DataFrame({"month": t, "sales": 100 + 10 * np.sin(2 * np.pi * t / 12) + 0.5 * t})
    frame.to_csv(path, index=False)
    return path


def test_a_forecast_test_file_continues_the_series(tmp_path):
    train = _sales(tmp_path / "sales.csv", 0, 120)
    later = _sales(tmp_path / "later.csv", 120, 30)
    report = verify(data=train, test_data=later, target="sales", time_column="month",
                    forecast_horizon=6, max_epochs=3)
    # every origin whose 6 steps lie in the 30 test steps; inputs reach back into training
    assert report.split.n_test == 30 - 6 + 1
    assert report.split.test.source == "given"
    assert report.comparison.primary_metric == "mase"
    assert report.recommended.setup["model"]["output"]["units"] == 6
    candidates = {c.name for c in report.baselines["reference"].candidates}
    assert {"seasonal_naive", "holt_winters_additive"} <= candidates
    earlier = _sales(tmp_path / "earlier.csv", 100, 30)
    with pytest.raises(AdvisorError, match="must continue the training series"):
        verify(data=train, test_data=earlier, target="sales", time_column="month",
               forecast_horizon=6, max_epochs=1)


def test_a_series_labelled_per_step_trains_on_its_own_recommendation(tmp_path):
    """The issue's failure: a time-series CSV with a time column and no horizon."""
    rng = np.random.default_rng(3)
    step = np.arange(400)
    humidity = np.sin(step / 9.0) + rng.normal(0, 0.1, 400)
    frame = pd.DataFrame({"step": step, "humidity": humidity,
                          "temperature": np.convolve(humidity, np.ones(5) / 5, "same")})
    frame.to_csv(tmp_path / "weather.csv", index=False)
    report = verify(data=tmp_path / "weather.csv", target="temperature", time_column="step",
                    max_epochs=2)
    assert report.split.method == "chronological"
    assert report.recommended.setup["model"]["layers"][0]["shape"] == [32, 1]
    assert report.split.n_train + report.split.n_validation + report.split.n_test < 400 - 31
    assert any("windows overlap by 31 steps" in note for note in report.notes)


def test_seeds_report_the_mean_and_the_spread():
    report = verify(sample="wine", seeds=2, max_epochs=2, reference=False)
    run = report.recommended
    assert run.seeds == [0, 1] and len(run.per_seed) == 2
    assert run.metrics["accuracy"] == pytest.approx(
        np.mean([m["accuracy"] for m in run.per_seed]), abs=1e-6)
    assert set(run.spread) == set(run.metrics)
    assert "reference" not in report.baselines
    assert any("seeds 0..1" in note for note in report.notes)


def test_mase_divides_the_error_by_the_in_sample_seasonal_naive_error():
    y = np.array([[10.0, 12.0], [20.0, 22.0]])         # two windows, horizon 2, one series
    predicted = np.array([[11.0, 12.0], [20.0, 25.0]])  # absolute errors 1, 0, 0, 3
    scores = score("forecasting", y, predicted, mase_scale=np.array([2.0]))
    assert scores["mase"] == pytest.approx(1.0 / 2.0)  # mean error 1 over a scale of 2
    assert scores["mae"] == pytest.approx(1.0)
    assert "mase" not in score("regression", y, predicted)
