"""``advisor verify``: train the advice beside baselines (advisor.executor; TensorFlow is
imported inside the command only)."""

from __future__ import annotations

from typing import Any, Optional

import click

from ..errors import AdvisorError
from ..vocab import SAMPLE_DATASETS
from .app import cli
from .options import (
    FIELD_FLAGS,
    check_no_data_options,
    data_options,
    dataset_from_options,
    format_option,
    pop_data_options,
    profile_field_options,
)
from .output import echo_text

# -- verify ---------------------------------------------------------------------------------------
# Trains Keras models: TensorFlow is imported inside the command only (advisor.executor).


@cli.command("verify")
@click.option("--sample", "sample", type=click.Choice(SAMPLE_DATASETS), default=None,
              help="Train on a bundled real data set (scikit-learn's; no download).")
@click.option("--config", "config_path", metavar="FILE", default=None,
              help="Train this TrainingConfig (YAML/JSON from 'recommend --format config') "
              "instead of the recommendation; its Input shape must fit the data.")
@data_options(data=True)
@profile_field_options
@click.option("--report", "report_dir", metavar="DIR", default=None,
              help="Write report.json, report.md and curves.png (learning curves) to DIR.")
@format_option("text", "json", "markdown")
@click.option("--refine", is_flag=True,
              help="Apply the diagnosis of the recommended run once and train again; both "
              "runs are reported.")
@click.option("--seed", type=int, default=0, show_default=True,
              help="Seeds the split, the initial weights and the shuffling.")
@click.option("--max-epochs", "max_epochs", type=click.IntRange(min=1), default=None,
              metavar="N", help="Cap every run at N epochs (quick checks).")
@click.option("--test-data", "test_data", metavar="PATH", default=None,
              help="Your own test split (same format and options as --data; never profiled or "
              "fitted on). A forecasting test file continues the training series.")
@click.option("--test-fraction", "test_fraction",
              type=click.FloatRange(0, 1, min_open=True, max_open=True), default=None,
              help="Share of the examples held out for the comparison when there is no "
              "--test-data  [default: 0.2]")
@click.option("--seeds", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Train every setup N times (seeds SEED..SEED+N-1): mean and spread.")
@click.option("--no-reference", "no_reference", is_flag=True,
              help="Skip the classical reference (scikit-learn / statsmodels).")
@click.option("--quiet", "-q", is_flag=True, help="No Keras progress bars (for scripts).")
@click.option("--save", "save_path", metavar="PATH.keras", default=None,
              help="Save the trained recommended model with its preprocessing (it takes raw "
              "rows, images or texts) and PATH.inputs.json (what to feed it); with --refine "
              "also PATH.refined.keras. Load it with keras.saving.load_model.")
@click.option("--trials", type=click.IntRange(min=1), default=1, show_default=True, metavar="N",
              help="Advised search: train up to N setups, the recommendation first, then the "
              "rules' runners-up (each with its rule); ranked on the validation part.")
@click.option("--budget", metavar="DURATION", default=None,
              help="Cap the wall time of all trials together, e.g. 90s, 10m, 2h: no trial "
              "starts that cannot finish; one running at the deadline keeps its best weights.")
@click.option("--lr-find", "lr_find", is_flag=True,
              help="Run the learning-rate range test (rule LR030) first and add a trial at "
              "its suggested rate; the curve goes into curves.png.")
@click.option("--backend", type=click.Choice(["local", "ray"]), default="local",
              show_default=True, help="Where trials run: this process, or Ray tasks (one per "
              "worker; pip install 'advisor[distributed]').")
@click.option("--address", metavar="HOST:PORT", default=None,
              help="Join this Ray cluster (with --backend ray); without it Ray starts locally.")
@click.option("--gpus-per-trial", "gpus_per_trial", type=click.FloatRange(min=0), default=0.0,
              metavar="N", help="GPUs each Ray trial asks for (with --backend ray).")
def verify_command(sample: Optional[str], config_path: Optional[str], report_dir: Optional[str],
                   output_format: str, refine: bool, seed: int, max_epochs: Optional[int],
                   test_data: Optional[str], test_fraction: Optional[float], seeds: int,
                   no_reference: bool, quiet: bool, trials: int, budget: Optional[str],
                   lr_find: bool, backend: str, address: Optional[str], gpus_per_trial: float,
                   save_path: Optional[str] = None,
                   **flags: Any) -> None:
    """Train the recommended setup on real data and show that it works.

    Profiles the data, recommends a setup (or takes --config), splits the data (seeded;
    stratified for classes, in time order for series), fits the recommended preprocessing on
    the training split, trains with early stopping, and scores it on the test split (held out,
    or --test-data) next to the source document's default setup (Dense 64-64, Adam, 10 epochs,
    batch 32), a trivial baseline (majority class / mean / last value) and the classical method
    a practitioner would try instead (gradient boosting or a linear model, 1-NN for series,
    Holt-Winters for forecasts). The diagnose rules read the learning curves and say what to
    change next; --refine applies that once and trains again.

    \b
    Example:
      advisor verify --sample wine --seeds 3
      advisor verify --data train.csv --target label --report out/
      advisor verify --data train.npz --test-data test.npz
      advisor verify --data sales.csv --test-data later.csv --target sales \\
          --time-column month --forecast-horizon 12
      advisor verify --config run.yaml --data train.csv --target label --format json
      advisor verify --sample digits --refine --max-epochs 20
      advisor verify --data train.csv --target label --save model.keras
      advisor verify --data train.csv --target y --trials 6 --budget 10m
      advisor verify --data train.csv --target y --lr-find
      advisor verify --sample digits --trials 12 --backend ray --address 10.0.0.5:6379
    """
    data = flags.pop("data", None)
    data_opts = pop_data_options(flags)
    if data and sample:
        raise AdvisorError("--data and --sample both give the data set; use one of them")
    if test_data and not data:
        raise AdvisorError("--test-data needs --data: the test file is read like the "
                             "training file", hint="add --data TRAIN_PATH")
    if test_data and test_fraction is not None:
        raise AdvisorError("--test-fraction does not apply with --test-data (the test file "
                             "is the test split); drop one of them")
    if not data and not sample:
        raise AdvisorError("verify needs data: --data PATH (with --target COLUMN) or "
                           f"--sample NAME ({', '.join(SAMPLE_DATASETS)})")
    if address is not None and backend != "ray":
        raise AdvisorError(f"--address {address} names a Ray cluster; it needs --backend ray",
                           hint="add --backend ray, or drop --address")
    if gpus_per_trial and backend != "ray":
        raise AdvisorError("--gpus-per-trial applies to --backend ray; the local backend uses "
                           "the GPUs TensorFlow sees", hint="add --backend ray")
    from ..executor.backends import check_address
    from ..executor.search import parse_budget

    parse_budget(budget)
    check_address(address)
    from ..executor.verify import verify as run_verify

    if data:
        try:
            dataset = dataset_from_options(data, data_opts, flags)
        except ImportError as exc:  # advisor.data or one of its readers is missing
            raise AdvisorError(f"cannot read {data}: {exc}",
                                 hint="install the data dependencies, or use --sample") from None
    else:
        check_no_data_options(data_opts)
        overrides = {field: value for field, value in flags.items()
                     if field in FIELD_FLAGS and value is not None}
        from ..data import load_sample_dataset

        dataset = load_sample_dataset(sample, overrides=overrides)
    report = run_verify(dataset=dataset, config=config_path, report_dir=report_dir,
                        refine=refine, seed=seed, seeds=seeds, max_epochs=max_epochs,
                        test_data=test_data,
                        test_fraction=0.2 if test_fraction is None else test_fraction,
                        quiet=quiet, reference=not no_reference, save=save_path,
                        trials=trials, budget=budget, lr_find=lr_find, backend=backend,
                        address=address, gpus_per_trial=gpus_per_trial)
    if output_format == "json":
        echo_text(report.to_json())
    elif output_format == "markdown":
        from ..executor.report import render_markdown

        echo_text(render_markdown(report))
    else:
        from ..executor.report import render_text

        echo_text(render_text(report))
