"""Plain-text rendering for the command line: recommendations, rule tables, one rule's page.

Everything here is a pure function from library objects to a string, so the output can be tested
exactly and reused (the docs generator, notebooks). Nothing here decides anything: values, reasons
and sources all come from the recommendation or the rule files.
"""

from __future__ import annotations

import json
import textwrap
from typing import Any, Iterable, Mapping, Optional, Sequence

from .vocab import FACETS  # in the order a reader wants

ARROW = "\u2192"  # →
TIMES = "\u00d7"  # ×
_NBSP = "\u00a0"  # keeps "Conv2D 32" on one line when the value column wraps

SEPARATOR = "  "


# -- values ---------------------------------------------------------------------------------------

def scalar(value: Any) -> str:
    """One value as a user would type it: ``true``, ``0.001``, ``relu``, ``[28, 28, 1]``."""
    if value is None:
        return "none"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(scalar(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k}: {scalar(v)}" for k, v in value.items()) + "}"
    return str(value)


def _head_and_args(value: Mapping[str, Any], head_keys: Sequence[str]) -> str:
    head = next((k for k in head_keys if k in value), None)
    args = ", ".join(f"{k}={scalar(v)}" for k, v in value.items() if k != head)
    if head is None:
        return args
    return f"{value[head]} ({args})" if args else str(value[head])


def compact_value(value: Any) -> str:
    """A value in one short line: ``standardize``, ``adam(clipnorm=1.0)``, ``accuracy, auc``."""
    if value is None:
        return "none"
    if isinstance(value, dict):
        return _head_and_args(value, ("step", "name", "type"))
    if isinstance(value, list):
        separator = "; " if any(isinstance(v, dict) for v in value) else ", "
        return separator.join(compact_value(v) for v in value) if value else "none"
    return scalar(value)


def _layer_brief(layer: Mapping[str, Any]) -> Optional[str]:
    kind = str(layer.get("type", "?"))
    if kind == "Input":
        return None
    if kind == "BatchNormalization":
        return "BN"
    if kind.startswith("Conv") and "filters" in layer:
        return f"{kind} {layer['filters']}"
    if kind == "Dense":
        activation = layer.get("activation")
        shown = layer.get("name") == "output" or activation not in (None, "relu")
        return f"Dense {layer.get('units')}" + (f" {activation}" if shown and activation else "")
    if kind == "Dropout":
        return f"Dropout {scalar(layer.get('rate'))}"
    if kind in ("LSTM", "GRU", "SimpleRNN"):
        return f"{kind} {layer.get('units')}"
    if kind == "Bidirectional" and isinstance(layer.get("layer"), dict):
        inner = layer["layer"]
        return f"Bi{inner.get('type', '?')} {inner.get('units', '')}".rstrip()
    if kind == "Embedding":
        return f"Embedding {layer.get('input_dim')}{TIMES}{layer.get('output_dim')}"
    if kind == "TransformerBlock":
        return f"TransformerBlock {layer.get('num_heads')} heads"
    if kind == "Backbone":
        frozen = " frozen" if layer.get("trainable") is False else ""
        return f"{layer.get('name', 'Backbone')}{frozen}"
    for long, short in (("GlobalAveragePooling", "GlobalAvgPool"),
                        ("GlobalMaxPooling", "GlobalMaxPool"),
                        ("MaxPooling", "MaxPool"), ("AveragePooling", "AvgPool")):
        if kind.startswith(long):
            return short
    return kind


def layer_summary(layers: Iterable[Mapping[str, Any]]) -> str:
    """A layer list in one line: ``Conv2D 32+BN ×2 → MaxPool → ... → Dense 10 softmax``.

    The Input layer is left out (its shape is the profile's), batch normalization is folded into
    the layer before it, and runs of identical layers are counted.
    """
    items: list[str] = []
    for layer in layers:
        brief = _layer_brief(layer)
        if brief is None:
            continue
        if brief == "BN" and items:
            items[-1] += "+BN"
            continue
        items.append(brief)
    runs: list[list[Any]] = []
    for item in items:
        if runs and runs[-1][0] == item:
            runs[-1][1] += 1
        else:
            runs.append([item, 1])
    return f" {ARROW} ".join(item if count == 1 else f"{item} {TIMES}{count}"
                             for item, count in runs)


def setting_value(slot: str, value: Any) -> str:
    """The value of one recommendation slot, compact enough for a table cell."""
    if value is None:
        return "none"
    if slot == "model" and isinstance(value, dict):
        return f"{value.get('family')}: {layer_summary(value.get('layers') or [])}"
    if slot == "output" and isinstance(value, dict):
        return f"Dense {value.get('units')} {value.get('activation')}"
    if slot == "loss" and isinstance(value, dict):
        extra = {k: v for k, v in value.items() if k not in ("name", "from_logits")}
        text = compact_value({"name": value.get("name"), **extra})
        return text + (" (from logits)" if value.get("from_logits") else "")
    if slot == "early_stopping" and isinstance(value, dict):
        text = f"{value.get('monitor', 'val_loss')}, patience {value.get('patience')}"
        if value.get("min_delta"):
            text += f", min_delta {scalar(value['min_delta'])}"
        if value.get("restore_best_weights"):
            text += ", restore best weights"
        return text
    if slot == "weight_penalty" and isinstance(value, dict):
        parts = [f"{k}={scalar(v)}" for k, v in value.items() if v]
        return ", ".join(parts) if parts else "none"
    return compact_value(value)


# -- tables ---------------------------------------------------------------------------------------

def _wrap(text: str, width: int, *, hyphens: bool = False) -> list[str]:
    lines: list[str] = []
    for paragraph in str(text).split("\n"):
        wrapped = textwrap.wrap(paragraph, width=max(width, 1), break_on_hyphens=hyphens,
                                break_long_words=True)
        lines.extend(line.replace(_NBSP, " ") for line in wrapped or [""])
    return lines


def render_table(headers: Sequence[str], rows: Sequence[Sequence[str]], *, width: int,
                 caps: Sequence[Optional[int]] = (), min_last: int = 24,
                 blank_between: bool = False, hyphenated: Sequence[int] = ()) -> str:
    """A plain-text table; cells wrap inside their column, the last column takes what is left.

    Args:
        headers: column titles.
        rows: cells as text (may contain newlines).
        width: the total width to fit.
        caps: the widest each column but the last may grow (``None``: its content's width).
        min_last: the narrowest the last column may get (the table then overflows ``width``).
        blank_between: a blank line between rows (for rows that wrap over several lines).
        hyphenated: columns that may wrap after a hyphen (kebab-case rule names).
    """
    count = len(headers)
    caps = list(caps) + [None] * (count - len(caps))
    widths = []
    for index in range(count - 1):
        natural = max([len(headers[index])] + [
            max((len(line) for line in str(row[index]).split("\n")), default=0) for row in rows])
        cap = caps[index]
        widths.append(min(natural, cap) if cap else natural)
    used = sum(widths) + len(SEPARATOR) * (count - 1)
    natural_last = max([len(headers[-1])] + [len(line) for row in rows
                                             for line in str(row[-1]).split("\n")])
    widths.append(min(natural_last, max(width - used, min_last)))
    out = [SEPARATOR.join(h.ljust(w) for h, w in zip(headers, widths)).rstrip(),
           SEPARATOR.join("-" * w for w in widths)]
    for number, row in enumerate(rows):
        if blank_between and number:
            out.append("")
        cells = [_wrap(cell, w, hyphens=index in hyphenated)
                 for index, (cell, w) in enumerate(zip(row, widths))]
        for line_no in range(max(len(c) for c in cells)):
            parts = [(c[line_no] if line_no < len(c) else "").ljust(w)
                     for c, w in zip(cells, widths)]
            out.append(SEPARATOR.join(parts).rstrip())
    return "\n".join(out)


# -- recommendations ------------------------------------------------------------------------------

def render_profile(rec: Any, how: Optional[Mapping[str, str]] = None) -> str:
    """The profile a recommendation was made for, with the values the advisor derived.

    ``how``: for a measured profile, how each field was obtained (``measured``, ``given``...);
    without it a value set in the profile reads "given"."""
    how = how or {}
    from .profile import DEFAULT_LABEL_ENCODING

    profile = rec.profile
    given = profile.model_dump(exclude_defaults=True)
    lines = [f"Profile: {profile.problem_type} problem, {profile.data_structure} data"]
    rows: list[tuple[str, str]] = []
    for name, value in profile.model_dump().items():
        if name in ("problem_type", "data_structure", "complexity", "label_encoding"):
            continue
        if name in given or name in ("n_samples", "input_shape", "compute"):
            rows.append((name, scalar(value)))
    if profile.label_encoding:
        rows.append(("label_encoding",
                     f"{profile.label_encoding} ({how.get('label_encoding', 'given')})"))
    elif DEFAULT_LABEL_ENCODING.get(profile.problem_type):
        rows.append(("label_encoding", f"{profile.effective_label_encoding} "
                                       f"(default for {profile.problem_type})"))
    if profile.complexity:
        rows.append(("complexity", f"{profile.complexity} ({how.get('complexity', 'given')})"))
    else:
        rows.append(("complexity", f"{profile.effective_complexity} "
                                   "(derived from n_samples and input_shape)"))
    label_width = max(len(name) for name, _ in rows)
    lines.extend(f"  {name.ljust(label_width)}  {value}" for name, value in rows)
    return "\n".join(lines)


def _sources(entries: Iterable[Any]) -> dict[str, int]:
    numbers: dict[str, int] = {}
    for entry in entries:
        numbers.setdefault(entry.source, len(numbers) + 1)
    return numbers


def _ordered(rationale: Sequence[Any]) -> list[Any]:
    rank = {facet: index for index, facet in enumerate(FACETS)}
    return sorted(rationale, key=lambda e: rank.get(e.facet, len(rank)))  # stable in a facet


def render_layers(layers: Sequence[Mapping[str, Any]], *, width: int) -> str:
    """The full layer list, one numbered line per layer with its Keras arguments."""
    type_width = max(len(str(layer.get("type", ""))) for layer in layers)
    indent = 4 + 2 + type_width + 2
    lines = []
    for number, layer in enumerate(layers, 1):
        args = ", ".join(f"{k}={scalar(v)}" for k, v in layer.items() if k != "type")
        wrapped = _wrap(args, max(width - indent, 20)) if args else [""]
        head = f"{number:>4}  {str(layer.get('type', '?')).ljust(type_width)}  "
        lines.append((head + wrapped[0]).rstrip())
        lines.extend(" " * indent + line for line in wrapped[1:])
    return "\n".join(lines)


def render_recommendation_text(rec: Any, width: int = 100, *, ascii_only: bool = False,
                               how: Optional[Mapping[str, str]] = None) -> str:
    """A recommendation as text: profile, the table of settings with reasons, layers, sources.

    Args:
        rec: a :class:`advisor.Recommendation`.
        width: the terminal width to fit (the "why" column wraps to it).
        ascii_only: write ``->`` and ``x`` for the arrows and counts (for terminals that cannot
            show them), before the layout so that the columns stay aligned.
    """
    arrow = "->" if ascii_only else ARROW
    # no caveat is nothing to say (its rule stays in the JSON rationale)
    entries = [e for e in _ordered(rec.rationale) if e.slot != "caveat" or e.value]
    sources = _sources(entries)
    rows = []
    previous_facet = None
    for entry in entries:
        why = f"{entry.rule} {entry.because.strip()} [{sources[entry.source]}]"
        if entry.departs:
            why += " (departs from the source document: see below)"
        value = setting_value(entry.slot, entry.value)
        if ascii_only:
            value = value.replace(ARROW, "->").replace(TIMES, "x")
        if entry.slot == "model":  # wrap between layers, never inside "Conv2D 32"
            family, _, layers = value.partition(": ")
            value = f"{family}: " + f" {arrow} ".join(item.replace(" ", _NBSP)
                                                      for item in layers.split(f" {arrow} "))
        rows.append([entry.facet if entry.facet != previous_facet else "", entry.slot, value,
                     why])
        previous_facet = entry.facet
    # wide enough that no identifier (sparse_categorical_crossentropy) breaks, within reason
    longest_word = max([len(word) for row in rows if row[1] != "model"
                        for word in row[2].split()] or [0])
    value_cap = max(20, min(longest_word, width // 3, 40))
    cautions = [line for caveat in rec.caveats
                for line in _wrap_hanging(f"Caution: {caveat}", width, indent=0)]
    parts = [render_profile(rec, how), *([""] + cautions if cautions else []), "",
             render_table(["facet", "setting", "value", "why"], rows, width=width,
                          caps=[None, None, value_cap], blank_between=True)]
    layers = rec.model.layers
    parts += ["", f"Model: {rec.model.family}, {len(layers)} layers", render_layers(layers,
                                                                                     width=width)]
    departures = [e for e in entries if e.departs]
    if departures:
        parts += ["", "Departs from the source document:"]
        for entry in departures:
            text = f"{entry.rule} ({entry.slot}): {' '.join(entry.departs.split())}"
            parts.extend(_wrap_hanging(text, width, indent=2))
    parts += ["", "Sources:"]
    parts.extend(f"  [{number}] {url}" for url, number in sources.items())
    return "\n".join(parts)


def _wrap_hanging(text: str, width: int, *, indent: int) -> list[str]:
    return textwrap.wrap(text, width=max(width, 30), initial_indent=" " * indent,
                         subsequent_indent=" " * (indent + 2), break_on_hyphens=False)


def to_json(data: Any) -> str:
    return json.dumps(data, indent=2, ensure_ascii=False)
