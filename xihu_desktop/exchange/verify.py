"""Check a printed assessment sheet against the data now in the database.

A sheet carries a payload (QR code and PDF metadata: ledger, unit, year, print
revision, SHA-256 fingerprint) and a short verification code printed as text.
Verification recomputes the ledger's fingerprint and compares. The ledger is found
by unit code and year (ledger ids differ between the unit's file and the district's
file that imported its return).
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..store import Store
from ..store import prints as print_store
from ..store.errors import NotFound
from .fingerprint import ledger_fingerprint, short_code
from .sheet_data import PAYLOAD_RE, parse_payload

CODE_RE = re.compile(r"^[0-9A-HJKMNP-TV-Z]{5}-[0-9A-HJKMNP-TV-Z]{5}$")
_TEXT_CODE_RE = re.compile(r"验证码\s*([0-9A-Z]{5}-[0-9A-Z]{5})")


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
    if record is not None and record.fingerprint == sha:
        printed_at = record.printed_at
    what = _printed_words(rev, printed_at)
    current = ledger_fingerprint(store, ledger.id)
    if current == sha:
        return VerifyResult(
            True,
            f"一致：{unit.name} {year} 年{what}与数据文件中的台账数据一致（验证码 {short_code(sha)}）。",
            ledger.id,
            unit.name,
            year,
            rev,
            printed_at,
        )
    return VerifyResult(
        False,
        f"不一致：{unit.name} {year} 年台账在{what}之后已修改，纸质考核表与现有数据不符，"
        f"请重新打印。{_changes_since(store, ledger.id, printed_at)}",
        ledger.id,
        unit.name,
        year,
        rev,
        printed_at,
    )


def normalise_code(code: str) -> str:
    normal = print_store.normalise_code(code)
    if not CODE_RE.match(normal):
        raise VerifyError(f"验证码“{code.strip()}”格式不正确，应为 10 位字母数字，如 AB12C-3D4E5。")
    return normal


def verify_code(store: Store, code: str) -> VerifyResult:
    """Check a verification code typed from a printed sheet."""
    code = normalise_code(code)
    records = store.prints.by_code(code)
    if records:
        record = records[0]
        ledger = store.ledgers.get(record.ledger_id)
        what = _printed_words(record.revision, record.printed_at)
        if ledger_fingerprint(store, ledger.id) == record.fingerprint:
            return VerifyResult(
                True,
                f"一致：{ledger.unit_name} {ledger.year} 年{what}与数据文件中的台账数据一致。",
                ledger.id,
                ledger.unit_name,
                ledger.year,
                record.revision,
                record.printed_at,
            )
        return VerifyResult(
            False,
            f"不一致：{ledger.unit_name} {ledger.year} 年台账在{what}之后已修改，"
            f"纸质考核表与现有数据不符，请重新打印。"
            f"{_changes_since(store, ledger.id, record.printed_at)}",
            ledger.id,
            ledger.unit_name,
            ledger.year,
            record.revision,
            record.printed_at,
        )
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


@dataclass(frozen=True)
class PdfVerification:
    payloads: list[str]
    codes: list[str]
    created: str | None


def read_pdf(path: str | Path) -> PdfVerification:
    """The verification payloads (metadata), or failing that the codes (page text)."""
    path = Path(path)
    try:
        head = path.open("rb").read(5)
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
        codes: list[str] = []
        if not payloads:
            for page in reader.pages:
                codes.extend(_TEXT_CODE_RE.findall(page.extract_text() or ""))
            codes = list(dict.fromkeys(codes))
    except (PdfReadError, ValueError, KeyError, OSError) as exc:
        raise VerifyError(f"“{path.name}”已损坏或无法读取：{exc}") from exc
    if not payloads and not codes:
        raise VerifyError(f"“{path.name}”中没有考核表的验证信息（不是本程序生成的考核表）。")
    return PdfVerification(payloads, codes, created)


def verify_pdf(store: Store, path: str | Path) -> list[VerifyResult]:
    """Check every sheet in a PDF (a combined file holds many)."""
    found = read_pdf(path)
    if found.payloads:
        return [verify_payload(store, p, printed_at=found.created) for p in found.payloads]
    return [verify_code(store, c) for c in found.codes]


def needs_reprint(store: Store, ledger_id: int) -> bool:
    """True when the ledger was printed and its data changed after the last printing.

    A ledger never printed does not *need a reprint* (it needs a first print).
    """
    last = store.prints.last(ledger_id)
    if last is None:
        return False
    return ledger_fingerprint(store, ledger_id) != last.fingerprint
