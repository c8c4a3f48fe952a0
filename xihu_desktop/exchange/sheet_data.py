"""What an assessment sheet (考核表) prints, read from the store — without reportlab.

:func:`collect_sheet` gathers one ledger's data, score, fingerprint and print
revision from one read snapshot; the texts are formatted here as printed, and the
verification payload (QR code and PDF metadata) is made and parsed here, so
:mod:`.verify` checks a sheet without importing the PDF machinery.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field
from typing import Any

from ..core.categories import CATEGORIES, Category, Field, FieldType
from ..core.entry_values import counts, is_draft
from ..core.progress_fields import as_of_quarter, as_of_text, reported
from ..core.scoring import EntryScore, LedgerScore
from ..store import Progress, Store
from .fingerprint import fingerprint_of, short_code
from .ledger_read import LedgerRows, read_ledger, score_of

PAYLOAD_PREFIX = "XHLG1"
PAYLOAD_RE = re.compile(r"XHLG1\|[^\s]+")


@dataclass
class SheetRow:
    """One entry of a category table: its display texts and its light."""

    values: list[Any]  # raw values of the category's pdf fields, in order
    entry_score: EntryScore
    status: str | None
    whole: bool = False  # its figures count things: printed without decimals


@dataclass
class SheetData:
    """Everything a sheet shows, read from the store in one snapshot."""

    ledger_id: int
    unit_name: str
    unit_code: str
    unit_kind: str
    year: int
    status: str
    leader: str
    contact: str
    preparer: str
    self_assessment: str
    score: LedgerScore
    rows: dict[str, list[SheetRow]]
    adjustments: list[tuple[float, str]]
    fingerprint: str
    revision: int
    generated_at: str
    lookups: dict[str, dict[int, str]] = field(default_factory=dict)
    quarter: int | None = None  # the figures stand at the end of this quarter

    @property
    def as_of(self) -> str:
        """“截至第二季度”, or empty when the ledger has no quarterly progress."""
        return as_of_text(self.quarter) if self.quarter else ""

    @property
    def code(self) -> str:
        return short_code(self.fingerprint)

    @property
    def payload(self) -> str:
        return make_payload(
            self.ledger_id, self.unit_code, self.year, self.revision, self.fingerprint, self.quarter
        )

    @property
    def title(self) -> str:
        return f"{self.unit_name} {self.year} 年“六个一批”任务完成情况考核表"

    @property
    def figures(self) -> SheetFigures:
        counts = {key: len(rows) for key, rows in self.rows.items()}
        return make_figures(
            self.unit_name,
            self.year,
            self.score,
            counts,
            self.code,
            self.revision,
            None,
            self.quarter,
        )

    @property
    def qr_text(self) -> str:
        """What the QR code holds: a line a phone shows as it is, then the payload."""
        return qr_text(
            self.unit_name, self.year, self.revision, self.score.total, self.payload, self.quarter
        )


@dataclass(frozen=True)
class CategoryFigures:
    """One category's line of the score table, as printed."""

    key: str
    label: str
    count: int
    points: str
    score: str


@dataclass(frozen=True)
class SheetFigures:
    """The figures a person compares with the paper, formatted as the sheet prints them."""

    unit_name: str
    year: int
    total: str
    grade: str
    categories: tuple[CategoryFigures, ...]
    code: str
    revision: int | None = None
    printed_at: str | None = None
    quarter: int | None = None

    def lines(self) -> list[str]:
        """The figures as lines to read out next to the paper."""
        when = self.printed_at.replace("T", " ") if self.printed_at else "（无打印记录）"
        out = [
            f"责任单位：{self.unit_name}",
            f"考核年度：{self.year} 年"
            + (f"（{as_of_text(self.quarter)}）" if self.quarter else ""),
            f"打印版次：{f'第 {self.revision} 版' if self.revision else '（无打印记录）'}",
            f"打印时间：{when}",
            f"验证码：{self.code}",
            f"考核总分：{self.total}",
            f"考核等级：{self.grade}",
        ]
        out += [
            f"{c.label}：{c.count} 项，得分 {c.score}（分值 {c.points}）" for c in self.categories
        ]
        return out


def make_figures(
    unit_name: str,
    year: int,
    score: LedgerScore,
    counts: dict[str, int],
    code: str,
    revision: int | None,
    printed_at: str | None,
    quarter: int | None = None,
) -> SheetFigures:
    categories = tuple(
        CategoryFigures(
            c.key,
            c.label,
            counts.get(c.key, 0),
            points_text(score.category_points.get(c.key, 0.0)),
            points_text(score.category_scores.get(c.key, 0.0)),
        )
        for c in CATEGORIES
    )
    return SheetFigures(
        unit_name,
        year,
        points_text(score.total),
        score.grade,
        categories,
        code,
        revision,
        printed_at,
        quarter,
    )


def ledger_figures(
    store: Store,
    ledger_id: int,
    revision: int | None = None,
    printed_at: str | None = None,
    quarter: int | None = None,
) -> SheetFigures:
    """The figures a sheet of the ledger's data now would print as of ``quarter``
    (None: the entries' own figures, as sheets printed before the quarter line had)."""
    rows = read_ledger(store, ledger_id)
    ledger = rows.ledger
    score = score_of(rows, quarter)
    # drafts (no name) are neither scored nor printed: count what the sheet shows
    entry_counts = {c.key: sum(1 for e in score.entries if e.category == c.key) for c in CATEGORIES}
    code = short_code(fingerprint_of(rows))
    return make_figures(
        clean_text(ledger.unit_name),
        ledger.year,
        score,
        entry_counts,
        code,
        revision,
        printed_at,
        quarter,
    )


def latest_quarter(progress: dict[int, dict[int, Progress]]) -> int | None:
    """The latest quarter with any reported progress in a ledger (None: none reported)."""
    quarters = [q for rows in progress.values() for q in reported(rows.values())]
    return max(quarters, default=None)


def default_quarter(store: Store, ledger_id: int) -> int | None:
    """The quarter a sheet is printed as of unless chosen: the latest with any progress."""
    return latest_quarter(store.progress.of_ledger(ledger_id))


def quarter_score(store: Store, ledger_id: int, quarter: int | None) -> LedgerScore:
    """The ledger's score with every entry's actual and status as of ``quarter``
    (lights judged at the quarter's end, or today if earlier); None: as stored now."""
    return score_of(read_ledger(store, ledger_id), quarter)


QR_TITLE = "西湖区“六个一批”考核表"


def qr_text(
    unit_name: str,
    year: int,
    revision: int,
    total: float,
    payload: str,
    quarter: int | None = None,
) -> str:
    fields = parse_payload(payload)
    code = short_code(fields["sha256"]) if fields else ""
    when = f"{year}（{as_of_text(quarter)}）" if quarter else str(year)
    line = " | ".join((QR_TITLE, unit_name, when, f"第{revision}版", f"总分 {points_text(total)}"))
    return f"{line} | 验证码 {code}\n{payload}"


def make_payload(
    ledger_id: int,
    unit_code: str,
    year: int,
    revision: int,
    sha256: str,
    quarter: int | None = None,
) -> str:
    """The verification payload; ``q`` names the quarter the printed figures stand at."""
    as_of = f"|q={quarter}" if quarter else ""
    return (
        f"{PAYLOAD_PREFIX}|ledger={ledger_id}|unit={unit_code}|year={year}"
        f"|rev={revision}{as_of}|sha256={sha256}"
    )


def payload_quarter(fields: dict[str, str]) -> int | None:
    """The quarter a parsed payload names (None: printed before sheets named one)."""
    q = fields.get("q", "")
    return int(q) if q in ("1", "2", "3", "4") else None


def parse_payload(text: str) -> dict[str, str] | None:
    """The fields of a payload string, or None when it is not one of ours."""
    parts = text.strip().split("|")
    if not parts or parts[0] != PAYLOAD_PREFIX:
        return None
    fields: dict[str, str] = {}
    for part in parts[1:]:
        key, sep, value = part.partition("=")
        if not sep:
            return None
        fields[key] = value
    required = ("ledger", "unit", "year", "rev", "sha256")
    if any(k not in fields for k in required) or not re.fullmatch(
        r"[0-9a-f]{64}", fields["sha256"]
    ):
        return None
    if not (fields["ledger"].isdigit() and fields["year"].isdigit() and fields["rev"].isdigit()):
        return None
    return fields


def collect_sheet(
    store: Store, ledger_id: int, revision: int | None = None, quarter: int | None = None
) -> SheetData:
    """Read one ledger for its sheet: data, score and fingerprint from one snapshot.

    ``revision`` is the print revision the sheet will show (default: the next one);
    ``quarter`` the quarter its figures stand at (default: the latest with progress).
    The ledger is read once (:func:`.ledger_read.read_ledger`); the score and the
    fingerprint are computed from the same rows.
    """
    if quarter is not None and quarter not in (1, 2, 3, 4):
        raise ValueError(f"季度应为 1–4，不是 {quarter}")
    with store.snapshot():  # one consistent state: no write can slip in between
        rows = read_ledger(store, ledger_id)
        rev = revision if revision is not None else store.prints.next_revision(ledger_id)
    return sheet_of(rows, rev, quarter)


def now_text() -> str:
    """The printing time as a sheet shows it."""
    return dt.datetime.now().strftime("%Y-%m-%d %H:%M")


def sheet_of(rows: LedgerRows, revision: int, quarter: int | None = None) -> SheetData:
    """The sheet of a ledger already read (``quarter`` None: the latest with progress)."""
    ledger = rows.ledger
    progress = rows.progress
    if quarter is None:
        quarter = latest_quarter(progress)
    score = score_of(rows, quarter)
    lookups = {
        "target": {t.id: t.name for t in rows.targets},
        "catalogue": {i.id: i.name for i in rows.items},
    }
    by_id = {e.id: e for e in score.entries}
    sheet_rows: dict[str, list[SheetRow]] = {c.key: [] for c in CATEGORIES}
    for entry in rows.entries:
        if is_draft(entry.name):
            continue
        cat = _category(entry.category)
        values = entry.values
        if quarter is not None:
            values = dict(values)
            values.update(as_of_quarter(values, progress.get(entry.id, {}).values(), quarter))
        sheet_rows[cat.key].append(
            SheetRow(
                [values.get(f.key) for f in cat.pdf_fields],
                by_id[entry.id],
                values.get("status"),
                counts(entry),
            )
        )
    adjustments = [(float(a.points), clean_text(str(a.reason))) for a in rows.adjustments]
    return SheetData(
        ledger_id=ledger.id,
        unit_name=clean_text(ledger.unit_name),
        unit_code=ledger.unit_code,
        unit_kind=ledger.unit_kind,
        year=ledger.year,
        status=ledger.status,
        leader=clean_text(ledger.leader or ""),
        contact=clean_text(ledger.contact or ""),
        preparer=clean_text(ledger.preparer or ""),
        self_assessment=clean_text(ledger.self_assessment or ""),
        score=score,
        rows=sheet_rows,
        adjustments=adjustments,
        fingerprint=fingerprint_of(rows),
        revision=revision,
        generated_at=now_text(),
        lookups=lookups,
        quarter=quarter,
    )


_CATEGORY_BY_KEY = {c.key: c for c in CATEGORIES}


def _category(key: str) -> Category:
    return _CATEGORY_BY_KEY[key]


# ---------------------------------------------------------------- formatting


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def clean_text(text: str) -> str:
    """Text as printed: line breaks kept, tabs as spaces, other control characters dropped
    (a font has no glyph for them; they would print as blanks and extract as NUL)."""
    text = text.replace("\r\n", "\n").replace("\r", "\n").replace("\t", " ")
    return _CONTROL_RE.sub("", text)


def _num(value: float, decimals: int = 2) -> str:
    text = f"{value:,.{decimals}f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return text


#: Fields whose figures are in the entry's unit of measure (whole when it counts things).
MEASURED = frozenset({"baseline", "goal", "actual"})


def format_value(
    f: Field, value: Any, lookups: dict[str, dict[int, str]], whole: bool = False
) -> str:
    """A field value as printed on the sheet; ``whole``: the entry counts things, so its
    measured figures print without decimals."""
    if value is None or value == "":
        return ""
    if f.type == FieldType.TARGET:
        return clean_text(lookups.get("target", {}).get(value, str(value)))
    if f.type == FieldType.CATALOGUE:
        return clean_text(lookups.get("catalogue", {}).get(value, str(value)))
    if f.type == FieldType.YEAR and isinstance(value, int | float):
        return str(round(value))
    counted = f.type == FieldType.INTEGER or (whole and f.key in MEASURED)
    if counted and isinstance(value, int | float) and not isinstance(value, bool):
        return f"{round(value):,}"
    if f.type == FieldType.MONEY and isinstance(value, int | float):
        return f"{value:,.2f}"
    if f.type == FieldType.PERCENT and isinstance(value, int | float):
        return f"{_num(value)}%"
    if f.is_numeric and isinstance(value, int | float):
        return _num(value, 4)
    return clean_text(str(value)).strip()


def percent_text(completion: float | None) -> str:
    return "—" if completion is None else f"{completion * 100:.1f}%"


def points_text(value: float) -> str:
    return f"{value:.2f}"
