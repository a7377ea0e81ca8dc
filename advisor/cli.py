"""The ``advisor`` command: a thin layer over the library.

Every command parses its options, calls the library (the same functions ``from advisor import
...`` gives) and prints the result with :mod:`advisor.render`. Exit codes follow ruff: 0 success,
1 findings, 2 bad input or usage, 3 an internal error (a bug in the advisor; ``ADVISOR_DEBUG=1``
shows the traceback).

Start-up time matters (``advisor recommend`` runs in scripts and editors): JSON Schema, YAML
output and the Keras script writer are imported only by the commands that need them.
"""

from __future__ import annotations

import os
import shutil
import sys
import warnings
from typing import Any, Callable, Collection, Optional, Sequence, get_args

import click

from . import __version__
from .errors import AdvisorError, EngineFallbackWarning, FieldIssue
from .profile import DATA_STRUCTURES, PROBLEM_TYPES, Complexity, Compute, LabelEncoding
from .vocab import FACETS, RULE_FAMILIES, SAMPLE_DATASETS

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
DEBUG_ENV = "ADVISOR_DEBUG"
# click >= 8.2 raises this for a group called without a command (it shows the group's help)
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


def terminal_width() -> int:
    """The width to fit text output to; 100 columns when there is no terminal (pipes, tests)."""
    columns = shutil.get_terminal_size(fallback=(100, 24)).columns
    return max(60, min(columns, 160))


def _stdout_encoding() -> str:
    encoding = getattr(sys.stdout, "encoding", None) or "utf-8"
    try:
        "".encode(encoding)
    except LookupError:
        return "utf-8"
    return encoding


def _can_show(characters: str) -> bool:
    try:
        characters.encode(_stdout_encoding())
    except UnicodeEncodeError:
        return False
    return True


def _echo(text: str) -> None:
    """Print to stdout; characters the stream cannot encode become '?' rather than a crash."""
    encoding = _stdout_encoding()
    if not _can_show(text):
        text = text.encode(encoding, errors="replace").decode(encoding)
    click.echo(text, nl=not text.endswith("\n"))


def _error(message: str, hint: Optional[str] = None) -> None:
    click.echo(f"error: {message}", err=True)
    if hint:
        click.echo(f"hint: {hint}", err=True)


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:] if text[1:2].islower() else text


class AdvisorGroup(click.Group):
    """The top-level group: turns every error into one ``error: ...`` message and an exit code.

    ``AdvisorError`` (bad input) exits 2 with the library's message; click's usage errors exit 2;
    anything else is a bug in the advisor: exit 3 with a short note (``ADVISOR_DEBUG=1`` re-raises
    it, so tests and bug reports see the traceback).
    """

    def main(self, args=None, prog_name=None, complete_var=None, standalone_mode=True,
             **extra: Any) -> Any:
        # the CLI names the engine in --version and --verbose instead of a Python warning
        warnings.simplefilter("ignore", EngineFallbackWarning)
        if not standalone_mode:
            return super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        try:
            code = super().main(args, prog_name, complete_var, standalone_mode=False, **extra)
        except _NO_ARGS_IS_HELP as exc:  # `advisor rules` alone: show its help
            exc.show()
            code = EXIT_USAGE
        except click.UsageError as exc:
            _error(_lower_first(exc.format_message()))
            if exc.ctx is not None:
                click.echo("", err=True)
                click.echo(exc.ctx.get_usage(), err=True)
                click.echo(f"Try '{exc.ctx.command_path} --help' for help.", err=True)
            code = EXIT_USAGE
        except click.ClickException as exc:
            _error(exc.format_message())
            code = exc.exit_code
        except click.Abort:  # Ctrl-C
            click.echo("Aborted!", err=True)
            code = 1
        except AdvisorError as exc:
            _error(str(exc), exc.hint or field_hint(exc.fields))
            code = EXIT_USAGE
        except BrokenPipeError:  # `advisor rules list | head`
            sys.stderr = open(os.devnull, "w")  # noqa: SIM115 - silence the flush at exit
            code = 1
        except Exception as exc:  # noqa: BLE001 - the last line of defence, see the docstring
            if os.environ.get(DEBUG_ENV):
                raise
            _error(f"internal error: {type(exc).__name__}: {exc}",
                   "this is a bug in the advisor, not in your input; please report it with the "
                   f"command you ran (rerun with {DEBUG_ENV}=1 to see the traceback).")
            code = EXIT_INTERNAL
        sys.exit(code if isinstance(code, int) else EXIT_OK)


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
PROFILE_FLAGS: tuple[tuple[str, str, Any, str], ...] = (
    ("problem_type", "--problem-type", click.Choice(PROBLEM_TYPES), "What is predicted."),
    ("data_structure", "--data-structure", _DataStructure(),
     "The shape of one example's information."),
    ("n_samples", "--n-samples", int, "Number of training examples."),
    ("input_shape", "--input-shape", SHAPE,
     "One example without the batch axis, e.g. 28,28,1 (image) or 20 (tabular features)."),
    ("n_classes", "--n-classes", int,
     "Classes (multilabel: labels; seq2seq: output vocabulary); required for classification."),
    ("n_targets", "--n-targets", int,
     "Regression outputs; forecasting: series forecast (default 1)."),
    ("season_length", "--season-length", int,
     "Steps per season of a time series (e.g. 12 for monthly data); measured from --data."),
    ("label_encoding", "--label-encoding", click.Choice(get_args(LabelEncoding)),
     "How the targets are stored (default from the problem type)."),
    ("minority_class_ratio", "--minority-class-ratio", float,
     "Share of the rarest class, in (0, 0.5]."),
    ("input_range", "--input-range", RANGE, "MIN,MAX of the raw inputs, e.g. 0,255."),
    ("target_range", "--target-range", RANGE, "MIN,MAX of the raw regression targets."),
    ("missing_ratio", "--missing-ratio", float, "Share of missing feature values, in [0, 1]."),
    ("categorical_features", "--categorical-features", int, "Categorical columns (tabular)."),
    ("vocab_size", "--vocab-size", int, "Distinct tokens (text)."),
    ("pretrained", "--pretrained/--no-pretrained", None,
     "A pretrained backbone may be used (weights available locally)."),
    ("complexity", "--complexity", click.Choice(get_args(Complexity)),
     "Model complexity; derived from size and shape when absent."),
    ("compute", "--compute", click.Choice(get_args(Compute)), "Where training runs (default cpu)."),
)
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
    from .profile import load_profile
    from .textio import parse_mapping, read_mapping

    data: dict[str, Any] = {}
    sample = flags.pop("sample", None)
    if sample and profile_path:
        raise AdvisorError("--sample and --profile both give a profile; use one of them")
    if sample:
        from .samples import sample_path

        profile_path = str(sample_path(sample))
    if profile_path == "-":
        data = parse_mapping(sys.stdin.read(), where="<stdin>")
    elif profile_path:
        data = read_mapping(profile_path)
    given = {field: value for field, value in flags.items() if value is not None}
    data.update(given)
    source = "<stdin>" if profile_path == "-" else profile_path
    where = source if source and not given else (
        f"{source} with command-line flags" if source else None)
    try:
        return load_profile(data, where=where)
    except AdvisorError as exc:
        raise AdvisorError(exc.message, where=exc.where, fields=exc.fields,
                           hint=field_hint(exc.fields, given=set(given), file=source)) from None


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
                     "y_key", "max_rows")


def data_options(command: Optional[Callable] = None, *, data: bool = False) -> Callable:
    """Click options describing a data source: ``--target`` (repeatable), ``--text-column``,
    ``--time-column``, ``--forecast-horizon``, ``--x-key``, ``--y-key``, ``--max-rows``; with
    ``data=True`` also ``--data PATH`` (for commands whose data is optional).

    Use as ``@data_options`` or ``@data_options(data=True)``; split the values off the command's
    keyword arguments with :func:`pop_data_options`.
    """

    def decorate(function: Callable) -> Callable:
        options = [
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
    from .data import profile_data

    return profile_data(data, overrides=_data_overrides(flags), **_data_kwargs(options))


def dataset_from_options(data: str, options: dict[str, Any], flags: dict[str, Any]):
    """Load DATA whole and raw (an ``advisor.dataset.Dataset``) with the same options as
    :func:`profile_from_options`."""
    from .data import load_dataset

    return load_dataset(data, overrides=_data_overrides(flags), **_data_kwargs(options))


def _data_kwargs(options: dict[str, Any]) -> dict[str, Any]:
    return {
        "targets": tuple(options.get("targets") or ()),
        "text_column": options.get("text_column"),
        "time_column": options.get("time_column"),
        "forecast_horizon": options.get("forecast_horizon"),
        "x_key": options.get("x_key") or "x",
        "y_key": options.get("y_key") or "y",
        "max_rows": options.get("max_rows"),
    }


def _check_no_data_options(options: dict[str, Any]) -> None:
    given = [flag for name, flag in (("targets", "--target"), ("text_column", "--text-column"),
                                     ("time_column", "--time-column"),
                                     ("forecast_horizon", "--forecast-horizon"),
                                     ("max_rows", "--max-rows")) if options.get(name)]
    if given:
        raise AdvisorError(f"{', '.join(given)} describe(s) a data file, but no --data was "
                             "given", hint="add --data PATH, or describe the data set with flags")


# -- commands -------------------------------------------------------------------------------------

def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    import platform

    from .engine import describe_engine

    click.echo(f"advisor {__version__}, Python {platform.python_version()}, "
               f"rule engine: {describe_engine()}")
    ctx.exit()


@click.group(cls=AdvisorGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--version", is_flag=True, expose_value=False, is_eager=True,
              callback=_show_version,
              help="Show the version, the Python version and the rule engine, and exit.")
@click.option("--verbose", "-v", is_flag=True,
              help="Notes on stderr: which rule engine runs (durable-rules or the reference "
                   "evaluator), and why.")
def cli(verbose: bool) -> None:
    """Recommend and explain Keras training setups, from rules with cited sources.

    \b
    Example:
      advisor recommend --problem-type binary --data-structure tabular \\
          --n-samples 5000 --input-shape 20 --n-classes 2
      advisor audit models/ --profile data.profile.yaml
      advisor rules show LOSS001

    Exit codes: 0 success, 1 audit findings, 2 bad input or usage, 3 internal error.
    """
    if verbose:
        from .engine import describe_engine

        click.echo(f"advisor: rule engine: {describe_engine()}", err=True)


@cli.command()
@profile_options
@data_options(data=True)
@format_option("text", "json", "yaml", "config", "keras")
def recommend(profile_path: Optional[str], output_format: str, **flags: Any) -> None:
    """Recommend a training setup for a data set, with the reason and source of every value.

    Describe the data with --profile FILE (YAML or JSON with the DatasetProfile fields; see
    'advisor schema profile') and/or one flag per field. Formats: text (a table), json (the
    Recommendation), yaml (the same as YAML), config (a TrainingConfig file for audit and
    verify), keras (a runnable Keras training script).

    \b
    Example:
      advisor recommend --problem-type multiclass --data-structure image \\
          --n-samples 60000 --input-shape 28,28,1 --n-classes 10
      advisor recommend --profile cifar.yaml --format json
      advisor recommend --profile cifar.yaml --format keras > train.py
    """
    from .recommend import recommend as recommend_setup

    data = flags.pop("data", None)
    data_opts = pop_data_options(flags)
    header = None
    if data:
        profiled = profile_from_options(data, data_opts, {**flags, "profile_path": profile_path})
        profile = profiled.profile
        from .data._render import measured_header

        header = measured_header(profiled)
    else:
        horizon = data_opts.pop("forecast_horizon", None)
        _check_no_data_options(data_opts)
        profile = build_profile(profile_path, {**flags, "forecast_horizon": horizon})
    rec = recommend_setup(profile)
    if output_format == "text":
        from .render import render_recommendation_text

        text = render_recommendation_text(rec, width=terminal_width(),
                                          ascii_only=not _can_show("\u2192\u00d7"))
        _echo(f"{header}\n{text}" if header else text)
    elif output_format == "json":
        from .render import to_json

        _echo(to_json(rec.to_dict()))
    elif output_format == "yaml":
        import yaml

        _echo(yaml.safe_dump(rec.to_dict(), sort_keys=False, allow_unicode=True))
    elif output_format == "config":
        _echo(rec.to_config().to_yaml())
    else:
        from .executor.script import render_keras_script

        _echo(render_keras_script(rec))


# -- data: the profile command --------------------------------------------------------------------

@cli.command("profile")
@click.argument("path", metavar="PATH")
@data_options
@profile_field_options
@format_option("text", "json", "yaml")
def profile_command(path: str, output_format: str, **flags: Any) -> None:
    """Measure the DatasetProfile of a data file or image folder and say how each value was
    obtained (measured, given by a flag, derived) and which come from a sample.

    PATH is a CSV / TSV / TXT file, a Parquet file, an .npz (x / y arrays) or .npy file, or a
    folder of class sub-folders of images. Profile flags (--problem-type, --input-shape, ...)
    override measured values. Formats: text (a table with the evidence), json (the profile
    under "profile", how each field was obtained under "provenance"), yaml (a profile file for
    'advisor recommend --profile', the evidence as comments).

    \b
    Example:
      advisor profile train.csv --target label
      advisor profile data.parquet --target y1 --target y2 --format json
      advisor profile images/
      advisor profile digits.csv --target label --data-structure image --input-shape 8,8,1
      advisor profile series.csv --target temperature --time-column step --forecast-horizon 12
    """
    from .data._render import profile_json, profile_text, profile_yaml

    options = pop_data_options(flags)
    profiled = profile_from_options(path, options, flags)
    if output_format == "json":
        _echo(profile_json(profiled))
    elif output_format == "yaml":
        _echo(profile_yaml(profiled))
    else:
        _echo(profile_text(profiled))


# -- audit ----------------------------------------------------------------------------------------

PROGRESS_MIN_FILES = 20  # a progress bar only for batches that take a noticeable time


def _audit_profile(profile_path: Optional[str]):
    if not profile_path:
        return None
    from .profile import load_profile
    from .textio import read_mapping

    return load_profile(read_mapping(profile_path), where=profile_path)


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _run_audit(paths: tuple[str, ...], *, profile: Any, select: list[str], ignore: list[str],
               jobs: Optional[int], skip_unknown: bool, progress: bool):
    """audit_paths, with a progress bar on a terminal."""
    from .audit.core import audit_paths, discover

    options = dict(profile=profile, select=select or None, ignore=ignore or None, jobs=jobs,
                   skip_unknown=skip_unknown)
    total = sum(1 for _ in discover(paths)) if progress else 0
    if total > PROGRESS_MIN_FILES:
        with click.progressbar(length=total, label="Auditing", file=sys.stderr) as bar:
            return audit_paths(paths, on_result=lambda *_: bar.update(1), **options)
    return audit_paths(paths, **options)


def _fixable_hint(report: Any) -> Optional[str]:
    """"N fixable with --fix" when some findings in advisor configs have an automatic fix."""
    from .audit.core import fixable_in_configs

    count = fixable_in_configs(report)
    if not count:
        return None
    return (f"{count} finding{'s' if count != 1 else ''} can be fixed automatically: rerun "
            "with --fix.")


@cli.command()
@click.argument("paths", nargs=-1, required=True, metavar="PATH...")
@click.option("--profile", "profile_path", metavar="FILE",
              help="A DatasetProfile (YAML/JSON) for every file; without it each file uses its "
              "sidecar <name>.profile.yaml|json, then the profile inside an advisor config.")
@click.option("--format", "output_format", type=click.Choice(["text", "json", "sarif", "github"]),
              default="text", show_default=True,
              help="text for people, json for scripts, sarif for code scanning, github for "
              "GitHub Actions annotations.")
@click.option("--select", multiple=True, metavar="CODES",
              help="Only rules whose code starts with one of these comma-separated prefixes "
              "(e.g. LOSS,OUT101); repeatable.")
@click.option("--ignore", multiple=True, metavar="CODES",
              help="Leave out rules whose code starts with one of these prefixes; repeatable.")
@click.option("--fail-on", type=click.Choice(["error", "warning", "info"]), default="warning",
              show_default=True, help="The least severe finding that makes the exit code 1.")
@click.option("--exit-zero", is_flag=True,
              help="Exit 0 even with findings (unreadable inputs still exit 2).")
@click.option("--jobs", type=click.IntRange(min=1), default=None, metavar="N",
              help="Worker processes for large batches (default: every core).")
@click.option("--fix", is_flag=True,
              help="Apply the safe automatic fixes to advisor configs (YAML/JSON TrainingConfig "
              "files, rewritten in place; YAML comments are lost). Keras model files are never "
              "changed.")
@click.option("--skip-unknown", is_flag=True,
              help="Skip named YAML/JSON files that are neither a Keras model nor an advisor "
              "config instead of reporting them (folders always skip them); for pre-commit.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print the findings only: no summary, notes or progress bar.")
def audit(paths: tuple[str, ...], profile_path: Optional[str], output_format: str,
          select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str, exit_zero: bool,
          jobs: Optional[int], fix: bool, skip_unknown: bool, quiet: bool) -> None:
    """Audit training setups like a linter: what is wrong, why, and how to fix it.

    PATH is a Keras model (.keras, .h5, Keras JSON from model.to_json()), an advisor config
    (YAML/JSON from 'recommend --format config'), or a folder, searched recursively. Files named
    <name>.profile.yaml|json are profiles of the data set, used for <name>.*; they are not
    audited themselves. Nothing in a file is executed and no weights are loaded.

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 an input could not be read or
    bad usage.

    \b
    Example:
      advisor audit model.keras --profile data.profile.yaml
      advisor audit models/ --select LOSS,OUT --fail-on error
      advisor audit models/ --format sarif > advisor.sarif
      advisor audit config.yaml --fix
    """
    profile = _audit_profile(profile_path)
    from .audit.core import parse_selectors

    selected = parse_selectors(select, label="--select")
    ignored = parse_selectors(ignore, label="--ignore")
    progress = not quiet and _stderr_is_terminal()  # never in pipes, CI logs or CliRunner
    report = _run_audit(paths, profile=profile, select=selected, ignore=ignored, jobs=jobs,
                        skip_unknown=skip_unknown, progress=progress)
    if fix:
        from .audit.core import fix_report

        notes = fix_report(report, profile=profile, select=selected, ignore=ignored)
    else:
        notes = []
    if output_format == "text":
        from .audit.formats import render_text

        text = render_text(report, footer=not quiet, notes=[] if quiet else notes)
        hint = None if fix or quiet else _fixable_hint(report)
        _echo(f"{text}\n{hint}" if hint else text)
    else:
        from .audit.formats import render

        text = render(report, output_format)
        if text:
            _echo(text)
        if not quiet:
            for note in notes:
                click.echo(note, err=True)
    code = report.exit_code(fail_on)  # type: ignore[arg-type]
    if exit_zero and code == EXIT_FINDINGS:
        code = EXIT_OK
    click.get_current_context().exit(code)


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
def verify_command(sample: Optional[str], config_path: Optional[str], report_dir: Optional[str],
                   output_format: str, refine: bool, seed: int, max_epochs: Optional[int],
                   test_data: Optional[str], test_fraction: Optional[float], seeds: int,
                   no_reference: bool, quiet: bool, **flags: Any) -> None:
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
    from .executor.verify import verify as run_verify

    if data:
        try:
            dataset = dataset_from_options(data, data_opts, flags)
        except ImportError as exc:  # advisor.data or one of its readers is missing
            raise AdvisorError(f"cannot read {data}: {exc}",
                                 hint="install the data dependencies, or use --sample") from None
    else:
        _check_no_data_options(data_opts)
        overrides = {field: value for field, value in flags.items()
                     if field in FIELD_FLAGS and value is not None}
        from .data import load_sample_dataset

        dataset = load_sample_dataset(sample, overrides=overrides)
    report = run_verify(dataset=dataset, config=config_path, report_dir=report_dir,
                        refine=refine, seed=seed, seeds=seeds, max_epochs=max_epochs,
                        test_data=test_data,
                        test_fraction=0.2 if test_fraction is None else test_fraction,
                        quiet=quiet, reference=not no_reference)
    if output_format == "json":
        _echo(report.to_json())
    elif output_format == "markdown":
        from .executor.report import render_markdown

        _echo(render_markdown(report))
    else:
        from .executor.report import render_text

        _echo(render_text(report))


@cli.group(no_args_is_help=True)
def rules() -> None:
    """List, explain and check the rules behind the recommendations.

    \b
    Example:
      advisor rules list --facet loss
      advisor rules show LOSS001
      advisor rules lint
    """


def _facets() -> list[str]:
    from .recommend import SLOTS

    return list(dict.fromkeys([slot.facet for slot in SLOTS] + list(FACETS)))


@rules.command("list")
@click.option("--family", type=click.Choice(RULE_FAMILIES + ("all",)), default="all",
              show_default=True,
              help="recommend: rules that choose a setup; audit: rules that report findings in "
              "setups; diagnose: rules that read training histories (advisor verify).")
@click.option("--facet", type=click.Choice(_facets()), default=None,
              help="Only the rules of one facet.")
@format_option("text", "json")
def rules_list(family: str, facet: Optional[str], output_format: str) -> None:
    """List the rules: code, facet, slot (recommend) or severity (audit, diagnose), name and
    conditions.

    \b
    Example:
      advisor rules list
      advisor rules list --family audit --facet loss
      advisor rules list --facet loss --format json
    """
    from .render import to_json
    from .rules.registry import families, get_family
    from .rules.render import render_rules_table, rule_to_dict

    order = {name: index for index, name in enumerate(FACETS)}
    tables = []
    for spec in families() if family == "all" else [get_family(family)]:
        selected = sorted((r for r in spec.rulebase().rules
                           if facet is None or r.facet == facet),
                          key=lambda r: order.get(r.facet, len(order)))  # file order in a facet
        tables.append((spec.name, selected))
    if output_format == "json":
        _echo(to_json([rule_to_dict(r) for _, selected in tables for r in selected]))
    elif len(tables) == 1:
        _echo(render_rules_table(tables[0][1], width=terminal_width()))
    else:
        parts = []
        for name, selected in tables:
            if selected:
                parts += [f"{name.capitalize()} rules",
                          render_rules_table(selected, width=terminal_width(), count=False), ""]
        counts = ", ".join(f"{len(selected)} {name}" for name, selected in tables)
        total = sum(len(selected) for _, selected in tables)
        parts.append(f"{total} rule{'s' if total != 1 else ''} ({counts})")
        _echo("\n".join(parts))


@rules.command("show")
@click.argument("code")
@format_option("text", "json")
def rules_show(code: str, output_format: str) -> None:
    """Explain one rule: what it sets or checks, when, why, the fix, its source and examples.

    \b
    Example:
      advisor rules show LOSS001
      advisor rules show OUT101
      advisor rules show MOD002 --format json
    """
    from .render import to_json
    from .rules.registry import find_rule
    from .rules.render import render_rule_text, rule_to_dict

    rule = find_rule(code)
    if output_format == "json":
        _echo(to_json(rule_to_dict(rule, examples=True)))
    else:
        _echo(render_rule_text(rule, width=terminal_width()))


@rules.command("lint")
@click.argument("folder", required=False, type=click.Path(file_okay=False))
@click.option("--family", type=click.Choice(RULE_FAMILIES), default=None,
              help="The family of the rules in FOLDER (default: told by their codes).")
def rules_lint(folder: Optional[str], family: Optional[str]) -> None:
    """Load and validate rule files; exit 0 if clean, 2 with the error.

    Without FOLDER, every installed family (recommend, audit, diagnose) is linted. The check covers
    the file format, rule codes, conditions against the fact vocabulary, values and value
    functions, engine limits, that every example is valid and fires (or not) as it says, that
    every example's whole recommendation can be built, and that audit autofix paths name
    TrainingConfig fields.

    \b
    Example:
      advisor rules lint
      advisor rules lint rules/recommend
      advisor rules lint my-rules/ --family audit
    """
    from .rules.lint import lint

    if folder is None:
        results = [lint(name) for name in ((family,) if family else RULE_FAMILIES)]
    else:
        results = [lint(family, folder)]
    _echo("\n".join(result.summary() for result in results))


@cli.group(no_args_is_help=True)
def schema() -> None:
    """Print the JSON Schema of an input file, for editors and validators.

    \b
    Example:
      advisor schema profile > profile.schema.json
    """


@schema.command("profile")
def schema_profile() -> None:
    """The JSON Schema of a DatasetProfile (the --profile file).

    \b
    Example:
      advisor schema profile > profile.schema.json
    """
    from .profile import DatasetProfile
    from .render import to_json

    _echo(to_json(DatasetProfile.model_json_schema()))


@schema.command("config")
def schema_config() -> None:
    """The JSON Schema of a TrainingConfig (what 'recommend --format config' writes).

    \b
    Example:
      advisor schema config > config.schema.json
    """
    from .models import TrainingConfig
    from .render import to_json

    _echo(to_json(TrainingConfig.model_json_schema()))


def main() -> None:
    """The console script ``advisor``."""
    cli(prog_name="advisor")


if __name__ == "__main__":  # pragma: no cover
    main()
