"""The layout of the Excel return (报表), declared once for the export and the import.

Sheets, the title and two header rows above the data, the columns of every sheet
(the category sheets take theirs from the field declarations of
:mod:`xihu_desktop.core.categories`), the cover labels, the hidden entry key and the
keys of the hidden metadata sheet. :mod:`.excel_export` writes this layout and
:mod:`.return_read` finds it again (headers by their text, so a clerk may reorder
columns).
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from .. import __version__
from ..core.categories import Category, Field, FieldType
from ..core.progress_fields import FOLLOW_UP_NO as FOLLOW_UP_NO
from ..core.progress_fields import FOLLOW_UP_YES as FOLLOW_UP_YES
from ..core.progress_fields import PROGRESS
from ..store import Entry, Ledger, Plan, PlanTarget, Progress, Store
from .fingerprint import short_code

SCHEMA_VERSION = 1
FORMAT_NAME = "xihu-excel-return"

# ---------------------------------------------------------------- sheets

COVER_SHEET = "封面"
PROGRESS_SHEET = "进度填报"
ADJUSTMENT_SHEET = "加减分"
META_SHEET = "_元数据"
SUMMARY_SHEET = "完成情况汇总"
RANKING_SHEET = "得分排名"


def sheet_name(cat: Category) -> str:
    """The sheet of a category's entries."""
    return cat.label


TITLE_ROWS = 1  # the title row above the two header rows
HEADER_ROWS = 2
FIRST_DATA_ROW = TITLE_ROWS + HEADER_ROWS  # 0-based row of the first data row

# ---------------------------------------------------------------- metadata (_元数据)

META_FORMAT = "format"
META_KIND = "kind"
META_PLAN = "plan"
META_UNIT_CODE = "unit_code"
META_UNIT_NAME = "unit_name"
META_YEAR = "year"
KIND_LEDGER = "ledger"  # a unit's return
KIND_SUMMARY = "summary"  # the district summary (never imported)
KIND_PACKAGE = "package"  # a task package (下发): a return pre-filled with assigned items
KIND_DECOMPOSITION = "decomposition"  # the targets × units table (任务分解)
KIND_RECEIPT = "receipt"  # the district's answer to a return (回执)
KIND_EVALUATION = "evaluation"  # 年度监测 / 中期评估 / 总结评估 (never imported)
#: metadata key of a package's revision (counts up per unit and year)
META_REVISION = "revision"


def ledger_meta(
    plan_code: str, ledger: Ledger, exported: str, fingerprint: str
) -> list[tuple[str, Any]]:
    """The metadata rows of a unit's return."""
    return [
        (META_FORMAT, FORMAT_NAME),
        (META_KIND, KIND_LEDGER),
        ("schema_version", SCHEMA_VERSION),
        (META_PLAN, plan_code),
        (META_UNIT_CODE, ledger.unit_code),
        (META_UNIT_NAME, ledger.unit_name),
        (META_YEAR, ledger.year),
        ("status", ledger.status),
        ("exported_at", exported),
        ("app_version", __version__),
        ("fingerprint", fingerprint),
    ]


def summary_meta(year: int, ledgers: int, exported: str) -> list[tuple[str, Any]]:
    """The metadata rows of the district summary (which the import refuses)."""
    return [
        (META_FORMAT, FORMAT_NAME),
        (META_KIND, KIND_SUMMARY),
        ("schema_version", SCHEMA_VERSION),
        (META_YEAR, year),
        ("ledgers", ledgers),
        ("exported_at", exported),
        ("app_version", __version__),
    ]


def evaluation_meta(year: int, report: str, title: str, exported: str) -> list[tuple[str, Any]]:
    """The metadata rows of an evaluation report (which the import refuses)."""
    return [
        (META_FORMAT, FORMAT_NAME),
        (META_KIND, KIND_EVALUATION),
        ("schema_version", SCHEMA_VERSION),
        (META_YEAR, year),
        ("report", report),
        ("title", title),
        ("exported_at", exported),
        ("app_version", __version__),
    ]


# ---------------------------------------------------------------- cover (封面)

COVER_UNIT = "责任单位"
COVER_UNIT_CODE = "单位代码"
COVER_YEAR = "年度"
COVER_SELF_ASSESSMENT = "自评情况"
#: Cover labels of the ledger header fields (column A label, column B value).
COVER_FIELDS = (
    ("leader", "责任领导"),
    ("contact", "联系电话"),
    ("preparer", "填报人"),
    ("self_assessment", COVER_SELF_ASSESSMENT),
)


def header_values(ledger: Ledger) -> dict[str, Any]:
    """The ledger's header fields that the cover carries, by key."""
    return {
        "leader": ledger.leader,
        "contact": ledger.contact,
        "preparer": ledger.preparer,
        "self_assessment": ledger.self_assessment,
    }


def cover_rows(
    ledger: Ledger, plan: Plan, exported: str, fingerprint: str
) -> list[tuple[str, Any]]:
    """(label, value) rows of the cover; the import reads the unit, year and header back."""
    header = header_values(ledger)
    return [
        (COVER_UNIT, ledger.unit_name),
        (COVER_UNIT_CODE, ledger.unit_code),
        (COVER_YEAR, str(ledger.year)),
        ("所属规划", plan.name or plan.code),
        ("台账状态", ledger.status),
        *((label, header[key]) for key, label in COVER_FIELDS),
        ("导出时间", exported),
        ("软件版本", f"xihu-desktop {__version__}"),
        ("数据校验码", short_code(fingerprint)),
    ]


# ---------------------------------------------------------------- columns

#: Hidden last column of the entry and progress sheets: the entry's stable key.
KEY_HEADER = "条目标识"
SEQ_FIELD = Field("_seq", "序号", FieldType.INTEGER, group="", width=5)
KEY_FIELD = Field("_key", KEY_HEADER, group="", width=10)
UNIT_FIELD = Field("_unit", "责任单位", group="", width=16)
CATEGORY_FIELD = Field("_category", "类别", group="条目", width=12, required=True)
ENTRY_NAME_FIELD = Field("_name", "条目名称", group="条目", width=26, required=True)


def entry_key(entry: Entry) -> str:
    """The text of the hidden 条目标识 cell: the entry's key, the same in every file."""
    return entry.key


_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")


def parse_entry_key(text: str | None) -> str | None:
    """The entry key of a 条目标识 cell's text, or None.

    Returns of earlier versions wrote ``E<row id>``, which names an entry only in the
    file it came from: such a row is matched by its name instead.
    """
    key = (text or "").strip().lower()
    return key if _UUID.fullmatch(key) else None


def category_columns(cat: Category, with_key: bool = True) -> list[Field]:
    """Columns of a category sheet: 序号, the category's fields, the hidden key."""
    return [SEQ_FIELD, *cat.fields, *([KEY_FIELD] if with_key else [])]


def is_link(f: Field) -> bool:
    """A field whose cell shows a linked item's name instead of its id."""
    return f.type in (FieldType.TARGET, FieldType.CATALOGUE)


QUARTERS = ((1, "一季度"), (2, "二季度"), (3, "三季度"), (4, "四季度"))
#: Other ways a clerk writes a quarter's group header.
QUARTER_ALIASES = {
    **{f"第{label}": label for _, label in QUARTERS},
    **{f"q{q}": label for q, label in QUARTERS},
    **{f"{q}季度": label for q, label in QUARTERS},
}


def progress_fields() -> tuple[Field, ...]:
    """The per-quarter progress fields (value, status, problems, next steps …)."""
    return PROGRESS


def quarter_key(quarter: int, key: str) -> str:
    """The column key of a progress field in one quarter: ``q1.value`` …"""
    return f"q{quarter}.{key}"


def progress_columns() -> list[Field]:
    """Columns of the 进度填报 sheet; quarter fields are keyed ``q1.value`` …"""
    cols = [CATEGORY_FIELD, ENTRY_NAME_FIELD]
    for q, label in QUARTERS:
        for f in progress_fields():
            cols.append(
                Field(
                    quarter_key(q, f.key),
                    f.label,
                    f.type,
                    choices=f.choices,
                    group=label,
                    width=f.width,
                    aliases=f.aliases,
                )
            )
    cols.append(KEY_FIELD)
    return cols


def progress_cells(p: Progress | None) -> list[Any]:
    """One quarter's cells of the progress sheet, in :func:`progress_fields` order.

    需跟踪 is always filled for a quarter that exists, so the import can tell an empty
    quarter from one whose values were all cleared.
    """
    if p is None:
        return [None] * len(progress_fields())
    follow_up = FOLLOW_UP_YES if p.follow_up else FOLLOW_UP_NO
    return [p.value, p.status, p.problems, p.next_steps, p.comment, follow_up]


ADJUSTMENT_COLUMNS = [
    SEQ_FIELD,
    Field("points", "分值", FieldType.NUMBER, unit="分", required=True, group="", width=10),
    Field("reason", "理由", FieldType.LONGTEXT, required=True, group="", width=60),
]

# ---------------------------------------------------------------- linked items


def target_label(target: PlanTarget | Mapping[str, Any]) -> str:
    """Readable text of a plan target link: ``1 地区生产总值`` (``17 …（食品）``)."""
    sub = f"（{target['sub']}）" if target.get("sub") else ""
    return f"{target['seq']} {target['name']}{sub}"


@dataclass
class Links:
    """Readable names of linked plan targets and catalogue items (what a link cell shows)."""

    targets: dict[int, str]
    items: dict[int, str]

    @classmethod
    def of(cls, store: Store) -> Links:
        return cls(
            {t["id"]: target_label(t) for t in store.catalogue.targets()},
            {i["id"]: i["name"] for i in store.catalogue.items()},
        )

    def display(self, f: Field, value: Any) -> Any:
        if value is None:
            return None
        if f.type == FieldType.TARGET:
            return self.targets.get(value, value)
        if f.type == FieldType.CATALOGUE:
            return self.items.get(value, value)
        return value

    def displayed(self, fields: Sequence[Field], values: dict[str, Any]) -> dict[str, Any]:
        """``values`` with the link fields among ``fields`` as their readable names."""
        out = dict(values)
        for f in fields:
            if f.key in out:
                out[f.key] = self.display(f, out[f.key])
        return out
