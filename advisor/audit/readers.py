"""Read a training setup from a file, as data, into a :class:`NormalizedSetup`.

Formats (chosen by extension, then checked against the file's first bytes):

* ``.keras`` - a Keras 3 archive: a zip whose ``config.json`` holds the model config with its
  ``compile_config``. Only ``config.json`` is read (size-limited, zip-bomb checked); weights are
  never touched.
* ``.h5`` / ``.hdf5`` - a legacy HDF5 model: the root attributes ``model_config`` and
  ``training_config`` (JSON; written by tf.keras 2.x and, with ``model.save("m.h5")``, by Keras 3).
  Needs ``h5py`` (imported only here).
* ``.json`` - ``model.to_json()`` output (a model config; Keras 3 adds a ``compile_config`` with
  the loss and metrics but without the optimizer), or an advisor TrainingConfig when it has
  ``advisor_config`` (or ``model`` + ``loss`` + ``optimizer``). Other JSON is
  :class:`NotASetupError`.
* ``.yaml`` / ``.yml`` - an advisor TrainingConfig (safe YAML, no aliases); a tf.keras 2.x
  ``model.to_yaml()`` model config is read too.
* ``.py`` - a Keras training script, parsed with :mod:`ast` and never run
  (:mod:`advisor.audit.script`); a script that builds no Keras model is :class:`NotASetupError`.

Nothing from the file is executed, unpickled or evaluated, and this module imports neither
TensorFlow, Keras nor NumPy: class names and arguments are read as plain JSON values.
"""

from __future__ import annotations

import zipfile
import zlib
from pathlib import Path
from typing import Any, Mapping, Union

from ..errors import AdvisorError, NotAMappingError
from ..textio import file_problem, parse_json, read_limited
from ..vocab import SETUP_SUFFIXES
from .config_setup import setup_from_config
from .keras_graph import setup_from_keras_config
from .keras_names import MODEL_CLASSES
from .keras_values import bare_name
from .setup import NormalizedSetup, NotASetupError

__all__ = ["MAX_CONFIG_BYTES", "MAX_COMPRESSION_RATIO", "read_setup", "setup_from_config",
           "setup_from_keras_config"]

MAX_CONFIG_BYTES = 64 * 1024 * 1024
"""Largest model config read (``config.json`` in a .keras, an h5 attribute, a .json file)."""
MAX_COMPRESSION_RATIO = 200
"""A ``config.json`` compressed more than this (and over 1 MiB) is refused as a zip bomb."""
_RATIO_CHECK_BYTES = 1024 * 1024

_ZIP_MAGIC = b"PK\x03\x04"
_EMPTY_ZIP_MAGIC = b"PK\x05\x06"
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"

def read_setup(path: Union[str, Path]) -> NormalizedSetup:
    """Read one file into a NormalizedSetup, as data (nothing in it is executed).

    Raises:
        NotASetupError: a YAML/JSON file that is neither a Keras model nor an advisor config.
        AdvisorError: the file cannot be read; the message names the file and the reason.
    """
    path = Path(path)
    where = str(path)
    suffix = path.suffix.lower()
    problem = file_problem(path, missing="no such file or folder; check the path")
    if problem and path.is_dir():
        raise AdvisorError("is a folder; expected a model or config file (a Keras 3 .keras file "
                           "is a zip archive, not a SavedModel folder)", where=where)
    if problem:
        raise AdvisorError(problem, where=where)
    if suffix not in SETUP_SUFFIXES:
        kind = f"'{path.suffix}'" if path.suffix else "without an extension"
        raise AdvisorError(f"unsupported file type {kind}; supported: "
                           f"{', '.join(SETUP_SUFFIXES)}", where=where)
    if suffix in (".keras", ".h5", ".hdf5"):
        head = _head(path)
        if head.startswith(_HDF5_MAGIC) or (suffix != ".keras" and not head.startswith(
                (_ZIP_MAGIC, _EMPTY_ZIP_MAGIC))):
            return _read_h5(path)
        return _read_keras(path, head)
    if suffix == ".json":
        return _read_json(path)
    if suffix == ".py":
        from .script import read_script

        return read_script(path)
    return _read_yaml(path)


def _head(path: Path) -> bytes:
    try:
        with path.open("rb") as handle:
            return handle.read(8)
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror or exc}", where=str(path)) from None


def _parse_json(data: Union[bytes, str], what: str, where: str) -> Any:
    return parse_json(data, what=what, where=where)


def _read_keras(path: Path, head: bytes) -> NormalizedSetup:
    where = str(path)
    if not head.startswith((_ZIP_MAGIC, _EMPTY_ZIP_MAGIC)):
        raise AdvisorError("not a zip archive: a Keras 3 .keras file is a zip holding "
                           "config.json (is it a renamed file or a download error page?)",
                           where=where)
    try:
        with zipfile.ZipFile(path) as archive:
            try:
                info = archive.getinfo("config.json")
            except KeyError:
                names = archive.namelist()
                shown = ", ".join(names[:5]) + (", ..." if len(names) > 5 else "")
                raise AdvisorError("not a Keras 3 archive: the zip has no config.json "
                                   f"(it holds: {shown or 'nothing'})", where=where) from None
            if info.file_size > MAX_CONFIG_BYTES:
                raise AdvisorError(f"config.json claims {info.file_size} bytes uncompressed; "
                                   f"the limit is {MAX_CONFIG_BYTES} bytes (refusing a possible "
                                   "zip bomb)", where=where)
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > _RATIO_CHECK_BYTES and ratio > MAX_COMPRESSION_RATIO:
                raise AdvisorError(f"config.json is compressed {ratio:.0f}:1 (limit "
                                   f"{MAX_COMPRESSION_RATIO}:1); refusing a possible zip bomb",
                                   where=where)
            with archive.open(info) as handle:
                data = handle.read(MAX_CONFIG_BYTES + 1)
    except AdvisorError:
        raise
    except zipfile.BadZipFile as exc:
        raise AdvisorError(f"truncated or corrupt zip archive ({exc}); save the model again",
                           where=where) from None
    except (zlib.error, EOFError) as exc:
        raise AdvisorError(f"corrupt or truncated config.json in the archive: {exc}",
                           where=where) from None
    except NotImplementedError as exc:
        raise AdvisorError(f"cannot read the archive: {exc}", where=where) from None
    except RuntimeError as exc:  # encrypted entries
        raise AdvisorError(f"cannot read the archive: {exc}", where=where) from None
    except OSError as exc:
        raise AdvisorError(f"cannot read: {exc.strerror or exc}", where=where) from None
    if len(data) > MAX_CONFIG_BYTES:
        raise AdvisorError(f"config.json is larger than {MAX_CONFIG_BYTES} bytes", where=where)
    config = _parse_json(data, "config.json", where)
    if not isinstance(config, Mapping) or not isinstance(config.get("class_name"), str):
        raise AdvisorError("config.json is not a Keras model config (no class_name)",
                           where=where)
    return setup_from_keras_config(config, config.get("compile_config"), source=where,
                                   format="keras")


def _read_h5(path: Path) -> NormalizedSetup:
    """A legacy HDF5 model. HDF5 is native code that crashes or loops on some crafted files, so
    its attributes are read in a child process under the time and memory limits."""
    from .isolation import IsolatedFailure, call_isolated

    where = str(path)
    try:
        found = call_isolated(h5_attributes, where)
    except IsolatedFailure as exc:
        raise AdvisorError(str(exc), where=where) from None
    if "error" in found:
        raise AdvisorError(found["error"], where=where)
    model_config = _parse_json(found["model_config"], "the model_config attribute", where)
    training = (_parse_json(found["training_config"], "the training_config attribute", where)
                if found.get("training_config") is not None else None)
    if not isinstance(model_config, Mapping):
        raise AdvisorError("model_config is not a Keras model config", where=where)
    if training is not None and not isinstance(training, Mapping):
        training = None
    return setup_from_keras_config(model_config, training, source=where, format="h5")


def h5_attributes(where: str) -> dict[str, Any]:
    """The JSON text of an HDF5 model's ``model_config`` and ``training_config`` attributes, or
    ``{"error": reason}`` (run in a child process by :func:`_read_h5`)."""
    try:
        import h5py
    except ImportError:
        return {"error": "reading .h5 models needs h5py: pip install h5py (it comes with the "
                         "train extra)"}
    try:
        handle = h5py.File(where, "r")
    except OSError as exc:
        text = str(exc)
        reason = ("truncated HDF5 file" if "truncated" in text else
                  "not an HDF5 file" if "signature" in text else "cannot open as HDF5")
        return {"error": f"{reason} ({text})"}
    try:
        with handle:
            attributes = handle.attrs
            if "model_config" not in attributes:
                weights_only = "layer_names" in attributes or "layers" in handle  # Keras 2 / 3
                hint = (" (it holds weights only: save the whole model with model.save)"
                        if weights_only else "")
                return {"error": f"not a Keras model file: no model_config attribute{hint}"}
            return {"model_config": _h5_text(handle, "model_config"),
                    "training_config": (_h5_text(handle, "training_config")
                                        if "training_config" in attributes else None)}
    except AdvisorError as exc:
        return {"error": exc.message}
    except Exception as exc:  # noqa: BLE001 - h5py raises many kinds on a damaged file
        return {"error": f"the HDF5 file is damaged: {str(exc).split(' (')[0][:200]}"}


def _h5_text(handle: Any, name: str) -> Any:
    try:
        size = handle.attrs.get_id(name).get_storage_size()
    except Exception:  # noqa: BLE001 - h5py raises several kinds here
        size = 0
    if size > MAX_CONFIG_BYTES:
        raise AdvisorError(f"the {name} attribute is {size} bytes; the limit is "
                           f"{MAX_CONFIG_BYTES}")
    try:
        value = handle.attrs[name]
    except Exception as exc:  # noqa: BLE001
        raise AdvisorError(f"cannot read the {name} attribute: {exc}") from None
    if hasattr(value, "tolist") and not isinstance(value, (bytes, str)):
        value = value.tolist()
        if isinstance(value, list) and len(value) == 1:
            value = value[0]
    if not isinstance(value, (bytes, str)):
        raise AdvisorError(f"the {name} attribute is not JSON text")
    if len(value) > MAX_CONFIG_BYTES:  # a variable-length string's storage size says nothing
        raise AdvisorError(f"the {name} attribute is {len(value)} bytes; the limit is "
                           f"{MAX_CONFIG_BYTES}")
    return value


def _read_bounded(path: Path) -> bytes:
    return read_limited(path, MAX_CONFIG_BYTES)


def _is_model(data: Mapping[str, Any]) -> bool:
    """A Keras model config (not some other serialized Keras object): it has layers, is a model
    class, or carries a compile config (a subclassed model)."""
    config = data.get("config")
    return (isinstance(config, list) or (isinstance(config, Mapping) and isinstance(
        config.get("layers"), list)) or bare_name(str(data.get("class_name"))) in MODEL_CLASSES
        or isinstance(data.get("compile_config"), Mapping))


def _is_config(data: Mapping[str, Any]) -> bool:
    return "advisor_config" in data or {"model", "loss", "optimizer"} <= set(data)


def _config_setup(data: Mapping[str, Any], where: str) -> NormalizedSetup:
    from pydantic import ValidationError

    from ..errors import format_validation_error
    from ..models import TrainingConfig

    try:
        config = TrainingConfig.model_validate(dict(data))
    except ValidationError as exc:
        raise AdvisorError(format_validation_error(exc, what="training config",
                                                   where=where)) from None
    return setup_from_config(config, source=where)


def _read_json(path: Path) -> NormalizedSetup:
    where = str(path)
    data = _parse_json(_read_bounded(path), "the file", where)
    if isinstance(data, Mapping):
        if _is_config(data):
            return _config_setup(data, where)
        if isinstance(data.get("class_name"), str) and "config" in data and _is_model(data):
            return setup_from_keras_config(data, data.get("compile_config"), source=where,
                                           format="json")
    raise NotASetupError("neither a Keras model config (class_name/config, from "
                         "model.to_json()) nor an advisor config (advisor_config)", where=where)


def _read_yaml(path: Path) -> NormalizedSetup:
    from ..textio import parse_mapping, read_text

    where = str(path)
    try:
        data = parse_mapping(read_text(path), where=where)
    except NotAMappingError as exc:  # a YAML list, scalar or empty file
        raise NotASetupError(exc.message, where=where) from None
    if _is_config(data):
        return _config_setup(data, where)
    if isinstance(data.get("class_name"), str) and "config" in data and _is_model(data):
        # Keras 2 model.to_yaml()
        return setup_from_keras_config(data, data.get("compile_config"), source=where,
                                       format="json")
    raise NotASetupError("not an advisor config (no advisor_config, or model/loss/optimizer)",
                         where=where)
