"""``advisor recommend``: a profile (flags, a file, a sample or data) in, advice out."""

from __future__ import annotations

from typing import Any, Optional

from .app import cli
from .options import (
    build_profile,
    command_line,
    check_no_data_options,
    data_options,
    format_option,
    pop_data_options,
    profile_from_options,
    profile_options,
)
from .output import can_show, echo_text, terminal_width


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
      advisor recommend --data train.csv --target label --format keras > train.py
    """
    from ..recommend import recommend as recommend_setup

    data = flags.pop("data", None)
    data_opts = pop_data_options(flags)
    header, how, reading = None, None, None
    if data:
        profiled = profile_from_options(data, data_opts, {**flags, "profile_path": profile_path})
        profile = profiled.profile
        from ..data._render import measured_header

        header = measured_header(profiled, command_line("profile", data, data_flag=False))
        how = {name: item.how for name, item in profiled.provenance.items()}
        reading = profiled.plan  # the script reads its --data as the profile read DATA
    else:
        horizon = data_opts.pop("forecast_horizon", None)
        check_no_data_options(data_opts)
        profile = build_profile(profile_path, {**flags, "forecast_horizon": horizon})
    rec = recommend_setup(profile)
    if output_format == "text":
        from ..render import render_recommendation_text

        text = render_recommendation_text(rec, width=terminal_width(),
                                          ascii_only=not can_show("\u2192\u00d7"), how=how)
        echo_text(f"{header}\n{text}" if header else text)
    elif output_format == "json":
        from ..render import to_json

        echo_text(to_json(rec.to_dict()))
    elif output_format == "yaml":
        import yaml

        echo_text(yaml.safe_dump(rec.to_dict(), sort_keys=False, allow_unicode=True))
    elif output_format == "config":
        echo_text(rec.to_config().to_yaml())
    else:
        from ..executor.script import render_keras_script

        echo_text(render_keras_script(rec, reading))
