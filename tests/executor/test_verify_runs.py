"""``verify`` trains for real: the recommended setup against the document's default and a
trivial baseline on the same split, on the four bundled samples and on small synthetic data of
the other shapes (series, text, multilabel); the JSON report keeps its contract.

Runs are small by default (epochs capped); ADVISOR_TEST_SCALE=full trains the real epochs.
"""

from __future__ import annotations

import json

import pytest

keras = pytest.importorskip("keras")
np = pytest.importorskip("numpy")
pd = pytest.importorskip("pandas")
pytest.importorskip("sklearn")
pytest.importorskip("matplotlib")

from advisor import DatasetProfile, recommend  # noqa: E402
from advisor.dataset import Dataset  # noqa: E402
from advisor.errors import AdvisorError  # noqa: E402
from advisor.data import load_sample_dataset  # noqa: E402
from advisor.executor.build import build_model  # noqa: E402
from advisor.executor.verify import verify  # noqa: E402
from advisor.vocab import SAMPLE_DATASETS  # noqa: E402

SMALL_EPOCHS = 30


@pytest.fixture(scope="module")
def sample_reports(scale):
    cap = None if scale == "full" else SMALL_EPOCHS
    return {name: verify(sample=name, max_epochs=cap) for name in SAMPLE_DATASETS}


@pytest.mark.slow
@pytest.mark.parametrize("name", SAMPLE_DATASETS)
def test_recommended_beats_the_trivial_baseline(sample_reports, name):
    report = sample_reports[name]
    primary = report.comparison.primary_metric
    print(name, primary, report.recommended.metrics, report.baselines["trivial"].metrics)
    assert report.comparison.recommended_beats_trivial
    if report.comparison.higher_is_better:
        assert report.recommended.metrics[primary] > report.baselines["trivial"].metrics[primary]
    else:
        assert report.recommended.metrics[primary] < report.baselines["trivial"].metrics[primary]


@pytest.mark.slow
def test_recommended_matches_or_beats_the_document_default_on_most_samples(sample_reports):
    wins = {name: r.comparison.recommended_matches_document_default
            for name, r in sample_reports.items()}
    print(wins)
    assert sum(wins.values()) >= 3, wins


@pytest.mark.slow
def test_the_json_report_keeps_its_contract(sample_reports):
    expected = {"wine": {"accuracy", "macro_f1"}, "breast_cancer": {"accuracy", "macro_f1",
                                                                     "roc_auc"},
                "diabetes": {"mae", "rmse"}, "digits": {"accuracy", "macro_f1"}}
    for name, report in sample_reports.items():
        data = json.loads(report.to_json())
        for path in (("recommended",), ("baselines", "document_default"),
                     ("baselines", "trivial")):
            node = data
            for key in path:
                node = node[key]
            assert set(node["metrics"]) == expected[name], (name, path)
        assert {"split", "history", "diagnosis", "paths"} <= set(data)
        assert data["split"]["n_test"] > 0
        assert set(data["history"]) == {"recommended", "document_default"}
        assert len(data["history"]["recommended"]["loss"]) == data["recommended"]["epochs_run"]
        for finding in data["diagnosis"]:
            assert {"code", "name", "severity", "facet", "message", "fix", "because",
                    "source"} <= set(finding)
        trained = data["recommended"]["setup"]
        assert trained["model"] == recommend(load_sample_dataset(name).profile).setup().model_dump(
            mode="json")["model"]


def test_the_built_model_is_the_recommended_one():
    dataset = load_sample_dataset("wine")
    rec = recommend(dataset.profile)
    report = verify(dataset=dataset, max_epochs=2)
    model = build_model(rec)
    assert report.recommended.n_parameters == model.count_params()
    built = [layer for layer in model.layers]
    wanted = [layer for layer in rec.model.layers if layer["type"] != "Input"]
    assert [type(layer).__name__ for layer in built] == [layer["type"] for layer in wanted]
    for layer, spec in zip(built, wanted):
        config = layer.get_config()
        for key in ("units", "activation", "rate"):
            if key in spec:
                assert config[key] == spec[key], (spec, key)
    assert report.recommended.epochs_planned == 2
    assert report.baselines["document_default"].setup["model"]["layers"][1:] == [
        {"type": "Dense", "units": 64, "activation": "relu"},
        {"type": "Dense", "units": 64, "activation": "relu"},
        {"type": "Dense", "units": 3, "activation": "softmax", "name": "output"}]
    keras.backend.clear_session()


def test_refine_applies_the_diagnosis_once_and_reports_both_runs(tmp_path):
    report = verify(sample="breast_cancer", max_epochs=3, refine=True, report_dir=tmp_path)
    assert "DIAG006" in [f.code for f in report.diagnosis]  # 3 epochs: still improving
    assert report.refined is not None
    assert any(change.startswith("training.epochs") for change in report.refined.applied)
    assert report.refined.epochs_planned == 6  # the cap doubles with the epochs
    assert set(report.history) == {"recommended", "document_default", "refined"}
    assert report.comparison.refined_matches_recommended is not None
    assert "## Refinement" in (tmp_path / "report.md").read_text()


def test_a_config_for_other_data_is_an_error():
    wine = recommend(load_sample_dataset("wine").profile).to_config()
    with pytest.raises(AdvisorError, match=r"Input shape \[13\] does not match the data's "
                                           r"examples \[30\]"):
        verify(sample="breast_cancer", config=wine, max_epochs=1)


def test_nan_targets_are_an_error_before_training():
    dataset = load_sample_dataset("diabetes")
    target = dataset.target.astype(float).copy()
    target[5] = np.nan
    dataset.target = target
    with pytest.raises(AdvisorError, match="1 target value.*NaN"):
        verify(dataset=dataset)


def _series(n=400, horizon=3, length=12):
    t = np.arange(n, dtype=float)
    values = np.sin(t / 5.0) * 10 + 50 + np.random.default_rng(0).normal(0, 0.3, n)
    profile = DatasetProfile(problem_type="forecasting", data_structure="time_series",
                             n_samples=n, input_shape=[length, 1], forecast_horizon=horizon)
    return Dataset(profile=profile, features=pd.DataFrame({"y": values}), target=values,
                   feature_names=["y"], target_names=["y"], source="synthetic:sine")


def test_a_forecast_trains_on_windows_against_the_last_value():
    report = verify(dataset=_series(), max_epochs=4)
    assert report.split.method == "chronological" and report.split.unit == "windows"
    assert report.baselines["trivial"].description.startswith("last value")
    assert set(report.recommended.metrics) == {"mase", "mae", "rmse"}
    assert report.comparison.primary_metric == "mase"
    assert all(np.isfinite(v) for v in report.recommended.metrics.values())
    reference = report.baselines["reference"]
    assert reference.name in ("seasonal_naive", "holt_winters_additive")
    assert {c.name for c in reference.candidates} >= {"seasonal_naive", "holt_winters_additive"}
    assert sum(c.chosen for c in reference.candidates) == 1
    # every test origin whose 3-step horizon lies in the test part is scored
    test_rows = 400 - round(400 * 0.8)
    assert report.split.n_test == test_rows - 3 + 1


def test_text_is_tokenized_and_trained():
    rng = np.random.default_rng(0)
    good, bad = ["great", "fine", "lovely", "good"], ["awful", "bad", "poor", "boring"]
    texts, labels = [], []
    for i in range(240):
        words = list(rng.choice(good if i % 2 else bad, 3)) + list(rng.choice(["the", "a"], 2))
        texts.append(" ".join(rng.permutation(words)))
        labels.append(i % 2)
    profile = DatasetProfile(problem_type="binary", data_structure="text", n_samples=240,
                             input_shape=[6], n_classes=2, vocab_size=12)
    dataset = Dataset(profile=profile, features=np.array(texts), target=np.array(labels),
                      source="synthetic:text")
    report = verify(dataset=dataset, max_epochs=8)
    assert set(report.recommended.metrics) == {"accuracy", "macro_f1", "roc_auc"}
    assert report.recommended.metrics["roc_auc"] > 0.8


def test_multilabel_is_scored_with_micro_and_macro_f1():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(300, 6)).astype(np.float32)
    y = np.stack([x[:, 0] > 0, x[:, 1] + x[:, 2] > 0, x[:, 3] > 0.5], axis=1).astype(np.float32)
    profile = DatasetProfile(problem_type="multilabel", data_structure="tabular", n_samples=300,
                             input_shape=[6], n_classes=3)
    frame = pd.DataFrame(x, columns=[f"f{i}" for i in range(6)])
    report = verify(dataset=Dataset(profile=profile, features=frame, target=y), max_epochs=5)
    assert set(report.recommended.metrics) == {"micro_f1", "macro_f1"}
    assert report.comparison.primary_metric == "micro_f1"


def test_a_diverging_run_is_diagnosed_and_reported(tmp_path):
    dataset = load_sample_dataset("diabetes")
    config = recommend(dataset.profile).to_config().model_dump(mode="json")
    config["optimizer"] = {"name": "sgd", "learning_rate": 5.0}
    config["lr_schedule"] = None
    config["preprocessing"] = [{"step": "standardize"}]  # raw targets in the hundreds
    config["loss"] = {"name": "mean_squared_error"}
    report = verify(dataset=dataset, config=config, max_epochs=5, report_dir=tmp_path,
                    refine=True)
    codes = [f.code for f in report.diagnosis]
    assert codes[0] in ("DIAG003", "DIAG004"), codes
    assert report.diagnosis[0].severity == "error"
    assert report.diagnosis[0].facet == "learning_rate"
    assert not report.comparison.recommended_beats_trivial
    assert report.refined is not None
    assert report.refined.applied[0].startswith("optimizer.learning_rate: 5 -> ")
    data = json.loads((tmp_path / "report.json").read_text())  # NaN-free JSON
    assert data["diagnosis"][0]["code"] == codes[0]
    assert (tmp_path / "curves.png").stat().st_size > 0
