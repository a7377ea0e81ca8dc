"""Learning curves of a verify run: training and validation loss per epoch, one panel per setup.

The setups may train on different losses (the recommended Huber on scaled targets, the
document's MSE on raw ones), so each gets its own panel and y axis; a dotted line marks the best
epoch. matplotlib's Agg backend: no display needed.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any



def plot_curves(report: Any, path: str | Path) -> Path:
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    runs = [run for run in report.runs() if run.name in report.history]
    search = getattr(report, "search", None)
    extra = _search_panels(report) if search is not None else []
    count = max(1, len(runs) + len(extra))
    figure, axes = plt.subplots(1, count, figsize=(5.2 * count, 4.0), squeeze=False)
    for axis, draw in zip(axes[0][len(runs):], extra):
        draw(axis)
    for axis, run in zip(axes[0], runs):
        history = {key: [math.nan if v is None else v for v in values]
                   for key, values in report.history[run.name].items()}
        loss = history.get("loss", [])
        epochs = list(range(1, len(loss) + 1))
        axis.plot(epochs, loss, label="training loss", color="tab:blue", linewidth=1.8,
                  marker="o" if len(loss) < 3 else None)
        if history.get("val_loss"):
            axis.plot(epochs, history["val_loss"], label="validation loss", color="tab:orange",
                      linewidth=1.8, marker="o" if len(loss) < 3 else None)
        if run.best_epoch:
            axis.axvline(run.best_epoch, color="grey", linestyle=":", linewidth=1.2,
                         label=f"best epoch ({run.best_epoch})")
        values = [v for v in loss + history.get("val_loss", []) if math.isfinite(v) and v > 0]
        if values and max(values) / min(values) > 50:
            axis.set_yscale("log")
        loss_name = (run.setup or {}).get("loss", {}).get("name", "loss")
        axis.set_title(f"{report.title(run)} ({loss_name})")
        axis.set_xlabel("epoch")
        axis.set_ylabel("loss")
        axis.grid(True, alpha=0.3)
        axis.legend(fontsize="small")
    figure.suptitle(f"Learning curves: {report.source} ({report.problem_type})")
    figure.tight_layout()
    path = Path(path)
    figure.savefig(path, dpi=110)
    plt.close(figure)
    return path


def _search_panels(report: Any) -> list[Any]:
    """Advised search: the selected trial's curves (when it is not trial 1) and the
    learning-rate range test (loss against rate, the suggestions marked)."""
    panels = []
    search = report.search
    key = f"trial {search.selected}"
    if search.selected not in (None, 1) and key in report.history:
        def selected(axis: Any) -> None:
            history = {k: [math.nan if v is None else v for v in values]
                       for k, values in report.history[key].items()}
            epochs = list(range(1, len(history.get("loss", [])) + 1))
            axis.plot(epochs, history.get("loss", []), label="training loss", color="tab:blue")
            if history.get("val_loss"):
                axis.plot(epochs, history["val_loss"], label="validation loss",
                          color="tab:orange")
            title = report.trials[search.selected - 1].title
            axis.set_title(f"selected: trial {search.selected} ({title})", fontsize="small")
            axis.set_xlabel("epoch")
            axis.set_ylabel("loss")
            axis.grid(True, alpha=0.3)
            axis.legend(fontsize="small")
        panels.append(selected)
    found = search.range_test
    if found is not None and found.learning_rates:
        def range_test(axis: Any) -> None:
            axis.plot(found.learning_rates, found.losses, color="tab:grey", alpha=0.4,
                      linewidth=1, label="loss per step")
            axis.plot(found.learning_rates, found.smoothed, color="tab:blue", linewidth=1.8,
                      label="smoothed")
            styles = {"valley": "tab:red", "minimum": "tab:green", "steep": "tab:purple"}
            for name, rate in found.suggestions.items():
                if rate is not None:
                    axis.axvline(rate, color=styles.get(name, "black"), linestyle="--",
                                 linewidth=1, label=f"{name} {rate:.2g}")
            axis.set_xscale("log")
            finite = [v for v in found.smoothed if math.isfinite(v)]
            if finite:
                axis.set_ylim(min(finite) * 0.9 if min(finite) > 0 else None,
                              min(max(finite), 4 * min(finite)) * 1.1 if min(finite) > 0
                              else None)
            axis.set_title("learning-rate range test (LR030)")
            axis.set_xlabel("learning rate")
            axis.set_ylabel("training loss")
            axis.grid(True, alpha=0.3)
            axis.legend(fontsize="small")
        panels.append(range_test)
    return panels
