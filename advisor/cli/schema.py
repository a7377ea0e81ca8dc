"""``advisor schema profile | config``: JSON Schemas of the input files."""

from __future__ import annotations

from .app import cli
from .output import echo_text


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
    from ..profile import DatasetProfile
    from ..render import to_json

    echo_text(to_json(DatasetProfile.model_json_schema()))


@schema.command("config")
def schema_config() -> None:
    """The JSON Schema of a TrainingConfig (what 'recommend --format config' writes).

    \b
    Example:
      advisor schema config > config.schema.json
    """
    from ..models import TrainingConfig
    from ..render import to_json

    echo_text(to_json(TrainingConfig.model_json_schema()))
