"""What ``advisor verify`` produces (DESIGN.md "Verify report" contract) and how it is shown.

JSON keys: ``recommended.metrics.<m>``, ``baselines.document_default.metrics.<m>`` and
``baselines.trivial.metrics.<m>`` (all on the same test split), ``split``, ``history`` (per run,
per epoch), ``diagnosis`` (findings like audit's), ``refined`` (with ``--refine``) and ``paths``
(report.json, report.md, curves.png when written). Imports no Keras.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Optional

from pydantic import BaseModel, ConfigDict, Field

from ..diagnose import Diagnosis

REPORT_VERSION = 1
METRIC_ORDER = ("accuracy", "macro_f1", "roc_auc", "micro_f1", "mase", "mae", "rmse")
RUN_TITLES = {"recommended": "recommended", "document_default": "document default",
              "trivial": "trivial baseline", "refined": "refined"}


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TestPartReport(_Strict):
    source: str = Field(description="given (a test file) or held_out (cut from the data)")
    path: Optional[str] = Field(default=None, description="the test file, when given")


class SplitReport(_Strict):
    method: str = Field(description="stratified, random or chronological")
    seed: int
    test_fraction: float
    validation_split: float
    unit: str = Field(description="what the counts count: rows, or windows of a series")
    n_train: int
    n_validation: int
    n_test: int
    test: TestPartReport = Field(default_factory=lambda: TestPartReport(source="held_out"))
    notes: list[str] = Field(default_factory=list)


class CandidateReport(_Strict):
    """One classical method tried for the reference."""

    name: str
    validation_metrics: dict[str, Optional[float]] = Field(default_factory=dict)
    metrics: dict[str, Optional[float]] = Field(default_factory=dict)
    chosen: bool = False
    note: str = ""


class RunReport(_Strict):
    """One setup trained and scored on the test split (the trivial baseline is only scored)."""

    name: str
    description: str
    metrics: dict[str, Optional[float]] = Field(
        description="scores on the test split (with several seeds: their mean); None where "
        "the model predicted NaN")
    validation_metrics: dict[str, Optional[float]] = Field(default_factory=dict)
    seeds: list[int] = Field(default_factory=list, description="the seeds trained")
    spread: dict[str, Optional[float]] = Field(
        default_factory=dict, description="with several seeds: the standard deviation of each "
        "test metric over them")
    per_seed: list[dict[str, Optional[float]]] = Field(
        default_factory=list, description="with several seeds: the test metrics of each")
    candidates: list[CandidateReport] = Field(
        default_factory=list, description="the classical reference: every method tried")
    epochs_planned: Optional[int] = None
    epochs_run: Optional[int] = None
    best_epoch: Optional[int] = None
    stopped_early: Optional[bool] = None
    wall_time_s: float = 0.0
    n_parameters: Optional[int] = None
    diagnosis: list[Diagnosis] = Field(default_factory=list)
    applied: list[str] = Field(default_factory=list,
                               description="refined run: the changes --refine made")
    setup: Optional[dict[str, Any]] = None


class Comparison(_Strict):
    primary_metric: str
    higher_is_better: bool
    recommended_beats_trivial: bool
    recommended_matches_document_default: bool
    recommended_matches_reference: Optional[bool] = Field(
        default=None, description="None when there is no classical reference")
    refined_matches_recommended: Optional[bool] = None


class ReportPaths(_Strict):
    report_json: Optional[str] = None
    report_md: Optional[str] = None
    curves_png: Optional[str] = None


class SavedModel(_Strict):
    name: str = Field(description="the run saved: recommended or refined")
    model: str = Field(description="the .keras file: the model with its preprocessing")
    inputs: str = Field(description="the JSON of its inputs, classes and target scaling")
    seed: int
    metrics: dict[str, Optional[float]] = Field(
        default_factory=dict, description="this model's test metrics (one seed)")


class TrialReport(_Strict):
    """One trial of advised search (verify --trials / --lr-find)."""

    number: int = Field(description="1 is the recommendation; the order they were proposed in")
    title: str = Field(description="what the trial tries, in a few words")
    changed: dict[str, Any] = Field(default_factory=dict, description="setup paths that differ "
                                    "from the recommendation, with the trial's values")
    rule: str = Field(description="the rule that proposed it (the winners for trial 1)")
    rule_name: str = ""
    because: str = ""
    source: Optional[str] = None
    status: str = Field(description="completed, stopped_at_deadline (best weights kept), "
                        "not_started (the budget), or failed")
    validation_metrics: dict[str, Optional[float]] = Field(
        default_factory=dict, description="on the validation part (with seeds: the mean); "
        "trials are ranked on these only")
    validation_spread: dict[str, Optional[float]] = Field(
        default_factory=dict, description="with several seeds: the standard deviation")
    metrics: dict[str, Optional[float]] = Field(
        default_factory=dict, description="test scores: the selected trial only")
    selected: bool = False
    seeds: list[int] = Field(default_factory=list)
    epochs_planned: Optional[int] = None
    epochs_run: Optional[int] = None
    best_epoch: Optional[int] = None
    wall_time_s: float = 0.0
    note: str = ""
    setup: Optional[dict[str, Any]] = None


class RangeTestReport(_Strict):
    """The learning-rate range test (rule LR030)."""

    rule: str = "LR030"
    learning_rates: list[float]
    losses: list[float] = Field(description="the loss of each step")
    smoothed: list[float] = Field(description="exponentially smoothed, bias-corrected")
    stopped: str = Field(description="why the ramp ended")
    method: str = "valley"
    suggestion: Optional[float] = Field(default=None, description="None: no rate found")
    suggestions: dict[str, Optional[float]] = Field(default_factory=dict,
                                                    description="valley, minimum, steep")
    message: Optional[str] = None
    wall_time_s: float = 0.0


class SearchReport(_Strict):
    """How advised search ran: backend, budget, what was cut, which trial was selected."""

    trials_asked: int
    backend: str = "local"
    address: Optional[str] = None
    workers: int = 1
    budget_s: Optional[float] = None
    wall_time_s: float = Field(description="the trials (and the range test) together")
    primary_metric: str
    selected: Optional[int] = Field(default=None, description="the trial number chosen on "
                                    "the validation part; None: no trial finished")
    cut: list[str] = Field(default_factory=list, description="what the budget cut")
    range_test: Optional[RangeTestReport] = None


class VerifyReport(_Strict):
    advisor_verify: int = REPORT_VERSION
    source: str
    problem_type: str
    data_structure: str
    device: str
    seed: int
    max_epochs: Optional[int] = None
    split: SplitReport
    recommended: RunReport
    baselines: dict[str, RunReport]
    refined: Optional[RunReport] = None
    comparison: Comparison
    history: dict[str, dict[str, list[Optional[float]]]] = Field(
        description="per run, per Keras log key, one value per epoch (None: NaN)")
    diagnosis: list[Diagnosis]
    paths: ReportPaths = Field(default_factory=ReportPaths)
    saved: list[SavedModel] = Field(default_factory=list,
                                    description="models written with --save")
    notes: list[str] = Field(default_factory=list)
    trained: str = Field(default="recommended",
                         description="what the 'recommended' run trained: the recommendation, "
                         "or the user's config (verify --config)")
    trials: list[TrialReport] = Field(default_factory=list,
                                      description="advised search (--trials, --lr-find)")
    search: Optional[SearchReport] = None

    @property
    def ours(self) -> str:
        """How the text names the first run: the recommendation, or the user's config."""
        return "your config" if self.trained == "config" else "recommended"

    def runs(self) -> list[RunReport]:
        runs = [self.recommended, *self.baselines.values()]
        return runs + ([self.refined] if self.refined else [])

    def title(self, run: RunReport) -> str:
        """How a run is named in tables: the classical reference by its method."""
        if run is self.baselines.get("reference"):
            return f"reference: {run.name}"
        if run is self.recommended:
            return self.ours
        return RUN_TITLES.get(run.name, run.name)

    def verdicts(self) -> list[str]:
        """Plain sentences on what the comparison means for the user."""
        out = []
        comparison = self.comparison
        reference = self.baselines.get("reference")
        name = comparison.primary_metric
        if reference is not None and comparison.recommended_matches_reference is False:
            ours, theirs = self.recommended.metrics.get(name), reference.metrics.get(name)
            shown = (f" ({name} {_number(theirs)} against {_number(ours)})"
                     if ours is not None and theirs is not None else "")
            out.append(
                f"The classical reference ({reference.description}) beats the {self.ours} "
                f"network on this split{shown}. As it stands, use the classical method for "
                "this data; a network needs more data, or try --refine and --seeds to see "
                "whether the gap is more than noise.")
        if not comparison.recommended_beats_trivial:
            out.append(f"The {self.ours} network does not beat the trivial baseline: it has "
                       "learned nothing useful on this split; read the diagnosis below.")
        return out

    def to_json(self) -> str:
        return json.dumps(self.model_dump(mode="json"), indent=2, allow_nan=False,
                          default=str)


def _metric_names(report: VerifyReport) -> list[str]:
    present = {name for run in report.runs() for name in run.metrics}
    return [name for name in METRIC_ORDER if name in present]


def _number(value: Optional[float]) -> str:
    return "nan" if value is None else f"{value:.4f}"


def _cell(run: RunReport, name: str) -> str:
    if name not in run.metrics:
        return "-"
    text = _number(run.metrics[name])
    spread = run.spread.get(name)
    return text + (f" ± {spread:.4f}" if spread is not None and run.spread else "")


def _row(report: VerifyReport, run: RunReport, names: list[str]) -> list[str]:
    cells = [report.title(run)]
    cells += [_cell(run, n) for n in names]
    if run.epochs_run is None:
        cells.append("-")
    else:
        stop = f", best {run.best_epoch}" if run.best_epoch else ""
        cells.append(f"{run.epochs_run}/{run.epochs_planned}{stop}")
    cells.append(f"{run.wall_time_s:.1f}s" if run.epochs_run is not None else "-")
    return cells


def _table(report: VerifyReport) -> tuple[list[str], list[list[str]]]:
    names = _metric_names(report)
    header = ["setup", *names, "epochs", "time"]
    return header, [_row(report, run, names) for run in report.runs()]


def render_text(report: VerifyReport) -> str:
    """A summary for people: the data and split, a table of the runs, the diagnosis."""
    split = report.split
    test = f" (test file {split.test.path})" if split.test.source == "given" else ""
    lines = [f"advisor verify: {report.source} ({report.problem_type}, {report.data_structure}; "
             f"{report.device})",
             f"split: {split.method}, seed {split.seed}: {split.n_train} train, "
             f"{split.n_validation} validation, {split.n_test} test {split.unit}{test}", ""]
    header, rows = _table(report)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i == 0 else f"{{:>{w}}}" for i, w in enumerate(widths))
    lines.append(fmt.format(*header))
    lines.append("  ".join("-" * w for w in widths))
    lines += [fmt.format(*row) for row in rows]
    comparison = report.comparison
    direction = "higher" if comparison.higher_is_better else "lower"
    lines += ["", f"primary metric: {comparison.primary_metric} ({direction} is better); "
              f"{report.ours} beats trivial: {_yes(comparison.recommended_beats_trivial)}; "
              f"matches or beats the document default: "
              f"{_yes(comparison.recommended_matches_document_default)}"
              + ("" if comparison.recommended_matches_reference is None else
                 f"; matches or beats the classical reference: "
                 f"{_yes(comparison.recommended_matches_reference)}")]
    lines += report.verdicts()
    if report.refined is not None:
        lines.append("refined with: " + ("; ".join(report.refined.applied) or "no changes"))
    lines += trials_text(report)
    lines += ["", f"Diagnosis ({report.ours}):"]
    lines += _findings_text(report.diagnosis) or ["  nothing to report: the curves look healthy"]
    if report.refined is not None:
        lines += ["", "Diagnosis (refined):"]
        lines += _findings_text(report.refined.diagnosis) or ["  nothing to report"]
    for note in report.notes:
        lines.append(f"note: {note}")
    written = [p for p in (report.paths.report_json, report.paths.report_md,
                           report.paths.curves_png) if p]
    if written:
        lines += ["", "wrote " + ", ".join(written)]
    for saved in report.saved:
        lines.append(f"saved the {saved.name} model (seed {saved.seed}) with its preprocessing "
                     f"to {saved.model}; its inputs: {saved.inputs}")
    return "\n".join(lines)


def _trial_metric(trial: TrialReport, name: str) -> str:
    text = _number(trial.validation_metrics.get(name)) if name in trial.validation_metrics \
        else "-"
    spread = trial.validation_spread.get(name)
    return text + (f" ± {spread:.4f}" if spread is not None and trial.validation_spread else "")


def trials_table(report: VerifyReport) -> tuple[list[str], list[list[str]]]:
    """Advised search as a table: one row per trial, validation scores, the rule behind it."""
    search = report.search
    name = search.primary_metric if search else report.comparison.primary_metric
    header = ["#", "trial", "rule", f"validation {name}", f"test {name}", "epochs", "time",
              "status"]
    rows = []
    for trial in report.trials:
        test = _number(trial.metrics.get(name)) if trial.selected and trial.metrics else "-"
        epochs = f"{trial.epochs_run}/{trial.epochs_planned}" if trial.epochs_run else "-"
        rows.append([f"{trial.number}{'*' if trial.selected else ''}", trial.title, trial.rule,
                     _trial_metric(trial, name), test, epochs,
                     f"{trial.wall_time_s:.1f}s" if trial.epochs_run else "-",
                     trial.status.replace("_", " ")])
    return header, rows


def trials_text(report: VerifyReport) -> list[str]:
    """The trials section of the text summary (empty without advised search)."""
    search = report.search
    if search is None:
        return []
    budget = f", budget {search.budget_s:g} s" if search.budget_s is not None else ""
    where = f" at {search.address}" if search.address else ""
    lines = ["", f"Trials ({len(report.trials)} of {search.trials_asked} asked; backend "
             f"{search.backend}{where}, {search.workers} at a time{budget}; took "
             f"{search.wall_time_s:.1f} s); ranked on the validation part, * selected:"]
    header, rows = trials_table(report)
    widths = [max(len(r[i]) for r in [header, *rows]) for i in range(len(header))]
    fmt = "  ".join(f"{{:<{w}}}" if i in (1, 2, 7) else f"{{:>{w}}}"
                    for i, w in enumerate(widths))
    lines += ["  " + fmt.format(*header), "  " + "  ".join("-" * w for w in widths)]
    lines += ["  " + fmt.format(*row) for row in rows]
    for trial in report.trials[1:]:
        if trial.because:
            lines.append(f"  {trial.number}: {trial.rule} {trial.rule_name}: "
                         f"{_clip(trial.because)}")
    found = search.range_test
    if found is not None:
        if found.suggestion is not None:
            others = ", ".join(f"{k} {v:.2g}" for k, v in found.suggestions.items()
                               if k != found.method and v is not None)
            lines.append(f"  range test (LR030): {found.method} suggests "
                         f"{found.suggestion:.2g} ({others}); {len(found.losses)} steps, "
                         f"{found.stopped}")
        else:
            lines.append(f"  range test (LR030): {found.message}")
    lines += [f"  cut: {item}" for item in search.cut]
    if search.selected not in (None, 1):
        chosen = report.trials[search.selected - 1]
        lines.append(f"  selected trial {chosen.number} ({chosen.title}) on the validation "
                     f"part; its test scores: " + ", ".join(
                         f"{k} {_number(v)}" for k, v in chosen.metrics.items()))
    return lines


def _clip(text: str, width: int = 160) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[:width - 3] + "..."


def _yes(value: bool) -> str:
    return "yes" if value else "no"


def _findings_text(findings: list[Diagnosis]) -> list[str]:
    lines = []
    for f in findings:
        lines.append(f"  {f.code} [{f.severity}] {f.name}: {f.message}")
        lines.append(f"    fix: {f.fix}")
    return lines


def render_markdown(report: VerifyReport) -> str:
    """report.md: the same content as the text summary, as Markdown, with the plot."""
    split = report.split
    out = [f"# advisor verify: {report.source}", "",
           f"- problem: {report.problem_type}, {report.data_structure}",
           f"- device: {report.device}; seed {report.seed}"
           + (f"; epochs capped at {report.max_epochs}" if report.max_epochs else ""),
           f"- split: {split.method}: {split.n_train} train / {split.n_validation} validation / "
           f"{split.n_test} test {split.unit} ("
           + (f"test file {split.test.path}" if split.test.source == "given" else
              f"test fraction {split.test_fraction:g}")
           + f", validation share {split.validation_split:g})", ""]
    header, rows = _table(report)
    out.append("| " + " | ".join(header) + " |")
    out.append("|" + "|".join("---" if i == 0 else "---:" for i in range(len(header))) + "|")
    out += ["| " + " | ".join(row) + " |" for row in rows]
    comparison = report.comparison
    out += ["", f"Primary metric **{comparison.primary_metric}** "
            f"({'higher' if comparison.higher_is_better else 'lower'} is better). "
            f"{report.ours.capitalize()} beats the trivial baseline: **{_yes(comparison.recommended_beats_trivial)}**; "
            "matches or beats the document's default: "
            f"**{_yes(comparison.recommended_matches_document_default)}**"
            + ("." if comparison.recommended_matches_reference is None else
               "; matches or beats the classical reference: "
               f"**{_yes(comparison.recommended_matches_reference)}**."), ""]
    out += [f"> {verdict}" for verdict in report.verdicts()]
    if report.verdicts():
        out.append("")
    for run in report.runs():
        if run.description:
            out.append(f"- *{report.title(run)}*: {run.description}")
    if report.refined is not None:
        out += ["", "## Refinement", ""]
        out += [f"- {change}" for change in report.refined.applied] or ["- no changes"]
    if report.search is not None:
        out += ["", "## Trials", ""]
        header, rows = trials_table(report)
        out.append("| " + " | ".join(header) + " |")
        out.append("|" + "|".join("---" if i in (1, 2, 7) else "---:"
                                  for i in range(len(header))) + "|")
        out += ["| " + " | ".join(row) + " |" for row in rows]
        out += [""] + [f"- {line.strip()}" for line in trials_text(report)[2 + 2 + len(rows):]]
    if report.paths.curves_png:
        image = Path(report.paths.curves_png).name
        out += ["", "## Learning curves", "", f"![learning curves]({image})"]
    out += ["", "## Diagnosis", ""]
    for title, findings in ((report.ours, report.diagnosis),
                            *((("refined", report.refined.diagnosis),) if report.refined else ())):
        if report.refined is not None:
            out += [f"### {title}", ""]
        if not findings:
            out.append("Nothing to report: the curves look healthy.")
        for f in findings:
            out += [f"**{f.code} {f.name}** ({f.severity}, {f.facet})", "",
                    f"{f.message}", "", f"*Fix:* {f.fix}", "",
                    f"*Because:* {f.because} ([source]({f.source}))", ""]
        out.append("")
    for note in report.notes:
        out.append(f"> note: {note}")
    return "\n".join(out).rstrip() + "\n"


def write_report(report: VerifyReport, folder: str | Path, *, plot: bool = True) -> VerifyReport:
    """Write report.json, report.md and curves.png to ``folder``; the report with their paths."""
    folder = Path(folder)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        from ..errors import AdvisorError

        raise AdvisorError(f"cannot create the report folder: {exc}", where=str(folder)) from None
    paths = ReportPaths(report_json=str(folder / "report.json"),
                        report_md=str(folder / "report.md"),
                        curves_png=str(folder / "curves.png") if plot else None)
    report = report.model_copy(update={"paths": paths})
    if plot:
        from .plot import plot_curves

        plot_curves(report, folder / "curves.png")
    (folder / "report.md").write_text(render_markdown(report), encoding="utf-8")
    (folder / "report.json").write_text(report.to_json() + "\n", encoding="utf-8")
    return report
