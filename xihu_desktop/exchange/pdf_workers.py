"""The batch export's sheets rendered in worker processes (:func:`.pdf_sheet.export_year`).

Laying out 70 sheets is CPU work in Python (reportlab): one process uses one core. The
batch therefore hands each ledger to a pool of worker processes, started with
``spawn`` (never ``fork``: the window runs the export from a worker thread, and Windows
spawns anyway). Each worker opens the data file once, for reading only (no lock record,
no integrity check, no backup, nothing written), registers the same font file, and per
ledger reads its sheet and writes it into the batch's staging folder; it sends back a
few strings (fingerprint, code, revision, payload, file name), never the sheet, so the
main process holds no sheet.

The main process keeps the order, reports progress as sheets finish, merges the parts
and writes the print records. A cancel (the progress callback raising) or a worker's
error stops the pool at once: the queued ledgers are dropped and the running workers
are terminated and joined, so no process outlives the call.

In-process instead (:func:`worker_count` says 1): few sheets (starting processes costs
more than it saves), one CPU, a database in memory, a store inside a transaction
(another connection would not see its uncommitted rows), or ``XIHU_PDF_WORKERS=1``.
That variable sets the number of workers (tests use it). A pool that breaks (a worker
that cannot start or dies: :class:`BrokenProcessPool`) makes the export start again in
this process, where a real error of the data is raised as itself.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import pickle
from collections.abc import Callable, Sequence
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from pathlib import Path
from typing import Any, TypeVar

from ..store import Store, StoreError
from .pdf_fonts import font_file, register_file

log = logging.getLogger(__name__)

__all__ = ["BrokenProcessPool", "run_in_workers", "worker_count", "worker_font", "worker_store"]

ENV = "XIHU_PDF_WORKERS"
MAX_WORKERS = 4
MIN_SHEETS = 6  # below this the processes' start (imports, font) costs more than it saves

T = TypeVar("T")

_store: Store | None = None  # the worker's own read-only store (set by _start)
_font = ""


def worker_count(store: Store, sheets: int) -> int:
    """How many processes render ``sheets`` sheets of ``store`` (1: in this process)."""
    wanted = os.environ.get(ENV, "").strip()
    if wanted:
        try:
            count = int(wanted)
        except ValueError:
            log.warning("%s=%r is not a number; rendering in this process", ENV, wanted)
            return 1
    elif sheets < MIN_SHEETS:
        return 1
    else:
        count = min(os.cpu_count() or 1, MAX_WORKERS)
    path = store.path
    if path is None or not path.is_file() or store.in_transaction:
        return 1
    return max(1, min(count, sheets))


def worker_store() -> Store:
    """The data file as the worker opened it (only inside a worker)."""
    if _store is None:
        raise RuntimeError("not a sheet worker process")
    return _store


def worker_font() -> str:
    return _font


def _start(path: str, font_path: str | None, font: str, invariant: int) -> None:
    """A worker's set-up: reportlab's mode, the font, the data file for reading."""
    global _store, _font
    from reportlab import rl_config

    rl_config.invariant = invariant  # byte-identical output in tests, as in the parent
    _font = register_file(font_path) if font_path else font
    _store = Store.open(Path(path), reading=True, integrity="defer", share_lock=False)


def _call(task: Callable[..., T], args: tuple[Any, ...]) -> T:
    """Run ``task`` in the worker; an error that cannot cross back to the parent as it
    is (it does not pickle) crosses as a StoreError with the same message."""
    try:
        return task(*args)
    except Exception as exc:
        try:
            pickle.loads(pickle.dumps(exc))
        except Exception:
            raise StoreError(str(exc)) from None
        raise


def run_in_workers(
    store: Store,
    font: str,
    task: Callable[..., T],
    jobs: Sequence[tuple[Any, ...]],
    workers: int,
    done: Callable[[int, T], None],
    order: Sequence[int] | None = None,
) -> list[T]:
    """``task(*job)`` for every job in ``workers`` processes; the results in job order.

    ``task`` is a module-level function (it is sent by name) that reads through
    :func:`worker_store` and draws with :func:`worker_font`. ``done(index, result)`` runs
    here as each job finishes (in any order; ``order``: the jobs' indexes in the order
    to start them, default as given); if it raises, or a job raises, nothing
    more runs: the pool is stopped and the error raised here.
    """
    from reportlab import rl_config

    if store.path is None:
        raise ValueError("worker processes need a data file")
    where = font_file(font)
    pool = ProcessPoolExecutor(
        max_workers=workers,
        mp_context=multiprocessing.get_context("spawn"),
        initializer=_start,
        initargs=(str(store.path), str(where) if where else None, font, rl_config.invariant),
    )
    finished = False
    try:
        futures: dict[Future[T], int] = {
            pool.submit(_call, task, jobs[i]): i
            for i in (range(len(jobs)) if order is None else order)
        }
        results: list[Any] = [None] * len(jobs)
        pending = set(futures)
        while pending:
            ready, pending = wait(pending, return_when=FIRST_COMPLETED)
            for future in sorted(ready, key=futures.__getitem__):
                i = futures[future]
                results[i] = future.result()  # a worker's error is raised here
                done(i, results[i])
        finished = True
        return results
    finally:
        if finished:
            pool.shutdown(wait=True)
        else:
            _stop(pool)


def _stop(pool: ProcessPoolExecutor) -> None:
    """Drop the queued jobs, end the running workers now and wait for them to go."""
    processes = list((getattr(pool, "_processes", None) or {}).values())
    pool.shutdown(wait=False, cancel_futures=True)
    for process in processes:
        if process.is_alive():
            process.terminate()
    for process in processes:
        process.join(timeout=10)
    pool.shutdown(wait=True)
