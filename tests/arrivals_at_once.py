"""One arriving file received twice at once through the one door, from two connections to
the same data file (the tests of every kind of file share it)."""

from __future__ import annotations

import threading
from pathlib import Path

from xihu_desktop.exchange.arrival import ArrivalReport
from xihu_desktop.exchange.inbox import receive
from xihu_desktop.store import Store


def twice_at_once(path: Path, file: Path) -> list[ArrivalReport]:
    """Both reports; the two threads start their receive at the same moment."""
    stores = [Store.open(path), Store.open(path)]
    results: list[ArrivalReport] = []
    barrier = threading.Barrier(2)

    def run(s: Store) -> None:
        barrier.wait()
        results.extend(receive(s, [file]))

    threads = [threading.Thread(target=run, args=(s,)) for s in stores]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    for s in stores:
        s.close()
    return results
