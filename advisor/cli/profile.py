"""``advisor profile``: measure a data file's profile, with the evidence."""

from __future__ import annotations

from typing import Any

import click

from .app import cli
from .options import (
    command_line,
    data_options,
    format_option,
    pop_data_options,
    profile_field_options,
    profile_from_options,
)
from .output import echo_text

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
    from ..data._render import profile_json, profile_text, profile_yaml

    options = pop_data_options(flags)
    profiled = profile_from_options(path, options, flags)
    if output_format == "json":
        echo_text(profile_json(profiled))
    elif output_format == "yaml":
        echo_text(profile_yaml(profiled))
    else:
        echo_text(profile_text(profiled, next_command=command_line("recommend", path,
                                                                   data_flag=True)))
