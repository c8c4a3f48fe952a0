"""The one cheap scan that keeps python-calamine from allocating a sheet's bounding box
when a cell sits far down or right (xlsx_safety._check_extent): only references that can
matter are captured, and a wide sheet is measured exactly."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange.xlsx_safety import UnusableFile, check_xlsx
from xihu_desktop.store import Store


@pytest.fixture
def good(demo_store: Store, tmp_path: Path) -> Path:
    ledger = demo_store.ledgers.list(year=2025)[0]
    return ee.export_ledger(demo_store, ledger.id, tmp_path / "good.xlsx")


def _with_rows(
    good: Path, dest: Path, rows: bytes, *, replace: tuple[bytes, bytes] = (b"", b"")
) -> Path:
    """The return with ``rows`` appended to its first category sheet."""
    with zipfile.ZipFile(good) as zin, zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zout:
        done = False
        for info in zin.infolist():
            data = zin.read(info.filename)
            if not done and info.filename.startswith("xl/worksheets/sheet"):
                if replace[0]:
                    data = data.replace(*replace)
                data = data.replace(b"</sheetData>", rows + b"</sheetData>", 1)
                done = True
            zout.writestr(info, data)
    return dest


def _col(n: int) -> str:
    out = ""
    while n:
        n, rem = divmod(n - 1, 26)
        out = chr(65 + rem) + out
    return out


def test_a_wide_and_long_sheet_is_refused_with_its_exact_size(good: Path, tmp_path: Path) -> None:
    """700 columns (3 letters) × 9,000 rows passes each limit alone; the box does not."""
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="%s%d"><v>1</v></c></row>'
        % (r, r, _col(700).encode(), r)
        for r in range(100, 9001)
    )
    with pytest.raises(UnusableFile, match="9000 行 × 700 列"):
        check_xlsx(_with_rows(good, tmp_path / "wide.xlsx", rows))


def test_a_narrower_sheet_of_the_same_length_passes(good: Path, tmp_path: Path) -> None:
    rows = b"".join(
        b'<row r="%d"><c r="A%d"><v>1</v></c><c r="AZ%d"><v>1</v></c></row>' % (r, r, r)
        for r in range(100, 9001)
    )
    check_xlsx(_with_rows(good, tmp_path / "ok.xlsx", rows))


@pytest.mark.parametrize(
    ("rows", "reach"),
    [
        (b'<row r="60001"><c r="A60001"><v>1</v></c></row>', "60001 行"),
        (b'<row r="70000"></row>', "70000 行"),  # an empty row far down counts too
        (b'<row r="20"><c r="ALM20"><v>1</v></c></row>', "1001 列"),
        (b'<row r="20"><c r="xfd20"><v>1</v></c></row>', "16384 列"),  # lower case
        (b'<row\tr="20"><c\tr="XFD20"><v>1</v></c></row>', "16384 列"),  # tabs: slow path
        (b'<x:row r="20"><x:c r="A1048576"><x:v>1</x:v></x:c></x:row>', "1048576 行"),
    ],
)
def test_a_reference_far_away_is_refused(
    good: Path, tmp_path: Path, rows: bytes, reach: str
) -> None:
    with pytest.raises(UnusableFile, match=reach):
        check_xlsx(_with_rows(good, tmp_path / "far.xlsx", rows))


def test_rows_of_five_digits_within_the_limit_pass(good: Path, tmp_path: Path) -> None:
    rows = b"".join(b'<row r="%d"><c r="B%d"><v>1</v></c></row>' % (r, r) for r in (10000, 59999))
    check_xlsx(_with_rows(good, tmp_path / "long.xlsx", rows))
