"""Auditing existing training setups: ``audit()`` for one, ``audit_paths()`` for a batch."""

from .core import AUDIT, audit, audit_file, audit_paths, audit_rules, audit_setup
from .report import AuditReport, Finding, InputError

__all__ = ["AUDIT", "AuditReport", "Finding", "InputError", "audit", "audit_file",
           "audit_paths", "audit_rules", "audit_setup"]
