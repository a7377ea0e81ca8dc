"""``advisor profile`` output: text (a table with evidence), JSON, YAML (a loadable profile file
with the evidence as comments)."""

from __future__ import annotations

import json
import textwrap
from typing import Any, Optional

from .models import ProfiledData


def _value(value: Any) -> str:
    if isinstance(value, list):
        return "[" + ", ".join(_value(v) for v in value) + "]"
    if isinstance(value, float):
        return f"{value:.6g}"
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _sample_line(profiled: ProfiledData) -> str:
    if profiled.sampled:
        return "Some values come from a sample (their evidence says which); the rest are exact."
    return "All measured values are exact (no sampling)."


def profile_text(profiled: ProfiledData, width: int = 100, *,
                 next_command: Optional[str] = None) -> str:
    profile = profiled.profile
    data = profile.model_dump(mode="json", exclude_none=True)
    lines = [f"Profile of {profiled.source} ({profiled.format}): {profile.problem_type} problem, "
             f"{profile.data_structure} data", _sample_line(profiled), ""]
    name_width = max(len(k) for k in data) + 2
    value_width = min(24, max(len(_value(v)) for v in data.values()) + 2)
    lines.append(f"  {'field'.ljust(name_width)}{'value'.ljust(value_width)}{'how'.ljust(10)}"
                 "evidence")
    indent = 2 + name_width + value_width + 10
    for field, value in data.items():
        prov = profiled.provenance.get(field)
        how = prov.how if prov else "default"
        evidence = prov.evidence if prov else "DatasetProfile default"
        shown = _value(value)
        head = f"  {field.ljust(name_width)}{shown.ljust(value_width - 1)} {how.ljust(10)}"
        if len(shown) >= value_width - 1:
            head = f"  {field.ljust(name_width)}{shown}\n" + " " * (2 + name_width + value_width) \
                + how.ljust(10)
        wrapped = textwrap.wrap(evidence, max(30, width - indent)) or [""]
        lines.append(head + wrapped[0])
        lines.extend(" " * indent + more for more in wrapped[1:])
    if profile.complexity is None:
        lines.append(f"  {'complexity'.ljust(name_width)}"
                     f"{profile.effective_complexity.ljust(value_width - 1)} {'derived'.ljust(10)}"
                     "from n_samples and input_shape when recommending")
    if profiled.notes:
        lines += ["", "Notes:"] + [f"  - {note}" for note in profiled.notes]
    if next_command:
        lines += ["", f"Next: {next_command}"]
    return "\n".join(lines)


def profile_json(profiled: ProfiledData) -> str:
    return json.dumps(profiled.to_dict(), indent=2, ensure_ascii=False)


def profile_yaml(profiled: ProfiledData) -> str:
    """A profile file for ``advisor recommend --profile``; provenance as comments."""
    data = profiled.profile.model_dump(mode="json", exclude_none=True)
    lines = [f"# DatasetProfile measured from {profiled.source} by 'advisor profile'",
             f"# {_sample_line(profiled)}"]
    for note in profiled.notes:
        lines.append(f"# note: {_one_line(note)}")
    for field, value in data.items():
        text = f"{field}: {json.dumps(value, ensure_ascii=False)}"  # JSON values are YAML
        prov = profiled.provenance.get(field)
        comment = f"{prov.how}: {_one_line(prov.evidence)}" if prov else "default"
        lines.append(f"{text}  # {comment}")
    return "\n".join(lines) + "\n"


def _one_line(text: str) -> str:
    return " ".join(text.split())


def measured_header(profiled: ProfiledData, evidence_command: Optional[str] = None) -> str:
    """The line ``advisor recommend --data`` prints above the recommendation; the caller says
    which command shows the evidence (the CLI repeats the flags it was given)."""
    given = [f for f, p in profiled.provenance.items() if p.how == "given"]
    line = f"Profile measured from {profiled.source}"
    if profiled.sampled:
        line += " (some values on a sample)"
    if given:
        line += f"; given by flags: {', '.join(given)}"
    return line + (f"; '{evidence_command}' shows the evidence." if evidence_command else ".")
