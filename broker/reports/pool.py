"""Long reports built in a process of their own, so a counter's command is answered as fast while a
manager exports a year as when the broker is idle (threads of one process share one interpreter
lock; a year's figures are seconds of Python).

`ReportPool.run(job, *args)` calls `job(reader, *args)` in a worker and returns what it returns:
`job` is a module-level function (sent by name), `args` and the result are pickled, `reader` reads
the queue's SQLite file on a read-only connection of the worker's own (`reader.reading()`, as
`Store.reading()`). An exception the job raises is raised here as it is; a worker that dies or does
not answer in time is ended and `ReportFailed` raised, and the next report starts a fresh one.

Workers are started by 'spawn' (no copy of the broker's threads or locks) on the first report, at
most `MAX_WORKERS` of them (a second only while two reports run at once), kept for the next, and
ended after `IDLE_S` without a report (a worker that has built a year's report holds ~80 MB).
"""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
from collections.abc import Callable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from concurrent.futures.process import BrokenProcessPool
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Concatenate, ParamSpec, Protocol, TypeVar

from broker.store.db import Tx, utc_now

P = ParamSpec("P")
T = TypeVar("T")
MAX_WORKERS = 2
TIMEOUT_S = 300.0  # a report not built in this long is given up (a year takes seconds)
IDLE_S = 600.0
STOP_WAIT_S = 5.0


class ReportFailed(Exception):
    """The worker building a report died or did not answer in time."""


class Readable(Protocol):
    """What a report job reads through: the broker's Store, or a worker's FileReader."""

    def reading(self) -> AbstractContextManager[Tx]: ...


class FileReader:
    """Consistent reads of a store file on one read-only connection (a worker's)."""

    def __init__(self, path: Path) -> None:
        self._db = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        self._db.row_factory = sqlite3.Row

    @contextmanager
    def reading(self) -> Iterator[Tx]:
        self._db.execute("BEGIN")
        try:
            yield Tx(self._db, utc_now())
        finally:
            self._db.execute("ROLLBACK")


_reader: FileReader | None = None  # in a worker: its connection, opened when it starts


def _open_reader(path: str) -> None:
    global _reader
    _reader = FileReader(Path(path))


def _call(job: Callable[..., T], args: tuple[object, ...]) -> T:
    assert _reader is not None, "a report job runs in a worker started by ReportPool"
    return job(_reader, *args)


def _healthy(executor: ProcessPoolExecutor) -> bool:
    processes = executor._processes or {}
    return not executor._broken and all(p.is_alive() for p in list(processes.values()))


class ReportPool:
    def __init__(self, db_path: Path, *, timeout_s: float = TIMEOUT_S, idle_s: float = IDLE_S) -> None:
        self._path = db_path.resolve()
        self.timeout_s = timeout_s
        self._idle_s = idle_s
        self._lock = threading.Lock()
        self._executor: ProcessPoolExecutor | None = None
        self._running = 0
        self._idle_timer: threading.Timer | None = None
        self._stopped = False

    def run(self, job: Callable[Concatenate[Readable, P], T], *args: P.args,
            **kwargs: P.kwargs) -> T:
        """`job(reader, *args)` in a worker; its exception re-raised, ReportFailed if it died."""
        assert not kwargs, "a report job takes positional arguments"
        executor = self._begin()
        try:
            try:
                return self._attempt(executor, job, args)
            except BrokenProcessPool:
                # A worker that died while idle may be noticed only once a job is sent to it:
                # once more on a fresh pool (a job that kills its worker dies twice, then fails).
                return self._attempt(self._begin(again=True), job, args)
        except (BrokenProcessPool, FutureTimeout) as exc:
            raise ReportFailed(str(exc) or type(exc).__name__) from exc
        finally:
            self._end()

    def _attempt(self, executor: ProcessPoolExecutor, job: Callable[..., T],
                 args: tuple[object, ...]) -> T:
        """`job` on `executor` (a fresh one if a worker is known dead); a broken or timed-out
        pool is discarded before the error goes up."""
        if not _healthy(executor):  # a worker died since the last report: start afresh
            self._discard(executor)
            executor = self._begin(again=True)
        try:
            return executor.submit(_call, job, args).result(timeout=self.timeout_s)
        except (BrokenProcessPool, FutureTimeout):
            self._discard(executor)
            raise

    def _begin(self, *, again: bool = False) -> ProcessPoolExecutor:
        with self._lock:
            if self._stopped:
                raise ReportFailed("the broker is stopping")
            if self._idle_timer is not None:
                self._idle_timer.cancel()
                self._idle_timer = None
            if self._executor is None:
                self._executor = ProcessPoolExecutor(
                    MAX_WORKERS, mp_context=multiprocessing.get_context("spawn"),
                    initializer=_open_reader, initargs=(str(self._path),))
            self._running += 0 if again else 1
            return self._executor

    def _end(self) -> None:
        with self._lock:
            self._running -= 1
            if self._running or self._stopped or self._executor is None:
                return
            self._idle_timer = threading.Timer(self._idle_s, self._end_idle)
            self._idle_timer.daemon = True
            self._idle_timer.start()

    def _end_idle(self) -> None:
        with self._lock:
            if self._running or self._executor is None:
                return
            executor, self._executor = self._executor, None
        self._discard(executor)

    def _discard(self, executor: ProcessPoolExecutor) -> None:
        """End a pool's workers (they only read, nothing to finish) and forget it; the next report
        starts anew."""
        with self._lock:
            if self._executor is executor:
                self._executor = None
        processes = list((executor._processes or {}).values())
        executor.shutdown(wait=False, cancel_futures=True)
        for process in processes:
            process.kill()  # SIGKILL: ends a stopped (hung) worker too
        for process in processes:
            process.join(STOP_WAIT_S)

    def worker_pids(self) -> list[int]:
        """The running workers' process ids."""
        executor = self._executor
        if executor is None:
            return []
        return [p.pid for p in list((executor._processes or {}).values()) if p.pid is not None]

    def stop(self) -> None:
        """End the workers, a report under way included: nothing they do needs finishing."""
        with self._lock:
            self._stopped = True
            if self._idle_timer is not None:
                self._idle_timer.cancel()
            executor, self._executor = self._executor, None
        if executor is not None:
            self._discard(executor)
