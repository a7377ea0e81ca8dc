"""The Ray backend on a real cluster: a head and one extra worker process started with
``ray start`` on 127.0.0.1, trials run on it as Ray tasks, and the same seeds give the same
trials as the local backend. A bounded run: three trials of a few epochs on wine.

Skips, saying why, where Ray (the distributed extra) is not installed.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

pytest.importorskip("keras")
pytest.importorskip("sklearn")
ray = pytest.importorskip("ray", reason="Ray is the distributed extra: "
                          "pip install 'advisor[distributed]'")

from advisor.executor.verify import verify  # noqa: E402

ROOT = Path(__file__).resolve().parents[2]
TRIALS = 3
EPOCHS = 4


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _ray_start(args: list[str], env: dict[str, str], log: Path) -> subprocess.Popen:
    command = [os.path.join(os.path.dirname(sys.executable), "ray"), "start", "--block",
               "--node-ip-address=127.0.0.1", "--num-cpus=1", "--disable-usage-stats", *args]
    # --block: the process owns the Ray processes it started and stops them on SIGTERM
    with log.open("ab") as output:  # the child keeps its own copy of the descriptor
        return subprocess.Popen(command, env=env, stdout=output, stderr=subprocess.STDOUT,
                                start_new_session=True)


@pytest.fixture(scope="module")
def cluster(tmp_path_factory):
    """A head (1 CPU) and a second node (1 CPU) on 127.0.0.1; its address."""
    folder = tmp_path_factory.mktemp("ray")
    port = _free_port()
    env = {**os.environ, "RAY_AUTH_MODE": "disabled", "RAY_USAGE_STATS_ENABLED": "0",
           "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH"))
                                         if p),
           "TF_CPP_MIN_LOG_LEVEL": "3", "PYTHONWARNINGS": "ignore"}
    saved = os.environ.get("RAY_AUTH_MODE")
    os.environ["RAY_AUTH_MODE"] = "disabled"  # the driver, as the nodes: a test cluster
    log = folder / "ray.log"
    head = _ray_start(["--head", f"--port={port}", "--include-dashboard=false",
                       f"--temp-dir={folder / 'tmp'}"], env, log)
    address = f"127.0.0.1:{port}"
    processes = [head]
    try:
        deadline = time.time() + 60
        worker = None
        while time.time() < deadline:
            if head.poll() is not None:
                pytest.fail(f"ray start --head exited: {log.read_text()[-2000:]}")
            probe = subprocess.run([os.path.join(os.path.dirname(sys.executable), "ray"),
                                    "status", f"--address={address}"], env=env,
                                   capture_output=True, text=True)
            if probe.returncode == 0:
                if worker is None:
                    worker = _ray_start([f"--address={address}"], env, log)
                    processes.append(worker)
                elif probe.stdout.count("node_") >= 2:
                    break
            time.sleep(1)
        else:
            pytest.fail(f"the Ray test cluster did not come up: {log.read_text()[-2000:]}")
        yield address
    finally:
        for process in reversed(processes):
            process.send_signal(signal.SIGTERM)
        for process in reversed(processes):
            try:
                process.wait(timeout=30)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
        if saved is None:
            os.environ.pop("RAY_AUTH_MODE", None)
        else:
            os.environ["RAY_AUTH_MODE"] = saved


@pytest.mark.slow
def test_trials_on_a_ray_cluster_match_the_local_backend(cluster):
    options = dict(sample="wine", trials=TRIALS, max_epochs=EPOCHS, reference=False)
    on_ray = verify(**options, backend="ray", address=cluster)
    local = verify(**options)
    assert on_ray.search.backend == "ray" and on_ray.search.address == cluster
    assert on_ray.search.workers == 2  # one trial per CPU of the two nodes
    assert [t.title for t in on_ray.trials] == [t.title for t in local.trials]
    assert [t.status for t in on_ray.trials] == ["completed"] * TRIALS
    for remote, here in zip(on_ray.trials, local.trials):
        assert remote.epochs_run == here.epochs_run
        for name, value in here.validation_metrics.items():
            assert remote.validation_metrics[name] == pytest.approx(value, abs=1e-6), name
    assert on_ray.search.selected == local.search.selected
    history = on_ray.history["recommended"]["val_loss"]
    assert history == pytest.approx(local.history["recommended"]["val_loss"], rel=1e-4)
