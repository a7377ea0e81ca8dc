"""Random valid profiles for differential tests, property tests and benchmarks.

Sizes are drawn log-uniformly so tiny and huge data sets are as likely as medium ones, optional
fields are often absent, and floats include values below the engine's 1e-4 floor.
"""

from __future__ import annotations

import math
import random
from typing import Any

from .profile import DatasetProfile, PROBLEM_STRUCTURES, PROBLEM_TYPES

STRUCTURES_FOR: dict[str, tuple[str, ...]] = {
    kind: PROBLEM_STRUCTURES.get(
        kind, ("tabular", "image", "text", "time_series", "audio", "sequence"))
    for kind in PROBLEM_TYPES
}


def _log_int(rng: random.Random, low: int, high: int) -> int:
    return int(round(math.exp(rng.uniform(math.log(low), math.log(high)))))


def _shape(rng: random.Random, structure: str) -> tuple[list[int], bool]:
    """A shape for the structure; the flag says whether it holds token ids."""
    if structure == "tabular":
        return [_log_int(rng, 1, 2000)], False
    if structure == "image":
        side = _log_int(rng, 4, 512)
        shape = [side, _log_int(rng, max(4, side // 2), side * 2), rng.choice([1, 3, 3, 4])]
        if rng.random() < 0.15:
            shape = [_log_int(rng, 4, 128)] + shape
        return shape, False
    if structure == "text":
        return [_log_int(rng, 4, 2048)], True
    if structure == "time_series":
        return [_log_int(rng, 4, 2000), _log_int(rng, 1, 64)], False
    if structure == "audio":
        rank = rng.choice([1, 2, 3])
        if rank == 1:
            return [_log_int(rng, 100, 48000)], False
        if rank == 2:
            return [_log_int(rng, 10, 1000), _log_int(rng, 8, 128)], False
        return [_log_int(rng, 10, 1000), _log_int(rng, 8, 128), 1], False
    tokens = rng.random() < 0.5
    return ([_log_int(rng, 4, 1000)] if tokens
            else [_log_int(rng, 4, 1000), _log_int(rng, 1, 32)]), tokens


def random_profile_data(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(PROBLEM_TYPES)
    structure = rng.choice(STRUCTURES_FOR[kind])
    shape, tokens = _shape(rng, structure)
    data: dict[str, Any] = {"problem_type": kind, "data_structure": structure,
                            "n_samples": _log_int(rng, 20, 5_000_000), "input_shape": shape}
    if kind == "binary":
        data["n_classes"] = 2
    elif kind in ("multiclass", "seq2seq"):
        data["n_classes"] = _log_int(rng, 3, 2000)
        if kind == "multiclass":  # at least one example per class (a profile rule)
            data["n_samples"] = max(data["n_samples"], data["n_classes"])
    elif kind == "multilabel":
        data["n_classes"] = _log_int(rng, 2, 500)
    elif kind in ("regression", "forecasting") and rng.random() < 0.3:
        data["n_targets"] = _log_int(rng, 1, 48)
    if kind in ("binary", "multiclass") and rng.random() < 0.3:
        data["label_encoding"] = "one_hot"
    if kind in ("binary", "multiclass", "multilabel") and rng.random() < 0.5:
        limit = 0.5 if kind != "multiclass" else 1.0 / data["n_classes"]
        data["minority_class_ratio"] = max(1e-6, min(limit, limit * rng.random() ** 3))
    if rng.random() < 0.4:
        low = rng.choice([0.0, -1.0, -1000.0, 0.0])
        high = rng.choice([1.0, 10.0, 255.0, 40000.0, 0.5])
        data["input_range"] = [low, max(low, high)]
    if kind in ("regression", "forecasting") and rng.random() < 0.5:
        low = rng.choice([0.0, -5.0, 20.0, 0.00001])
        data["target_range"] = [low, low + rng.choice([0.5, 1.0, 300.0, 1e6])]
    if rng.random() < 0.3:
        data["missing_ratio"] = rng.choice([0.0, 0.00005, 0.01, 0.2, 0.7])
    if structure == "tabular" and rng.random() < 0.4:
        data["categorical_features"] = rng.randint(0, shape[0])
    if tokens and (structure == "sequence" or rng.random() < 0.5):  # required for sequences
        data["vocab_size"] = _log_int(rng, 2, 200_000)
    if rng.random() < 0.2:
        data["pretrained"] = True
    if rng.random() < 0.3:
        data["complexity"] = rng.choice(["low", "medium", "high"])
    if rng.random() < 0.5:
        data["compute"] = rng.choice(["cpu", "gpu"])
    return data


def random_profile(rng: random.Random) -> DatasetProfile:
    """A random profile that validates (the generator is built to satisfy every check)."""
    return DatasetProfile.model_validate(random_profile_data(rng))
