"""Checks an incoming spreadsheet file before any parser touches it.

A return arrives on a USB stick or by e-mail and may be anything: an old .xls, a
password-protected workbook (an OLE compound file, not a zip), an .ods, a CSV
renamed to .xlsx, a truncated download or a zip bomb (a 737 KB file holding
174 MB of sheet XML costs openpyxl 1.3 GB and 44 s). :func:`check_xlsx` looks at
the magic bytes and the zip directory only — cheap and bounded — and raises
:class:`UnusableFile` with one Chinese sentence naming the file.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import Any

MAX_FILE_BYTES = 64 * 1024 * 1024
MAX_ENTRIES = 2_000
MAX_TOTAL_UNCOMPRESSED = 256 * 1024 * 1024
MAX_ENTRY_UNCOMPRESSED = 192 * 1024 * 1024
MAX_RATIO = 200  # uncompressed / compressed of one large member
MAX_ROWS = 60_000  # per sheet
MAX_COLS = 1_000  # per sheet (a return has a few dozen)
MAX_CELLS = 6_000_000  # rows x columns of a sheet's bounding box

OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")
ZIP_MAGIC = (b"PK\x03\x04", b"PK\x05\x06")

NS_MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_NS_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_NS_PKG_REL = "http://schemas.openxmlformats.org/package/2006/relationships"


class UnusableFile(Exception):
    """The file cannot be read as an Excel return; the message is Chinese."""


def require_defusedxml() -> None:
    """openpyxl must parse with defusedxml (no entity expansion, no external entities)."""
    import openpyxl

    if not openpyxl.DEFUSEDXML:
        raise UnusableFile("缺少 defusedxml 组件，为安全起见不读取 Excel 文件。请重新安装本软件。")


def check_xlsx(path: str | Path) -> None:
    """Raise :class:`UnusableFile` unless ``path`` looks like a safe, plausible xlsx."""
    path = Path(path)
    name = path.name
    try:
        size = path.stat().st_size
        with path.open("rb") as fh:
            head = fh.read(8)
    except FileNotFoundError:
        raise UnusableFile(f"文件“{name}”不存在。") from None
    except OSError as exc:
        raise UnusableFile(f"无法读取文件“{name}”：{exc.strerror or exc}") from None
    if size == 0:
        raise UnusableFile(f"文件“{name}”是空文件，不是 xlsx 报表。")
    if head == OLE_MAGIC:
        raise UnusableFile(
            f"文件“{name}”已加密或为旧版 .xls：请在 Excel/WPS 中取消密码保护，"
            "并另存为 Excel 工作簿（.xlsx）后再导入。"
        )
    if not head.startswith(ZIP_MAGIC):
        suffix = path.suffix.lower()
        kind = {".csv": "CSV 文本", ".txt": "文本", ".xls": "旧版 .xls", ".et": "WPS 表格"}.get(
            suffix, "其他格式"
        )
        raise UnusableFile(
            f"文件“{name}”是{kind}文件，不是 xlsx 报表：请用本软件导出的报表，"
            "或在 Excel/WPS 中另存为 .xlsx。"
        )
    if size > MAX_FILE_BYTES:
        raise UnusableFile(
            f"文件“{name}”过大（{size / 1048576:.0f} MB，上限 {MAX_FILE_BYTES // 1048576} MB）。"
        )
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            names = {i.filename for i in infos}
            _check_directory(name, infos)
            if "mimetype" in names:
                mimetype = zf.read("mimetype")[:100]
                if b"opendocument" in mimetype:
                    raise UnusableFile(
                        f"文件“{name}”是 OpenDocument 表格（.ods），不是 xlsx 报表："
                        "请在 WPS/LibreOffice 中另存为 Excel 工作簿（.xlsx）。"
                    )
            if "xl/workbook.xml" not in names:
                if "xl/workbook.bin" in names:
                    raise UnusableFile(f"文件“{name}”是 .xlsb 二进制工作簿，不是 xlsx 报表。")
                raise UnusableFile(f"文件“{name}”不是 xlsx 报表（压缩包中没有工作簿）。")
            _check_extent(name, zf, infos)
    except zipfile.BadZipFile:
        raise UnusableFile(
            f"文件“{name}”已损坏（不是完整的 xlsx 文件），请重新导出或重新拷贝。"
        ) from None
    except (OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise UnusableFile(f"文件“{name}”已损坏，无法读取：{exc}") from None


def _check_directory(name: str, infos: list[zipfile.ZipInfo]) -> None:
    if len(infos) > MAX_ENTRIES:
        raise UnusableFile(f"文件“{name}”内含 {len(infos)} 个部件，超过上限，拒绝读取。")
    total = 0
    for info in infos:
        if info.flag_bits & 0x1:
            raise UnusableFile(f"文件“{name}”已加密，请取消密码保护后再导入。")
        total += info.file_size
        if info.file_size > MAX_ENTRY_UNCOMPRESSED or (
            info.file_size > 8 * 1024 * 1024
            and info.file_size > MAX_RATIO * max(info.compress_size, 1)
        ):
            raise UnusableFile(
                f"文件“{name}”的部件 {info.filename} 解压后过大（{info.file_size / 1048576:.0f} MB），"
                "疑似压缩炸弹，拒绝读取。"
            )
    if total > MAX_TOTAL_UNCOMPRESSED:
        raise UnusableFile(
            f"文件“{name}”解压后共 {total / 1048576:.0f} MB，超过上限 "
            f"{MAX_TOTAL_UNCOMPRESSED // 1048576} MB，拒绝读取。"
        )


_CELL_REF = re.compile(rb'<(?:\w+:)?(?:c|row)\s[^>]*?\br="([A-Za-z]{0,4})(\d{1,12})"')
#: The same references where attributes are separated by plain spaces (every writer we
#: know): a literal prefix lets the scan skip ahead in C. Each pattern captures only the
#: references that can matter, so that a return's half a million ordinary ones cost a
#: failed match each and no Python object: columns of two or more letters (AA = 27 on),
#: rows of five or more digits (10,000 on). An ``r`` attribute of any element counts,
#: which can only make the check stricter.
_WIDE_COLUMN = re.compile(rb' r="([A-Za-z]{2,4})\d')
_LONG_ROW = re.compile(rb' r="[A-Za-z]{0,4}(\d{5,12})"')
_ANY_ROW = re.compile(rb' r="[A-Za-z]{0,4}(\d{1,12})"')
_OTHER_SPACE = (b'\tr="', b'\nr="', b'\rr="')
_SHORT_ROWS = 9_999  # the most a reference of four digits or fewer can reach


def _column(letters: bytes) -> int:
    col = 0
    for ch in letters.upper():
        col = col * 26 + ch - 64
    return col


def _extent(data: bytes, spaced: bool) -> tuple[int, int]:
    """(rows, columns) reached by the cell and row references in ``data``; rows below
    10,000 count as 9,999 unless :data:`_ANY_ROW` is needed for a very wide sheet."""
    if not spaced:  # an unusual writer: every reference, the slow way
        refs = _CELL_REF.findall(data)
        if not refs:
            return 0, 0
        letters, rows = zip(*refs, strict=True)
        return max(map(int, set(rows))), max((_column(c) for c in set(letters) if c), default=0)
    wide = set(_WIDE_COLUMN.findall(data))
    max_col = max(map(_column, wide), default=26 if b' r="' in data else 0)
    long_rows = set(_LONG_ROW.findall(data))
    if long_rows:
        max_row = max(map(int, long_rows))
    elif b' r="' not in data:
        max_row = 0
    elif max_col * _SHORT_ROWS > MAX_CELLS:  # a wide sheet: the exact row count decides
        max_row = max(map(int, set(_ANY_ROW.findall(data))))
    else:
        max_row = _SHORT_ROWS
    return max_row, max_col


def _check_extent(name: str, zf: zipfile.ZipFile, infos: list[zipfile.ZipInfo]) -> None:
    """Refuse a sheet whose cells reach far down or right.

    python-calamine allocates a sheet's whole bounding box at once: one cell at
    XFD1048576 asks for 512 GB and aborts the process (no exception to catch). The
    references are scanned in the decompressed stream, bounded by the checks above.
    """
    for info in infos:
        part = info.filename
        if not (part.startswith("xl/worksheets/") and part.endswith(".xml")):
            continue
        max_row = max_col = 0
        tail = b""
        try:
            with zf.open(info) as fh:
                while chunk := fh.read(4 << 20):
                    data = tail + chunk
                    spaced = not any(w in data for w in _OTHER_SPACE)
                    rows, cols = _extent(data, spaced)
                    max_row, max_col = max(max_row, rows), max(max_col, cols)
                    tail = data[-512:]
        except Exception as exc:  # zlib.error, BadZipFile (CRC) …
            raise UnusableFile(
                f"文件“{name}”已损坏（部件 {part} 无法解压：{type(exc).__name__}），"
                "请重新导出或重新拷贝。"
            ) from None
        if max_row > MAX_ROWS or max_col > MAX_COLS or max_row * max(max_col, 1) > MAX_CELLS:
            reach = [f"{max_row} 行" if max_row > MAX_ROWS else "", f"{max_col} 列"]
            if max_col <= MAX_COLS and max_row <= MAX_ROWS:  # the box: rows are exact here
                reach = [f"{max_row} 行 × {max_col} 列"]
            raise UnusableFile(
                f"文件“{name}”的工作表 {part.rsplit('/', 1)[-1]} 范围过大（"
                f"{'、'.join(filter(None, reach))}），疑似已损坏或被篡改，拒绝读取。"
            )


# ---------------------------------------------------------------- formulas


@dataclass(frozen=True)
class FormulaCell:
    sheet: str
    cell: str
    formula: str


_FORMULA_PLAIN = re.compile(rb"<f[\s>/]")  # <f>, <f t="shared" …/>
_FORMULA_PREFIXED = re.compile(rb":f[\s>/]")  # <x:f>; anything else matching only parses


def formulas_without_values(path: str | Path) -> list[FormulaCell]:
    """Cells holding a formula but no cached value (a reader would see them as empty).

    Sheets without any ``<f>`` element (every return this program writes) are
    skipped after one byte search; others are parsed with defusedxml.
    """
    from defusedxml.ElementTree import fromstring, iterparse  # type: ignore[import-untyped]

    out: list[FormulaCell] = []
    with zipfile.ZipFile(path) as zf:
        sheets = sheet_parts(zf, fromstring)
        for sheet, part in sheets:
            try:
                data = zf.read(part)
            except KeyError:
                continue
            if not (_FORMULA_PLAIN.search(data) or _FORMULA_PREFIXED.search(data)):
                continue  # literal-prefix searches skip ahead in C: no formula in most returns
            import io

            cell_ref = ""
            formula: str | None = None
            has_value = False
            for event, el in iterparse(io.BytesIO(data), events=("start", "end")):
                tag = el.tag.rsplit("}", 1)[-1]
                if event == "start" and tag == "c":
                    cell_ref, formula, has_value = el.get("r", ""), None, False
                elif event == "end":
                    if tag == "f":
                        formula = el.text or ""
                    elif tag in ("v", "is"):
                        has_value = bool((el.text or "").strip()) or tag == "is"
                    elif tag == "c":
                        if formula is not None and not has_value:
                            out.append(FormulaCell(sheet, cell_ref, formula))
                        el.clear()
    return out


def sheet_parts(zf: zipfile.ZipFile, fromstring: Callable[[bytes], Any]) -> list[tuple[str, str]]:
    wb = fromstring(zf.read("xl/workbook.xml"))
    try:
        rels = fromstring(zf.read("xl/_rels/workbook.xml.rels"))
    except KeyError:
        return []
    targets = {}
    for rel in rels.iter(f"{{{_NS_PKG_REL}}}Relationship"):
        target = rel.get("Target", "")
        part = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
        targets[rel.get("Id")] = part
    out = []
    for sheet in wb.iter(f"{{{NS_MAIN}}}sheet"):
        rid = sheet.get(f"{{{_NS_REL}}}id")
        if rid in targets:
            out.append((sheet.get("name", ""), targets[rid]))
    return out
