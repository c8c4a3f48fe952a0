"""Check a printed assessment sheet against the data now in the database.

A sheet carries a payload (QR code and PDF metadata: ledger, unit, year, print
revision, SHA-256 fingerprint) and a short verification code printed as text.
Verification recomputes the ledger's fingerprint and compares. The ledger is found
by unit code and year (ledger ids differ between the unit's file and the district's
file that imported its return). Every result carries the figures a person compares
with the paper (:class:`~.sheet_data.SheetFigures`); a PDF's own printed figures
are read back (:mod:`.sheet_read`) and any that differ from the data fail the check,
as does metadata that disagrees with the page or with this file's print record.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from ..core.progress_fields import as_of_text
from ..store import Store
from ..store import prints as print_store
from ..store.errors import NotFound
from .fingerprint import ledger_fingerprint, short_code
from .sheet_data import (
    PAYLOAD_RE,
    SheetFigures,
    ledger_figures,
    parse_payload,
    payload_quarter,
)
from .sheet_read import PrintedSheet, compare, printed_quarter, printed_sheets

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
_TEXT_CODE_RE = re.compile(r"验证码\s*([0-9A-Z]{5}-[0-9A-Z]{5})")
_TEXT_TOTAL_RE = re.compile(r"总分\s*(-?[\d,]+\.\d{2})")


class VerifyError(Exception):
    """The input cannot be checked (not a PDF, no verification data, malformed code)."""


@dataclass(frozen=True)
class VerifyResult:
    ok: bool
    message: str
    ledger_id: int | None = None
    unit_name: str = ""
    year: int | None = None
    revision: int | None = None
    printed_at: str | None = None
    figures: SheetFigures | None = None  # of the data now: what the paper should show
    problems: tuple[str, ...] = ()  # printed figures or metadata that disagree
    quarter: int | None = None  # the quarter the printed figures stand at

    def lines(self) -> list[str]:
        """The figures to compare with the paper, one per line (none when no ledger)."""
        return self.figures.lines() if self.figures else []


def _with_figures(store: Store, result: VerifyResult) -> VerifyResult:
    if result.ledger_id is None:
        return result
    figures = ledger_figures(
        store, result.ledger_id, result.revision, result.printed_at, result.quarter
    )
    return replace(result, figures=figures)


def _with_problems(result: VerifyResult, problems: list[str]) -> VerifyResult:
    """The result failed by ``problems`` (printed figures or metadata that disagree)."""
    if not problems:
        return result
    problems = list(dict.fromkeys(problems))
    if result.ok:
        where = f"{result.unit_name} {result.year} 年考核表" if result.unit_name else "考核表"
        message = f"不一致：{where}上印刷的内容与数据不符：{'；'.join(problems)}。"
    else:
        message = f"{result.message}\n印刷的内容：{'；'.join(problems)}。"
    return replace(result, ok=False, message=message, problems=tuple(problems))


def _changes_since(store: Store, ledger_id: int, since: str | None) -> str:
    """“此后有 N 处修改，最近一次 …” from the audit log, or an empty string."""
    if not since:
        return ""
    rows = [
        r
        for r in store.audit.log(ledger_id, limit=100000)
        if r["ts"] >= since and r["action"] != "打印考核表"  # seconds: same-second edits count
    ]
    if not rows:
        return ""
    latest = rows[0]
    return f"此后共有 {len(rows)} 处修改，最近一次为 {latest['ts']}（{latest['user']}，{latest['action']}）。"


def as_of_words(quarter: int | None) -> str:
    return as_of_text(quarter) if quarter else "未注明季度"


def _printed_words(revision: int | None, printed_at: str | None) -> str:
    rev = f"第 {revision} 版" if revision else ""
    when = f"（{printed_at.replace('T', ' ')} 打印）" if printed_at else ""
    return f"{rev}考核表{when}"


def verify_payload(store: Store, payload: str, printed_at: str | None = None) -> VerifyResult:
    fields = parse_payload(payload)
    if fields is None:
        raise VerifyError("考核表中的验证信息无法识别（不是本程序生成的考核表，或已损坏）。")
    year, rev, sha = int(fields["year"]), int(fields["rev"]), fields["sha256"]
    try:
        unit = store.units.find(fields["unit"])
    except NotFound:
        return VerifyResult(
            False,
            f"不一致：数据文件中没有代码为“{fields['unit']}”的责任单位，无法对应 {year} 年的考核表。",
            year=year,
            revision=rev,
        )
    ledger = store.ledgers.find(unit.id, year)
    if ledger is None:
        return VerifyResult(
            False,
            f"不一致：数据文件中没有{unit.name} {year} 年的台账。",
            unit_name=unit.name,
            year=year,
            revision=rev,
        )
    record = store.prints.find(ledger.id, rev)
    problems: list[str] = []
    if record is not None and record.fingerprint == sha:
        printed_at = record.printed_at
    elif record is not None and fields["ledger"] == str(ledger.id):
        # printed from this very file, but its record of that revision says otherwise
        problems.append(
            f"本数据文件的打印记录中第 {rev} 版的验证码为 {record.code}，"
            f"与考核表的 {short_code(sha)} 不符"
        )
    result = _payload_result(store, ledger.id, unit.name, year, rev, sha, printed_at)
    result = replace(result, quarter=payload_quarter(fields))
    return _with_problems(_with_figures(store, result), problems)


def _payload_result(
    store: Store,
    ledger_id: int,
    unit_name: str,
    year: int,
    rev: int,
    sha: str,
    printed_at: str | None,
) -> VerifyResult:
    what = _printed_words(rev, printed_at)
    if ledger_fingerprint(store, ledger_id) == sha:
        message = f"一致：{unit_name} {year} 年{what}与数据文件中的台账数据一致（验证码 {short_code(sha)}）。"
        return VerifyResult(True, message, ledger_id, unit_name, year, rev, printed_at)
    message = (
        f"不一致：{unit_name} {year} 年台账在{what}之后已修改，纸质考核表与现有数据不符，"
        f"请重新打印。{_changes_since(store, ledger_id, printed_at)}"
    )
    return VerifyResult(False, message, ledger_id, unit_name, year, rev, printed_at)


def normalise_code(code: str) -> str:
    normal = print_store.normalise_code(code)
    if not CODE_RE.match(normal):
        raise VerifyError(f"验证码“{code.strip()}”格式不正确，应为 10 位字母数字，如 AB12C-3D4E5。")
    return normal


def verify_code(store: Store, code: str, quarter: int | None = None) -> VerifyResult:
    """Check a verification code typed from a printed sheet (``quarter``: the one the
    sheet names, when known: its figures are compared as of that quarter)."""
    result = replace(_code_result(store, normalise_code(code)), quarter=quarter)
    return _with_figures(store, result)


def _code_result(store: Store, code: str) -> VerifyResult:
    records = store.prints.by_code(code)
    if records:
        record = records[0]
        ledger = store.ledgers.get(record.ledger_id)
        what = _printed_words(record.revision, record.printed_at)
        found = (ledger.id, ledger.unit_name, ledger.year, record.revision, record.printed_at)
        if ledger_fingerprint(store, ledger.id) == record.fingerprint:
            message = f"一致：{ledger.unit_name} {ledger.year} 年{what}与数据文件中的台账数据一致。"
            return VerifyResult(True, message, *found)
        message = (
            f"不一致：{ledger.unit_name} {ledger.year} 年台账在{what}之后已修改，"
            f"纸质考核表与现有数据不符，请重新打印。"
            f"{_changes_since(store, ledger.id, record.printed_at)}"
        )
        return VerifyResult(False, message, *found)
    # Printed from another file (e.g. the unit's own PC): any ledger with the same data?
    for ledger in store.ledgers.list():
        if short_code(ledger_fingerprint(store, ledger.id)) == code:
            return VerifyResult(
                True,
                f"一致：验证码与{ledger.unit_name} {ledger.year} 年台账的现有数据一致。",
                ledger.id,
                ledger.unit_name,
                ledger.year,
            )
    return VerifyResult(
        False,
        f"不一致：数据文件中没有与验证码 {code} 一致的台账（考核表不是从这些数据打印的，"
        "或打印后台账已修改）。",
    )


def verify_text(store: Store, text: str) -> list[VerifyResult]:
    """Check what was typed or pasted: a code, or the whole text read from the QR code.

    The QR text names the code, the total and the payload; each must agree with the data.
    """
    payloads = list(dict.fromkeys(PAYLOAD_RE.findall(text)))
    if payloads:
        results = [verify_payload(store, p) for p in payloads]
    else:
        codes = _TEXT_CODE_RE.findall(text.upper())
        results = [verify_code(store, codes[0] if codes else text, printed_quarter(text))]
    result = results[0]
    problems: list[str] = []
    written = _TEXT_CODE_RE.findall(text)
    if payloads and written:
        fields = parse_payload(payloads[0]) or {}
        code = short_code(fields.get("sha256", "0"))
        problems += [
            f"文字中的验证码 {w} 与其中的数据指纹（{code}）不符" for w in written if w != code
        ]
    total = _TEXT_TOTAL_RE.search(text)
    if total and result.figures and total[1].replace(",", "") != result.figures.total:
        problems.append(f"文字中的总分 {total[1]} 与数据 {result.figures.total} 不符")
    return [_with_problems(result, problems), *results[1:]]


@dataclass(frozen=True)
class PdfVerification:
    payloads: list[str]
    codes: list[str]
    created: str | None
    sheets: list[PrintedSheet] = field(default_factory=list)


def read_pdf(path: str | Path) -> PdfVerification:
    """The verification payloads (metadata), the codes and the sheets' printed text."""
    path = Path(path)
    try:
        with path.open("rb") as fh:
            head = fh.read(5)
    except OSError as exc:
        raise VerifyError(f"无法读取文件“{path}”：{exc.strerror or exc}") from exc
    if head != b"%PDF-":
        raise VerifyError(f"“{path.name}”不是 PDF 文件。")
    from pypdf import PdfReader
    from pypdf.errors import PdfReadError

    try:
        reader = PdfReader(path)
        meta: Mapping[str, Any] = reader.metadata or {}
        text = " ".join(str(meta.get(k) or "") for k in ("/Keywords", "/Subject"))
        payloads = list(dict.fromkeys(PAYLOAD_RE.findall(text)))
        created = None
        raw_date = str(meta.get("/CreationDate") or "")
        m = re.match(r"D:(\d{4})(\d{2})(\d{2})(\d{2})(\d{2})", raw_date)
        if m:
            created = f"{m[1]}-{m[2]}-{m[3]} {m[4]}:{m[5]}"
        sheets = printed_sheets(page.extract_text() or "" for page in reader.pages)
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise VerifyError(f"“{path.name}”已损坏或无法读取：{exc}") from exc
    codes = list(dict.fromkeys(c for sheet in sheets for c in sheet.codes[:1]))
    if not payloads and not codes:
        raise VerifyError(f"“{path.name}”中没有考核表的验证信息（不是本程序生成的考核表）。")
    return PdfVerification(payloads, codes, created, sheets)


def _page_problems(result: VerifyResult, sheet: PrintedSheet | None, code: str) -> list[str]:
    """What the sheet's pages print that disagrees with the data and the metadata."""
    if sheet is None:
        return ["PDF 中找不到与元数据对应的考核表页面"]
    pages = f"第 {sheet.pages[0]}–{sheet.pages[-1]} 页" if len(sheet.pages) > 1 else ""
    problems = [
        f"元数据中的验证码 {code} 与页面上印刷的 {c} 不符" for c in sheet.codes if c != code
    ]
    printed = printed_quarter(sheet.text)
    if printed != result.quarter:
        problems.append(
            f"页面上印刷的季度（{as_of_words(printed)}）与元数据（{as_of_words(result.quarter)}）不符"
        )
    if result.figures is not None:
        figures = result.figures
        title = f"{figures.unit_name}{figures.year}年“六个一批”任务完成情况考核表"
        if title not in re.sub(r"\s+", "", sheet.text):
            problems.append(f"页面上印刷的标题不是“{title}”")
        problems += compare(figures, sheet)
    return [f"{pages}{p}" for p in problems]


def verify_pdf(store: Store, path: str | Path) -> list[VerifyResult]:
    """Check every sheet in a PDF (a combined file holds many): metadata and printed figures."""
    found = read_pdf(path)
    results: list[VerifyResult] = []
    if found.payloads:
        paired = len(found.sheets) == len(found.payloads)
        for n, payload in enumerate(found.payloads):
            result = verify_payload(store, payload, printed_at=found.created)
            fields = parse_payload(payload) or {}
            sheet = found.sheets[n] if paired else None
            problems = _page_problems(result, sheet, short_code(fields.get("sha256", "0")))
            results.append(_with_problems(result, problems))
        return results
    for sheet in found.sheets:  # metadata removed: the codes printed on the pages
        if sheet.codes:
            result = verify_code(store, sheet.codes[0], printed_quarter(sheet.text))
            results.append(_with_problems(result, _page_problems(result, sheet, sheet.codes[0])))
    return results


def needs_reprint(store: Store, ledger_id: int) -> bool:
    """True when the ledger was printed and its data changed after the last printing.

    A ledger never printed does not *need a reprint* (it needs a first print).
    """
    last = store.prints.last(ledger_id)
    if last is None:
        return False
    return ledger_fingerprint(store, ledger_id) != last.fingerprint
