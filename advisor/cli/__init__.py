"""The ``advisor`` command: a thin layer over the library, one module per command.

Every command parses its options, calls the library (the same functions ``from advisor import
...`` gives) and prints the result with :mod:`advisor.render`. Exit codes follow ruff: 0 success,
1 findings, 2 bad input or usage, 3 an internal error (a bug in the advisor; ``ADVISOR_DEBUG=1``
shows the traceback).

Start-up time matters (``advisor recommend`` runs in scripts and editors): JSON Schema, YAML
output and the Keras script writer are imported only by the commands that need them.
"""

from __future__ import annotations

from . import audit, profile, recommend, rules, schema, verify  # noqa: F401 - register commands
from .app import EXIT_FINDINGS, EXIT_INTERNAL, EXIT_OK, EXIT_USAGE, cli, main

__all__ = ["EXIT_FINDINGS", "EXIT_INTERNAL", "EXIT_OK", "EXIT_USAGE", "cli", "main"]
