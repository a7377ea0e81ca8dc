"""Auditing existing training setups: ``audit()`` for one, ``audit_paths()`` for a batch.

Example::

    from advisor import audit
    findings = audit("model.keras", profile={"problem_type": "binary", ...})
    for finding in findings:
        print(finding.code, finding.severity, finding.message, finding.fix)

    from advisor.audit import audit_paths
    report = audit_paths(["models/"])      # report.findings, report.errors, report.summary

Nothing in an audited file is executed and no weights are loaded.
"""

# ``from advisor import audit`` gives this package, and the package is callable (``audit(...)``
# is advisor.audit.core.audit): a subpackage and a function cannot both be ``advisor.audit``,
# since whichever import ran last would win; a callable package is the same object either way.

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
