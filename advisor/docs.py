"""Generate the rule reference (docs/rules.md) from the rule files.

Run ``python -m advisor.docs > docs/rules.md`` (``make docs``); a test fails when the checked-in
file is stale. The rendering lives in :mod:`advisor.rules.render`.
"""

from __future__ import annotations

import sys


def main() -> None:
    from .rules.render import render_all

    sys.stdout.write(render_all())


if __name__ == "__main__":
    main()
