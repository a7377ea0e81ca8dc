"""The learning-rate range test (Smith 2015, section 3.3; fastai's and PyTorch Lightning's
``lr_find``): train on a ramp of exponentially growing rates and read a rate off the loss curve.

The test's settings are the value of rule LR030 (``rules/recommend/learning_rate.yaml``), whose
``because`` lists the known failure modes; this module only carries them out:

- one optimizer step per rate, ``steps`` rates from ``start`` to ``end`` (exponential ramp);
- the loss smoothed exponentially (``smoothing``, bias-corrected as fastai does); the ramp stops
  at the first NaN or infinite loss, or when the smoothed loss exceeds ``stop_factor`` times its
  best;
- suggestions from the smoothed curve without its first 10 points and its last one (Lightning):
  ``valley`` (fastai's default: the middle of the longest descending run), ``minimum`` (the rate
  at the lowest loss, divided by 10) and ``steep`` (the steepest descent per log rate);
- fewer than ``min_points`` finite points: no suggestion, and a message that says why;
- the model's weights and the optimizer's state (slots, step count, rate) are restored
  afterwards, so the test leaves no trace on later training (fastai#3013).
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any, Mapping, Optional

import numpy as np

from ..errors import AdvisorError

SKIP_START = 10
SKIP_END = 1
SUGGESTIONS = ("valley", "minimum", "steep")
DEFAULTS = {"start": 1e-7, "end": 10.0, "steps": 100, "smoothing": 0.98, "stop_factor": 4.0,
            "min_points": 20, "suggestion": "valley"}


@dataclass(frozen=True)
class RangeTestSettings:
    """The range test's settings (rule LR030's value)."""

    start: float = 1e-7
    end: float = 10.0
    steps: int = 100
    smoothing: float = 0.98
    stop_factor: float = 4.0
    min_points: int = 20
    suggestion: str = "valley"

    @classmethod
    def from_rule(cls, value: Mapping[str, Any]) -> "RangeTestSettings":
        unknown = set(value) - set(DEFAULTS) - {"method"}
        if unknown or value.get("method", "range_test") != "range_test":
            raise AdvisorError(f"rule LR030's value has unknown keys {sorted(unknown)} or "
                               f"method {value.get('method')!r}; expected method: range_test "
                               f"with {', '.join(DEFAULTS)}", where="LR030")
        settings = cls(**{k: v for k, v in value.items() if k != "method"})
        if not (0 < settings.start < settings.end) or settings.steps < settings.min_points \
                or settings.suggestion not in SUGGESTIONS:
            raise AdvisorError(f"rule LR030's range test settings do not hold together: "
                               f"{settings}", where="LR030")
        return settings


@dataclass
class RangeTest:
    """What the range test found: the curve and the suggested rates."""

    learning_rates: list[float]
    losses: list[float]
    smoothed: list[float]
    stopped: str
    suggestion: Optional[float] = None
    suggestions: dict[str, Optional[float]] = field(default_factory=dict)
    method: str = "valley"
    message: Optional[str] = None
    wall_time_s: float = 0.0


def ramp(settings: RangeTestSettings) -> np.ndarray:
    """The rates tried: exponentially spaced from ``start`` to ``end``."""
    return settings.start * (settings.end / settings.start) ** (
        np.arange(settings.steps) / (settings.steps - 1))


def valley(losses: np.ndarray) -> int:
    """fastai's valley: the index a third and a half into the longest descending run."""
    n = len(losses)
    run = [1] * n
    best_start = best_end = 0
    for i in range(1, n):
        for j in range(i):
            if losses[i] < losses[j] and run[i] < run[j] + 1:
                run[i] = run[j] + 1
        if run[best_end] < run[i]:
            best_end = i
            best_start = best_end - run[best_end]
    sections = (best_end - best_start) / 3
    return int(best_start + int(sections) + int(sections / 2))


def suggest(rates: np.ndarray, smoothed: np.ndarray) -> dict[str, Optional[float]]:
    """The three suggestions from the trimmed curve."""
    rates = np.asarray(rates, dtype=np.float64)
    smoothed = np.asarray(smoothed, dtype=np.float64)
    end = len(smoothed) - SKIP_END
    rates, smoothed = rates[SKIP_START:end], smoothed[SKIP_START:end]
    if len(smoothed) < 3:
        return {name: None for name in SUGGESTIONS}
    slope = np.gradient(smoothed, np.log(rates))
    return {"valley": float(rates[min(valley(smoothed), len(rates) - 1)]),
            "minimum": float(rates[int(np.argmin(smoothed))] / 10),
            "steep": float(rates[int(np.argmin(slope))])}


def _batches(x: np.ndarray, y: np.ndarray, batch_size: int, steps: int, seed: int):
    """``steps`` shuffled batches, reshuffled after each pass over the data."""
    rng = np.random.default_rng(seed)
    n = len(x)
    batch_size = max(1, min(batch_size, n))
    order = rng.permutation(n)
    position = 0
    for _ in range(steps):
        if position + batch_size > n:
            order, position = rng.permutation(n), 0
        rows = order[position:position + batch_size]
        position += batch_size
        yield x[rows], y[rows]


def range_test(model: Any, x: np.ndarray, y: np.ndarray, *, batch_size: int,
               settings: RangeTestSettings = RangeTestSettings(), seed: int = 0,
               class_weight: Optional[Mapping[int, float]] = None) -> RangeTest:
    """Run the range test on a compiled Keras model; its weights and optimizer state are put
    back afterwards.

    Args:
        model: a compiled Keras model whose optimizer has a plain (settable) learning rate.
        x, y: the training inputs and targets (as the loss expects them).
        batch_size: examples per step.
        settings: the ramp and the stopping rule (rule LR030's value).
        seed: shuffles the batches.
        class_weight: as for ``fit``.

    Returns:
        A :class:`RangeTest`; ``suggestion`` is None (and ``message`` says why) when the curve
        has too few finite points.
    """
    started = time.perf_counter()
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    saved_weights = model.get_weights()
    saved_optimizer = [np.array(v.numpy()) for v in optimizer.variables]
    saved_rate = float(np.asarray(optimizer.learning_rate))
    rates = ramp(settings)
    sample_weight = None
    losses: list[float] = []
    smoothed: list[float] = []
    average, best = 0.0, math.inf
    stopped = f"end of the ramp ({settings.end:g})"
    try:
        for i, (xb, yb) in enumerate(_batches(x, y, batch_size, settings.steps, seed)):
            optimizer.learning_rate.assign(float(rates[i]))
            if class_weight is not None:
                labels = np.asarray(yb).reshape(len(yb), -1)
                codes = labels.argmax(axis=1) if labels.shape[1] > 1 else labels[:, 0]
                sample_weight = np.array([class_weight.get(int(c), 1.0) for c in codes],
                                         dtype=np.float32)
            model.reset_metrics()
            logs = model.train_on_batch(xb, yb, sample_weight=sample_weight, return_dict=True)
            loss = float(logs["loss"])
            if not math.isfinite(loss):
                stopped = f"the loss became NaN or infinite at rate {rates[i]:.3g}"
                break
            average = settings.smoothing * average + (1 - settings.smoothing) * loss
            value = average / (1 - settings.smoothing ** (i + 1))
            losses.append(loss)
            smoothed.append(value)
            if i > 0 and value > settings.stop_factor * best:
                stopped = (f"the smoothed loss exceeded {settings.stop_factor:g}x its best at "
                           f"rate {rates[i]:.3g}")
                break
            best = min(best, value)
    finally:
        model.set_weights(saved_weights)
        for variable, value in zip(optimizer.variables, saved_optimizer):
            variable.assign(value)
        optimizer.learning_rate.assign(saved_rate)
    tried = [float(r) for r in rates[:len(losses)]]
    result = RangeTest(learning_rates=tried, losses=losses, smoothed=smoothed, stopped=stopped,
                       method=settings.suggestion)
    usable = len(losses) - SKIP_START - SKIP_END
    if len(losses) < settings.min_points or usable < 3:
        result.message = (f"could not find a rate: the range test gave {len(losses)} finite "
                          f"loss value(s), fewer than the {settings.min_points} needed "
                          f"({stopped}); check the inputs for NaN or extreme values, or keep "
                          "the rule's rate")
    else:
        result.suggestions = suggest(np.array(tried), np.array(smoothed))
        result.suggestion = result.suggestions[settings.suggestion]
    result.wall_time_s = round(time.perf_counter() - started, 3)
    return result


def find_learning_rate(setup: Any, prepared: Any, *, profile: Any, seed: int = 0,
                       settings: RangeTestSettings = RangeTestSettings(),
                       raw_width: Optional[int] = None) -> RangeTest:
    """The range test for ``setup`` on the training part of ``prepared``: the setup's model,
    loss and optimizer, built from ``seed``, with a constant rate (the schedule is what the
    test replaces)."""
    from .build import as_setup, build_model, class_weights, compile_model
    from .train import _keras, _labels_for_loss, _quiet_tensorflow, check_input_shape

    keras = _keras()
    _quiet_tensorflow()
    setup = as_setup(setup)
    constant = setup.model_copy(update={"lr_schedule": None})
    keras.backend.clear_session()
    keras.utils.set_random_seed(seed)
    input_shape = check_input_shape(constant, prepared.train.x.shape[1:], raw_width)
    model = compile_model(build_model(constant, input_shape=input_shape), constant)
    n_outputs = int(model.output_shape[-1])
    y = _labels_for_loss(prepared.train.y, constant, n_outputs)
    weights = None
    if profile.problem_type in ("binary", "multiclass"):
        weights = class_weights(prepared.train.y, constant)
    return range_test(model, np.asarray(prepared.train.x), np.asarray(y),
                      batch_size=constant.training.batch_size, settings=settings, seed=seed,
                      class_weight=weights)


__all__ = ["RangeTest", "RangeTestSettings", "range_test", "find_learning_rate", "suggest",
           "valley"]
