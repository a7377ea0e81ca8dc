"""A recommendation as a standalone Keras training script (``advisor recommend --format keras``).

The script needs only TensorFlow (Keras 3) and NumPy. It holds the setup as JSON, the source of
:mod:`advisor.executor.layers` when the model uses a composite layer or a pretrained backbone,
and readable ``build_model`` / ``compile_model`` / ``training_callbacks`` functions written from
the same name tables and checks as :mod:`advisor.executor.build`. Its data pipeline loads arrays
from an ``.npz`` file (or makes random ones with ``--smoke``), splits off the validation share,
fits the recommended preprocessing on the training split only, trains with class weights, early
stopping and the schedule, and prints the validation metrics.

This module only produces text: it never imports Keras or TensorFlow.
"""

from __future__ import annotations

import json
import textwrap
from pathlib import Path
from typing import Any, Mapping

from ..errors import AdvisorError
from ..steps import PREPROCESSING_STEPS
from .build import (COMPOSITE_LAYERS, as_setup, check_layers, early_stopping_arguments,
                    keras_object_module, layer_arguments, loss_arguments, metric_names,
                    optimizer_arguments, plateau_arguments, schedule_arguments)

LAYERS_SOURCE = Path(__file__).with_name("layers.py")
# preprocessing steps the generated data pipeline implements (others are skipped with a warning)
SCRIPT_STEPS = frozenset(PREPROCESSING_STEPS) - {"log_target"}
LINE = 99


def render_keras_script(rec: Any) -> str:
    """A runnable ``train.py`` for a :class:`~advisor.models.Recommendation`.

    A ``TrainingConfig`` that carries its profile works too (its header has no rationale).

    Raises:
        AdvisorError: the setup names an unknown layer, loss, optimizer or schedule, or there is
            no profile to size the data by.
    """
    profile = getattr(rec, "profile", None)
    if profile is None:
        raise AdvisorError("a training script needs the data-set profile: render a "
                           "Recommendation, or a config file that includes its profile")
    setup = as_setup(rec)
    entries = check_layers(setup)
    kinds = {kind for kind, _ in entries}
    kinds |= {args["layer"].get("type") for kind, args in entries if kind == "Bidirectional"}
    backbone = "Backbone" in kinds
    composite = backbone or bool(kinds & set(COMPOSITE_LAYERS))
    setup_data = setup.model_dump(mode="json")
    profile_data = profile.model_dump(mode="json")
    input_args = entries[0][1]
    constants = {
        "INPUT_SHAPE": tuple(input_args["shape"]),
        "TOKEN_INPUT": str(input_args.get("dtype", "float32")).startswith("int"),
        "LABEL_ENCODING": profile.effective_label_encoding,
        "HAS_BACKBONE": backbone,
    }
    parts = [
        _header(rec, profile),
        _IMPORTS,
        _data_block(setup_data, profile_data, constants),
    ]
    if composite:
        parts.append(_section("Composite layers and the backbone loader "
                              "(advisor/executor/layers.py, verbatim)"))
        parts.append(_layers_source())
    parts += [
        _section("The model: generated from SETUP; edit it here"),
        _build_code(setup, entries, backbone),
        _compile_code(setup),
        _callbacks_code(setup),
        _RUNTIME,
    ]
    return "\n\n\n".join(part.strip("\n") for part in parts) + "\n"


# -- header ---------------------------------------------------------------------------------------

def _first_sentence(text: str, limit: int = 110) -> str:
    """The first sentence (a full stop outside parentheses, before a capital letter), cut to
    ``limit`` characters."""
    text = " ".join(text.split())
    depth = 0
    for i, char in enumerate(text):
        depth += {"(": 1, ")": -1}.get(char, 0)
        follows = text[i + 1:i + 3]
        if char == "." and depth <= 0 and follows[:1] == " " and follows[1:].isupper():
            text = text[:i + 1]
            break
    return text if len(text) <= limit else text[:limit - 3].rstrip(" ,;:") + "..."


def _profile_line(profile: Any) -> list[str]:
    data = profile.model_dump(mode="json", exclude_defaults=True)
    text = ", ".join(f"{k}={json.dumps(v)}" for k, v in data.items())
    complexity = profile.effective_complexity
    if not profile.complexity:
        text += f"; complexity {complexity} (derived)"
    return textwrap.wrap(text, LINE - 4, initial_indent="#   ", subsequent_indent="#   ")


def _header(rec: Any, profile: Any) -> str:
    lines = [
        "#!/usr/bin/env python3",
        "# Training script written by `advisor recommend --format keras`.",
        "# Needs only TensorFlow >= 2.16 (Keras 3) and NumPy.",
        "#",
        "#   python train.py --data data.npz [--x-key x --y-key y] [--epochs N] [--save m.keras]",
        "#   python train.py --smoke     # random data of the right shape: checks that it runs",
        "#   python train.py --help      # all options",
        "#",
        "# Data set profile:",
        *_profile_line(profile),
    ]
    rationale = list(getattr(rec, "rationale", None) or [])
    if rationale:
        lines += ["#", "# Why (one line per decision: slot, rule code, the rule's first reason;",
                  "# `advisor rules show CODE` prints a rule's full reason and its source):"]
        facet = None
        for entry in rationale:
            if entry.facet != facet:
                facet = entry.facet
                lines.append(f"#   {facet}")
            prefix = f"#     {entry.slot}: {entry.rule} "
            lines.append(prefix + _first_sentence(entry.because, LINE - len(prefix)))
    return "\n".join(line.rstrip() for line in lines) + "\n"


_IMPORTS = '''
import argparse
import json
import os
import sys

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up logs quiet

import numpy as np
import keras
from keras import layers
'''


def _section(title: str) -> str:
    return f"\n# {'-' * (LINE - 2)}\n# {title}\n# {'-' * (LINE - 2)}\n"


def _json_text(data: Any, indent: str = "", used: int = 0) -> str:
    """JSON with every value that fits on its line kept on one line (readable and short);
    ``used`` is the width of what precedes the value on its line."""
    flat = json.dumps(data)
    if used + len(flat) < LINE - 1 or not isinstance(data, (dict, list)) or not data:
        return flat
    inner = indent + "  "
    if isinstance(data, dict):
        items = []
        for key, value in data.items():
            prefix = f"{inner}{json.dumps(key)}: "
            items.append(prefix + _json_text(value, inner, len(prefix)))
        return "{\n" + ",\n".join(items) + f"\n{indent}}}"
    items = [inner + _json_text(v, inner, len(inner)) for v in data]
    return "[\n" + ",\n".join(items) + f"\n{indent}]"


def _json_literal(data: Any) -> str:
    text = _json_text(data)
    if "'''" in text or text.endswith("\\"):
        return f"json.loads({text!r})"
    return f"json.loads(r'''\n{text}\n''')"


def _data_block(setup: dict, profile: dict, constants: Mapping[str, Any]) -> str:
    lines = [
        _section("The recommendation"),
        "# SETUP is the advisor's setup (advisor.models.TrainingSetup as JSON). build_model(),",
        "# compile_model() and training_callbacks() below were written from it: change the model",
        "# there. The data pipeline at the end reads SETUP['training'] and SETUP['preprocessing'].",
        f"SETUP = {_json_literal(setup)}",
        "",
        f"PROFILE = {_json_literal(profile)}",
        "",
    ]
    for name, value in constants.items():
        lines.append(f"{name} = {_literal(value) if isinstance(value, str) else repr(value)}")
    return "\n".join(lines) + "\n"


def _layers_source() -> str:
    source = LAYERS_SOURCE.read_text(encoding="utf-8")
    kept = [line for line in source.splitlines() if not line.startswith("from __future__")]
    return "\n".join(kept) + "\n"


# -- generated code -------------------------------------------------------------------------------

def _literal(value: Any) -> str:
    if isinstance(value, str):
        return json.dumps(value)  # a valid Python literal, in double quotes
    if isinstance(value, (bool, int, float)) or value is None:
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_literal(v) for v in value) + "]"
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_literal(k)}: {_literal(v)}" for k, v in value.items()) + "}"
    raise AdvisorError(f"cannot write {value!r} ({type(value).__name__}) into a script")


def _argument(key: str, value: Any) -> str:
    module = keras_object_module(key)
    if module and isinstance(value, Mapping):
        name = str(value["class_name"])
        if not name.isidentifier():
            raise AdvisorError(f"{key}: class_name must be a keras.{module} class, got {name!r}")
        return f"keras.{module}.{name}({_kwargs(value['config'])})"
    if key in ("shape", "target_shape", "dims") and isinstance(value, (list, tuple)):
        return repr(tuple(value))
    return _literal(value)


def _kwargs(arguments: Mapping[str, Any]) -> str:
    return ", ".join(f"{k}={_argument(k, v)}" for k, v in arguments.items())


def _layer_expr(index: int, kind: str, arguments: Mapping[str, Any]) -> str:
    if kind in COMPOSITE_LAYERS:
        return f"{kind}({_kwargs(arguments)})"
    if kind == "Bidirectional":
        inner_kind, inner = layer_arguments(index, arguments["layer"])
        rest = {k: v for k, v in arguments.items() if k != "layer"}
        extra = f", {_kwargs(rest)}" if rest else ""
        return f"layers.Bidirectional({_layer_expr(index, inner_kind, inner)}{extra})"
    return f"layers.{kind}({_kwargs(arguments)})"


def _split_arguments(text: str) -> list[str]:
    """Split ``a=1, b=f(2, 3), c='x, y'`` at its top-level commas."""
    parts, depth, quote, start = [], 0, None, 0
    for i, char in enumerate(text):
        if quote:
            if char == quote and text[i - 1] != "\\":
                quote = None
        elif char in "'\"":
            quote = char
        elif char in "([{":
            depth += 1
        elif char in ")]}":
            depth -= 1
        elif char == "," and depth == 0:
            parts.append(text[start:i].strip())
            start = i + 1
    parts.append(text[start:].strip())
    return [p for p in parts if p]


def _wrap_call(prefix: str, call: str, indent: str = "    ") -> str:
    """``prefix(call)`` on one line, or with the innermost call's arguments on continuation
    lines (filled up to the line length) when it is too long."""
    line = f"{indent}{prefix}({call})"
    if len(line) <= LINE:
        return line
    if "(" in call and call.endswith(")"):
        head, _, arguments = call.partition("(")
        opening, arguments, closing = f"{indent}{prefix}({head}(", arguments[:-1], "))"
    else:
        opening, arguments, closing = f"{indent}{prefix}(", call, ")"
    lines, current = [opening], indent + "    "
    for argument in _split_arguments(arguments):
        candidate = f"{current} {argument}," if current.strip() else f"{current}{argument},"
        if len(candidate) > LINE and current.strip():
            lines.append(current.rstrip())
            current = f"{indent}    {argument},"
        else:
            current = candidate
    lines.append(current.rstrip().rstrip(",") + closing)
    return "\n".join(lines)


def _build_code(setup: Any, entries: list, backbone: bool) -> str:
    family = setup.model.family
    input_args = entries[0][1]
    signature = "input_shape=INPUT_SHAPE" + (", weights=BACKBONE_WEIGHTS" if backbone else "")
    lines = []
    if backbone:
        weights = next(args.get("weights", "imagenet") for kind, args in entries
                       if kind == "Backbone")
        lines += [f"BACKBONE_WEIGHTS = {_literal(weights)}  # None: random; or a weights file path",
                  "", ""]
    lines += [
        f"def build_model({signature}):",
        f'    """The recommended {family} model, layer by layer (SETUP["model"]["layers"])."""',
        f"    model = keras.Sequential(name={_literal('advisor_' + family)})",
    ]
    dtype = input_args.get("dtype")
    extra = {k: v for k, v in input_args.items() if k not in ("shape", "dtype")}
    input_call = "shape=input_shape" + (f", dtype={_literal(dtype)}" if dtype else "")
    if extra:
        input_call += ", " + _kwargs(extra)
    lines.append(f"    model.add(keras.Input({input_call}))")
    for index, (kind, arguments) in enumerate(entries[1:], start=1):
        if kind == "Backbone":
            call = (f"make_backbone({_literal(arguments['name'])}, weights=weights, "
                    f"input_shape=model.output_shape[1:], "
                    f"pooling={_literal(arguments.get('pooling', 'avg'))}, "
                    f"trainable={bool(arguments.get('trainable', False))!r})")
            lines.append("    # ImageNet weights: read from the local Keras cache, never downloaded")
        else:
            call = _layer_expr(index, kind, arguments)
        lines.append(_wrap_call("model.add", call))
    lines.append("    return model")
    return "\n\n" + "\n".join(lines) + "\n"


def _compile_code(setup: Any) -> str:
    loss_cls, loss_kwargs = loss_arguments(setup)
    opt_cls, opt_kwargs = optimizer_arguments(setup)
    schedule = schedule_arguments(setup)
    lines = ["", "", "def compile_model(model):",
             '    """The recommended optimizer, learning rate (schedule), loss and metrics."""']
    if schedule is not None:
        lines.append("    # linear warm-up from 0 to the learning rate, then cosine decay"
                     if "warmup_steps" in schedule else "    # cosine decay")
        lines.append(_wrap_call("learning_rate = keras.optimizers.schedules.CosineDecay",
                                _kwargs(schedule)))
    else:
        lines.append(f"    learning_rate = {setup.optimizer.learning_rate!r}")
    opt_args = ", ".join(["learning_rate=learning_rate"]
                         + ([_kwargs(opt_kwargs)] if opt_kwargs else []))
    lines.append(_wrap_call(f"optimizer = keras.optimizers.{opt_cls}", opt_args))
    lines.append(_wrap_call(f"loss = keras.losses.{loss_cls}", _kwargs(loss_kwargs)))
    lines.append(_wrap_call("model.compile", "optimizer=optimizer, loss=loss, "
                            f"metrics={_literal(metric_names(setup))}"))
    lines.append("    return model")
    return "\n".join(lines) + "\n"


def _callbacks_code(setup: Any) -> str:
    stopping = early_stopping_arguments(setup)
    plateau = plateau_arguments(setup)
    what = " and ".join(name for name, arguments in (
        ("early stopping (keeping the best weights)", stopping),
        ("halving the learning rate on plateaus", plateau)) if arguments) or "no callbacks"
    lines = ["", "", "def training_callbacks(has_validation=True):",
             f'    """The recommended callbacks: {what}."""',
             "    def monitor(name):  # without validation data, watch the training value",
             '        return name if has_validation or not name.startswith("val_") else name[4:]',
             "",
             "    callbacks = []"]
    for cls, arguments in (("EarlyStopping", stopping), ("ReduceLROnPlateau", plateau)):
        if arguments is None:
            continue
        monitor = arguments.pop("monitor", "val_loss")
        rest = _kwargs(arguments)
        call = (f"keras.callbacks.{cls}(monitor=monitor({_literal(monitor)})"
                + (f", {rest}" if rest else "") + ")")
        lines.append(_wrap_call("callbacks.append", call))
    lines.append("    return callbacks")
    return "\n".join(lines) + "\n"


# -- the data pipeline and the training loop (the same in every script) ---------------------------

_RUNTIME = r'''

# -------------------------------------------------------------------------------------------------
# Data: loading, random smoke-test data, splitting, windows
# -------------------------------------------------------------------------------------------------

PROBLEM = PROFILE["problem_type"]
STRUCTURE = PROFILE["data_structure"]
STEPS = {step["step"]: step for step in SETUP["preprocessing"]}
TRAINING = SETUP["training"]
N_OUTPUTS = SETUP["model"]["output"]["units"]


def load_data(path, x_key, y_key, allow_pickle=False):
    """Arrays x (examples) and y (labels; optional for anomaly detection and raw series)."""
    try:
        with np.load(path, allow_pickle=allow_pickle) as data:
            if x_key not in data.files:
                sys.exit(f"{path}: no array {x_key!r} (it has {', '.join(data.files)}); "
                         "use --x-key")
            x = data[x_key]
            y = data[y_key] if y_key in data.files else None
    except ValueError as exc:
        sys.exit(f"{path}: {exc}. Ragged token sequences are object arrays: add --allow-pickle "
                 "if you trust the file")
    if y is None and PROBLEM not in ("anomaly_detection", "forecasting"):
        sys.exit(f"{path}: no labels {y_key!r} (it has {', '.join(data.files)}); use --y-key")
    return x, y


def smoke_data(n, rng):
    """Random inputs and labels of the recommended shapes and types: checks that everything
    runs, not that anything is learned. Returns x, y and the categorical column indices."""
    categorical = []
    if PROBLEM == "forecasting" and "window" in STEPS:
        window = STEPS["window"]
        span = window["length"] + window["horizon"]
        total = max(n + span, int(np.ceil((span + 8) / max(TRAINING["validation_split"], 0.05))))
        shape = (total,) + INPUT_SHAPE[1:]
        if TOKEN_INPUT:
            return rng.integers(1, vocabulary(), size=shape), None, categorical
        series = np.cumsum(rng.normal(size=shape), axis=0).astype("float32")
        if PROFILE.get("missing_ratio"):
            series[rng.random(shape) < PROFILE["missing_ratio"]] = np.nan
        return series, None, categorical
    shape = (n,) + INPUT_SHAPE
    if "tokenize" in STEPS:
        words = np.array([f"word{i}" for i in range(50)])
        x = np.array([" ".join(rng.choice(words, size=rng.integers(3, INPUT_SHAPE[0] + 5)))
                      for _ in range(n)])
    elif TOKEN_INPUT and "pad" in STEPS:  # ragged id sequences, some longer than the length
        x = np.empty(n, dtype=object)
        for i in range(n):
            x[i] = rng.integers(1, vocabulary(), size=rng.integers(1, INPUT_SHAPE[0] + 5))
    elif TOKEN_INPUT:
        x = rng.integers(1, vocabulary(), size=shape)
    elif "rescale" in STEPS:
        x = rng.integers(0, 256, size=shape).astype("float32")
    else:
        x = rng.normal(size=shape).astype("float32")
        if STRUCTURE == "tabular" and "one_hot" in STEPS:
            count = PROFILE.get("categorical_features") or 1
            categorical = list(range(shape[1] - count, shape[1]))
            x[:, categorical] = rng.integers(0, 5, size=(n, count))
        if PROFILE.get("missing_ratio"):
            x[rng.random(shape) < PROFILE["missing_ratio"]] = np.nan
    return x, random_labels(n, rng), categorical


def vocabulary():
    return int(PROFILE.get("vocab_size") or 50)


def random_labels(n, rng):
    classes = PROFILE.get("n_classes") or 2
    if PROBLEM == "anomaly_detection":
        return None
    if PROBLEM in ("binary", "multiclass"):
        labels = rng.integers(0, classes, size=n)
        labels[:classes] = np.arange(classes)  # every class present
        return np.eye(classes)[labels] if LABEL_ENCODING == "one_hot" else labels
    if PROBLEM == "multilabel":
        return (rng.random((n, classes)) < 0.3).astype("float32")
    if PROBLEM == "seq2seq":
        labels = rng.integers(0, classes, size=(n, INPUT_SHAPE[0]))
        return np.eye(classes)[labels] if LABEL_ENCODING == "one_hot" else labels
    return (50 + 10 * rng.normal(size=(n, N_OUTPUTS))).astype("float32")  # regression


def split(x, y, fraction, rng, ordered):
    """Hold out the last ``fraction`` of the examples (after shuffling unless ``ordered``)."""
    n = len(x)
    if not ordered:
        order = rng.permutation(n)
        x = x[order]
        y = None if y is None else y[order]
    cut = n - int(round(n * fraction))
    return x[:cut], None if y is None else y[:cut], x[cut:], None if y is None else y[cut:]


def make_windows(series, target, length, horizon, stride):
    """Inputs of ``length`` steps and the ``horizon`` target values that follow each (every
    series' values, step by step: horizon x series outputs), and each window's last target
    values (the base the forecast is relative to, when the window step has a base)."""
    starts = range(0, len(series) - length - horizon + 1, stride)
    if not starts:
        sys.exit(f"a series of {len(series)} steps is too short for windows of {length} steps "
                 f"plus {horizon} to predict")
    target = target.reshape(len(target), -1)
    x = np.stack([series[s:s + length] for s in starts])
    y = np.stack([target[s + length:s + length + horizon].reshape(-1)
                  for s in starts]).astype("float32")
    last = np.stack([np.tile(target[s + length - 1], horizon) for s in starts]).astype("float32")
    known = ~np.isnan(y).any(axis=1) & ~np.isnan(last).any(axis=1)
    if not known.all():  # windows whose targets have gaps teach nothing
        print(f"dropped {int((~known).sum())} of {len(y)} windows with missing target values")
    return x[known], y[known], last[known]


def forecast_base():
    """Whether the network predicts the change from the last value (the window step's base)."""
    return STEPS.get("window", {}).get("base", "none") != "none"


def prepare_split(x, y, rng, target_column):
    """Split into training and validation data; cut forecasting series into windows, each
    split separately so that no window straddles the boundary. Forecasts also return the
    validation windows' last values (their base), else None."""
    fraction = TRAINING["validation_split"]
    if PROBLEM == "forecasting" and "window" in STEPS and np.ndim(x) == len(INPUT_SHAPE):
        window = STEPS["window"]
        target = np.asarray(y if y is not None else (x[:, target_column] if np.ndim(x) > 1 else x))
        cut = len(x) - int(round(len(x) * fraction))
        args = (window["length"], window["horizon"], window.get("stride", 1))
        print(f"cutting windows of {window['length']} steps -> the next {window['horizon']} "
              f"target values; the last {fraction:.0%} of the series is the validation data")
        x_train, y_train, last_train = make_windows(x[:cut], target[:cut], *args)
        if fraction and len(x) - cut >= window["length"] + window["horizon"]:
            x_val, y_val, last_val = make_windows(x[cut:], target[cut:], *args)
        else:
            x_val, y_val, last_val = x_train[:0], y_train[:0], last_train[:0]
        if forecast_base():
            print("forecasting the change from each window's last value")
            return x_train, y_train - last_train, x_val, y_val - last_val, last_val
        return x_train, y_train, x_val, y_val, None
    return split(x, y, fraction, rng, ordered=PROBLEM == "forecasting") + (None,)


def level_removed(x, target_column):
    """A forecast relative to the last value sees the window less its last target value."""
    if PROBLEM == "forecasting" and forecast_base() and np.ndim(x) == 3 and len(x):
        x = np.array(x, dtype="float32")
        x[:, :, target_column] -= x[:, -1:, target_column]
    return x


# -------------------------------------------------------------------------------------------------
# Preprocessing: every statistic is fitted on the training split only
# -------------------------------------------------------------------------------------------------

def stat_axes(x):
    """Per column (tabular) or per channel (the last axis); one global value for 1-D series."""
    if STRUCTURE == "tabular" or x.ndim >= 3:
        return tuple(range(x.ndim - 1))
    return None


def forward_fill(x, axis=1):
    """Fill gaps along ``axis`` (the steps) with the last observed value, leading gaps with 0."""
    if isinstance(x, np.ndarray) and x.dtype == object:  # ragged sequences: one at a time
        filled = np.empty(len(x), dtype=object)
        for i, sequence in enumerate(x):
            filled[i] = forward_fill(sequence, axis=0)
        return filled
    x = np.array(x, dtype="float32")
    steps = np.moveaxis(x, axis, 0)  # a view: filling it fills x
    for t in range(1, len(steps)):
        steps[t] = np.where(np.isnan(steps[t]), steps[t - 1], steps[t])
    return np.nan_to_num(x, nan=0.0)


class Preprocessor:
    """The recommended steps (SETUP["preprocessing"]) in order. ``fit_transform`` learns each
    step's statistics from the training data; ``transform`` applies them to other data."""

    def __init__(self, steps, categorical=()):
        self.steps = []
        for step in steps:
            if step["step"] in ("window", "standardize_target"):
                continue  # done by prepare_split() and TargetScaler
            if not hasattr(self, "_" + step["step"]):
                print(f"warning: preprocessing step {step['step']!r} is not implemented in this "
                      "script; it is skipped")
                continue
            self.steps.append(dict(step))
        self.categorical = list(categorical)
        self.state = []
        self.numeric = None  # tabular: which columns are numeric (not indicators or one-hot)

    def fit_transform(self, x):
        self.state = []
        for step in self.steps:
            state = getattr(self, "_fit_" + step["step"], lambda x, step: None)(x, step)
            self.state.append(state)
            x = self._apply(step, state, x)
        return self._final(x)

    def transform(self, x):
        for step, state in zip(self.steps, self.state):
            x = self._apply(step, state, x)
        return self._final(x)

    def _apply(self, step, state, x):
        return getattr(self, "_" + step["step"])(x, step, state)

    def _final(self, x):
        ids = TOKEN_INPUT and not any(s["step"] == "multi_hot" or s.get("output_mode") == "multi_hot"
                                      for s in self.steps)  # a bag of tokens is a float vector
        return np.asarray(x, dtype="int32" if ids else "float32")

    def _mask(self, x):
        if STRUCTURE != "tabular":
            return slice(None)
        if self.numeric is None or len(self.numeric) != x.shape[1]:
            self.numeric = np.ones(x.shape[1], dtype=bool)
        return self.numeric

    # impute: median (tabular, with optional missing-indicator columns) or forward fill
    def _fit_impute(self, x, step):
        if step.get("strategy") == "forward_fill":
            return None
        x = np.asarray(x, dtype="float32")
        with np.errstate(all="ignore"):
            median = np.nan_to_num(np.nanmedian(np.where(np.isnan(x).all(axis=0), 0.0, x), axis=0))
        missing = np.flatnonzero(np.isnan(x).any(axis=0)) if step.get("add_indicator") else []
        self._mask(x)
        return median, missing

    def _impute(self, x, step, state):
        if step.get("strategy") == "forward_fill":
            return forward_fill(x)
        median, missing = state
        x = np.asarray(x, dtype="float32")
        gaps = np.isnan(x)
        filled = np.where(gaps, median, x)
        if len(missing):
            filled = np.concatenate([filled, gaps[:, missing].astype("float32")], axis=1)
            self.numeric = np.concatenate([self._mask(x), np.zeros(len(missing), dtype=bool)])
        return filled

    # one_hot: the categorical columns (--categorical) become one column per frequent code
    def _fit_one_hot(self, x, step):
        if not self.categorical:
            print("note: one-hot encoding was recommended, but no --categorical columns were "
                  "given; all columns are treated as numbers")
            return []
        codes = []
        for column in self.categorical:
            values, counts = np.unique(x[:, column][~np.isnan(x[:, column])], return_counts=True)
            keep = values[np.argsort(-counts, kind="stable")[:step.get("max_categories", 50)]]
            codes.append(np.sort(keep))
        return codes

    def _one_hot(self, x, step, codes):
        if not codes:
            return x
        mask = self._mask(x)
        rest = [c for c in range(x.shape[1]) if c not in self.categorical]
        blocks = [x[:, rest]]
        for column, known in zip(self.categorical, codes):
            hot = (x[:, column][:, None] == known[None, :]).astype("float32")
            blocks += [hot, (hot.sum(axis=1, keepdims=True) == 0).astype("float32")]  # other
        out = np.concatenate(blocks, axis=1)
        self.numeric = np.concatenate([mask[rest], np.zeros(out.shape[1] - len(rest), bool)])
        return out

    # clip: to the training quantiles
    def _fit_clip(self, x, step):
        x = np.asarray(x, dtype="float32")
        low, high = step.get("quantiles", [0.001, 0.999])
        mask = self._mask(x)
        return np.nanquantile(x[:, mask] if STRUCTURE == "tabular" else x, [low, high],
                              axis=stat_axes(x))

    def _clip(self, x, step, bounds):
        x = np.array(x, dtype="float32")
        if STRUCTURE == "tabular":
            x[:, self._mask(x)] = np.clip(x[:, self._mask(x)], bounds[0], bounds[1])
            return x
        return np.clip(x, bounds[0], bounds[1])

    # standardize: zero mean and unit variance with the training statistics
    def _fit_standardize(self, x, step):
        x = np.asarray(x, dtype="float32")
        values = x[:, self._mask(x)] if STRUCTURE == "tabular" else x
        mean, std = np.nanmean(values, axis=stat_axes(x)), np.nanstd(values, axis=stat_axes(x))
        return mean, np.where(std > 1e-12, std, 1.0)

    def _standardize(self, x, step, state):
        mean, std = state
        x = np.array(x, dtype="float32")
        if STRUCTURE == "tabular":
            mask = self._mask(x)
            x[:, mask] = (x[:, mask] - mean) / std
            return x
        return (x - mean) / std

    # min_max: (x - min) / (max - min) with the training minimum and maximum (per channel)
    def _fit_min_max(self, x, step):
        x = np.asarray(x, dtype="float32")
        values = x[:, self._mask(x)] if STRUCTURE == "tabular" else x
        low, high = np.nanmin(values, axis=stat_axes(x)), np.nanmax(values, axis=stat_axes(x))
        return low, np.where(high - low > 1e-12, high - low, 1.0)

    def _min_max(self, x, step, state):
        low, span = state
        x = np.array(x, dtype="float32")
        bottom, top = step.get("range", [0.0, 1.0])  # e.g. [0, 255] for a pretrained backbone
        if STRUCTURE == "tabular":
            mask = self._mask(x)
            x[:, mask] = (x[:, mask] - low) / span * (top - bottom) + bottom
            return x
        return (x - low) / span * (top - bottom) + bottom

    def _rescale(self, x, step, state):
        return np.asarray(x, dtype="float32") / float(step.get("divide_by", 255))

    # tokenize: raw strings -> fixed-length token ids, vocabulary from the training split
    def _fit_tokenize(self, x, step):
        if np.asarray(x).dtype.kind not in "USO":
            print("note: the inputs are already token ids; the tokenizer is skipped")
            return None
        mode = step.get("output_mode", "int")  # "multi_hot": a bag of words per example
        length = {"output_sequence_length": step.get("output_sequence_length", INPUT_SHAPE[0])}
        vectorizer = layers.TextVectorization(
            max_tokens=step.get("max_tokens"), output_mode=mode,
            standardize=step.get("standardize", "lower_and_strip_punctuation"),
            **(length if mode == "int" else {}))
        vectorizer.adapt(np.asarray(x, dtype=str))
        return vectorizer

    def _tokenize(self, x, step, vectorizer):
        if vectorizer is None:
            return x
        x = np.asarray(x, dtype=str)
        chunks = [np.asarray(vectorizer(x[i:i + 4096])) for i in range(0, len(x), 4096)]
        return np.concatenate(chunks) if chunks else np.zeros((0,) + INPUT_SHAPE, "int32")

    # multi_hot: token id sequences -> which ids occur (ids past num_tokens share the last slot)
    def _multi_hot(self, x, step, state):
        size = int(step["num_tokens"])
        bags = np.zeros((len(x), size), dtype="float32")
        for row, ids in enumerate(x):
            ids = np.clip(np.asarray(ids, dtype="int64").reshape(-1), 0, size - 1)
            bags[row, ids] = 1.0
        return bags

    # pad: token id sequences to a fixed length (and truncate longer ones)
    def _pad(self, x, step, state):
        length = step.get("length", INPUT_SHAPE[0])
        if isinstance(x, np.ndarray) and x.dtype != object and x.shape[1:] == (length,):
            return x
        padding = step.get("padding", "post")
        return keras.utils.pad_sequences([np.asarray(s) for s in x], maxlen=length,
                                         padding=padding, truncating=padding,
                                         value=step.get("value", 0), dtype="int32")


def prepare_labels(y):
    """Labels in the dtype and shape the loss expects."""
    y = np.asarray(y)
    if PROBLEM in ("binary", "multiclass", "seq2seq") and LABEL_ENCODING != "one_hot":
        y = y.astype("int32")
        if PROBLEM == "binary":
            return y.reshape(-1, 1).astype("float32")
        return y.reshape(-1) if PROBLEM == "multiclass" else y
    y = y.astype("float32")
    if PROBLEM in ("regression", "forecasting") and y.ndim == 1:
        y = y.reshape(-1, 1)
    return y


class TargetScaler:
    """standardize_target: regression targets scaled with the training mean and deviation."""

    def __init__(self, enabled):
        self.enabled = enabled
        self.mean, self.std = 0.0, 1.0

    def fit_transform(self, y):
        if self.enabled:
            self.mean = y.mean(axis=0)
            self.std = np.where(y.std(axis=0) > 1e-12, y.std(axis=0), 1.0)
        return self.transform(y)

    def transform(self, y):
        return (y - self.mean) / self.std if self.enabled else y

    def inverse(self, y):
        return y * self.std + self.mean if self.enabled else y


def class_weights(y):
    """Balanced class weights: n / (k * count) for each of the k classes present."""
    labels = np.asarray(y)
    labels = labels.argmax(axis=-1) if labels.ndim > 1 and labels.shape[-1] > 1 else labels
    values, counts = np.unique(labels.reshape(-1).astype("int64"), return_counts=True)
    return {int(v): len(labels.reshape(-1)) / (len(values) * int(c))
            for v, c in zip(values, counts)}


# -------------------------------------------------------------------------------------------------
# Training
# -------------------------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description=__doc__ or "Train the recommended model.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="an .npz file with the examples and labels")
    source.add_argument("--smoke", action="store_true",
                        help="random data of the right shape and type: checks that it runs")
    parser.add_argument("--x-key", default="x", help="the array of examples in the .npz (x)")
    parser.add_argument("--y-key", default="y", help="the array of labels in the .npz (y)")
    parser.add_argument("--epochs", type=int, help="override the recommended number of epochs")
    parser.add_argument("--batch-size", type=int, help="override the recommended batch size")
    parser.add_argument("--categorical", default="",
                        help="comma-separated indices of integer-coded categorical columns")
    parser.add_argument("--target-column", type=int, default=0,
                        help="forecasting from a raw series without y: the column to predict")
    parser.add_argument("--smoke-samples", type=int, default=64)
    parser.add_argument("--random-init", action="store_true",
                        help="a pretrained backbone starts from random weights instead")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="allow object arrays (ragged sequences) in the .npz")
    parser.add_argument("--save", help="save the trained model here (a .keras file)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2, choices=[0, 1, 2])
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    rng = np.random.default_rng(args.seed)
    keras.utils.set_random_seed(args.seed)
    if args.smoke:
        x, y, categorical = smoke_data(args.smoke_samples, rng)
    else:
        x, y = load_data(args.data, args.x_key, args.y_key, args.allow_pickle)
        categorical = [int(c) for c in args.categorical.split(",") if c.strip()]

    x_train, y_train, x_val, y_val, _ = prepare_split(x, y, rng, args.target_column)
    labels_val = None
    if PROBLEM == "anomaly_detection" and y_train is not None:
        normal = np.asarray(y_train).reshape(-1) == 0
        print(f"anomaly labels given: training on the {int(normal.sum())} normal examples only")
        x_train, labels_val = x_train[normal], np.asarray(y_val).reshape(-1)

    preprocess = Preprocessor(SETUP["preprocessing"], categorical)
    x_train = level_removed(preprocess.fit_transform(x_train), args.target_column)
    x_val = level_removed(preprocess.transform(x_val), args.target_column)
    if PROBLEM == "anomaly_detection":  # the autoencoder reconstructs its input
        y_train, y_val = x_train.astype("float32"), x_val.astype("float32")
    else:
        y_train, y_val = prepare_labels(y_train), prepare_labels(y_val)
    scaler = TargetScaler("standardize_target" in STEPS)
    y_train_fit, y_val_fit = scaler.fit_transform(y_train), scaler.transform(y_val)

    if STRUCTURE != "tabular" and tuple(x_train.shape[1:]) != INPUT_SHAPE:
        sys.exit(f"the examples have shape {tuple(x_train.shape[1:])} after preprocessing, but "
                 f"the model was recommended for {INPUT_SHAPE}; re-run the advisor with this "
                 "input_shape")
    build_args = {"input_shape": tuple(x_train.shape[1:])}
    if HAS_BACKBONE and (args.random_init or args.smoke):
        build_args["weights"] = None
        print("note: the backbone starts from random weights")
    try:
        model = compile_model(build_model(**build_args))
    except FileNotFoundError as exc:  # MissingWeightsError: pretrained weights not cached
        sys.exit(f"error: {exc}")

    has_validation = len(x_val) > 0
    weights = None
    if TRAINING.get("class_weight") == "balanced" and PROBLEM in ("binary", "multiclass"):
        weights = class_weights(y_train)
        print("class weights:", {k: round(v, 3) for k, v in weights.items()})
    epochs = args.epochs or (1 if args.smoke else TRAINING["epochs"])
    print(f"model {model.name}: {model.count_params():,} parameters; {len(x_train)} training "
          f"and {len(x_val)} validation examples; {epochs} epochs")
    model.fit(x_train, y_train_fit,
              validation_data=(x_val, y_val_fit) if has_validation else None,
              batch_size=args.batch_size or TRAINING["batch_size"], epochs=epochs,
              class_weight=weights, callbacks=training_callbacks(has_validation),
              verbose=args.verbose)

    if has_validation:
        results = model.evaluate(x_val, y_val_fit, batch_size=TRAINING["batch_size"],
                                 return_dict=True, verbose=0)
        print("validation metrics" + (" (standardized targets):" if scaler.enabled else ":"))
        for name, value in results.items():
            print(f"  val_{name}: {float(value):.4f}")
        if scaler.enabled or PROBLEM == "anomaly_detection":
            predicted = scaler.inverse(model.predict(x_val, verbose=0))
            error = (np.asarray(predicted) - y_val).reshape(len(y_val), -1)
            if scaler.enabled:
                print("validation metrics in target units:")
                print(f"  val_mean_absolute_error: {float(np.abs(error).mean()):.4f}")
                print(f"  val_root_mean_squared_error: {float(np.sqrt((error ** 2).mean())):.4f}")
            else:
                per_example = (error ** 2).mean(axis=1)
                fitted = np.asarray(model.predict(x_train, verbose=0)) - y_train
                threshold = float(np.quantile((fitted.reshape(len(fitted), -1) ** 2).mean(axis=1),
                                              0.99))
                print(f"reconstruction error: threshold {threshold:.4f} (the 99th percentile on "
                      f"the training data); {np.mean(per_example > threshold):.1%} of the "
                      "validation examples are above it")
                if labels_val is not None:
                    for label in np.unique(labels_val):
                        chosen = per_example[labels_val == label]
                        print(f"  label {label}: mean reconstruction error {chosen.mean():.4f}, "
                              f"{np.mean(chosen > threshold):.1%} flagged")
    else:
        print("no validation data (validation_split is 0): nothing held out to report")
    if args.save:
        model.save(args.save)
        print(f"saved the model to {args.save}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
'''
