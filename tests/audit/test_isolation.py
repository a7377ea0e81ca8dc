"""Hostile files: a native reader that crashes, loops or eats memory costs one file, never the
batch (issue 11). The workers are real processes; the crashing file is a real HDF5 file."""

from __future__ import annotations

import json
import signal
import time

import pytest

from advisor.audit.core import audit_paths
from advisor.audit.isolation import IsolatedFailure, WorkerPool, call_isolated

h5py = pytest.importorskip("h5py")

CONFIG = {"class_name": "Sequential", "config": {"name": "s", "layers": [
    {"class_name": "InputLayer", "config": {"batch_shape": [None, 4]}},
    {"class_name": "Dense", "config": {"units": 1, "activation": "sigmoid"}}]}}


def _h5(path, *, corrupt: bool = False):
    """An .h5 whose only attribute is model_config; corrupt: the byte h5py 3.x segfaults on
    (the one after the variable-length string datatype message, 0x19 0x01)."""
    with h5py.File(path, "w") as handle:
        handle.attrs["model_config"] = json.dumps(CONFIG)
    if corrupt:
        data = bytearray(path.read_bytes())
        data[data.find(b"\x19\x01") + 1] = 0xFF
        path.write_bytes(bytes(data))
    return path


def test_a_segfaulting_h5_is_one_error_in_process_mode(tmp_path):
    bad = _h5(tmp_path / "bad.h5", corrupt=True)
    good = _h5(tmp_path / "good.h5")
    report = audit_paths([str(bad), str(good)], jobs=1)
    assert report.summary.files == 2
    assert [(e.file, e.reason) for e in report.errors] == [
        (str(bad), "the reader crashed on this file (SIGSEGV in native code, e.g. the HDF5 "
                   "library)")]


def test_a_segfaulting_h5_in_a_large_batch_costs_only_its_file(tmp_path):
    for index in range(70):
        _h5(tmp_path / f"good{index:02d}.h5")
    for index in range(3):
        _h5(tmp_path / f"bad{index}.h5", corrupt=True)
    report = audit_paths([str(tmp_path)], jobs=2)
    assert report.summary.files == 73
    assert sorted(e.file.rsplit("/", 1)[1] for e in report.errors) == ["bad0.h5", "bad1.h5",
                                                                        "bad2.h5"]
    assert all("crashed" in e.reason for e in report.errors)


def test_the_cli_reports_the_crash_and_exits_2(tmp_path):
    from click.testing import CliRunner

    from advisor.cli import cli

    _h5(tmp_path / "bad.h5", corrupt=True)
    _h5(tmp_path / "good.h5")
    result = CliRunner().invoke(cli, ["audit", str(tmp_path)], env={"COLUMNS": "100"})
    assert result.exit_code == 2
    assert "bad.h5: error: the reader crashed on this file (SIGSEGV" in result.stdout
    # good.h5 was saved without compile() and has no profile: its loss/optimizer checks and its
    # data checks are reported as not run (issue 13), where this once said nothing
    assert ("No findings in 1 readable file; 1 file could not be read; some checks could not "
            "run (2 reasons, see above).") in result.stdout


def test_the_pool_replaces_a_worker_that_runs_out_of_time():
    started = time.monotonic()
    results = sorted(WorkerPool(time.sleep, 2, time_limit=1.0).run([30, 0, 0, 0]))
    assert time.monotonic() - started < 10
    assert results[0] == (0, "timeout", "reading took more than 1 s; stopped")
    assert [kind for _, kind, _ in results[1:]] == ["ok", "ok", "ok"]


def test_the_pool_reports_signals_exits_and_memory_and_goes_on():
    crashed = list(WorkerPool(signal.raise_signal, 1).run([signal.SIGSEGV, signal.SIGABRT]))
    assert [(kind, "SIGSEGV" in value or "SIGABRT" in value) for _, kind, value in crashed] == [
        ("crashed", True), ("crashed", True)]
    hungry = list(WorkerPool(bytearray, 1, memory_limit=2 * 1024 ** 3).run([8 * 1024 ** 3, 10]))
    assert hungry[0][:2] == (0, "memory") and hungry[1] == (1, "ok", bytearray(10))
    assert hungry[0][2] == "reading needed more than 2048 MB of memory; stopped"


def test_call_isolated_raises_what_the_report_says():
    assert call_isolated(len, "abc") == 3
    with pytest.raises(IsolatedFailure, match="SIGSEGV"):
        call_isolated(signal.raise_signal, signal.SIGSEGV)
    with pytest.raises(IsolatedFailure, match="more than 0.5 s"):
        call_isolated(time.sleep, 30, time_limit=0.5)


# -- nothing unread passes ------------------------------------------------------------------------

def _keras_json(path):
    path.write_text(json.dumps(CONFIG))
    return path


@pytest.mark.skipif(not hasattr(__import__("os"), "mkfifo"), reason="needs FIFOs")
def test_fifos_devices_and_link_loops_are_errors_never_a_hang(tmp_path):
    import os

    _keras_json(tmp_path / "good.json")
    os.mkfifo(tmp_path / "pipe.h5")
    (tmp_path / "loop_a.keras").symlink_to(tmp_path / "loop_b.keras")
    (tmp_path / "loop_b.keras").symlink_to(tmp_path / "loop_a.keras")
    (tmp_path / "dangling.yaml").symlink_to(tmp_path / "nowhere.yaml")
    started = time.monotonic()
    report = audit_paths([str(tmp_path)], jobs=1)
    assert time.monotonic() - started < 20
    reasons = {e.file.rsplit("/", 1)[1]: e.reason for e in report.errors}
    assert reasons == {
        "dangling.yaml": "a symbolic link to a file that does not exist",
        "loop_a.keras": "a loop of symbolic links; nothing to read",
        "loop_b.keras": "a loop of symbolic links; nothing to read",
        "pipe.h5": "a named pipe (FIFO), not a regular file: not read"}
    named = audit_paths([str(tmp_path / "pipe.h5"), "/dev/zero"], jobs=1)
    assert [e.reason for e in named.errors] == [
        "a named pipe (FIFO), not a regular file: not read",
        "a character device, not a regular file: not read"]


def test_a_device_named_as_a_config_is_refused_not_read(tmp_path):
    from advisor.errors import AdvisorError
    from advisor.textio import read_text

    link = tmp_path / "x.yaml"
    link.symlink_to("/dev/zero")
    report = audit_paths([str(link)], jobs=1)
    assert [e.reason for e in report.errors] == [
        "a character device, not a regular file: not read"]
    with pytest.raises(AdvisorError, match="a character device, not a regular file"):
        read_text(link)


@pytest.mark.skipif(__import__("os").geteuid() == 0, reason="root lists every folder")
def test_an_unreadable_sub_folder_is_an_error_not_all_checks_passed(tmp_path):
    """(Skipped as root, where no folder is unlistable: run the suite as a normal user.)"""
    _keras_json(tmp_path / "good.json")
    locked = tmp_path / "locked"
    locked.mkdir()
    _keras_json(locked / "hidden.json")
    locked.chmod(0)
    try:
        report = audit_paths([str(tmp_path)], jobs=1)
    finally:
        locked.chmod(0o755)
    assert [(e.file, e.reason.split(":")[0]) for e in report.errors] == [
        (str(locked), "permission denied")]


def test_a_profile_on_stdin_is_read_up_to_its_limit():
    from click.testing import CliRunner

    from advisor.cli import cli

    huge = "problem_type: binary\n" + "#" * (6 * 1024 * 1024)
    result = CliRunner().invoke(cli, ["recommend", "--profile", "-"], input=huge)
    assert result.exit_code == 2
    assert "the profile on stdin is larger than 5242880 bytes, the limit" in result.stderr


# -- bounded work ---------------------------------------------------------------------------------

def _chain(path, softmax_layers: int):
    layers = [{"class_name": "InputLayer", "config": {"batch_shape": [None, 8]}},
              {"class_name": "Dense", "config": {"units": 8, "activation": "relu", "name": "d"}}]
    layers += [{"class_name": "Softmax", "config": {"name": f"s{i}"}}
               for i in range(softmax_layers)]
    layers.append({"class_name": "Dense", "config": {"units": 1, "activation": "sigmoid",
                                                     "name": "out"}})
    path.write_text(json.dumps({"class_name": "Sequential",
                                "config": {"name": "m", "layers": layers}}))
    return path


def test_every_check_is_linear_in_the_number_of_layers(tmp_path):
    """A chain of Softmax layers was quadratic (40k layers: 274 s). Timed loosely, as a ratio:
    ten times the layers may take at most 30 times as long (quadratic would be 100)."""
    from advisor.audit import audit

    small, large = _chain(tmp_path / "small.json", 5_000), _chain(tmp_path / "large.json", 50_000)
    audit(small)  # warm up (rules, engine)

    def seconds(path) -> float:
        started = time.perf_counter()
        codes = [f.code for f in audit(path)]
        assert "ARCH103" in codes  # the hidden softmax is found
        return time.perf_counter() - started

    small_s = min(seconds(small) for _ in range(2))
    large_s = seconds(large)
    assert large_s < 10 and large_s < 30 * max(small_s, 0.02), (small_s, large_s)
