"""The only module that talks to durable-rules.

durable-rules is fast and correct only inside a narrow set of conditions
(``research/durable-rules.md``). This adapter stays inside them by construction:

* It drives the C extension (``durable_rules_engine``) directly and runs no Python actions, so
  no ``Host``, no background threads, no swallowed exceptions in actions and no state
  re-assertion: a fired rule is read off the agenda and completed.
* Every request uses ``assert_fact`` with a fresh ``sid``, and the session is always deleted.
* Every ruleset gets a catch-all rule (so an action always ran before ``delete_state``, which
  otherwise segfaults) and a reset rule (asserted after a failed ``assert_fact`` before deleting).
* Every pattern carries a positive fact-type tag ``t``.
* Rulesets hold at most 40 rules and 48 branches (checked when compiling); ``$or`` activations are
  de-duplicated by rule code.
* Rulesets are registered once per process (each registration leaks ~3 MiB that is never freed)
  and all calls are serialized by one lock (the engine keeps global state and never releases the
  GIL, so the lock costs no throughput).
* Facts are sanitized (no exponent-form floats, no NaN) in :mod:`advisor.facts`; literals are
  type-checked when the rules load.

:class:`ReferenceEngine` evaluates the same compiled rules in plain Python: the test oracle for
this adapter, and the fallback where durable-rules cannot be installed (``ADVISOR_ENGINE=reference``).
"""

from __future__ import annotations

import copy
import itertools
import json
import os
import threading
import uuid
import warnings
from typing import TYPE_CHECKING, Any, Iterable, Mapping, Optional

from .errors import AdvisorError, EngineError, EngineFallbackWarning

if TYPE_CHECKING:  # the engine runs compiled rules; it never compiles them
    from .rules.compile import RuleBase

CATCH_ALL = "zz_catch_all"
RESET = "zz_reset"
RESET_TAG = "__reset__"


class ReferenceEngine:
    """Pure-Python evaluation of compiled rules (same semantics as the durable patterns)."""

    name = "reference"

    def fire(self, rulebase: RuleBase, facts: Mapping[str, Any],
             rulesets: Optional[Iterable[str]] = None) -> set[str]:
        """Codes of the rules whose conditions hold (in the named rulesets, default all)."""
        wanted = None if rulesets is None else set(rulesets)
        return {r.code for rs in rulebase.rulesets if wanted is None or rs.name in wanted
                for r in rs.rules if r.predicate(facts)}


class DurableEngine:
    """durable-rules behind one lock, registered once per process."""

    name = "durable-rules"

    def __init__(self) -> None:
        import durable_rules_engine  # the only import of durable-rules in the advisor

        self._native = durable_rules_engine
        self._lock = threading.Lock()
        self._handles: dict[str, tuple[RuleBase, list[tuple[str, Any]]]] = {}
        self._prefix = f"{uuid.uuid4().hex[:8]}-"
        self._counter = itertools.count()

    def _register(self, rulebase: RuleBase) -> list[tuple[str, Any]]:
        family = rulebase.family.name
        registered = self._handles.get(family)
        if registered is not None:
            if registered[0] is not rulebase:
                # a second rule base of the same family (e.g. `rules lint OTHER_FOLDER`) would
                # run against the first one's rulesets; registrations cannot be undone
                raise EngineError(f"the {family!r} rules are already registered in this process; "
                                  "evaluate other rule folders with ReferenceEngine")
            return registered[1]
        handles = []
        for name, definition in rulebase.durable_definitions().items():
            definition = copy.deepcopy(definition)
            definition[CATCH_ALL] = {"all": [{"m": {"t": family}}]}
            definition[RESET] = {"all": [{"m": {"t": RESET_TAG}}]}
            try:
                handle = self._native.create_ruleset(name, json.dumps(definition))
            except Exception as exc:  # the engine reports only an error code
                raise EngineError(f"durable-rules rejected ruleset {name}: {exc}") from exc
            handles.append((name, handle))
        self._handles[family] = (rulebase, handles)
        return handles

    def _drain(self, handle: Any, state: int, fired: set[str]) -> None:
        result = self._native.start_action_for_state(handle, state)
        message = result[1] if result else None
        while message:
            # an agenda entry is '{"<rule code>":{"m":...}}'; rule codes are [A-Za-z0-9_.],
            # so the name is the first quoted string (cheaper than json.loads of the fact)
            fired.add(message[2:message.index('"', 2)])
            message = self._native.complete_and_start_action(handle, state)

    def fire(self, rulebase: RuleBase, facts: Mapping[str, Any],
             rulesets: Optional[Iterable[str]] = None) -> set[str]:
        """Codes of the rules whose conditions hold (in the named rulesets, default all)."""
        tag = rulebase.family.name
        wanted = None if rulesets is None else {f"{tag}.{name}" for name in rulesets}
        fired: set[str] = set()
        with self._lock:
            for name, handle in self._register(rulebase):
                if wanted is not None and name not in wanted:
                    continue
                sid = f"{self._prefix}{next(self._counter)}"  # unique per assert
                fact = dict(facts, t=tag, sid=sid)
                try:
                    code, state = self._native.assert_fact(handle, json.dumps(fact))
                    if code != 0:
                        raise EngineError(f"fact not handled by ruleset {name} (code {code})")
                    self._drain(handle, state, fired)
                except BaseException as exc:
                    # an action must run in this session before delete_state, or the process
                    # crashes: assert the reset fact, drain it, then delete and re-raise
                    try:
                        _, state = self._native.assert_fact(
                            handle, json.dumps({"t": RESET_TAG, "sid": sid}))
                        self._drain(handle, state, set())
                        self._native.delete_state(handle, sid)
                    except Exception:  # pragma: no cover - best effort before re-raising
                        pass
                    if isinstance(exc, EngineError):
                        raise
                    if isinstance(exc, Exception):
                        raise EngineError(f"durable-rules failed on ruleset {name}: {exc}") from exc
                    raise
                self._native.delete_state(handle, sid)
        fired.discard(CATCH_ALL)
        fired.discard(RESET)
        return fired


_ENGINE: Optional[Any] = None
_ENGINE_LOCK = threading.Lock()
_FALLBACK_REASON: Optional[str] = None

#: Where durable-rules cannot be imported, how to get it (README, "Python versions").
INSTALL_HINT = ("`python -m advisor.engine_install` builds it, on Python 3.13 with the upstream "
                "one-line fix: see the README, Python versions")

#: The local version label :mod:`advisor.engine_install` gives the patched build (2.0.28+pr403).
PATCH_LABEL = "pr403"


def get_engine() -> Any:
    """The process-wide engine: durable-rules, or the reference evaluator where it is missing.

    ``ADVISOR_ENGINE=reference`` selects the pure-Python evaluator explicitly;
    ``ADVISOR_ENGINE=durable`` requires durable-rules (an :class:`AdvisorError` where it cannot be
    imported); unset, durable-rules is used where it imports and the reference evaluator (identical
    by the differential test) otherwise, with one :class:`EngineFallbackWarning`.
    """
    global _ENGINE, _FALLBACK_REASON
    if _ENGINE is None:
        with _ENGINE_LOCK:
            if _ENGINE is None:
                choice = os.environ.get("ADVISOR_ENGINE") or "auto"
                if choice not in ("auto", "durable", "reference"):
                    raise AdvisorError(f"ADVISOR_ENGINE={choice!r} is not an engine: expected "
                                       "auto (the default), durable or reference")
                if choice == "reference":
                    _FALLBACK_REASON = "chosen with ADVISOR_ENGINE=reference"
                    _ENGINE = ReferenceEngine()
                else:
                    try:
                        _ENGINE = DurableEngine()
                    except ImportError as exc:  # not installed, or built without the 3.13 patch
                        _FALLBACK_REASON = f"durable-rules cannot be imported: {exc}"
                        if choice == "durable":
                            raise AdvisorError(f"ADVISOR_ENGINE=durable, but {_FALLBACK_REASON}; "
                                               f"{INSTALL_HINT}") from exc
                        _FALLBACK_REASON += f"; {INSTALL_HINT}"
                        warnings.warn(f"{_FALLBACK_REASON}. The reference evaluator runs the "
                                      "same rules.", EngineFallbackWarning, stacklevel=2)
                        _ENGINE = ReferenceEngine()
    return _ENGINE


def describe_engine() -> str:
    """The engine in use, its version, and why where it is not durable-rules (``--version``)."""
    engine = get_engine()
    if isinstance(engine, DurableEngine):
        return f"durable-rules {_durable_version()}"
    return f"reference evaluator, the same rules in plain Python ({_FALLBACK_REASON})"


def _durable_version() -> str:
    from importlib import metadata

    try:
        version = metadata.version("durable-rules")
    except metadata.PackageNotFoundError:  # importable, but not from an installed distribution
        return "(version unknown)"
    local = version.partition("+")[2]
    return f"{version} (patched for Python 3.13, jruizgit/rules#403)" if local == PATCH_LABEL \
        else version

