"""A recommendation as a standalone Keras training script (``advisor recommend --format keras``).

The script needs TensorFlow (Keras 3) and NumPy (pandas for tables, Pillow for image folders),
never the advisor. It holds the setup as JSON, the source of :mod:`advisor.executor.layers` when
the model uses a composite layer or a pretrained backbone, readable ``build_model`` /
``compile_model`` / ``training_callbacks`` functions written from the same name tables and checks
as :mod:`advisor.executor.build`, and the advisor's own data code, embedded verbatim (see
:data:`EMBEDDED`): the readers of :mod:`advisor.data` that build a :class:`~advisor.dataset.Dataset`
(tables, arrays, image folders), the pipeline of :mod:`advisor.executor.preprocess` (every step's
fit and transform, the class weights) and the export of :mod:`advisor.executor.export` (``--save``
writes a model that scores raw inputs). So the script reads and prepares data exactly as
``advisor verify`` does; only the split differs (training and validation, no test part).

This module only produces text: it never imports Keras, TensorFlow or NumPy.
"""

from __future__ import annotations

import ast
import json
import textwrap
from pathlib import Path
from typing import Any, Mapping, Optional, Sequence

from ..errors import AdvisorError
from ..profile import CLASSIFICATION
from ..steps import PREPROCESSING_STEPS, STEP_DEFAULTS, TARGET_STEPS
from .build import (COMPOSITE_LAYERS, as_setup, check_layers, early_stopping_arguments,
                    keras_object_module, layer_arguments, loss_arguments, metric_names,
                    optimizer_arguments, plateau_arguments, schedule_arguments)

PACKAGE = Path(__file__).resolve().parents[1]  # advisor/
LAYERS_SOURCE = PACKAGE / "executor" / "layers.py"
# the advisor's data code the script embeds verbatim, in order: (file under advisor/, the
# top-level functions taken from it, or None for the whole module). Their imports of other
# advisor modules are dropped; what they name is defined by earlier parts or by _PRELUDE.
EMBEDDED: tuple[tuple[str, Optional[tuple[str, ...]]], ...] = (
    ("errors.py", None),
    ("dataset.py", None),
    ("data/_load.py", ("encode_target", "_array_dataset", "_reshape", "_table_dataset",
                       "_step_windows")),
    ("data/_images.py", ("list_images", "_unreadable", "_skip_unreadable", "load_images",
                         "test_folder_plan")),
    ("executor/preprocess.py", None),
    ("executor/export.py", None),
)
# the preprocessing steps the script runs: all of them (it runs the executor's pipeline)
SCRIPT_STEPS = frozenset(PREPROCESSING_STEPS)
LINE = 99


def render_keras_script(rec: Any, reading: Optional[Mapping[str, Any]] = None) -> str:
    """A runnable ``train.py`` for a :class:`~advisor.models.Recommendation`.

    A ``TrainingConfig`` that carries its profile works too (its header has no rationale).
    ``reading`` is how the data were read when the profile was measured
    (``advisor.data.ProfiledData.plan``: the feature and target columns, the text or time
    column, the target's classes, the array keys or the image size): the script reads its
    ``--data`` the same way. Without it the script reads a table's ``--target`` column and
    takes every other column as a feature.

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
        _header(rec, profile, reading),
        _IMPORTS,
        _data_block(setup_data, profile_data, constants, reading),
        _section("The advisor's data code (verbatim; see the file named above each part)"),
        _prelude(),
        embedded_source(),
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


def _header(rec: Any, profile: Any, reading: Optional[Mapping[str, Any]] = None) -> str:
    target = ",".join((reading or {}).get("targets") or []) or "COLUMN"
    lines = [
        "#!/usr/bin/env python3",
        "# Training script written by `advisor recommend --format keras`.",
        "# Needs TensorFlow >= 2.16 (Keras 3) and NumPy; pandas for tables, Pillow for images.",
        "#",
        f"#   python train.py --data train.csv [--target {target}] [--save model.keras]",
        "#   python train.py --data data.npz [--x-key x --y-key y]  # or an image folder",
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
from __future__ import annotations

import argparse
import json
import os
import sys
import types
from pathlib import Path

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


def _data_block(setup: dict, profile: dict, constants: Mapping[str, Any],
                reading: Optional[Mapping[str, Any]] = None) -> str:
    lines = [
        _section("The recommendation"),
        "# SETUP is the advisor's setup (advisor.models.TrainingSetup as JSON). build_model(),",
        "# compile_model() and training_callbacks() below were written from it: change the model",
        "# there. The data pipeline at the end reads SETUP['training'] and SETUP['preprocessing'].",
        f"SETUP = {_json_literal(setup)}",
        "",
        f"PROFILE = {_json_literal(profile)}",
        "",
        "# How `advisor profile` read the data (columns and their roles, the target's classes):",
        "# --data is read the same way. None: a table's --target column, every other a feature.",
        f"READING = {_json_literal(_plain_json(reading)) if reading else None}",
        "",
    ]
    for name, value in constants.items():
        lines.append(f"{name} = {_literal(value) if isinstance(value, str) else repr(value)}")
    return "\n".join(lines) + "\n"


def _layers_source() -> str:
    source = LAYERS_SOURCE.read_text(encoding="utf-8")
    kept = [line for line in source.splitlines() if not line.startswith("from __future__")]
    return "\n".join(kept) + "\n"


def _plain_json(value: Any) -> Any:
    """A reading plan as JSON values (numpy scalars and paths as plain values)."""
    return json.loads(json.dumps(value, default=lambda v: v.item() if hasattr(v, "item")
                                 else str(v)))


def _prelude_names() -> set[str]:
    tree = ast.parse(_prelude())
    names = {t.id for node in tree.body if isinstance(node, ast.Assign) for t in node.targets
             if isinstance(t, ast.Name)}
    return names | {node.name for node in tree.body
                    if isinstance(node, (ast.FunctionDef, ast.ClassDef))}


def _defined(tree: ast.Module) -> set[str]:
    names = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names |= {t.id for t in targets if isinstance(t, ast.Name)}
    return names


def embedded_source(parts: Sequence[tuple[str, Optional[tuple[str, ...]]]] = EMBEDDED) -> str:
    """The advisor modules (or functions of them) the script runs, verbatim, in order.

    A whole module loses its ``from __future__`` line and its imports of other advisor modules;
    the names those imports bring must be defined by an earlier part or by the script's
    prelude (a new import is an error here, so the script cannot silently lose a name).
    Functions taken from a module come with the module's standard imports.

    Raises:
        RuntimeError: an embedded module imports an advisor name nothing defines, or imports
            an advisor module inside a function (it would fail when the script runs).
    """
    provided = _prelude_names()
    out = []
    for relative, names in parts:
        source = (PACKAGE / relative).read_text(encoding="utf-8")
        tree = ast.parse(source)
        lines = source.splitlines()
        drop: set[int] = set()
        imports: list[str] = []
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                span = range(node.lineno - 1, node.end_lineno or node.lineno)
                own = isinstance(node, ast.ImportFrom) and (node.level or node.module ==
                                                            "__future__")
                if own:
                    drop |= set(span)
                    if names is None and node.level:
                        missing = [a.name for a in node.names if a.name not in provided]
                        if missing:
                            raise RuntimeError(f"{relative} imports {', '.join(missing)}, which "
                                               "the training script does not define")
                else:
                    imports.append("\n".join(lines[i] for i in span))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.level and \
                    node not in tree.body:
                raise RuntimeError(f"{relative}, line {node.lineno}: an advisor import inside a "
                                   "function cannot run in the training script")
        if names is None:
            text = "\n".join(line for i, line in enumerate(lines) if i not in drop)
            provided |= _defined(tree)
        else:
            found = {node.name: node for node in tree.body
                     if isinstance(node, ast.FunctionDef) and node.name in names}
            absent = [name for name in names if name not in found]
            if absent:
                raise RuntimeError(f"{relative} has no function {', '.join(absent)}")
            chunks = ["\n".join(lines[found[name].lineno - 1 - len(found[name].decorator_list):
                                       found[name].end_lineno]) for name in names]
            text = "\n".join(imports) + "\n\n\n" + "\n\n\n".join(chunks)
            provided |= set(names)
        out.append(f"# --- advisor/{relative}" + ("" if names is None else
                                                  f": {', '.join(names)}") + "\n" + text.strip())
    return "\n\n\n".join(out) + "\n"


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


# -- what the embedded code imports from the advisor, and the training loop ----------------------

def _prelude() -> str:
    """The names the embedded modules import from other advisor modules: the name lists as
    literals (read from their homes now), Keras, and the profile as attributes."""
    from ..data._formats import IMAGE_SUFFIXES

    return "\n".join([
        "# The names the advisor's modules below import from each other, defined here instead:",
        f"CLASSIFICATION = {tuple(CLASSIFICATION)!r}  # advisor.profile",
        f"PREPROCESSING_STEPS = {tuple(PREPROCESSING_STEPS)!r}  # advisor.steps",
        f"TARGET_STEPS = {tuple(TARGET_STEPS)!r}  # advisor.steps",
        f"STEP_DEFAULTS = {_json_literal(STEP_DEFAULTS)}  # advisor.steps",
        f"IMAGE_SUFFIXES = {tuple(IMAGE_SUFFIXES)!r}  # advisor.data._formats",
        "DatasetProfile = types.SimpleNamespace  # advisor.profile: here PROFILE's fields",
        "",
        "",
        "def import_keras():  # advisor.executor",
        "    return keras",
        "",
        "",
        "def parse_time(values, column, where):  # advisor.data._tables",
        '    """The time column as it is: the script keeps the file\'s row order and needs no '
        'dates."""',
        "    return values",
    ]) + "\n"


_RUNTIME = r'''

# -------------------------------------------------------------------------------------------------
# Reading --data: as `advisor profile` read the data (READING), else a table's --target column
# -------------------------------------------------------------------------------------------------

PROBLEM = PROFILE["problem_type"]
STRUCTURE = PROFILE["data_structure"]
STEPS = {step["step"]: step for step in SETUP["preprocessing"]}
TRAINING = SETUP["training"]
N_OUTPUTS = SETUP["model"]["output"]["units"]
COMPRESSED = (".gz", ".bz2", ".xz", ".zip", ".zst")
TABLES = {".csv": ",", ".tsv": "\t", ".txt": None, ".parquet": "parquet", ".pq": "parquet"}
READS = ("CSV / TSV / TXT (optionally compressed) and Parquet tables (pandas), .npz arrays, "
         "folders of class sub-folders of images (Pillow)")


def profile_view():
    return DatasetProfile(**PROFILE)


def setup_view():
    """SETUP with attribute access (setup.model.output.units), as the export reads it."""
    return json.loads(json.dumps(SETUP), object_hook=lambda d: types.SimpleNamespace(**d))


def load_data(args):
    """--data as a Dataset (raw examples, integer class codes), read as `advisor verify` reads
    it; an AdvisorError (exit 2) for what cannot be read."""
    path = Path(args.data)
    if not path.exists():
        raise AdvisorError("no such file or folder", where=args.data,
                           hint="give the training data file or image folder with --data")
    if path.is_dir():
        return load_folder(path, args)
    name = path.name.lower()
    for suffix in COMPRESSED:
        name = name[:-len(suffix)] if name.endswith(suffix) else name
    suffix = Path(name).suffix
    if suffix == ".npz":
        return load_arrays(path, args)
    if suffix in TABLES:
        return load_table(path, TABLES[suffix], args)
    raise AdvisorError(f"cannot read {suffix or 'a file without a suffix'}; this script reads "
                       f"{READS}", where=args.data)


def load_table(path, sep, args):
    try:
        import pandas as pd
    except ImportError:
        raise AdvisorError("reading a table needs pandas: pip install pandas",
                           where=args.data) from None
    try:
        if sep == "parquet":
            frame = pd.read_parquet(path)
        else:
            frame = pd.read_csv(path, sep=sep, engine="python" if sep is None else "c",
                                encoding=args.encoding or (READING or {}).get("text_encoding"))
    except ImportError as exc:
        raise AdvisorError(f"reading Parquet needs pyarrow: {exc}", where=args.data) from None
    except (OSError, ValueError, UnicodeDecodeError, LookupError, pd.errors.ParserError) as exc:
        raise AdvisorError(f"cannot read the table: {exc}", where=args.data) from None
    frame.columns = [str(c) for c in frame.columns]
    if STRUCTURE == "image" and not (READING and READING.get("kind") == "table"):
        raise AdvisorError("this model was recommended for images: give the folder of class "
                           "sub-folders of images, not a table", where=args.data)
    if not len(frame):
        raise AdvisorError("the table has no data rows", where=args.data)
    plan = table_plan(frame, args)
    needed = list(plan["features"]) + list(plan["targets"]) + [
        c for c in (plan["time_column"], plan["text_column"]) if c]
    missing = [c for c in needed if c not in frame.columns]
    if missing:
        raise AdvisorError(f"no column(s) {', '.join(map(repr, missing))}; the table has "
                           f"{', '.join(map(repr, list(frame.columns)[:20]))}", where=args.data,
                           hint="give the target column with --target")
    return _table_dataset(frame, profile_view(), plan, args.data, sampled=False)


def table_plan(frame, args):
    """READING for a table, with --target in place of its target; without READING: the
    --target column(s), every other column a feature (the text column of text data)."""
    targets = [t.strip() for t in (args.target or "").split(",") if t.strip()]
    if READING and READING.get("kind") == "table" and (not targets or
                                                      targets == READING["targets"]):
        return READING
    if not targets:
        raise AdvisorError("which column is the target? give it with --target",
                           where=args.data)
    absent = [t for t in targets if t not in frame.columns]
    if absent:
        raise AdvisorError(f"no target column {', '.join(map(repr, absent))}; the table has "
                           f"{', '.join(map(repr, list(frame.columns)[:20]))}", where=args.data)
    rest = [c for c in frame.columns if c not in targets]
    text = None
    if STRUCTURE == "text":
        strings = [c for c in rest if frame[c].dtype == object]
        if len(strings) != 1:
            raise AdvisorError(f"text data needs one text column besides the target; found "
                               f"{len(strings)} string columns", where=args.data,
                           hint="profile the data with `advisor recommend --data ... "
                                "--text-column COLUMN --format keras`")
        text = strings[0]
    plan = {"kind": "table", "targets": targets, "features": [] if text else rest,
            "text_column": text, "time_column": None, "classes": None,
            "encoding": "continuous"}
    if PROBLEM in ("binary", "multiclass"):
        values = frame[targets[0]].dropna()
        try:
            classes = sorted(values.unique().tolist())
        except TypeError:
            classes = sorted(values.unique().tolist(), key=str)
        plan.update(encoding="codes", classes=classes)
    elif PROBLEM == "multilabel":
        plan.update(encoding="multi_hot", classes=targets)
    return plan


def load_arrays(path, args):
    plan = dict(READING) if READING and READING.get("kind") == "arrays" else {
        "kind": "arrays", "encoding": "codes" if PROBLEM in ("binary", "multiclass") else "raw",
        "classes": None}
    x_key = args.x_key or plan.get("x_key") or "x"
    y_key = args.y_key or plan.get("y_key") or "y"
    plan.update(x_key=x_key, y_key=y_key)
    try:
        with np.load(path, allow_pickle=args.allow_pickle) as data:
            files = list(data.files)
            if x_key not in files:
                raise AdvisorError(f"no array {x_key!r} (it has {', '.join(files)})",
                                   where=args.data, hint="name it with --x-key")
            x = data[x_key]
            y = data[y_key] if y_key in files else None
    except (OSError, EOFError) as exc:
        raise AdvisorError(f"not a readable .npz file: {exc}", where=args.data) from None
    except ValueError as exc:
        raise AdvisorError(f"{exc}; ragged token sequences are object arrays: add "
                           "--allow-pickle if you trust the file", where=args.data) from None
    if y is None and PROBLEM not in ("anomaly_detection", "forecasting"):
        raise AdvisorError(f"no labels {y_key!r} (it has {', '.join(files)})", where=args.data,
                           hint="name them with --y-key")
    if plan["encoding"] == "codes" and plan["classes"] is None and y is not None:
        plan["classes"] = sorted(np.unique(np.asarray(y).reshape(-1)).tolist()) \
            if np.asarray(y).ndim == 1 else None
        plan["encoding"] = "codes" if plan["classes"] is not None else "one_hot"
    if STRUCTURE in ("tabular", "time_series") and x.dtype != object and x.ndim <= 2:
        import pandas as pd

        x = np.asarray(x).reshape(len(x), -1)
        frame = pd.DataFrame(x, columns=[f"x{i}" for i in range(x.shape[1])])
        for column in [int(c) for c in args.categorical.split(",") if c.strip()]:
            frame[f"x{column}"] = frame[f"x{column}"].astype("Int64").astype(str)
        dataset = _array_dataset(x, y, profile_view(), plan, args.data)
        dataset.features, dataset.feature_names = frame, list(frame.columns)
        if y is None and PROBLEM == "forecasting":
            dataset.target = x[:, args.target_column]
            dataset.target_names = [f"x{args.target_column}"]
        return dataset
    if PROBLEM in ("seq2seq", "anomaly_detection") or x.dtype == object:
        return Dataset(profile=profile_view(), features=x, target=y, source=args.data)
    return _array_dataset(x, y, profile_view(), plan, args.data)


def load_folder(path, args):
    try:
        import PIL  # noqa: F401
    except ImportError:
        raise AdvisorError("reading an image folder needs Pillow: pip install pillow",
                           where=args.data) from None
    if STRUCTURE != "image":
        raise AdvisorError(f"a folder is read as images, but this model was recommended for "
                           f"{STRUCTURE} data; give the data file", where=args.data)
    plan = dict(READING) if READING and READING.get("kind") == "images" else None
    if plan is None:  # the model's input size; classes from the sub-folders
        classes, _, _ = list_images(path, one_class=PROBLEM == "anomaly_detection")
        height, width = INPUT_SHAPE[-3], INPUT_SHAPE[-2]
        plan = {"kind": "images", "classes": classes, "size": [height, width],
                "channels": INPUT_SHAPE[-1], "one_class": PROBLEM == "anomaly_detection"}
    features, target, notes = load_images(path, test_folder_plan(path, plan, args.data))
    for note in notes:
        print(f"note: {note}")
    one_class = bool(plan.get("one_class"))
    return Dataset(profile=profile_view(), features=features,
                   target=None if one_class else target,
                   target_names=[] if one_class else ["class"],
                   classes=None if one_class else list(plan["classes"]), source=args.data)


# -------------------------------------------------------------------------------------------------
# Random smoke-test data, splitting, labels
# -------------------------------------------------------------------------------------------------

def smoke_data(n, rng):
    """Random examples of the recommended shapes and types as a Dataset: checks that
    everything runs, not that anything is learned."""
    profile = profile_view()
    if PROBLEM == "forecasting" and "window" in STEPS:
        import pandas as pd

        window = STEPS["window"]
        span = window["length"] + window["horizon"]
        total = max(n + span, int(np.ceil((span + 8) / max(TRAINING["validation_split"], 0.05))))
        shape = (total,) + INPUT_SHAPE[1:]
        series = np.cumsum(rng.normal(size=shape), axis=0).astype("float32")
        if TOKEN_INPUT:
            series = rng.integers(1, vocabulary(), size=shape).astype("float32")
        series = series.reshape(total, -1)
        target = series[:, 0].copy()
        if PROFILE.get("missing_ratio") and series.shape[1] > 1:  # gaps in the other inputs
            gaps = rng.random(series.shape) < PROFILE["missing_ratio"]
            gaps[:, 0] = False
            series[gaps] = np.nan
        names = [f"x{i}" for i in range(series.shape[1])]
        return Dataset(profile=profile, features=pd.DataFrame(series, columns=names),
                       target=target, target_names=["x0"], feature_names=names, source="smoke")
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
        if PROFILE.get("missing_ratio"):
            x[rng.random(shape) < PROFILE["missing_ratio"]] = np.nan
    features = x
    if STRUCTURE == "tabular":
        import pandas as pd

        features = pd.DataFrame(x, columns=[f"x{i}" for i in range(shape[1])])
        if "one_hot" in STEPS:  # the last columns are categories
            count = min(PROFILE.get("categorical_features") or 1, shape[1])
            for column in features.columns[shape[1] - count:]:
                features[column] = [f"c{v}" for v in rng.integers(0, 5, size=n)]
    return Dataset(profile=profile, features=features, target=random_labels(n, rng),
                   feature_names=list(getattr(features, "columns", [])) or None,
                   source="smoke")


def vocabulary():
    return int(PROFILE.get("vocab_size") or 50)


def random_labels(n, rng):
    classes = PROFILE.get("n_classes") or 2
    if PROBLEM == "anomaly_detection":
        return None
    if PROBLEM in ("binary", "multiclass"):
        labels = rng.integers(0, classes, size=n)
        labels[:classes] = np.arange(classes)  # every class present
        return labels
    if PROBLEM == "multilabel":
        return (rng.random((n, classes)) < 0.3).astype("float32")
    if PROBLEM == "seq2seq":
        labels = rng.integers(0, classes, size=(n, INPUT_SHAPE[0]))
        return np.eye(classes)[labels] if LABEL_ENCODING == "one_hot" else labels
    return (50 + 10 * rng.normal(size=(n, N_OUTPUTS))).astype("float32")  # regression


def split_rows(n, rng, ordered):
    """Row positions of the training and validation parts: the last validation_split of the
    rows (shuffled first unless ``ordered``)."""
    order = np.arange(n) if ordered else rng.permutation(n)
    cut = n - int(round(n * TRAINING["validation_split"]))
    return np.sort(order[:cut]), np.sort(order[cut:])


def prepare(dataset, rng):
    """The fitted Preprocessor (advisor.executor.preprocess, above), the training and
    validation Parts (every statistic fitted on the training rows only) and their rows."""
    processor = Preprocessor(SETUP["preprocessing"], dataset)
    target = check_target(dataset) if PROBLEM in SUPPORTED_PROBLEMS else dataset.target
    n = dataset.n_samples
    train_rows, val_rows = split_rows(n, rng, ordered=PROBLEM == "forecasting")
    if PROBLEM == "anomaly_detection" and target is not None:
        normal = np.asarray(target).reshape(len(target), -1)[train_rows, 0] == 0
        print(f"anomaly labels given: training on the {int(normal.sum())} normal examples only")
        train_rows = train_rows[normal]
    y_of = (lambda rows: None) if target is None else (lambda rows: target[rows])
    processor.fit(features_of(dataset, train_rows), y_of(train_rows))
    if processor.window is not None:
        length, horizon = processor.window_span()
        print(f"cutting windows of {length} steps -> the next {horizon} target values; the "
              f"last {TRAINING['validation_split']:.0%} of the series is the validation data")
        if processor.base != "none":
            print(f"forecasting the change from the {processor.base} forecast")
        cut = len(train_rows)
        train, val = processor.series_parts(dataset.features, target, [(0, cut), (cut, n)])
        if train is None or not len(train):
            raise AdvisorError(f"a series of {n} steps is too short for windows of {length} "
                               f"steps plus {horizon} to predict", where=dataset.source)
        return processor, train, val if val is not None and len(val) else None, (train_rows,
                                                                                val_rows)
    train = processor.part(features_of(dataset, train_rows), y_of(train_rows))
    val = processor.part(features_of(dataset, val_rows), y_of(val_rows)) \
        if len(val_rows) else None
    return processor, train, val, (train_rows, val_rows)


def prepare_labels(y, x):
    """Labels in the dtype and shape the loss expects (the autoencoder: its input)."""
    if PROBLEM == "anomaly_detection":
        return np.asarray(x, dtype="float32")
    y = np.asarray(y)
    if PROBLEM in ("binary", "multiclass") and LABEL_ENCODING == "one_hot" and y.ndim == 1:
        return np.eye(N_OUTPUTS, dtype="float32")[y.astype("int64")]
    if PROBLEM in ("binary", "multiclass", "seq2seq") and LABEL_ENCODING != "one_hot":
        y = y.astype("int32")
        if PROBLEM == "binary":
            return y.reshape(-1, 1).astype("float32")
        return y.reshape(-1) if PROBLEM == "multiclass" else y
    y = y.astype("float32")
    if PROBLEM in ("regression", "forecasting") and y.ndim == 1:
        y = y.reshape(-1, 1)
    return y


# -------------------------------------------------------------------------------------------------
# Training
# -------------------------------------------------------------------------------------------------

def parse_args(argv):
    parser = argparse.ArgumentParser(description="Train the recommended model.")
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--data", help="the training data: a CSV / TSV / Parquet table, an .npz "
                        "file or a folder of class sub-folders of images")
    source.add_argument("--smoke", action="store_true",
                        help="random data of the right shape and type: checks that it runs")
    parser.add_argument("--target", help="the target column(s) of a table, comma-separated "
                        "(default: the one the advice was made for)")
    parser.add_argument("--encoding", help="the text encoding of a CSV / TSV (default UTF-8)")
    parser.add_argument("--x-key", help="the array of examples in the .npz (x)")
    parser.add_argument("--y-key", help="the array of labels in the .npz (y)")
    parser.add_argument("--epochs", type=int, help="override the recommended number of epochs")
    parser.add_argument("--batch-size", type=int, help="override the recommended batch size")
    parser.add_argument("--categorical", default="",
                        help=".npz tables: comma-separated indices of integer-coded "
                        "categorical columns")
    parser.add_argument("--target-column", type=int, default=0,
                        help="forecasting from a raw .npz series without y: the column to "
                        "predict")
    parser.add_argument("--smoke-samples", type=int, default=64)
    parser.add_argument("--random-init", action="store_true",
                        help="a pretrained backbone starts from random weights instead")
    parser.add_argument("--allow-pickle", action="store_true",
                        help="allow object arrays (ragged sequences) in the .npz")
    parser.add_argument("--save", help="save the trained model here (a .keras file): with its "
                        "preprocessing, so that it scores raw inputs, where the export covers "
                        "the data (tabular, image, text)")
    parser.add_argument("--arrays", help=argparse.SUPPRESS)  # .npz of the prepared arrays
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--verbose", type=int, default=2, choices=[0, 1, 2])
    return parser.parse_args(argv)


def main(argv=None):
    args = parse_args(argv)
    try:
        return train(args)
    except AdvisorError as exc:
        print(f"error: {exc}" + (f" ({exc.hint})" if exc.hint else ""), file=sys.stderr)
        return 2


def train(args):
    rng = np.random.default_rng(args.seed)
    keras.utils.set_random_seed(args.seed)
    if args.save:
        check_save_path(args.save)
    dataset = smoke_data(args.smoke_samples, rng) if args.smoke else load_data(args)
    processor, train_part, val_part, rows = prepare(dataset, rng)
    x_train = train_part.x
    y_train = prepare_labels(train_part.y, x_train)
    has_validation = val_part is not None
    x_val = val_part.x if has_validation else x_train[:0]
    y_val = prepare_labels(val_part.y, x_val) if has_validation else y_train[:0]

    if STRUCTURE != "tabular" and tuple(x_train.shape[1:]) != INPUT_SHAPE:
        raise AdvisorError(f"the examples have shape {tuple(x_train.shape[1:])} after "
                           f"preprocessing, but the model was recommended for {INPUT_SHAPE}",
                           hint="re-run the advisor on this data (recommend --data)")
    build_args = {"input_shape": tuple(x_train.shape[1:])}
    if HAS_BACKBONE and (args.random_init or args.smoke):
        build_args["weights"] = None
        print("note: the backbone starts from random weights")
    try:
        model = compile_model(build_model(**build_args))
    except FileNotFoundError as exc:  # MissingWeightsError: pretrained weights not cached
        raise AdvisorError(str(exc)) from None

    weights = None
    if TRAINING.get("class_weight") == "balanced" and PROBLEM in ("binary", "multiclass"):
        weights = balanced_class_weights(train_part.y)
        print("class weights:", {k: round(v, 3) for k, v in weights.items()})
    epochs = args.epochs or (1 if args.smoke else TRAINING["epochs"])
    print(f"model {model.name}: {model.count_params():,} parameters; {len(x_train)} training "
          f"and {len(x_val)} validation examples; {epochs} epochs")
    model.fit(x_train, y_train, validation_data=(x_val, y_val) if has_validation else None,
              batch_size=args.batch_size or TRAINING["batch_size"], epochs=epochs,
              class_weight=weights, callbacks=training_callbacks(has_validation),
              verbose=args.verbose)

    results = {}
    scaled = bool(processor.target_params) or processor.window is not None
    if has_validation:
        results = model.evaluate(x_val, y_val, batch_size=TRAINING["batch_size"],
                                 return_dict=True, verbose=0)
        print("validation metrics" + (" (scaled targets):" if scaled else ":"))
        for name, value in results.items():
            print(f"  val_{name}: {float(value):.4f}")
        if scaled:
            predicted = val_part.restore(np.asarray(model.predict(x_val, verbose=0)))
            error = (np.asarray(predicted, dtype="float64").reshape(len(x_val), -1)
                     - np.asarray(val_part.y_raw, dtype="float64").reshape(len(x_val), -1))
            print("validation metrics in target units:")
            print(f"  val_mean_absolute_error: {float(np.abs(error).mean()):.4f}")
            print(f"  val_root_mean_squared_error: {float(np.sqrt((error ** 2).mean())):.4f}")
        if PROBLEM == "anomaly_detection":
            labels = None if dataset.target is None else \
                np.asarray(dataset.target).reshape(dataset.n_samples, -1)[rows[1], 0]
            reconstruction_report(model, x_train, x_val, labels)
    else:
        print("no validation data (validation_split is 0): nothing held out to report")
    if args.arrays:  # what the differential test compares with advisor verify's pipeline
        np.savez(args.arrays, train_rows=rows[0], val_rows=rows[1],
                 x_train=x_train, y_train=np.asarray(train_part.y),
                 x_val=x_val, y_val=np.asarray(val_part.y) if has_validation else y_train[:0],
                 class_weights=np.array(sorted((weights or {}).items()), dtype="float64"),
                 predictions=np.asarray(model.predict(x_val, verbose=0)) if has_validation
                 else y_train[:0])
    if args.save:
        save(args.save, model, processor, dataset, results, args.seed)
    return 0


def reconstruction_report(model, x_train, x_val, labels=None):
    error = (np.asarray(model.predict(x_val, verbose=0)) - x_val).reshape(len(x_val), -1)
    per_example = (error ** 2).mean(axis=1)
    fitted = np.asarray(model.predict(x_train, verbose=0)) - x_train
    threshold = float(np.quantile((fitted.reshape(len(fitted), -1) ** 2).mean(axis=1), 0.99))
    print(f"reconstruction error: threshold {threshold:.4f} (the 99th percentile on the "
          f"training data); {np.mean(per_example > threshold):.1%} of the validation examples "
          "are above it")
    for label in [] if labels is None else np.unique(labels):
        chosen = per_example[labels == label]
        print(f"  label {label}: mean reconstruction error {chosen.mean():.4f}, "
              f"{np.mean(chosen > threshold):.1%} flagged")


def save(path, model, processor, dataset, metrics, seed):
    """The model with its preprocessing in front (advisor.executor.export, above), or, where
    the export does not cover the data, the network alone (it takes preprocessed arrays)."""
    try:
        check_exportable(dataset)
        saved, inputs = save_export(path, model, processor, dataset, setup_view(),
                                    metrics={k: float(v) for k, v in metrics.items()},
                                    run="train.py", seed=seed)
    except AdvisorError as exc:
        if exc.where != "save" or "cannot write" in exc.message:
            raise
        model.save(path)
        print(f"saved the model to {path}")
        print(f"  the network only: it takes the preprocessed arrays, not raw inputs "
              f"({exc.message})")
        return
    print(f"saved the model to {saved}")
    print(f"  it takes raw inputs (its preprocessing is inside); what to feed it: {inputs}")


if __name__ == "__main__":
    sys.exit(main())
'''
