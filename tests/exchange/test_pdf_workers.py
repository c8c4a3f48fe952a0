"""The batch export in worker processes (:mod:`xihu_desktop.exchange.pdf_workers`).

Rendered by workers, the files are byte for byte those of the in-process export
(reportlab's invariant mode: no dates, fixed ids); a cancel, a worker's error or
another program printing meanwhile leaves nothing behind, and no process outlives the
call. ``XIHU_PDF_WORKERS`` sets the number of workers.
"""

from __future__ import annotations

import multiprocessing
import signal
import sys
from pathlib import Path

import pytest
from pdf_test_helpers import keep_ledgers
from pypdf import PdfReader
from reportlab import rl_config

from xihu_desktop.exchange import pdf_sheet, pdf_workers, sheet_data
from xihu_desktop.store import InvalidData, Store, StoreError

SHEETS = 5


def _no_rendering_here(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail any sheet staged in this process: the workers must do it."""

    def here(*args: object, **kwargs: object) -> None:
        raise AssertionError("a sheet was rendered in the main process")

    monkeypatch.setattr(pdf_sheet, "stage_sheet", here)


def _files(folder: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(folder.iterdir())}


def _payload_fingerprints(path: Path) -> list[str]:
    keywords = str(PdfReader(path).metadata["/Keywords"])
    payloads = [sheet_data.parse_payload(p) for p in sheet_data.PAYLOAD_RE.findall(keywords)]
    return [p["sha256"] for p in payloads if p]


def test_worker_count(demo_store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(pdf_workers.ENV, raising=False)
    monkeypatch.setattr(pdf_workers.os, "cpu_count", lambda: 8)
    assert pdf_workers.worker_count(demo_store, 70) == pdf_workers.MAX_WORKERS
    assert pdf_workers.worker_count(demo_store, pdf_workers.MIN_SHEETS - 1) == 1
    monkeypatch.setattr(pdf_workers.os, "cpu_count", lambda: 1)
    assert pdf_workers.worker_count(demo_store, 70) == 1
    monkeypatch.setenv(pdf_workers.ENV, "3")
    assert pdf_workers.worker_count(demo_store, 2) == 2  # never more than the sheets
    assert pdf_workers.worker_count(demo_store, 70) == 3
    monkeypatch.setenv(pdf_workers.ENV, "1")
    assert pdf_workers.worker_count(demo_store, 70) == 1
    monkeypatch.setenv(pdf_workers.ENV, "viele")
    assert pdf_workers.worker_count(demo_store, 70) == 1
    monkeypatch.setenv(pdf_workers.ENV, "2")
    assert pdf_workers.worker_count(Store.memory(), 70) == 1  # no file to open
    with demo_store.transaction():  # its rows are not visible to another connection yet
        assert pdf_workers.worker_count(demo_store, 70) == 1
    assert pdf_workers.worker_count(demo_store, 70) == 2


def test_workers_write_the_same_bytes_as_one_process(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rl_config, "invariant", 1)
    monkeypatch.setattr(pdf_sheet, "now_text", lambda: "2025-12-31 09:30")
    keep_ledgers(demo_store, SHEETS)
    monkeypatch.setenv(pdf_workers.ENV, "1")
    calls: list[tuple[int, int, str]] = []
    one = pdf_sheet.export_year(
        demo_store, 2025, tmp_path / "one", record=False, progress=lambda *a: calls.append(a)
    )
    monkeypatch.setenv(pdf_workers.ENV, "2")
    with monkeypatch.context() as m:
        _no_rendering_here(m)
        wcalls: list[tuple[int, int, str]] = []
        two = pdf_sheet.export_year(
            demo_store, 2025, tmp_path / "two", record=False, progress=lambda *a: wcalls.append(a)
        )
    assert [p.name for p in one] == [p.name for p in two]
    assert len(one) == SHEETS + 1
    expected = _files(tmp_path / "one")
    assert _files(tmp_path / "two") == expected  # every unit file and the combined one
    assert multiprocessing.active_children() == []
    # progress counts every sheet, then the merge, then the end
    assert [c[0] for c in wcalls] == [*range(SHEETS + 1), SHEETS, SHEETS + 1]
    assert {c[2] for c in wcalls[1 : SHEETS + 1]} == {c[2] for c in calls[:SHEETS]}
    # the comparison can fail: another printing time changes the bytes
    monkeypatch.setattr(pdf_sheet, "now_text", lambda: "2026-01-01 00:00")
    pdf_sheet.export_year(demo_store, 2025, tmp_path / "three", record=False)
    assert _files(tmp_path / "three") != expected


def test_workers_record_what_they_printed(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = keep_ledgers(demo_store, SHEETS)
    monkeypatch.setenv(pdf_workers.ENV, "2")
    paths = pdf_sheet.export_year(demo_store, 2025, tmp_path / "out")
    fingerprints = _payload_fingerprints(paths[-1])
    records = [demo_store.prints.last(i) for i in keep]
    assert [r.fingerprint for r in records if r] == fingerprints
    assert [r.revision for r in records if r] == [1] * SHEETS
    for ledger_id, path in zip(keep, paths[:-1], strict=True):
        assert _payload_fingerprints(path) == [demo_store.prints.last(ledger_id).fingerprint]


def test_cancel_with_workers_leaves_nothing_and_no_process(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    ledgers = demo_store.ledgers.list(year=2025)
    assert len(ledgers) >= 8
    monkeypatch.setenv(pdf_workers.ENV, "2")
    out = tmp_path / "out"
    out.mkdir()
    (out / "别的文件.txt").write_text("keep")
    running: list[multiprocessing.process.BaseProcess] = []

    def progress(done: int, total: int, label: str) -> None:
        if done == 2:
            running.extend(multiprocessing.active_children())
            raise pdf_sheet.Cancelled

    with pytest.raises(pdf_sheet.Cancelled):
        pdf_sheet.export_year(demo_store, 2025, out, progress=progress)
    assert sorted(p.name for p in out.iterdir()) == ["别的文件.txt"]  # no staging left
    assert all(demo_store.prints.last(x.id) is None for x in ledgers)
    assert len(running) == 2
    assert multiprocessing.active_children() == []
    if sys.platform != "win32":  # the busy workers were ended, not waited for
        assert -signal.SIGTERM in [p.exitcode for p in running]


def _break_ledger(store: Store, ledger_id: int) -> None:
    """An entry of a category this program does not know (a file edited by hand or by a
    newer version): its sheet cannot be drawn."""
    with store.transaction() as c:
        c.execute("PRAGMA ignore_check_constraints = ON")  # as a hand edit would
        c.execute(
            "UPDATE entries SET category = 'unknown' WHERE id = "
            "(SELECT min(id) FROM entries WHERE ledger_id = ?)",
            (ledger_id,),
        )
        c.execute("PRAGMA ignore_check_constraints = OFF")


def test_worker_error_is_the_in_process_error(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    keep = keep_ledgers(demo_store, SHEETS)
    _break_ledger(demo_store, keep[3])
    errors: dict[str, BaseException] = {}
    for workers in ("1", "2"):
        monkeypatch.setenv(pdf_workers.ENV, workers)
        out = tmp_path / workers
        with pytest.raises(Exception) as caught:
            pdf_sheet.export_year(demo_store, 2025, out)
        errors[workers] = caught.value
        assert list(out.iterdir()) == []
        assert multiprocessing.active_children() == []
    assert type(errors["2"]) is type(errors["1"])
    assert str(errors["2"]) == str(errors["1"])
    assert all(demo_store.prints.last(i) is None for i in keep)


class _Unpicklable(Exception):
    def __init__(self, message: str, holder: object) -> None:
        super().__init__(message)
        self.holder = holder


def _raise_unpicklable() -> None:
    raise _Unpicklable("文件被占用", object())


def test_an_error_that_does_not_pickle_crosses_with_its_message() -> None:
    with pytest.raises(StoreError, match="文件被占用"):
        pdf_workers._call(_raise_unpicklable, ())


def test_printed_meanwhile_by_another_program(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another program records a printing of a sheet the workers already numbered: the
    batch fails as a whole (as in one process), no file and none of its records."""
    ledgers = {x.unit_name: x.id for x in demo_store.ledgers.list(year=2025)}
    monkeypatch.setenv(pdf_workers.ENV, "2")
    assert demo_store.path is not None
    other = Store.open(demo_store.path)
    out = tmp_path / "out"
    taken: list[int] = []

    def progress(done: int, total: int, label: str) -> None:
        if done == 1:  # ``label``: the sheet just finished, numbered 第 1 版
            taken.append(ledgers[label])
            other.prints.record(ledgers[label], "0" * 64, "OTHER-1", 1)

    try:
        with pytest.raises(InvalidData, match="已被另一次打印登记"):
            pdf_sheet.export_year(demo_store, 2025, out, progress=progress)
    finally:
        other.close()
    assert list(out.iterdir()) == []
    for ledger_id in ledgers.values():
        record = demo_store.prints.last(ledger_id)
        assert (record.code if record else None) == ("OTHER-1" if ledger_id in taken else None)
    assert multiprocessing.active_children() == []


QR_TEXTS = [
    "",
    "A",
    "1234567890" * 5,  # digits: a numeric chunk
    "ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:" * 2,  # an alphanumeric chunk
    "西湖区“六个一批”考核表 | 北山街道 | 2025（截至第四季度） | 第1版 | 总分 86.00 | "
    "验证码 C4HBF-YTQSS\nXHLG1|ledger=281|unit=T01|year=2025|rev=1|q=4|sha256=" + "0d" * 32,
    "区" * 80 + "12345678901234567890123" + "ABCDEFGHIJKLMNOPQRSTUVW" + "x" * 7,
    *("验" * n for n in (3, 4, 5, 50, 51, 52, 100, 101, 102, 300, 500)),
    *("7" * n for n in (1, 2, 3, 40, 41, 42, 43, 600, 601, 602)),
]


@pytest.mark.parametrize("text", QR_TEXTS, ids=range(len(QR_TEXTS)))
def test_qr_version_counted_is_the_one_qrcode_finds(text: str) -> None:
    """The sheet's QR code counts its version instead of encoding twice: the same code as
    ``make(fit=True)``, module for module."""
    import qrcode
    from qrcode.constants import ERROR_CORRECT_M

    from xihu_desktop.exchange.pdf_furniture import QrCode

    code = qrcode.QRCode(error_correction=ERROR_CORRECT_M, border=2, mask_pattern=0)
    code.add_data(text)
    code.make(fit=True)
    assert QrCode(text, 10).matrix == code.get_matrix()


def test_workers_that_cannot_start_leave_the_work_to_this_process(
    demo_store: Store,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A worker that fails to start (here: its font file is gone) breaks the pool; the
    export then renders in this process, completely, and records once."""
    keep = keep_ledgers(demo_store, SHEETS)
    monkeypatch.setenv(pdf_workers.ENV, "2")
    monkeypatch.setattr(pdf_workers, "font_file", lambda name: tmp_path / "gone.ttc")
    paths = pdf_sheet.export_year(demo_store, 2025, tmp_path / "out")
    assert len(paths) == SHEETS + 1 and all(p.is_file() for p in paths)
    assert "rendering here" in caplog.text
    assert [demo_store.prints.last(i).revision for i in keep] == [1] * SHEETS
    assert len(PdfReader(paths[-1]).outline) == SHEETS  # joined once, not twice
    assert multiprocessing.active_children() == []
