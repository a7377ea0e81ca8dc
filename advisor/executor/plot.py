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
    count = max(1, len(runs))
    figure, axes = plt.subplots(1, count, figsize=(5.2 * count, 4.0), squeeze=False)
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
