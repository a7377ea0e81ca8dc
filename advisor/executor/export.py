"""A trained model with its preprocessing, as one Keras model that scores raw inputs.

Training runs on tensors the pandas/numpy pipeline (:mod:`advisor.executor.preprocess`) made;
the export composes the same fitted statistics, as Keras preprocessing layers and Keras ops, in
front of the trained network (and the target's scaling undone behind it), so that
``keras.saving.load_model`` in a process without the advisor, safe mode on, scores raw rows as
verify scored them. Only built-in Keras layers and ops are used (no Lambda, no custom class).

Inputs of the exported model:

- tabular: a dict of named inputs, one per feature column, each of shape ``(batch,)``:
  ``float32`` for numeric columns (NaN where missing), strings for the others ("" where
  missing); the inputs JSON says which is which;
- image: the raw pixel arrays ``(batch, H, W, C)`` as read (uint8 or float);
- text: strings, shape ``(batch,)``.

Every step's export reads the statistics its fit recorded (:class:`~.preprocess.Fitted`), in the
same order and on the same columns, with the same float32 arithmetic.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Union

import numpy as np

from ..dataset import Dataset
from ..errors import AdvisorError
from . import import_keras
from .preprocess import Fitted, Preprocessor

EXPORT_VERSION = 1
EXPORTABLE_STRUCTURES = ("tabular", "image", "text")
MISSING_STRING = ""  # what a string input holds where the value is missing


def check_exportable(dataset: Dataset) -> None:
    """Raise before training when a model trained on ``dataset`` cannot be exported.

    Raises:
        AdvisorError: a data structure or problem the export does not cover (named, with the
            structures it does cover).
    """
    profile = dataset.profile
    if profile.data_structure not in EXPORTABLE_STRUCTURES or \
            profile.problem_type == "forecasting":
        raise AdvisorError(
            f"--save exports tabular, image and text models; this data set is "
            f"{profile.data_structure} ({profile.problem_type})",
            where="save", hint="drop --save (verify still trains and reports)")


def check_save_path(path: Union[str, Path]) -> Path:
    """The path to save to: ends in .keras and its folder exists.

    Raises:
        AdvisorError: another suffix, or a folder that does not exist.
    """
    path = Path(path)
    if path.suffix != ".keras":
        raise AdvisorError(f"the model file must end in .keras (the Keras archive); got "
                           f"{str(path)!r}", where="save", hint=f"use {path.with_suffix('.keras')}")
    if not path.parent.is_dir():
        raise AdvisorError(f"the folder {str(path.parent)!r} does not exist", where="save",
                           hint="create it first or save elsewhere")
    return path


def _keras() -> Any:
    return import_keras()


# -- the preprocessing as Keras -------------------------------------------------------------------

def export_model(model: Any, processor: Preprocessor, dataset: Dataset) -> Any:
    """``model`` with ``processor``'s fitted steps in front and the target scaling undone after.

    Args:
        model: the trained Keras model (inputs: the pipeline's output).
        processor: the :class:`~.preprocess.Preprocessor` fitted on the training split.
        dataset: the data set it was fitted on (its structure and raw example shape).

    Returns:
        A Keras functional model over raw inputs.

    Raises:
        AdvisorError: a step with no Keras equivalent here (forward_fill, pad, multi_hot).
    """
    keras = _keras()
    ops = keras.ops
    structure = dataset.profile.data_structure
    if structure == "tabular":
        keys = input_keys([name for name, _ in processor.raw_columns or []])
        inputs: Any = {keys[name]: keras.Input(shape=(), name=keys[name],
                                               dtype="float32" if kind == "number" else "string")
                       for name, kind in processor.raw_columns or []}
        columns = {name: ops.expand_dims(inputs[keys[name]], -1)
                   for name, _ in processor.raw_columns or []}
        for fitted in processor.fitted:
            columns = _tabular_step(keras, fitted, columns)
        strings = [name for name, tensor in columns.items() if tensor.dtype == "string"]
        if strings:
            raise AdvisorError(f"column(s) {', '.join(strings)} are still strings after the "
                               "preprocessing", where="save")
        features = columns[next(iter(columns))] if len(columns) == 1 else \
            keras.layers.Concatenate(axis=-1, name="features")(list(columns.values()))
    elif structure == "text":
        inputs = keras.Input(shape=(), dtype="string", name="text")
        features = inputs
        for fitted in processor.fitted:
            features = _array_step(keras, fitted, features)
    else:
        shape = tuple(int(d) for d in np.asarray(dataset.features).shape[1:])
        inputs = keras.Input(shape=shape, dtype="float32", name="image")
        features = inputs
        if len(shape) == len(dataset.profile.input_shape) - 1:  # (H, W) grey images
            features = ops.expand_dims(features, -1)
        for fitted in processor.fitted:
            features = _array_step(keras, fitted, features)
    outputs = model(features)
    for params in reversed(processor.target_params):
        if params["step"] == "standardize_target":
            outputs = ops.add(ops.multiply(outputs, _constant(params["std"])),
                              _constant(params["mean"]))
        else:
            outputs = ops.expm1(outputs)
    return keras.Model(inputs, outputs, name=f"{model.name}_on_raw_inputs")


def _constant(values: Any) -> np.ndarray:
    return np.asarray(values, dtype=np.float32)


def _not_exportable(fitted: Fitted, why: str) -> AdvisorError:
    return AdvisorError(f"the {fitted.name} step cannot be exported as Keras layers: {why}",
                        where="save", hint="drop --save, or train without that step")


def _tabular_step(keras: Any, fitted: Fitted, columns: dict[str, Any]) -> dict[str, Any]:
    """One fitted step over the named (batch, 1) columns, as the DataFrame step computes it."""
    ops = keras.ops
    name, params = fitted.name, fitted.params
    if name == "impute":
        if params["strategy"] == "forward_fill":
            raise _not_exportable(fitted, "forward_fill reads earlier rows, a model scores one "
                                          "row at a time")
        out: dict[str, Any] = {}
        for column, tensor in columns.items():
            fill = params["fills"].get(column)
            if fill is None:
                out[column] = tensor
            elif tensor.dtype == "string":
                out[column] = ops.where(ops.equal(tensor, MISSING_STRING), str(fill), tensor)
            else:
                out[column] = ops.where(ops.isnan(tensor), np.float32(fill), tensor)
        for column in params["indicator"]:
            out[f"{column}__missing"] = ops.cast(ops.isnan(columns[str(column)]), "float32")
        return out
    if name == "one_hot":
        categories = {str(c): list(v) for c, v in params["categories"].items()}
        out = {c: t for c, t in columns.items() if c not in categories}
        for column, kept in categories.items():
            tensor = columns[column]
            if tensor.dtype != "string":  # the DataFrame step compares the values as text
                raise _not_exportable(fitted, f"column {column!r} holds non-string categories")
            index = keras.layers.StringLookup(vocabulary=[str(k) for k in kept],
                                              num_oov_indices=1,
                                              name=f"lookup_{_safe(column)}")(tensor)
            hot = keras.layers.CategoryEncoding(num_tokens=len(kept) + 1, output_mode="one_hot",
                                                name=f"one_hot_{_safe(column)}")(index)
            for position, category in enumerate(kept, start=1):
                out[f"{column}={category}"] = hot[:, position:position + 1]
            out[f"{column}=<other>"] = hot[:, 0:1]  # index 0: unseen in training
        return out
    if fitted.columns is not None and not fitted.columns:
        return columns  # nothing left to scale
    names = [str(c) for c in (fitted.columns or list(columns))]
    block = columns[names[0]] if len(names) == 1 else ops.concatenate(
        [columns[c] for c in names], axis=-1)
    block = _scale(keras, fitted, block, tabular=True)
    out = dict(columns)
    for position, column in enumerate(names):
        out[column] = block[:, position:position + 1]
    return out


def _array_step(keras: Any, fitted: Fitted, x: Any) -> Any:
    """One fitted step over a whole tensor (images, text)."""
    ops = keras.ops
    if fitted.name == "impute":
        return ops.where(ops.isnan(x), np.float32(fitted.params["fill"]), x)
    if fitted.name == "tokenize":
        return fitted.params["layer"](x)  # the layer adapted on the training texts
    if fitted.name in ("one_hot", "pad", "multi_hot"):
        raise _not_exportable(fitted, "it encodes columns of tables or token-id sequences")
    return _scale(keras, fitted, x, tabular=False)


def _scale(keras: Any, fitted: Fitted, x: Any, *, tabular: bool) -> Any:
    ops = keras.ops
    params = fitted.params
    if fitted.name == "clip":
        low, high = _constant(params["low"]), _constant(params["high"])
        return ops.minimum(ops.maximum(x, low), high)  # np.clip's order
    if fitted.name == "standardize":
        mean, std = _constant(params["mean"]), _constant(params["std"])
        if tabular:
            return keras.layers.Normalization(mean=mean.reshape(-1),
                                              variance=np.square(std).reshape(-1))(x)
        return ops.divide(ops.subtract(x, mean), std)  # per channel
    if fitted.name == "min_max":
        scaled = ops.divide(ops.subtract(x, _constant(params["low"])), _constant(params["span"]))
        return ops.add(ops.multiply(scaled, np.float32(params["factor"])),
                       np.float32(params["offset"]))
    if fitted.name == "rescale":
        return keras.layers.Rescaling(scale=params["scale"])(x)
    raise _not_exportable(fitted, "no Keras equivalent here")


def _safe(name: str) -> str:
    return "".join(ch if ch.isalnum() or ch == "_" else "_" for ch in name)


def input_keys(columns: list[str]) -> dict[str, str]:
    """Column -> the name of its model input: the column's own name where Keras takes it as a
    layer name, else with the characters it refuses ('/', spaces, ...) as '_' (and a number
    where two columns would meet), e.g. wine's 'od280/od315_of_diluted_wines'."""
    keys: dict[str, str] = {}
    taken: set[str] = set()
    for column in columns:
        key = column if column and _safe(column) == column else (_safe(column) or "column")
        base, number = key, 2
        while key in taken:
            key, number = f"{base}_{number}", number + 1
        keys[column] = key
        taken.add(key)
    return keys


# -- what to feed it ------------------------------------------------------------------------------

def describe_inputs(processor: Preprocessor, dataset: Dataset, setup: Any, *,
                    metrics: dict[str, Any], run: str, seed: int) -> dict[str, Any]:
    """The inputs JSON: what the exported model takes and what it returns."""
    profile = dataset.profile
    structure = profile.data_structure
    if structure == "tabular":
        keys = input_keys([name for name, _ in processor.raw_columns or []])
        inputs = [{"name": keys[name], "column": name, "type": kind,
                   "missing": "NaN" if kind == "number"
                   else f"{MISSING_STRING!r} (empty string)"}
                  for name, kind in processor.raw_columns or []]
        feed = ("{name: rows[column].to_numpy('float32') for number inputs, "
                "rows[column].fillna('').astype(str).to_numpy(object) for string inputs}: a dict "
                "of numpy arrays, one per column, keyed by the input's name (the column's name, "
                "with characters Keras refuses in names as '_'); Keras takes neither pandas "
                "string columns nor numpy unicode arrays")
    elif structure == "text":
        inputs = [{"name": "text", "type": "string"}]
        feed = "a numpy array of strings, shape (n,)"
    else:
        shape = list(np.asarray(dataset.features).shape[1:])
        inputs = [{"name": "image", "type": "number", "shape": shape}]
        feed = f"the raw pixel arrays, shape (n, {', '.join(map(str, shape))}), as read"
    activation = setup.model.output.activation
    units = setup.model.output.units
    if profile.problem_type in ("binary", "multiclass", "multilabel"):
        kind = {"sigmoid": "probabilities", "softmax": "probabilities"}.get(activation, "logits")
        output = (f"{kind} ({units} unit{'s' if units > 1 else ''}, {activation}); "
                  + ("one per class, in the order of classes" if units > 1
                     else "of the class classes[1]"))
    else:
        output = "values in the target's units (its scaling is undone inside the model)"
    return {
        "advisor_export": EXPORT_VERSION,
        "run": run, "seed": seed,
        "problem_type": profile.problem_type, "data_structure": structure,
        "inputs": inputs, "feed": feed,
        "target": {"names": list(dataset.target_names),
                   "classes": [str(c) for c in dataset.classes] if dataset.classes else None,
                   "scaling": [p["step"] for p in processor.target_params],
                   "scaling_undone_in_model": True},
        "output": output,
        "preprocessing": [dict(step) for step in processor.steps],
        "test_metrics": metrics,
    }


def inputs_path(model_path: Union[str, Path]) -> Path:
    """``model.keras`` -> ``model.inputs.json``."""
    path = Path(model_path)
    return path.with_name(path.stem + ".inputs.json")


def save_export(path: Union[str, Path], model: Any, processor: Preprocessor, dataset: Dataset,
                setup: Any, *, metrics: dict[str, Any], run: str, seed: int
                ) -> tuple[str, str]:
    """Export ``model`` (see :func:`export_model`), save it to ``path`` and its inputs JSON
    beside it; the two paths."""
    path = check_save_path(path)
    exported = export_model(model, processor, dataset)
    try:
        exported.save(str(path))
    except OSError as exc:
        raise AdvisorError(f"cannot write {path}: {exc.strerror or exc}", where="save") from None
    description = describe_inputs(processor, dataset, setup, metrics=metrics, run=run, seed=seed)
    target = inputs_path(path)
    target.write_text(json.dumps(description, indent=2, default=_plain) + "\n")
    return str(path), str(target)


def _plain(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, np.ndarray):
        return value.tolist()
    return str(value)


__all__ = ["export_model", "save_export", "describe_inputs", "check_exportable",
           "check_save_path", "inputs_path", "EXPORTABLE_STRUCTURES"]
