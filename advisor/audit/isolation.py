"""Reading untrusted files in processes that may die: per-file time and memory limits.

Native parsers (HDF5 through h5py) can crash the process, loop forever or take gigabytes on a
crafted file; a linter that runs unattended in CI must turn each of those into one error for that
file and go on. Two tools:

* :class:`WorkerPool` -- processes that audit one file at a time. A worker that dies (a segfault,
  the OOM killer, the memory limit) or runs past the time limit is replaced; its file gets an
  error that says which; every other result is kept. ``audit_paths`` uses it for batches.
* :func:`call_isolated` -- one call in a child process with the same limits, for the native reads
  of a single file (``audit("model.h5")``, ``--jobs 1``). Inside a pool worker it calls in
  process: the worker already is the isolation.

Children start from a fork server where the platform has one (a fresh, small process forks
each child: cheap, and none of the parent's threads or engine state), else by spawning.
"""

from __future__ import annotations

import multiprocessing
import signal
import time
from dataclasses import dataclass
from multiprocessing.connection import Connection, wait
from typing import Any, Callable, Iterable, Iterator, Optional

FILE_TIME_LIMIT_S = 30.0
"""Longest a single file may take to read and audit."""
MEMORY_LIMIT_BYTES = 3 * 1024 ** 3
"""Address space a reading process may use (Python, pydantic and h5py take ~0.6 GB of it)."""

_IN_WORKER = False  # set in the processes this module starts


class IsolatedFailure(Exception):
    """The child process died or ran out of time; the message says which, for the report."""


def _context() -> Any:
    methods = multiprocessing.get_all_start_methods()
    if "forkserver" in methods:
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload(["advisor.audit.core"])
        return context
    return multiprocessing.get_context("spawn")


def _limit_memory(limit: Optional[int]) -> None:
    if not limit:
        return
    try:
        import resource

        _, hard = resource.getrlimit(resource.RLIMIT_AS)
        cap = limit if hard == resource.RLIM_INFINITY else min(limit, hard)
        resource.setrlimit(resource.RLIMIT_AS, (cap, hard))
    except (ImportError, ValueError, OSError):  # pragma: no cover - not Unix, or not allowed
        pass


def _serve(connection: Connection, function: Callable[[Any], Any], memory_limit: Optional[int]
           ) -> None:
    """A worker: call ``function`` on every task received, send back each result."""
    global _IN_WORKER
    _IN_WORKER = True
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # Ctrl-C is the parent's to handle
    _limit_memory(memory_limit)
    while True:
        try:
            task = connection.recv()
        except EOFError:
            return
        if task is None:
            return
        try:
            result = ("ok", function(task))
        except MemoryError:
            result = ("memory", None)
        except Exception as exc:  # noqa: BLE001 - reported to the parent, never lost
            result = ("error", f"{type(exc).__name__}: {exc}")
        connection.send(result)


def _death(process: Any) -> str:
    code = process.exitcode
    if code is not None and code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = f"signal {-code}"
        if name == "SIGKILL":
            return ("the reading process was killed (SIGKILL: out of memory, or stopped from "
                    "outside)")
        return f"the reader crashed on this file ({name} in native code, e.g. the HDF5 library)"
    return f"the reading process ended unexpectedly (exit code {code})"


@dataclass
class _Worker:
    process: Any
    connection: Connection
    task: Optional[int] = None
    started: float = 0.0


class WorkerPool:
    """``workers`` processes calling ``function`` on tasks, each task under the limits.

    ``run`` yields ``(index, kind, value)`` as tasks finish: kind ``ok`` (value is the result),
    ``error`` (value is the message of an exception the function raised), ``memory``,
    ``crashed`` or ``timeout`` (value is the message for the report).
    """

    def __init__(self, function: Callable[[Any], Any], workers: int, *,
                 time_limit: float = FILE_TIME_LIMIT_S,
                 memory_limit: Optional[int] = MEMORY_LIMIT_BYTES) -> None:
        self.function, self.size = function, max(1, workers)
        self.time_limit, self.memory_limit = time_limit, memory_limit
        self._context = _context()
        self._workers: list[_Worker] = []

    def _start(self) -> _Worker:
        parent, child = self._context.Pipe()
        process = self._context.Process(target=_serve,
                                        args=(child, self.function, self.memory_limit),
                                        daemon=True)
        process.start()
        child.close()
        return _Worker(process, parent)

    def _stop(self, worker: _Worker, *, kill: bool = False) -> None:
        if kill and worker.process.is_alive():
            worker.process.kill()
        worker.connection.close()
        worker.process.join(timeout=5)

    def run(self, tasks: Iterable[Any]) -> Iterator[tuple[int, str, Any]]:
        queue = list(enumerate(tasks))
        queue.reverse()
        self._workers = [self._start() for _ in range(min(self.size, len(queue)))]
        try:
            while queue or any(w.task is not None for w in self._workers):
                for worker in self._workers:
                    if worker.task is None and queue:
                        worker.task, task = queue.pop()
                        worker.started = time.monotonic()
                        worker.connection.send(task)
                busy = [w for w in self._workers if w.task is not None]
                deadline = min(w.started for w in busy) + self.time_limit
                ready = wait([w.connection for w in busy] + [w.process.sentinel for w in busy],
                             timeout=max(0.0, deadline - time.monotonic()))
                now = time.monotonic()
                for index, worker in enumerate(self._workers):
                    if worker.task is None:
                        continue
                    outcome = None
                    if worker.connection in ready or worker.process.sentinel in ready:
                        try:
                            kind, value = worker.connection.recv()
                            outcome = (worker.task, kind, value)
                        except (EOFError, OSError):  # died before answering
                            worker.process.join(timeout=5)
                            outcome = (worker.task, "crashed", _death(worker.process))
                    elif now - worker.started >= self.time_limit:
                        outcome = (worker.task, "timeout",
                                   f"reading took more than {self.time_limit:g} s; stopped")
                    if outcome is None:
                        continue
                    if outcome[1] == "memory":
                        limit = (self.memory_limit or 0) // 1024 ** 2
                        outcome = (outcome[0], "memory",
                                   f"reading needed more than {limit} MB of memory; stopped")
                    worker.task = None
                    if outcome[1] in ("crashed", "timeout", "memory"):
                        self._stop(worker, kill=True)
                        self._workers[index] = self._start()
                    yield outcome
        finally:
            for worker in self._workers:
                try:
                    worker.connection.send(None)
                except (OSError, BrokenPipeError):
                    pass
                self._stop(worker, kill=False)
            self._workers = []


def call_isolated(function: Callable[[Any], Any], argument: Any, *,
                  time_limit: float = FILE_TIME_LIMIT_S,
                  memory_limit: Optional[int] = MEMORY_LIMIT_BYTES) -> Any:
    """``function(argument)`` in a child process under the limits (in process inside a worker).

    Raises:
        IsolatedFailure: the child crashed, ran out of memory or time (the message says which).
        Exception: what ``function`` raised, re-raised as a RuntimeError with its message.
    """
    if _IN_WORKER:
        return function(argument)
    pool = WorkerPool(function, 1, time_limit=time_limit, memory_limit=memory_limit)
    for _, kind, value in pool.run([argument]):
        if kind == "ok":
            return value
        if kind == "error":
            raise RuntimeError(value)
        raise IsolatedFailure(value)  # crashed, timeout, memory: the pool's message
    raise IsolatedFailure("the reading process gave no answer")  # pragma: no cover
