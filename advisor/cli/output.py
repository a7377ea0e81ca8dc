"""Printing: the width text fits to, and stdout that never crashes on a character."""

from __future__ import annotations

import shutil
import sys

import click


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


def can_show(characters: str) -> bool:
    try:
        characters.encode(_stdout_encoding())
    except UnicodeEncodeError:
        return False
    return True


def echo_text(text: str) -> None:
    """Print to stdout; characters the stream cannot encode become '?' rather than a crash."""
    encoding = _stdout_encoding()
    if not can_show(text):
        text = text.encode(encoding, errors="replace").decode(encoding)
    click.echo(text, nl=not text.endswith("\n"))
