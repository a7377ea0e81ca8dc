"""Options shared by commands: the profile fields as flags, the data-file options, and
turning them into a profile or a data set through the library."""

from __future__ import annotations

import sys
from typing import Any, Callable, Collection, Optional, Sequence, get_args

import click

from ..errors import AdvisorError, FieldIssue
from ..profile import DATA_STRUCTURES

# -- option types ---------------------------------------------------------------------------------

class _NumberList(click.ParamType):
    """Numbers written ``28,28,1`` or ``[28, 28, 1]``."""

    def __init__(self, name: str, cast: Callable[[str], Any], example: str, count: Optional[int]):
        self.name = name
        self.cast = cast
        self.example = example
        self.count = count

    def convert(self, value: Any, param: Optional[click.Parameter], ctx: Optional[click.Context]):
        if isinstance(value, (list, tuple)):
            return list(value)
        text = str(value).strip()
        if text[:1] in "[(" and text[-1:] in "])":
            text = text[1:-1]
        parts = [part.strip() for part in text.split(",")]
        kind = "whole numbers" if self.cast is int else "numbers"
        expected = (f"expected {self.count} comma-separated {kind}" if self.count else
                    f"expected comma-separated {kind}")
        expected += f" such as {self.example} or [{self.example.replace(',', ', ')}]"
        try:
            numbers = [self.cast(part) for part in parts]
        except ValueError:
            self.fail(f"{value!r} is not a {self.name}; {expected}", param, ctx)
        if self.count and len(numbers) != self.count:
            self.fail(f"{value!r} has {len(numbers)} value(s); {expected}", param, ctx)
        return numbers


SHAPE = _NumberList("shape", int, "28,28,1", None)
RANGE = _NumberList("range", float, "0,255", 2)


class _DataStructure(click.ParamType):
    """A data structure, checked by the library so that unsupported ones get its explanation."""

    name = "structure"

    def get_metavar(self, param: click.Parameter, ctx: Optional[click.Context] = None) -> str:
        return "[" + "|".join(DATA_STRUCTURES) + "]"

    def shell_complete(self, ctx, param, incomplete):  # pragma: no cover - shell integration
        from click.shell_completion import CompletionItem

        return [CompletionItem(c) for c in DATA_STRUCTURES if c.startswith(incomplete)]


# field name, flag, click type, help
# Flags are made from DatasetProfile's fields (name, type, description), so a new field gets its
# flag without a second list; only where the command line reads a value its own way (shapes and
# ranges as "28,28,1", data structures with their aliases) or needs other words is it said here.
_FLAG_TYPES: dict[str, Any] = {"data_structure": _DataStructure(), "input_shape": SHAPE,
                               "input_range": RANGE, "target_range": RANGE}
_FLAG_HELP = {
    "input_shape": "One example without the batch axis, e.g. 28,28,1 (image) or 20 (tabular "
                   "features).",
    "n_classes": "Classes (multilabel: labels; seq2seq: output vocabulary); required for "
                 "classification.",
    "n_targets": "Regression outputs; forecasting: series forecast (default 1).",
    "season_length": "Steps per season of a time series (e.g. 12 for monthly data); measured "
                     "from --data.",
    "label_encoding": "How the targets are stored (default from the problem type).",
    "minority_class_ratio": "Share of the rarest class, in (0, 0.5].",
    "input_range": "MIN,MAX of the raw inputs, e.g. 0,255.",
    "target_range": "MIN,MAX of the raw regression targets.",
    "missing_ratio": "Share of missing feature values, in [0, 1].",
    "categorical_features": "Categorical columns (tabular).",
    "pretrained": "A pretrained backbone may be used (weights available locally).",
    "complexity": "Model complexity; derived from size and shape when absent.",
    "compute": "Where training runs (default cpu).",
}
_DATA_FLAGS = ("forecast_horizon",)  # declared by data_options, with what it means for --data


def _flag_type(annotation: Any) -> Any:
    import typing

    args = [a for a in get_args(annotation) if a is not type(None)]
    if typing.get_origin(annotation) is typing.Union and len(args) == 1:
        annotation = args[0]
    if typing.get_origin(annotation) is typing.Literal:
        return click.Choice(get_args(annotation))
    return None if annotation is bool else annotation


def _profile_flags() -> tuple[tuple[str, str, Any, str], ...]:
    from ..profile import DatasetProfile

    flags = []
    for field, info in DatasetProfile.model_fields.items():
        if field in _DATA_FLAGS:
            continue
        flag = "--" + field.replace("_", "-")
        kind = _FLAG_TYPES.get(field, _flag_type(info.annotation))
        if kind is None:  # a boolean: --pretrained / --no-pretrained
            flag = f"{flag}/--no-{flag[2:]}"
        flags.append((field, flag, kind, _FLAG_HELP.get(field, info.description or "")))
    return tuple(flags)


PROFILE_FLAGS = _profile_flags()
FIELD_FLAGS = {field: flag.split("/")[0] for field, flag, _, _ in PROFILE_FLAGS}
# declared by data_options (every command with profile flags has them): with --data it makes
# the problem forecasting; without, it sets the profile's field
FIELD_FLAGS["forecast_horizon"] = "--forecast-horizon"


def profile_options(command: Callable) -> Callable:
    """The ``--profile FILE`` option and one flag per DatasetProfile field (flags win)."""
    for field, flag, kind, help_text in reversed(PROFILE_FLAGS):
        if kind is None:
            command = click.option(flag, field, default=None, help=help_text)(command)
        else:
            command = click.option(flag, field, type=kind, default=None, help=help_text)(command)
    command = click.option(
        "--sample", "sample", metavar="NAME",
        help="Start from a bundled profile of a well-known data set (wine, mnist, cifar10, "
        "imdb, ...); flags override its fields.",
    )(command)
    return click.option(
        "--profile", "profile_path", metavar="FILE",
        help="A DatasetProfile as YAML or JSON ('-' reads stdin); flags override its fields.",
    )(command)


def build_profile(profile_path: Optional[str], flags: dict[str, Any]):
    """Read ``--profile`` (or ``--sample``), apply the flags over it and validate it."""
    from ..profile import load_profile
    from ..textio import MAX_TEXT_BYTES, decode_text, parse_mapping, read_limited, read_mapping

    data: dict[str, Any] = {}
    sample = flags.pop("sample", None)
    if sample and profile_path:
        raise AdvisorError("--sample and --profile both give a profile; use one of them")
    if sample:
        from ..samples import sample_path

        profile_path = str(sample_path(sample))
    if profile_path == "-":
        raw = read_limited(sys.stdin.buffer, MAX_TEXT_BYTES, what="profile on stdin",
                           where="<stdin>")
        data = parse_mapping(decode_text(raw, where="<stdin>"), where="<stdin>")
    elif profile_path:
        data = read_mapping(profile_path)
    given = {field: value for field, value in flags.items() if value is not None}
    data.update(given)
    source = "<stdin>" if profile_path == "-" else profile_path
    where = source if source and not given else (
        f"{source} with command-line flags" if source else None)
    try:
        profile = load_profile(data, where=where)
    except AdvisorError as exc:
        raise AdvisorError(exc.message, where=exc.where, fields=exc.fields,
                           hint=field_hint(exc.fields, given=set(given), file=source)) from None
    echo_profile_notes(profile, where)
    return profile


def echo_profile_notes(profile: Any, where: Optional[str]) -> None:
    """How a profile was read where it differs from what was written, on stderr (the advice
    or report on stdout stays clean)."""
    for note in getattr(profile, "notes", ()):
        click.echo(f"note: {where + ': ' if where else ''}{note}", err=True)


def field_hint(fields: Sequence[FieldIssue], *, given: Collection[str] = (),
               file: Optional[str] = None) -> Optional[str]:
    """What to do about the fields an error names, in this command line's terms.

    A field a flag gave is fixed on the command line; one from a profile file in that file (or
    overridden with its flag); one measured from data with its flag.
    """
    steps = []
    for issue in fields:
        flag = FIELD_FLAGS.get(issue.field)
        if issue.fix == "remove":
            steps.append(f"drop {flag}" if issue.field in given or not file and flag else
                         f"remove {issue.field} from {file}" if file else f"remove {issue.field}")
            continue
        verb = "set" if issue.fix == "set" else "change"
        if flag is None:
            steps.append(f"{verb} {issue.field}" + (f" in {file}" if file else ""))
        elif file and issue.field not in given:
            steps.append(f"{verb} {issue.field} in {file} (or with {flag})")
        else:
            steps.append(f"{verb} {issue.field} with {flag}")
    return "; ".join(dict.fromkeys(steps)) or None


def format_option(*choices: str, default: str = "text") -> Callable:
    return click.option("--format", "output_format", type=click.Choice(choices),
                        default=default, show_default=True, help="Output format.")


# -- data ---------------------------------------------------------------------------------------
# Options shared by `advisor profile`, `advisor recommend --data` and `advisor verify`: where the
# data is and how to read it. numpy / pandas / Pillow are imported only when data is read.

DATA_OPTION_NAMES = ("targets", "text_column", "time_column", "forecast_horizon", "x_key",
                     "y_key", "max_rows", "encoding", "drop", "keep")


def data_options(command: Optional[Callable] = None, *, data: bool = False) -> Callable:
    """Click options describing a data source: ``--target`` (repeatable), ``--text-column``,
    ``--time-column``, ``--forecast-horizon``, ``--x-key``, ``--y-key``, ``--max-rows``; with
    ``data=True`` also ``--data PATH`` (for commands whose data is optional).

    Use as ``@data_options`` or ``@data_options(data=True)``; split the values off the command's
    keyword arguments with :func:`pop_data_options`.
    """

    def decorate(function: Callable) -> Callable:
        options = [
            click.option("--keep", "keep", multiple=True, metavar="COLUMN",
                         help="Use this column as a feature even where it looks like an ID, "
                         "names, dates or a constant; repeatable."),
            click.option("--drop", "drop", multiple=True, metavar="COLUMN",
                         help="Never use this column as a feature; repeatable."),
            click.option("--encoding", "encoding", default=None, metavar="NAME",
                         help="Text encoding of a CSV/TSV/TXT file (default UTF-8), e.g. "
                         "latin-1."),
            click.option("--max-rows", "max_rows", type=click.IntRange(min=1), default=None,
                         metavar="N", help="Read at most N rows of a tabular file."),
            click.option("--y-key", "y_key", default="y", show_default=True, metavar="KEY",
                         help="Name of the target array in an .npz file."),
            click.option("--x-key", "x_key", default="x", show_default=True, metavar="KEY",
                         help="Name of the input array in an .npz file."),
            click.option("--forecast-horizon", "forecast_horizon", type=click.IntRange(min=1),
                         default=None, metavar="N",
                         help="Predict N steps ahead: the problem becomes forecasting."),
            click.option("--time-column", "time_column", default=None, metavar="COLUMN",
                         help="The column giving time order (increasing): time-series data."),
            click.option("--text-column", "text_column", default=None, metavar="COLUMN",
                         help="The column holding free text: text data."),
            click.option("--target", "targets", multiple=True, metavar="COLUMN",
                         help="Target column; repeat for several (multilabel 0/1 columns or "
                         "multi-output regression)."),
        ]
        if data:
            options.append(click.option(
                "--data", "data", default=None, metavar="PATH",
                help="Measure the profile from a data file or image folder (CSV, TSV, Parquet, "
                "NPZ/NPY, class sub-folders of images)."))
        for option in options:
            function = option(function)
        return function

    return decorate(command) if command is not None else decorate


def pop_data_options(kwargs: dict[str, Any]) -> dict[str, Any]:
    """Take the :func:`data_options` values out of a command's keyword arguments (not --data)."""
    options = {name: kwargs.pop(name) for name in DATA_OPTION_NAMES if name in kwargs}
    options["targets"] = tuple(options.get("targets") or ())
    return options


def profile_field_options(command: Callable) -> Callable:
    """One flag per DatasetProfile field (as :func:`profile_options`, without --profile and
    --sample): overrides of measured values."""
    for field, flag, kind, help_text in reversed(PROFILE_FLAGS):
        if kind is None:
            command = click.option(flag, field, default=None, help=help_text)(command)
        else:
            command = click.option(flag, field, type=kind, default=None, help=help_text)(command)
    return command


def _data_overrides(flags: dict[str, Any]) -> dict[str, Any]:
    if flags.get("sample"):
        raise AdvisorError("--data and --sample both give the data set; use one of them")
    if flags.get("profile_path"):
        raise AdvisorError("--data and --profile both give the profile; use one of them",
                             hint="flags such as --input-shape override measured values")
    return {field: value for field, value in flags.items()
            if field in FIELD_FLAGS and value is not None}


def profile_from_options(data: str, options: dict[str, Any], flags: dict[str, Any]):
    """Measure the profile of DATA with the :func:`data_options` values and the profile flags
    (field -> value, None when not given) as overrides; an ``advisor.data.ProfiledData``."""
    from ..data import profile_data

    return profile_data(data, overrides=_data_overrides(flags), **_data_kwargs(options))


def dataset_from_options(data: str, options: dict[str, Any], flags: dict[str, Any]):
    """Load DATA whole and raw (an ``advisor.dataset.Dataset``) with the same options as
    :func:`profile_from_options`."""
    from ..data import load_dataset

    return load_dataset(data, overrides=_data_overrides(flags), **_data_kwargs(options))


_MULTIPLE = ("targets", "drop", "keep")           # repeatable data options
_DEFAULTS = {"x_key": "x", "y_key": "y"}         # the array names when not given


def _data_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    """The data options as ``profile_data`` / ``load_dataset`` keyword arguments."""
    return {name: tuple(options.get(name) or ()) if name in _MULTIPLE
            else options.get(name) or _DEFAULTS.get(name) for name in DATA_OPTION_NAMES}


def check_no_data_options(options: dict[str, Any]) -> None:
    """Options that describe a data file are an error without --data (the array names, which
    have defaults, excepted)."""
    given = ["--target" if name == "targets" else "--" + name.replace("_", "-")
             for name in DATA_OPTION_NAMES if name not in _DEFAULTS and options.get(name)]
    if given:
        raise AdvisorError(f"{', '.join(given)} describe(s) a data file, but no --data was "
                           "given", hint="add --data PATH, or describe the data set with flags")


def command_line(command: str, path: str, *, data_flag: bool) -> str:
    """The ``advisor COMMAND`` line that reads ``path`` with every data and profile option this
    invocation was given (click's parsed values, so it runs as printed): the ``Next:`` and
    "shows the evidence" hints."""
    import shlex

    ctx = click.get_current_context()
    parts = ["advisor", command] + (["--data"] if data_flag else []) + [shlex.quote(path)]
    for param in ctx.command.params:
        if not isinstance(param, click.Option) or param.name in _NOT_REPEATED:
            continue
        value = ctx.params.get(param.name)
        if value is None or value == () or value == param.default:
            continue
        if param.is_flag:
            parts.append(param.opts[0] if value else param.secondary_opts[0])
            continue
        for item in (value if param.multiple else (value,)):
            text = ",".join(map(str, item)) if isinstance(item, (list, tuple)) else str(item)
            parts += [param.opts[0], shlex.quote(text)]
    return " ".join(parts)


# options of the command at hand, not of reading the data (the hints name another command)
_NOT_REPEATED = {"output_format", "data", "profile_path", "sample", "config_path", "report_dir",
                 "refine", "seed", "seeds", "max_epochs", "test_data", "test_fraction",
                 "no_reference", "quiet"}
