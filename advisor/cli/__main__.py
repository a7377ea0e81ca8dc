"""``python -m advisor.cli``."""

from . import main

main()
