"""Auditing existing training setups: ``audit()`` for one, ``audit_paths()`` for a batch.

``from advisor import audit`` gives this package, and the package is callable:
``audit("model.keras", profile=...)`` is :func:`advisor.audit.core.audit`. (A subpackage and a
function cannot both be ``advisor.audit``: whichever import ran last would win, so the name the
issue's API promises would depend on import order. A callable package is the same object
either way.)
"""

import sys
import types

from .core import AUDIT, audit, audit_file, audit_paths, audit_rules, audit_setup
from .report import AuditReport, Finding, InputError

__all__ = ["AUDIT", "AuditReport", "Finding", "InputError", "audit", "audit_file",
           "audit_paths", "audit_rules", "audit_setup"]


class _CallablePackage(types.ModuleType):
    def __call__(self, target, **options):
        return audit(target, **options)

    __call__.__doc__ = audit.__doc__


sys.modules[__name__].__class__ = _CallablePackage
