"""Build and install durable-rules 2.0.28 where pip cannot: Python 3.13 and newer.

    python -m advisor.engine_install          # what `make` runs on every Python; a no-op where
                                              # durable-rules already imports
    python -m advisor.engine_install --force  # build the patched release even so

durable-rules 2.0.28 (June 2020) is still the latest release on the package index, source only.
Its C extension calls ``PyEval_CallObject`` in five places (``src/rulespy/rules.c``); Python 3.13
removed that function, so the build fails (GCC 14, clang 16) or the import does (``undefined
symbol: PyEval_CallObject``). ``PyObject_CallObject`` is the same call under its kept name;
upstream merged exactly this change (jruizgit/rules#403, July 2025) but never released it.

This module downloads the 2.0.28 source from the package index, checks its SHA-256 (so a changed
file is refused, never built), replaces the five calls, marks the version ``2.0.28+pr403`` (so
``advisor --version`` can say the engine was patched) and installs it with pip into the running
interpreter. It needs a C compiler and the Python headers, as building the release does anywhere.
Where it cannot run, the advisor still works: the reference evaluator runs the same rules and
``advisor --version`` says so.

This is an installer, not part of the advisor's library: nothing in the advisor imports it. It
runs after the advisor's own install (``make`` does both), so it may import the advisor.
"""

from __future__ import annotations

import argparse
import hashlib
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

from .engine import PATCH_LABEL  # the label advisor --version reads back

RELEASE = "2.0.28"
#: SHA-256 of durable_rules-2.0.28.tar.gz as the package index serves it
SDIST_SHA256 = "053b26f5e48d312d4fa27995243f954671be6eece477f150c059c364eb4d7d61"
#: the one change (jruizgit/rules#403): the name Python 3.13 removed -> the name it kept
OLD_CALL, NEW_CALL = "PyEval_CallObject(", "PyObject_CallObject("
CALLS = 5
SOURCE_FILE = "src/rulespy/rules.c"


class InstallError(Exception):
    """A step failed; the message says which and what to do."""


def importable(python: str = sys.executable) -> tuple[bool, str]:
    """Whether durable-rules' C extension imports in ``python``, and the error where not."""
    done = subprocess.run([python, "-c", "import durable_rules_engine"], capture_output=True,
                          text=True)
    lines = done.stderr.strip().splitlines()
    return done.returncode == 0, lines[-1] if lines else ""


def patch_source(folder: Path) -> None:
    """Apply jruizgit/rules#403 to an unpacked 2.0.28 source tree and mark its version."""
    source = folder / SOURCE_FILE
    text = source.read_text(encoding="utf-8")
    found = text.count(OLD_CALL)
    if found != CALLS:
        raise InstallError(f"{SOURCE_FILE} has {found} calls of {OLD_CALL[:-1]}, expected "
                           f"{CALLS}: this is not the durable-rules {RELEASE} source the patch "
                           "was written for")
    source.write_text(text.replace(OLD_CALL, NEW_CALL), encoding="utf-8")
    setup = folder / "setup.py"
    text = setup.read_text(encoding="utf-8")
    marker = f"version = '{RELEASE}'"
    if text.count(marker) != 1:
        raise InstallError(f"setup.py does not set {marker} exactly once")
    setup.write_text(text.replace(marker, f"version = '{RELEASE}+{PATCH_LABEL}'"),
                     encoding="utf-8")


def _pip(*args: str) -> None:
    done = subprocess.run([sys.executable, "-m", "pip", *args], capture_output=True, text=True)
    if done.returncode != 0:
        tail = "\n".join((done.stdout + done.stderr).strip().splitlines()[-15:])
        raise InstallError(f"pip {args[0]} failed:\n{tail}")


def _unpack(archive: Path, into: Path) -> Path:
    with tarfile.open(archive) as tar:
        for member in tar.getmembers():   # the archive is hash-checked; refuse odd paths anyway
            if member.name.startswith(("/", "..")) or ".." in Path(member.name).parts \
                    or not (member.isfile() or member.isdir()):
                raise InstallError(f"{archive.name}: unexpected member {member.name!r}")
        try:
            tar.extractall(into, filter="data")
        except TypeError:  # a Python without extraction filters (3.10.11 and older)
            tar.extractall(into)  # noqa: S202 - members checked above
    return into / f"durable_rules-{RELEASE}"


def build_and_install() -> None:
    with tempfile.TemporaryDirectory(prefix="durable-rules-") as tmp:
        folder = Path(tmp)
        pin = folder / "requirements.txt"
        pin.write_text(f"durable-rules=={RELEASE} --hash=sha256:{SDIST_SHA256}\n",
                       encoding="utf-8")
        _pip("download", "--quiet", "--no-deps", "--no-binary", ":all:", "--require-hashes",
             "-r", str(pin), "-d", str(folder / "sdist"))
        archive = folder / "sdist" / f"durable_rules-{RELEASE}.tar.gz"
        if hashlib.sha256(archive.read_bytes()).hexdigest() != SDIST_SHA256:
            raise InstallError(f"{archive.name} does not have the expected SHA-256")
        source = _unpack(archive, folder / "src")
        patch_source(source)
        _pip("install", "--quiet", "--no-deps", "--force-reinstall", str(source))


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--force", action="store_true",
                        help="build the patched release even where durable-rules imports")
    args = parser.parse_args(argv)
    ok, error = importable()
    if ok and not args.force:
        print("durable-rules: already importable, nothing to do")
        return 0
    python = ".".join(map(str, sys.version_info[:3]))
    print(f"durable-rules: {error or 'not importable'}; building {RELEASE} with "
          f"jruizgit/rules#403 for Python {python}")
    try:
        build_and_install()
    except InstallError as exc:
        print(f"error: durable-rules could not be built: {exc}\nThe advisor still works with "
              "the reference evaluator (the same rules, identical by the differential test); "
              "`advisor --version` names the engine in use.", file=sys.stderr)
        return 2
    ok, error = importable()
    if not ok:
        print(f"error: the patched durable-rules was installed but does not import: {error}",
              file=sys.stderr)
        return 2
    print(f"durable-rules: {RELEASE}+{PATCH_LABEL} installed and importable")
    return 0


if __name__ == "__main__":
    sys.exit(main())
