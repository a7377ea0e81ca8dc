"""Seeded mutation fuzzing of the readers (issue 11): real files saved by Keras, mutated, audited
as one batch. Whatever the bytes, every file gets an answer (findings, or an error that says why),
within the time limit, and the good file's findings survive. CI runs ADVISOR_FUZZ_MUTATIONS=2000
(the default); longer campaigns by hand: ADVISOR_FUZZ_MUTATIONS=20000 ADVISOR_FUZZ_SEED=N."""

from __future__ import annotations

import importlib.util
import io
import os
import random
import sys
import time
import zipfile
from pathlib import Path

import pytest

from advisor.audit.core import audit_paths

pytestmark = [pytest.mark.keras, pytest.mark.slow]

_spec = importlib.util.spec_from_file_location("audit_make_fixtures_fuzz",
                                               Path(__file__).with_name("make_fixtures.py"))
fixtures = importlib.util.module_from_spec(_spec)
sys.modules[_spec.name] = fixtures
_spec.loader.exec_module(fixtures)


def mutate(data: bytes, rng: random.Random) -> bytes:
    """One of: flip 1-8 bytes, set bytes to extremes, truncate, insert junk, repeat a chunk."""
    buffer = bytearray(data)
    kind = rng.randrange(5)
    if kind == 0 or len(buffer) < 16:
        for _ in range(rng.randint(1, 8)):
            buffer[rng.randrange(len(buffer))] ^= 1 << rng.randrange(8)
    elif kind == 1:
        for _ in range(rng.randint(1, 4)):
            buffer[rng.randrange(len(buffer))] = rng.choice((0x00, 0xFF, 0x7F, 0x80))
    elif kind == 2:
        del buffer[rng.randrange(1, len(buffer)):]
    elif kind == 3:
        at = rng.randrange(len(buffer))
        buffer[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 64)))
    else:
        start = rng.randrange(len(buffer))
        chunk = buffer[start:start + rng.randint(1, 256)]
        buffer[start:start] = chunk * rng.randint(2, 50)
    return bytes(buffer)


def mutate_keras(data: bytes, rng: random.Random) -> bytes:
    """A .keras archive whose config.json is mutated (the zip stays valid, so the JSON and the
    model reader see the damage, not only the zip checks)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    members["config.json"] = mutate(members["config.json"], rng)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, body in members.items():
            archive.writestr(name, body)
    return out.getvalue()


@pytest.fixture(scope="module")
def seeds(tmp_path_factory) -> dict[str, bytes]:
    folder = tmp_path_factory.mktemp("fuzz_seeds")
    case = [c for c in fixtures.CASES if c.name == "mnist_convnet"]
    written = fixtures.make_fixtures(folder, profiles=False, cases=case)
    with zipfile.ZipFile(written["mnist_convnet.keras"]) as archive:
        config = archive.read("config.json")
    script = Path(__file__).parent / "scripts" / "faulty" / "f33_deep_sigmoid_loop.py"
    return {".py": script.read_bytes(),
            ".keras": written["mnist_convnet.keras"].read_bytes(),
            ".h5": written["mnist_convnet.h5"].read_bytes(), ".json": config,
            ".yaml": b"model:\n  family: mlp\n  layers:\n  - {type: Input, shape: [8]}\n"
                     b"  - {type: Dense, units: 1, activation: sigmoid}\nloss: {name: "
                     b"binary_crossentropy}\noptimizer: {name: adam, learning_rate: 0.001}\n"}


def test_mutated_files_always_get_an_answer_and_the_batch_survives(tmp_path, seeds):
    count = int(os.environ.get("ADVISOR_FUZZ_MUTATIONS", "2000"))
    rng = random.Random(int(os.environ.get("ADVISOR_FUZZ_SEED", "20261201")))
    suffixes = sorted(seeds)
    for index in range(count):
        suffix = suffixes[index % len(suffixes)]
        data = (mutate_keras(seeds[suffix], rng) if suffix == ".keras" and rng.random() < 0.5
                else mutate(seeds[suffix], rng))
        (tmp_path / f"m{index:05d}{suffix}").write_bytes(data)
    good = tmp_path / "zz_good.json"
    good.write_bytes(seeds[".json"])
    started = time.monotonic()
    report = audit_paths([str(tmp_path)], jobs=2, skip_unknown=True)
    elapsed = time.monotonic() - started
    answered = {e.file for e in report.errors} | {f.file for f in report.findings}
    assert report.summary.files <= count + 1
    assert str(good) not in {e.file for e in report.errors}
    unexpected = [f"{e.file}: {e.reason}" for e in report.errors
                  if "unexpected error" in e.reason or not e.reason.strip()]
    assert unexpected == [], "\n".join(unexpected[:20])
    assert elapsed < 30 + count * 0.25, elapsed
    assert answered  # the batch produced results


HOSTILE_SCRIPTS: dict[str, object] = {
    "deep_nesting.py": "x = " + "(" * 5000 + "1" + ")" * 5000 + "\n",
    "deep_expression.py": "x = " + " + ".join(["1"] * 20000) + "\n",
    "huge_loop.py": ("from keras import layers, Sequential\nm = Sequential()\n"
                     "for i in range(10**9):\n    m.add(layers.Dense(8))\n"
                     "m.compile(loss='mse', optimizer='adam')\n"),
    "nested_loops.py": ("from keras import layers, Sequential\nm = Sequential()\n"
                        + "".join("    " * d + f"for i{d} in range(1000):\n" for d in range(6))
                        + "    " * 6 + "m.add(layers.Dense(8))\n"),
    "recursion.py": ("from keras import layers, Sequential\ndef f(m):\n    f(m)\n"
                     "    m.add(layers.Dense(2))\nm = Sequential()\nf(m)\n"),
    "big_constant.py": ("from keras import layers, Sequential\nN = 10**100000\n"
                        "m = Sequential([layers.Dense(N)])\n"),
    "null_bytes.py": "from keras import layers\x00\nm = 1\n",
    "not_utf8.py": b"# \xff\xfe\nimport keras\n",
}


@pytest.mark.parametrize("name", sorted(HOSTILE_SCRIPTS))
def test_hostile_scripts_get_an_answer_quickly(tmp_path, name):
    """Scripts written to hurt a reader that evaluates what it reads: each gets findings, an
    unchecked note or a clear error, never a crash, a hang or an 'unexpected error'."""
    body = HOSTILE_SCRIPTS[name]
    path = tmp_path / name
    path.write_bytes(body if isinstance(body, bytes) else body.encode())
    started = time.monotonic()
    report = audit_paths([str(path)], skip_unknown=True)
    assert time.monotonic() - started < 20
    reasons = [e.reason for e in report.errors]
    assert not any("unexpected error" in r or not r.strip() for r in reasons), reasons
