"""批量导出考核表 never blocks the window, and 取消 leaves no file and no print record.

A QTimer ticking every 10 ms on the UI thread records the gaps between its ticks while
the window's export of the district runs: work on the UI thread would show as one gap
as long as the export (seconds). The limit is 100 ms, or 4× the longest gap the same
ticker shows beside a bare Python thread spinning (measured in the test) when the
machine is so loaded that the GIL and the scheduler alone stall longer. No timing of
the work itself is asserted.
"""

from __future__ import annotations

import gc
import multiprocessing
import threading
import time
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import QEventLoop, QTimer
from PySide6.QtWidgets import (
    QApplication,
    QFileDialog,
    QInputDialog,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QWidget,
)

from xihu_desktop.exchange import pdf_sheet, pdf_workers
from xihu_desktop.store import Store
from xihu_desktop.ui import pdf_actions

LEDGERS = 10  # enough for a few seconds of work, small enough for CI


@pytest.fixture
def district(demo_store: Store) -> Store:
    keep = [x.id for x in demo_store.ledgers.list(year=2025)[:LEDGERS]]
    with demo_store.transaction() as c:
        c.execute(
            f"DELETE FROM ledgers WHERE year = 2025 AND id NOT IN ({','.join(map(str, keep))})"
        )
    return demo_store


@pytest.fixture
def answers(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> dict[str, Any]:
    """The folder and quarter questions answered; the message boxes recorded."""
    out = tmp_path / "打印"
    out.mkdir()
    seen: dict[str, Any] = {"out": out, "messages": []}
    monkeypatch.setattr(QFileDialog, "getExistingDirectory", lambda *a, **k: str(out))
    monkeypatch.setattr(QInputDialog, "getItem", lambda *a, **k: (a[3][a[4]], True))

    def info(parent: Any, title: str, text: str, *a: Any) -> QMessageBox.StandardButton:
        seen["messages"].append(text)
        return QMessageBox.StandardButton.Ok

    monkeypatch.setattr(QMessageBox, "information", info)
    monkeypatch.setattr(QMessageBox, "warning", info)
    return seen


@pytest.fixture(params=["1", "2"], ids=["one process", "two workers"])
def workers(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """In this process (the rendering thread is seen), or in two worker processes (the
    pool is started from the job's thread)."""
    monkeypatch.setenv(pdf_workers.ENV, request.param)
    return int(request.param)


def finished_sheets(parent: QWidget, rendered: list[int], workers: int) -> int:
    """How many sheets are finished (by the workers: as the progress dialog shows)."""
    if workers == 1:
        return len(rendered)
    dialog = parent.findChild(QProgressDialog)
    return dialog.value() if dialog is not None else 0


@pytest.fixture
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """The thread of every sheet rendered in this process (the real renderer runs)."""
    threads: list[int] = []
    real = pdf_sheet.render_sheets

    def render(*args: Any, **kwargs: Any) -> None:
        threads.append(threading.get_ident())
        real(*args, **kwargs)

    monkeypatch.setattr(pdf_sheet, "render_sheets", render)
    return threads


class Ticker:
    """Records the gaps between ticks of a 10 ms timer on the UI thread."""

    def __init__(self) -> None:
        self.stamps: list[float] = []
        self.timer = QTimer()
        self.timer.setInterval(10)
        self.timer.timeout.connect(lambda: self.stamps.append(time.perf_counter()))

    def __enter__(self) -> Ticker:
        self.stamps.append(time.perf_counter())
        self.timer.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.timer.stop()
        self.stamps.append(time.perf_counter())

    @property
    def longest_gap(self) -> float:
        return max(b - a for a, b in zip(self.stamps, self.stamps[1:], strict=False))


def stall_limit() -> float:
    """100 ms, unless a bare busy Python thread already stalls the loop longer."""
    stop = threading.Event()

    def spin() -> None:
        n = 0
        while not stop.is_set():
            n += 1

    worker = threading.Thread(target=spin)
    with Ticker() as ticker:
        worker.start()
        loop = QEventLoop()
        QTimer.singleShot(1000, loop.quit)
        loop.exec()
        stop.set()
        worker.join()
    return max(0.100, 4 * ticker.longest_gap)


def warm_up(parent: QWidget, store: Store, scratch: Path) -> None:
    """What happens once per process is not what this test is about: the first sheet's
    imports and font loading (reportlab, the CJK font) and the first progress dialog."""
    pdf_sheet.export_sheet(store, store.ledgers.list(year=2025)[0].id, scratch)
    dialog = QProgressDialog("预热", "取消", 0, 0, parent)
    dialog.show()
    QApplication.processEvents()
    dialog.close()
    scratch.unlink()


def test_export_of_the_district_never_stalls_the_window(
    qtbot: Any,
    parent: QWidget,
    district: Store,
    answers: dict[str, Any],
    rendered: list[int],
    workers: int,
) -> None:
    warm_up(parent, district, answers["out"].parent / "预热.pdf")
    rendered.clear()
    # The objects the rest of the test session left behind are not the window's: a full
    # collection walking all of them (hundreds of ms in a long session) would show as a
    # stall of whatever runs meanwhile. Collect once and set them aside, as they would
    # not exist in the program; what the export allocates is still collected as usual.
    gc.collect()
    gc.freeze()
    try:
        limit = stall_limit()
        with Ticker() as ticker:
            out = pdf_actions.export_all_sheets(parent, district, 2025)
    finally:
        gc.unfreeze()
    assert out == answers["out"]
    if workers == 1:
        assert len(rendered) == LEDGERS  # the real export ran: every sheet, once
        assert threading.get_ident() not in rendered  # on a worker thread
    else:
        assert rendered == []  # every sheet in a worker process
    stalled = (
        f"the event loop stalled {ticker.longest_gap * 1000:.0f} ms (limit {limit * 1000:.0f})"
    )
    assert ticker.longest_gap < limit, stalled
    assert len(list(answers["out"].glob("*.pdf"))) == LEDGERS + 1
    assert all(district.prints.last(x.id) for x in district.ledgers.list(year=2025))
    for box in parent.findChildren(QMessageBox):
        box.close()


def test_cancel_leaves_no_file_and_no_print_record(
    qtbot: Any,
    parent: QWidget,
    district: Store,
    answers: dict[str, Any],
    rendered: list[int],
    workers: int,
) -> None:
    out: Path = answers["out"]
    (out / "旧文件.pdf").write_bytes(b"%PDF-1.4 the clerk's own file")
    audit_before = len(district.audit.log(limit=None))

    def press_cancel_mid_batch() -> None:
        dialog = parent.findChild(QProgressDialog)
        if (
            finished_sheets(parent, rendered, workers) >= 3 and dialog is not None
        ):  # some sheets are finished already
            poll.stop()
            button = next(b for b in dialog.findChildren(QPushButton) if b.text() == "取消")
            button.click()

    limit = stall_limit()
    poll = QTimer()
    poll.setInterval(10)
    poll.timeout.connect(press_cancel_mid_batch)
    poll.start()
    with Ticker() as ticker:
        assert pdf_actions.export_all_sheets(parent, district, 2025) is None
    poll.stop()
    if workers == 1:
        assert 3 <= len(rendered) < LEDGERS  # cancelled in the middle of the batch
    else:
        assert rendered == []
    assert multiprocessing.active_children() == []  # no worker process left behind
    assert ticker.longest_gap < limit, f"stalled {ticker.longest_gap * 1000:.0f} ms"
    # no finished, half-written or temporary file: the folder is as it was
    assert sorted(p.name for p in out.iterdir()) == ["旧文件.pdf"]
    # no print record of the batch (all or none: none)
    assert all(district.prints.last(x.id) is None for x in district.ledgers.list(year=2025))
    assert len(district.audit.log(limit=None)) == audit_before
    assert "已取消" in answers["messages"][-1] and "没有写入" in answers["messages"][-1]
