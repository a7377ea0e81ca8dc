"""The ``advisor`` group, its error boundary (one ``error: ...`` line and an exit code,
never a traceback) and the output helpers every command uses."""

from __future__ import annotations

import os
import sys
import warnings
from typing import Any, Optional

import click

from .. import __version__
from ..errors import AdvisorError, EngineFallbackWarning
from .options import field_hint

EXIT_OK, EXIT_FINDINGS, EXIT_USAGE, EXIT_INTERNAL = 0, 1, 2, 3
DEBUG_ENV = "ADVISOR_DEBUG"
# click >= 8.2 raises this for a group called without a command (it shows the group's help)
_NO_ARGS_IS_HELP = getattr(click.exceptions, "NoArgsIsHelpError", ())


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



# -- the group -------------------------------------------------------------------------------------

def _show_version(ctx: click.Context, _param: click.Parameter, value: bool) -> None:
    if not value or ctx.resilient_parsing:
        return
    import platform

    from ..engine import describe_engine

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
        from ..engine import describe_engine

        click.echo(f"advisor: rule engine: {describe_engine()}", err=True)



def main() -> None:
    """The console script ``advisor``."""
    cli(prog_name="advisor")
