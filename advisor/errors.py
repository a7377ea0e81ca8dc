"""Errors a user can act on.

Every error the advisor raises for bad input is an :class:`AdvisorError`: it names where the problem
is (file or field), the value received, what was expected and how to fix it. The CLI turns it into
one message and exit code 2, never a traceback.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterable


#: Longest message an error carries: a value quoted from a file is cut to a bounded excerpt.
MAX_MESSAGE_CHARS = 4000

#: What a field needs, in an error about it: a value where none was given, no value where one
#: does not apply, or another value.
FIX_KINDS = ("set", "remove", "change")


@dataclass(frozen=True)
class FieldIssue:
    """One field an error is about, and what it needs (one of :data:`FIX_KINDS`)."""

    field: str
    fix: str = "change"

    def __post_init__(self) -> None:
        if self.fix not in FIX_KINDS:
            raise ValueError(f"fix {self.fix!r} is not one of {FIX_KINDS}")


class AdvisorError(ValueError):
    """Bad input or usage: the CLI prints the message and exits with code 2.

    ``where`` names the file or source (it prefixes the message); ``fields`` the profile fields
    the error is about and what each needs, so a caller can point at its own way of giving
    them (the CLI names its flags); ``hint`` is a next step the raiser already knows.
    """

    exit_code = 2

    def __init__(self, message: str, *, where: str | None = None,
                 fields: Iterable[FieldIssue] = (), hint: str | None = None):
        if len(message) > MAX_MESSAGE_CHARS:  # never echo a hostile file back whole
            message = (f"{message[:MAX_MESSAGE_CHARS]} ... ({len(message) - MAX_MESSAGE_CHARS} "
                       "more characters)")
        self.where = where
        self.message = message                 # without the ``where`` prefix
        self.fields = tuple(fields)
        self.hint = hint
        super().__init__(f"{where}: {message}" if where else message)


class DocumentError(AdvisorError):
    """A JSON or YAML document that cannot be parsed at all (syntax, encoding, nesting)."""


class NotAMappingError(AdvisorError):
    """A JSON/YAML document whose top level is not a mapping (a list, a scalar, empty)."""


class ProfileError(AdvisorError):
    """A data-set profile that does not validate."""


class RuleError(AdvisorError):
    """A rule file that does not validate (raised when the rules are loaded)."""


class EngineError(RuntimeError):
    """The rule engine failed on a fact; a bug in the advisor, not in the input."""


class FactRangeError(AdvisorError):
    """A number the rules would compare that is not finite or not below the ceiling
    (:data:`advisor.profile.NUMBER_CEILING`): bad input, named by its fact."""

    def __init__(self, fact: str, value: Any, *, where: str | None = None):
        self.fact, self.value = fact, value
        shown = f"{value:g}" if isinstance(value, float) else _short(value, 40)
        super().__init__(f"{fact} = {shown} is outside what the rules can compare (finite "
                         "numbers of magnitude below 1e15); check that value", where=where)


class EngineFallbackWarning(RuntimeWarning):
    """durable-rules could not be imported: the reference evaluator runs the same rules."""


def _short(value: Any, limit: int = 80) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 3] + "..."


def format_validation_error(exc: Any, *, what: str, where: str | None = None) -> str:
    """Render a pydantic ``ValidationError`` as lines a user can act on.

    Each line names the field, the value received and what was expected (pydantic's message,
    or the fix our own validators wrote).
    """
    lines = [f"{where + ': ' if where else ''}invalid {what}:"]
    for err in exc.errors(include_url=False):
        loc = ".".join(str(p) for p in err.get("loc", ())) or "(top level)"
        msg = err.get("msg", "")
        if msg.startswith("Value error, "):
            msg = msg[len("Value error, "):]
        kind = err.get("type", "")
        if kind == "extra_forbidden":
            msg = "unknown field; remove it or check its spelling"
        if kind == "missing":
            lines.append(f"  - {loc}: required field is missing")
            continue
        if not err.get("loc"):
            # cross-field checks: each line already names its fields and values
            lines.extend(f"  - {line}" for line in msg.split("\n"))
            continue
        received = err.get("input")
        lines.append(f"  - {loc}: {msg} (received: {_short(received)})")
    return "\n".join(lines)


def join_choices(choices: Iterable[str]) -> str:
    return ", ".join(str(c) for c in choices)
