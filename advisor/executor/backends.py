"""Where advised-search trials run: in this process, one after the other (``local``), or as Ray
tasks, one per worker (``ray``: a local Ray instance sized to the machine, or an existing
cluster given by its address).

A trial is a plain job (:class:`TrialJob`: the setup, the prepared data, the seeds, the
deadline) run by :func:`run_trial_job`, which trains exactly what the local backend trains, so
the same seeds give the same trials on both. Ray is an optional extra (``pip install
'advisor[distributed]'``), imported only by :class:`RayBackend`.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Optional

from ..errors import AdvisorError

BACKENDS = ("local", "ray")
ADDRESS = re.compile(r"^(ray://)?[A-Za-z0-9_.\-]+:[0-9]{1,5}$")


@dataclass
class TrialJob:
    """One trial as a task: everything it needs, picklable (Ray ships it to a worker)."""

    number: int
    name: str
    setup: Any                 # TrainingSetup
    prepared: Any              # Prepared, or a Ray object reference to one
    profile: Any               # DatasetProfile
    seeds: tuple[int, ...]
    max_epochs: Optional[int]
    raw_width: Optional[int]
    deadline: Optional[float]  # time.time() value; None: no budget
    threads: Optional[int] = None  # TensorFlow's thread pools in a Ray task (see _ray_task)


def run_trial_job(job: TrialJob, prepared: Any = None) -> list[Any]:
    """Train one trial once per seed (the local backend calls it in-process, Ray in a worker);
    its RunResults, test predictions dropped (they stay where they were made), and the trained
    model kept only for trial 1's first seed (what ``verify --save`` exports)."""
    from .train import train_run

    data = job.prepared if prepared is None else prepared
    results = []
    for index, seed in enumerate(job.seeds):
        run = train_run(job.name, job.setup, data, profile=job.profile, seed=seed,
                        max_epochs=job.max_epochs, raw_width=job.raw_width,
                        deadline=job.deadline)
        run.test_predictions = None
        if job.number != 1 or index:  # only trial 1's first model can be saved (--save)
            run.model = run.processor = None
        results.append(run)
    return results


def check_address(address: Optional[str]) -> Optional[str]:
    """``HOST:PORT`` (or ``ray://HOST:PORT``), or a clear error."""
    if address is None:
        return None
    if not ADDRESS.match(address) or int(address.rsplit(":", 1)[1]) > 65535:
        raise AdvisorError(f"--address {address!r} is not a Ray cluster address; expected "
                           "HOST:PORT (e.g. 10.0.0.5:6379, the head's GCS port) or "
                           "ray://HOST:PORT (Ray Client, port 10001)",
                           hint="copy the address 'ray start --head' printed")
    return address


class LocalBackend:
    """Trials in this process, one at a time."""

    name = "local"

    def __init__(self) -> None:
        self.slots = 1
        self.address = None
        self._queue: list[TrialJob] = []

    def put(self, prepared: Any) -> Any:
        return prepared

    def submit(self, job: TrialJob) -> None:
        self._queue.append(job)

    def wait_one(self) -> tuple[TrialJob, Any]:
        """Run the oldest submitted job; (job, its results or the exception it raised)."""
        job = self._queue.pop(0)
        try:
            return job, run_trial_job(job)
        except AdvisorError:
            raise
        except Exception as exc:  # noqa: BLE001 - one failed trial is reported, the rest run
            return job, exc

    def close(self) -> None:
        pass


def _owned(prepared: Any) -> Any:
    """``prepared`` with its arrays copied into this process's memory. Ray hands a task
    zero-copy, read-only views into its object store, and TensorFlow's CPU kernels round
    differently on those buffers (measured: the digits CNN's validation accuracy 0.9306
    against 0.9271 in-process); copies give exactly the local backend's results."""
    import dataclasses

    import numpy as np

    def own(part: Any) -> Any:
        if part is None:
            return None
        arrays = {name: np.array(getattr(part, name), copy=True)
                  for name in ("x", "y", "y_raw", "last_value", "origins")
                  if isinstance(getattr(part, name), np.ndarray)}
        return dataclasses.replace(part, **arrays)

    return dataclasses.replace(prepared, train=own(prepared.train),
                               validation=own(prepared.validation), test=own(prepared.test))


def driver_threads() -> int:
    """The size of the thread pools TensorFlow gives an in-process (local) trial here: its
    default, the CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # macOS
        return os.cpu_count() or 1


def _ray_task(job: TrialJob, prepared: Any) -> list[Any]:
    """The Ray task: one trial on one worker.

    TensorFlow's thread pools get the driver's size (``job.threads``), not the task's one CPU:
    the pool size changes how reductions are split, so a digits trial reached validation
    accuracy 0.9201 with one thread and 0.9097 with two (67 epochs, the same seed). With the
    driver's size the same seeds give exactly the local backend's results; the price is that
    trials running at once share the cores' threads.
    """
    prepared = _owned(prepared)
    if job.threads:
        import tensorflow as tf

        try:  # only before TensorFlow's first op in this worker process
            tf.config.threading.set_intra_op_parallelism_threads(job.threads)
            tf.config.threading.set_inter_op_parallelism_threads(job.threads)
        except RuntimeError:
            pass
    return run_trial_job(job, prepared)


class RayBackend:
    """Trials as Ray tasks: ``cpus_per_trial`` CPUs (and ``gpus_per_trial`` GPUs) each.

    Without ``address`` it starts a local Ray instance with the machine's cores (and stops it
    at the end); with one it joins that cluster, whose nodes need the advisor installed (the
    same version) with its train extra.
    """

    name = "ray"

    def __init__(self, address: Optional[str] = None, *, cpus_per_trial: float = 1.0,
                 gpus_per_trial: float = 0.0) -> None:
        try:
            import ray
        except ImportError:
            raise AdvisorError("--backend ray needs Ray, which is not installed",
                               hint="pip install 'advisor[distributed]'") from None
        self._ray = ray
        self.address = check_address(address)
        self._started = False
        if not ray.is_initialized():
            options: dict[str, Any] = {"include_dashboard": False, "log_to_driver": False,
                                       "configure_logging": False}
            if self.address is None:
                # workers of a local instance import the advisor from where this process did
                package_root = str(Path(__file__).resolve().parents[2])
                path = os.pathsep.join(p for p in (package_root, os.environ.get("PYTHONPATH"))
                                       if p)
                options["runtime_env"] = {"env_vars": {
                    "PYTHONPATH": path, "TF_CPP_MIN_LOG_LEVEL": "3",
                    "PYTHONWARNINGS": "ignore"}}
                options["num_cpus"] = os.cpu_count() or 1
            else:
                options["address"] = self.address
            try:
                ray.init(**options)
            except Exception as exc:  # noqa: BLE001 - Ray's connection errors vary by version
                where = self.address or "a local Ray instance"
                raise AdvisorError(f"cannot start or join Ray ({where}): "
                                   f"{type(exc).__name__}: {exc}",
                                   hint="check --address HOST:PORT and that the cluster runs "
                                   "the same Ray and Python versions") from None
            self._started = True
        total_cpus = float(ray.cluster_resources().get("CPU", 1))
        total_gpus = float(ray.cluster_resources().get("GPU", 0))
        if gpus_per_trial and total_gpus < gpus_per_trial:
            self.close()
            raise AdvisorError(f"--gpus-per-trial {gpus_per_trial:g}: the Ray cluster has "
                               f"{total_gpus:g} GPU(s)", hint="drop --gpus-per-trial or join a "
                               "cluster with GPUs (--address)")
        self.slots = max(1, int(total_cpus // cpus_per_trial))
        if gpus_per_trial:
            self.slots = min(self.slots, max(1, int(total_gpus // gpus_per_trial)))
        self._task = ray.remote(num_cpus=cpus_per_trial, num_gpus=gpus_per_trial,
                                max_retries=1)(_ray_task)
        self._running: dict[Any, TrialJob] = {}

    def put(self, prepared: Any) -> Any:
        return self._ray.put(prepared)

    def submit(self, job: TrialJob) -> None:
        self._running[self._task.remote(job, job.prepared)] = job

    def wait_one(self) -> tuple[TrialJob, Any]:
        ray = self._ray
        done, _ = ray.wait(list(self._running), num_returns=1)
        job = self._running.pop(done[0])
        try:
            return job, ray.get(done[0])
        except ray.exceptions.RayTaskError as exc:
            cause = exc.cause if getattr(exc, "cause", None) is not None else exc
            if isinstance(cause, AdvisorError):
                raise cause from None
            return job, cause
        except Exception as exc:  # noqa: BLE001 - a lost worker: that trial failed
            return job, exc

    def close(self) -> None:
        if self._started and self._ray.is_initialized():
            self._ray.shutdown()
            self._started = False


def make_backend(name: str, *, address: Optional[str] = None, gpus_per_trial: float = 0.0
                 ) -> Any:
    """The backend ``name`` (local or ray); a clear error for anything else."""
    if name not in BACKENDS:
        raise AdvisorError(f"backend {name!r} is not known; expected one of "
                           f"{', '.join(BACKENDS)}")
    if name == "local":
        if address is not None:
            raise AdvisorError("--address names a Ray cluster; it needs --backend ray")
        if gpus_per_trial:
            raise AdvisorError("--gpus-per-trial applies to --backend ray; the local backend "
                               "uses the GPUs TensorFlow sees")
        return LocalBackend()
    return RayBackend(address, gpus_per_trial=gpus_per_trial)


__all__ = ["BACKENDS", "LocalBackend", "RayBackend", "TrialJob", "make_backend",
           "run_trial_job", "check_address"]
