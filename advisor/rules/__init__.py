"""The rule system: the language, compiling, the families and their registry, findings, lint.

* :mod:`.language` -- the YAML rule format (pydantic) and its two compilations (durable-rules
  patterns and Python predicates).
* :mod:`.compile` -- :class:`~.compile.RuleFamily` and compiling a family's files into a
  :class:`~.compile.RuleBase`.
* :mod:`.registry` -- every family by name, every rule, any rule by its code.
* :mod:`.findings` -- what the families that report findings share (audit, diagnose).
* :mod:`.lint` -- ``advisor rules lint``.
* :mod:`.render` -- one way to print rules, for ``rules list``, ``rules show`` and
  ``docs/rules.md``.

The rule files themselves are data in the checkout's ``rules/<family>/`` (``advisor/_rules`` in
an installed wheel). Nothing is imported here, so ``import advisor.rules.language`` stays light.
"""
