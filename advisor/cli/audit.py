"""``advisor audit``: audit setups like a linter (advisor.audit does the work)."""

from __future__ import annotations

import sys
from typing import Any, Optional

import click

from .app import EXIT_FINDINGS, EXIT_OK, cli
from .output import echo_text

# -- audit ----------------------------------------------------------------------------------------

PROGRESS_MIN_FILES = 20  # a progress bar only for batches that take a noticeable time


def _audit_profile(profile_path: Optional[str]):
    if not profile_path:
        return None
    from ..profile import load_profile
    from ..textio import read_mapping

    from .options import echo_profile_notes

    profile = load_profile(read_mapping(profile_path), where=profile_path)
    echo_profile_notes(profile, profile_path)
    return profile


def _stderr_is_terminal() -> bool:
    isatty = getattr(sys.stderr, "isatty", None)
    try:
        return bool(isatty and isatty())
    except ValueError:  # a closed stream
        return False


def _run_audit(paths: tuple[str, ...], *, profile: Any, select: list[str], ignore: list[str],
               jobs: Optional[int], skip_unknown: bool, progress: bool):
    """audit_paths, with a progress bar on a terminal."""
    from ..audit.core import audit_paths, discover

    options = dict(profile=profile, select=select or None, ignore=ignore or None, jobs=jobs,
                   skip_unknown=skip_unknown)
    total = sum(1 for _ in discover(paths)) if progress else 0
    if total > PROGRESS_MIN_FILES:
        with click.progressbar(length=total, label="Auditing", file=sys.stderr) as bar:
            return audit_paths(paths, on_result=lambda *_: bar.update(1), **options)
    return audit_paths(paths, **options)


def _fixable_hint(report: Any) -> Optional[str]:
    """"N fixable with --fix" when some findings in advisor configs have an automatic fix."""
    from ..audit.core import fixable_in_configs

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
              help="Worker processes for large batches (default and most: every core).")
@click.option("--fix", is_flag=True,
              help="Apply the safe automatic fixes to advisor configs (YAML/JSON TrainingConfig "
              "files, rewritten in place; YAML comments are lost). Keras model files are never "
              "changed.")
@click.option("--skip-unknown", is_flag=True,
              help="Skip named YAML/JSON files that are neither a Keras model nor an advisor "
              "config, and .py files that build no Keras model, instead of reporting them "
              "(folders always skip them); for pre-commit.")
@click.option("--quiet", "-q", is_flag=True,
              help="Print the findings only: no summary, notes or progress bar.")
def audit(paths: tuple[str, ...], profile_path: Optional[str], output_format: str,
          select: tuple[str, ...], ignore: tuple[str, ...], fail_on: str, exit_zero: bool,
          jobs: Optional[int], fix: bool, skip_unknown: bool, quiet: bool) -> None:
    """Audit training setups like a linter: what is wrong, why, and how to fix it.

    PATH is a Keras model (.keras, .h5, Keras JSON from model.to_json()), an advisor config
    (YAML/JSON from 'recommend --format config'), a Keras training script (.py: parsed, never
    run; findings point at its lines, '# advisor: ignore[CODE]' silences one), or a folder,
    searched recursively (scripts that build no Keras model are skipped). Files named
    <name>.profile.yaml|json are profiles of the data set, used for <name>.*; they are not
    audited themselves. Nothing in a file is executed and no weights are loaded.

    Exit codes: 0 no finding at or above --fail-on, 1 findings, 2 an input could not be read or
    bad usage.

    \b
    Example:
      advisor audit model.keras --profile data.profile.yaml
      advisor audit train.py
      advisor audit models/ --select LOSS,OUT --fail-on error
      advisor audit models/ --format sarif > advisor.sarif
      advisor audit config.yaml --fix
    """
    from ..audit.core import cores

    if jobs and jobs > cores() and not quiet:
        click.echo(f"note: --jobs {jobs} is more than the {cores()} cores; using {cores()}",
                   err=True)
    profile = _audit_profile(profile_path)
    from ..audit.core import parse_selectors

    selected = parse_selectors(select, label="--select")
    ignored = parse_selectors(ignore, label="--ignore")
    progress = not quiet and _stderr_is_terminal()  # never in pipes, CI logs or CliRunner
    report = _run_audit(paths, profile=profile, select=selected, ignore=ignored, jobs=jobs,
                        skip_unknown=skip_unknown, progress=progress)
    if fix:
        from ..audit.core import fix_report

        notes = fix_report(report, profile=profile, select=selected, ignore=ignored)
    else:
        notes = []
    if output_format == "text":
        from ..audit.formats import printable, render

        hint = None if fix or quiet else _fixable_hint(report)
        text = render(report, "text", footer=not quiet,
                      notes=[] if quiet else [printable(note) for note in notes])
        echo_text(f"{text}\n{hint}" if hint else text)
    else:
        from ..audit.formats import render

        text = render(report, output_format)
        if text:
            echo_text(text)
        if not quiet:
            from ..audit.formats import printable

            for note in notes:
                click.echo(printable(note), err=True)
    code = report.exit_code(fail_on)  # type: ignore[arg-type]
    if exit_zero and code == EXIT_FINDINGS:
        code = EXIT_OK
    click.get_current_context().exit(code)
