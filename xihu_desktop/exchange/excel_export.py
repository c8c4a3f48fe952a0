"""Excel returns (报表): one workbook per ledger, and the district summary workbook.

The field declarations of :mod:`xihu_desktop.core.categories` drive every sheet:
columns, the merged two-level header (``Field.group`` above ``Field.header``),
widths, number formats and drop-downs. :mod:`.excel_import` reads the same layout
back with the same declarations (see :func:`progress_columns`, :data:`KEY_HEADER`).

Workbooks are written with xlsxwriter (the district summary in constant-memory
mode, row by row) into a temporary file that replaces the target only when
complete (:func:`.atomic.atomic_path`). Text that a spreadsheet could take for a
formula (``= + - @``, tab, CR, LF at the start) is always a string cell with
Excel's quote prefix; control characters that the XML cannot hold are dropped.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .. import __version__
from ..core.categories import CATEGORIES, STATUSES, Category, Field, FieldType
from ..store import Ledger, Store
from .atomic import atomic_path
from .fingerprint import ledger_fingerprint, short_code
from .progress import Cancelled

SCHEMA_VERSION = 1
FORMAT_NAME = "xihu-excel-return"

COVER_SHEET = "封面"
PROGRESS_SHEET = "进度填报"
ADJUSTMENT_SHEET = "加减分"
META_SHEET = "_元数据"
SUMMARY_SHEET = "完成情况汇总"
RANKING_SHEET = "得分排名"

#: Hidden last column of the entry and progress sheets: the entry's stable key.
KEY_HEADER = "条目标识"
TITLE_ROWS = 1  # the title row above the two header rows
HEADER_ROWS = 2
FIRST_DATA_ROW = TITLE_ROWS + HEADER_ROWS  # 0-based row of the first data row

#: Cover sheet labels of the ledger header fields (column A label, column B value).
COVER_FIELDS = (
    ("leader", "责任领导"),
    ("contact", "联系电话"),
    ("preparer", "填报人"),
    ("self_assessment", "自评情况"),
)

QUARTERS = ((1, "一季度"), (2, "二季度"), (3, "三季度"), (4, "四季度"))

#: Row columns that are not fields of a category.
SEQ_FIELD = Field("_seq", "序号", FieldType.INTEGER, group="", width=5)
KEY_FIELD = Field("_key", KEY_HEADER, group="", width=10)
UNIT_FIELD = Field("_unit", "责任单位", group="", width=16)
CATEGORY_FIELD = Field("_category", "类别", group="条目", width=12, required=True)
ENTRY_NAME_FIELD = Field("_name", "条目名称", group="条目", width=26, required=True)
FOLLOW_UP_CHOICES = ("是", "否")


def progress_fields() -> tuple[Field, ...]:
    """The per-quarter progress fields (value, status, problems, next steps …)."""
    return (
        Field("value", "进度值", FieldType.NUMBER, width=10),
        Field("status", "推进状态", FieldType.ENUM, choices=STATUSES, width=9),
        Field("problems", "存在问题", FieldType.LONGTEXT, width=18),
        Field("next_steps", "下步措施", FieldType.LONGTEXT, width=18),
        Field("comment", "审核意见", FieldType.LONGTEXT, width=14),
        Field("follow_up", "需跟踪", FieldType.ENUM, choices=FOLLOW_UP_CHOICES, width=6),
    )


def progress_columns() -> list[Field]:
    """Columns of the 进度填报 sheet; quarter fields are keyed ``q1.value`` …"""
    cols = [CATEGORY_FIELD, ENTRY_NAME_FIELD]
    for q, label in QUARTERS:
        for f in progress_fields():
            cols.append(
                Field(
                    f"q{q}.{f.key}",
                    f.label,
                    f.type,
                    choices=f.choices,
                    group=label,
                    width=f.width,
                )
            )
    cols.append(KEY_FIELD)
    return cols


ADJUSTMENT_COLUMNS = [
    SEQ_FIELD,
    Field("points", "分值", FieldType.NUMBER, unit="分", required=True, group="", width=10),
    Field("reason", "理由", FieldType.LONGTEXT, required=True, group="", width=60),
]


def category_columns(cat: Category, with_key: bool = True) -> list[Field]:
    return [SEQ_FIELD, *cat.fields, *([KEY_FIELD] if with_key else [])]


def sheet_name(cat: Category) -> str:
    return cat.label


# ---------------------------------------------------------------- values


_CONTROL_RE = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f\ufffe\uffff]")
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def clean_text(value: str) -> str:
    """Drop control characters a workbook cannot hold (keeps tab, CR, LF)."""
    return _CONTROL_RE.sub("", value)


def target_label(target: dict[str, Any]) -> str:
    """Readable text of a plan target link: ``1 地区生产总值`` (``17 …（食品）``)."""
    sub = f"（{target['sub']}）" if target.get("sub") else ""
    return f"{target['seq']} {target['name']}{sub}"


@dataclass
class Links:
    """Readable names of linked plan targets and catalogue items."""

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


def number_format(f: Field) -> str | None:
    return {
        FieldType.MONEY: "#,##0.00",
        FieldType.PERCENT: '0.00"%"',
        FieldType.YEAR: "0",
        FieldType.INTEGER: "0",
        FieldType.NUMBER: "General",
    }.get(f.type)


def column_width(f: Field) -> float:
    """Excel width for ``Field.width`` Chinese characters (one CJK char ≈ 2 units)."""
    header = max(len(f.label), len(f.unit) + 2 if f.unit else 0)
    return min(max(f.width, header) * 2 + 1.5, 80)


# ---------------------------------------------------------------- the sheet writer


class _Formats:
    """xlsxwriter formats, created once per workbook."""

    def __init__(self, wb: Any) -> None:
        base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.wb = wb
        self.title = wb.add_format(
            {"font_name": "黑体", "font_size": 16, "bold": True, "align": "center"}
        )
        self.header = wb.add_format(
            {
                **base,
                "bold": True,
                "align": "center",
                "text_wrap": True,
                "bg_color": "#DDEBF7",
            }
        )
        self.group = wb.add_format({**base, "bold": True, "align": "center", "bg_color": "#BDD7EE"})
        self.label = wb.add_format({**base, "bold": True, "bg_color": "#F2F2F2"})
        self.text = wb.add_format(base)
        self.grid = wb.add_format({"border": 1})
        self._cache: dict[tuple[str | None, bool, bool], Any] = {}
        self._base = base

    def cell(self, f: Field, quote: bool = False) -> Any:
        fmt = number_format(f)
        wrap = f.type == FieldType.LONGTEXT
        key = (fmt, wrap, quote)
        if key not in self._cache:
            props: dict[str, Any] = dict(self._base)
            if fmt:
                props["num_format"] = fmt
            if wrap:
                props["text_wrap"] = True
            if quote:
                props["quote_prefix"] = True
            self._cache[key] = self.wb.add_format(props)
        return self._cache[key]


CellWriter = Callable[[int, int, Any], None]


def _cell_writer(ws: Any, f: Field, formats: _Formats, blanks: bool = True) -> CellWriter:
    """A fast writer for one column: numbers as numbers, all else as string cells.

    With ``blanks`` an empty cell still gets the column's format (a clerk typing into
    it gets 万元 with two decimals); the big summary leaves empty cells out.
    """
    plain = formats.cell(f)
    quoted = formats.cell(f, quote=True)
    if not blanks and number_format(f) is None:
        # The 100,000-row summary: text cells without a style of their own write a
        # quarter faster; the grid comes from one conditional format, numbers keep theirs.
        plain = None
    # xlsxwriter's public write_* only add A1-notation parsing to these (row, col)
    # methods; calling them directly saves ~5 % of a 100,000-entry summary.
    write_string = getattr(ws, "_write_string", ws.write_string)
    write_number = getattr(ws, "_write_number", ws.write_number)
    write_blank = getattr(ws, "_write_blank", ws.write_blank)

    def write(row: int, col: int, value: Any) -> None:
        if value is None or value == "":
            if blanks:
                write_blank(row, col, None, plain)
        elif isinstance(value, int | float) and not isinstance(value, bool):
            write_number(row, col, value, plain)
        else:
            text = value if isinstance(value, str) else str(value)
            if not text.isprintable() and _CONTROL_RE.search(text):
                text = clean_text(text)
            write_string(row, col, text, quoted if text.startswith(_FORMULA_START) else plain)

    return write


def _header(
    ws: Any, formats: _Formats, title: str, columns: Sequence[Field], data_rows: int
) -> None:
    """Title row, merged two-level header, widths, freeze panes, print setup, drop-downs."""
    last = len(columns) - 1
    if last > 0:
        ws.merge_range(0, 0, 0, last, title, formats.title)
    else:
        ws.write_string(0, 0, title, formats.title)
    ws.set_row(0, 28)
    # Row by row, so that constant-memory worksheets (which flush a row as soon as a
    # later one is written) keep every header cell.
    spans: list[tuple[int, int]] = []
    col = 0
    while col <= last:
        f = columns[col]
        end = col
        while end + 1 <= last and f.group and columns[end + 1].group == f.group:
            end += 1
        spans.append((col, end))
        col = end + 1
    for col, end in spans:
        f = columns[col]
        if not f.group:
            ws.write_string(1, col, f.header, formats.header)
        elif end > col:
            ws.merge_range(1, col, 1, end, f.group, formats.group)
        else:
            ws.write_string(1, col, f.group, formats.group)
    ws.set_row(2, 30)
    for col, end in spans:
        f = columns[col]
        if not f.group:
            ws.merge_range(1, col, 2, col, f.header, formats.header)
        else:
            for c in range(col, end + 1):
                ws.write_string(2, c, columns[c].header, formats.header)
    for c, f in enumerate(columns):
        options = {"hidden": True} if f.key == KEY_FIELD.key else None
        ws.set_column(c, c, column_width(f), None, options)
    ws.freeze_panes(FIRST_DATA_ROW, 2 if len(columns) > 2 else 0)
    ws.set_landscape()
    ws.set_paper(9)  # A4
    ws.repeat_rows(TITLE_ROWS, FIRST_DATA_ROW - 1)
    ws.set_footer("&C第 &P 页，共 &N 页")
    ws.fit_to_pages(1, 0)
    ws.set_margins(left=0.4, right=0.4, top=0.6, bottom=0.6)
    last_row = FIRST_DATA_ROW + max(data_rows, 0) + 200
    for c, f in enumerate(columns):
        if f.type == FieldType.ENUM and f.choices:
            ws.data_validation(
                FIRST_DATA_ROW,
                c,
                last_row,
                c,
                {
                    "validate": "list",
                    "source": list(f.choices),
                    "error_title": f.label,
                    "error_message": f"请从下拉列表中选择：{'、'.join(f.choices)}",
                },
            )


def _write_rows(
    ws: Any,
    formats: _Formats,
    columns: Sequence[Field],
    rows: Iterable[Sequence[Any]],
    blanks: bool = True,
) -> int:
    writers = [_cell_writer(ws, f, formats, blanks) for f in columns]
    pairs = list(enumerate(writers))
    r = FIRST_DATA_ROW
    for values in rows:
        for c, write in pairs:
            write(r, c, values[c])
        r += 1
    if not blanks and r > FIRST_DATA_ROW:
        # one rule draws the grid over the whole table, empty cells included
        ws.conditional_format(
            FIRST_DATA_ROW,
            0,
            r - 1,
            len(columns) - 1,
            {"type": "formula", "criteria": "TRUE", "format": formats.grid},
        )
    return r - FIRST_DATA_ROW


def _write_meta(wb: Any, items: Sequence[tuple[str, Any]]) -> None:
    ws = wb.add_worksheet(META_SHEET)
    for r, (key, value) in enumerate(items):
        ws.write_string(r, 0, key)
        ws.write_string(r, 1, "" if value is None else str(value))
    ws.set_column(0, 1, 30)
    ws.very_hidden()


def _workbook(path: Path, constant_memory: bool = False) -> Any:
    import xlsxwriter

    return xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": constant_memory,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
        },
    )


# ---------------------------------------------------------------- one ledger


def entry_key(entry_id: int) -> str:
    return f"E{entry_id}"


def default_return_name(ledger: Ledger) -> str:
    return f"{ledger.unit_name}_{ledger.year}年六个一批报表.xlsx"


Progress = Callable[[int, int], bool]  # (done, total) -> keep going


def export_ledger(
    store: Store, ledger_id: int, out: str | Path, progress: Progress | None = None
) -> Path:
    """Write the Excel return of one ledger to ``out`` (atomically)."""
    out = Path(out)
    ledger = store.ledgers.get(ledger_id)
    plan = next(
        (p for p in store.catalogue.plans() if p["id"] == ledger.plan_id), {"code": "", "name": ""}
    )
    links = Links.of(store)
    fingerprint = ledger_fingerprint(store, ledger_id)
    score = store.assessment.score(ledger_id)
    counts = store.entries.counts(ledger_id)
    exported = dt.datetime.now().isoformat(timespec="seconds")
    steps = len(CATEGORIES) + 3
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if progress is not None and not progress(step, steps):
            raise Cancelled("已取消导出")

    with atomic_path(out) as tmp:
        wb = _workbook(tmp)
        formats = _Formats(wb)
        wb.set_properties(
            {
                "title": f"{ledger.unit_name}{ledger.year}年“六个一批”任务台账报表",
                "author": ledger.unit_name,
                "company": "西湖区",
                "comments": f"xihu-desktop {__version__}",
            }
        )
        _write_cover(wb, formats, store, ledger, plan, score, counts, exported, fingerprint)
        tick()
        entry_rows: list[tuple[str, Any]] = []
        for cat in CATEGORIES:
            columns = category_columns(cat)
            entries = store.entries.list(ledger_id, cat.key)
            ws = wb.add_worksheet(sheet_name(cat))
            title = f"{ledger.unit_name}{ledger.year}年{cat.label}任务台账"
            _header(ws, formats, title, columns, len(entries))
            rows = []
            for i, e in enumerate(entries, start=1):
                rows.append(
                    [
                        i,
                        *(links.display(f, e.values.get(f.key)) for f in cat.fields),
                        entry_key(e.id),
                    ]
                )
                entry_rows.append((cat.label, e))
            _write_rows(ws, formats, columns, rows)
            tick()
        _write_progress_sheet(wb, formats, store, ledger, entry_rows)
        tick()
        _write_adjustments(wb, formats, store, ledger)
        _write_meta(
            wb,
            [
                ("format", FORMAT_NAME),
                ("kind", "ledger"),
                ("schema_version", SCHEMA_VERSION),
                ("plan", plan["code"]),
                ("unit_code", ledger.unit_code),
                ("unit_name", ledger.unit_name),
                ("year", ledger.year),
                ("status", ledger.status),
                ("exported_at", exported),
                ("app_version", __version__),
                ("fingerprint", fingerprint),
            ],
        )
        wb.close()
        tick()
    return out


def _write_cover(
    wb: Any,
    formats: _Formats,
    store: Store,
    ledger: Ledger,
    plan: dict[str, Any],
    score: Any,
    counts: dict[str, int],
    exported: str,
    fingerprint: str,
) -> None:
    ws = wb.add_worksheet(COVER_SHEET)
    ws.set_column(0, 0, 18)
    ws.set_column(1, 1, 60)
    ws.set_column(2, 3, 12)
    ws.merge_range(
        0, 0, 0, 3, f"{ledger.unit_name}{ledger.year}年“六个一批”任务台账报表", formats.title
    )
    ws.set_row(0, 30)
    text = _cell_writer(ws, Field("_t", "", FieldType.LONGTEXT), formats)
    rows: list[tuple[str, Any]] = [
        ("责任单位", ledger.unit_name),
        ("单位代码", ledger.unit_code),
        ("年度", str(ledger.year)),
        ("所属规划", plan.get("name") or plan.get("code")),
        ("台账状态", ledger.status),
        *((label, getattr(ledger, key)) for key, label in COVER_FIELDS),
        ("导出时间", exported),
        ("软件版本", f"xihu-desktop {__version__}"),
        ("数据校验码", short_code(fingerprint)),
    ]
    r = 2
    for label, value in rows:
        ws.write_string(r, 0, label, formats.label)
        ws.merge_range(r, 1, r, 3, None, formats.text)
        text(r, 1, value)
        if label == "自评情况":
            ws.set_row(r, 60)
        r += 1
    r += 1
    for c, head in enumerate(("类别", "条目数", "分值", "得分")):
        ws.write_string(r, c, head, formats.header)
    r += 1
    money = formats.cell(Field("_n", "", FieldType.MONEY))
    integer = formats.cell(SEQ_FIELD)
    for cat in CATEGORIES:
        ws.write_string(r, 0, cat.label, formats.text)
        ws.write_number(r, 1, counts.get(cat.key, 0), integer)
        ws.write_number(r, 2, round(score.category_points.get(cat.key, 0.0), 2), money)
        ws.write_number(r, 3, round(score.category_scores.get(cat.key, 0.0), 2), money)
        r += 1
    for label, value in (
        ("基础得分", score.base),
        ("加分", score.bonus),
        ("扣分", score.deduction),
        ("总分", score.total),
    ):
        ws.write_string(r, 0, label, formats.label)
        ws.write_blank(r, 1, None, formats.text)
        ws.write_blank(r, 2, None, formats.text)
        ws.write_number(r, 3, round(value, 2), money)
        r += 1
    ws.write_string(r, 0, "等级", formats.label)
    ws.write_blank(r, 1, None, formats.text)
    ws.write_blank(r, 2, None, formats.text)
    ws.write_string(r, 3, score.grade, formats.text)
    ws.set_paper(9)
    ws.set_landscape()
    ws.fit_to_pages(1, 1)
    ws.set_footer("&C第 &P 页，共 &N 页")


def _write_progress_sheet(
    wb: Any, formats: _Formats, store: Store, ledger: Ledger, entry_rows: list[tuple[str, Any]]
) -> None:
    columns = progress_columns()
    ws = wb.add_worksheet(PROGRESS_SHEET)
    _header(ws, formats, f"{ledger.unit_name}{ledger.year}年进度填报", columns, len(entry_rows))
    progress = store.progress.of_ledger(ledger.id)
    rows = []
    for label, e in entry_rows:
        row: list[Any] = [label, e.name]
        quarters = progress.get(e.id, {})
        for q, _ in QUARTERS:
            p = quarters.get(q)
            if p is None:
                row.extend([None] * len(progress_fields()))
                continue
            row.extend(
                [
                    p.value,
                    p.status,
                    p.problems,
                    p.next_steps,
                    p.comment,
                    "是" if p.follow_up else "否",  # marks that the quarter exists
                ]
            )
        row.append(entry_key(e.id))
        rows.append(row)
    _write_rows(ws, formats, columns, rows)


def _write_adjustments(wb: Any, formats: _Formats, store: Store, ledger: Ledger) -> None:
    ws = wb.add_worksheet(ADJUSTMENT_SHEET)
    items = store.assessment.adjustments(ledger.id)
    _header(
        ws,
        formats,
        f"{ledger.unit_name}{ledger.year}年加减分（加分为正，扣分为负）",
        ADJUSTMENT_COLUMNS,
        len(items),
    )
    _write_rows(
        ws,
        formats,
        ADJUSTMENT_COLUMNS,
        ([i, a["points"], a["reason"]] for i, a in enumerate(items, start=1)),
    )


# ---------------------------------------------------------------- the district summary


def default_summary_name(year: int) -> str:
    return f"西湖区{year}年六个一批汇总表.xlsx"


def _summary_sheet_rows(
    store: Store, ledgers: Sequence[Ledger], cat: Category, links: Links
) -> Iterator[list[Any]]:
    plain = [f.key for f in cat.fields if f.type not in (FieldType.TARGET, FieldType.CATALOGUE)]
    linked = [
        (i, f)
        for i, f in enumerate(cat.fields, start=2)
        if f.type in (FieldType.TARGET, FieldType.CATALOGUE)
    ]
    if linked:  # keep the column order: fill plain values, then put link texts in place
        keys = [f.key for f in cat.fields]
        for ledger in ledgers:
            for i, e in enumerate(store.entries.list(ledger.id, cat.key), start=1):
                get = e.values.get
                row = [ledger.unit_name, i, *map(get, keys)]
                for c, f in linked:
                    row[c] = links.display(f, row[c])
                yield row
        return
    for ledger in ledgers:
        for i, e in enumerate(store.entries.list(ledger.id, cat.key), start=1):
            yield [ledger.unit_name, i, *map(e.values.get, plain)]


def export_summary(
    store: Store, year: int, out: str | Path, progress: Progress | None = None
) -> Path:
    """Write the district summary workbook of ``year``: completion, ranking, every entry."""
    out = Path(out)
    ledgers = store.ledgers.list(year=year)
    if not ledgers:
        from ..store.errors import NotFound

        raise NotFound(f"{year}年还没有任何台账，无法汇总。")
    links = Links.of(store)
    steps = len(ledgers) + len(CATEGORIES) + 1
    step = 0

    def tick() -> None:
        nonlocal step
        step += 1
        if progress is not None and not progress(step, steps):
            raise Cancelled("已取消导出")

    scores = []
    for ledger in ledgers:
        scores.append((ledger, store.assessment.score(ledger.id), store.entries.counts(ledger.id)))
        tick()
    exported = dt.datetime.now().isoformat(timespec="seconds")
    with atomic_path(out) as tmp:
        wb = _workbook(tmp, constant_memory=True)
        formats = _Formats(wb)
        _write_completion(wb, formats, year, scores)
        _write_ranking(wb, formats, year, scores)
        for cat in CATEGORIES:
            columns = [UNIT_FIELD, SEQ_FIELD, *cat.fields]
            ws = wb.add_worksheet(sheet_name(cat))
            total = sum(c.get(cat.key, 0) for _, _, c in scores)
            _header(ws, formats, f"西湖区{year}年{cat.label}汇总", columns, total)
            rows = _summary_sheet_rows(store, ledgers, cat, links)
            _write_rows(ws, formats, columns, rows, blanks=False)
            tick()
        _write_meta(
            wb,
            [
                ("format", FORMAT_NAME),
                ("kind", "summary"),
                ("schema_version", SCHEMA_VERSION),
                ("year", year),
                ("ledgers", len(ledgers)),
                ("exported_at", exported),
                ("app_version", __version__),
            ],
        )
        wb.close()
    return out


def _completion_columns() -> list[Field]:
    cols = [
        Field("_rank", "序号", FieldType.INTEGER, group="", width=5),
        UNIT_FIELD,
        Field("_status", "台账状态", group="", width=7),
    ]
    for cat in CATEGORIES:
        cols.append(Field(f"{cat.key}.n", "条目数", FieldType.INTEGER, group=cat.short, width=5))
        cols.append(Field(f"{cat.key}.s", "得分", FieldType.MONEY, group=cat.short, width=6))
        cols.append(Field(f"{cat.key}.r", "得分率", FieldType.PERCENT, group=cat.short, width=6))
    cols.append(Field("_total", "总分", FieldType.MONEY, group="合计", width=7))
    cols.append(Field("_grade", "等级", group="合计", width=6))
    return cols


def _write_completion(wb: Any, formats: _Formats, year: int, scores: list[Any]) -> None:
    columns = _completion_columns()
    ws = wb.add_worksheet(SUMMARY_SHEET)
    _header(ws, formats, f"西湖区{year}年“六个一批”完成情况汇总（单位×类别）", columns, len(scores))
    rows = []
    for i, (ledger, score, counts) in enumerate(scores, start=1):
        row: list[Any] = [i, ledger.unit_name, ledger.status]
        for cat in CATEGORIES:
            points = score.category_points.get(cat.key, 0.0)
            got = score.category_scores.get(cat.key, 0.0)
            row += [
                counts.get(cat.key, 0),
                round(got, 2),
                round(100 * got / points, 2) if points else None,
            ]
        row += [round(score.total, 2), score.grade]
        rows.append(row)
    _write_rows(ws, formats, columns, rows)


def _write_ranking(wb: Any, formats: _Formats, year: int, scores: list[Any]) -> None:
    columns = [
        Field("_rank", "名次", FieldType.INTEGER, group="", width=5),
        UNIT_FIELD,
        Field("_kind", "单位类型", group="", width=6),
        Field("_base", "基础得分", FieldType.MONEY, group="", width=8),
        Field("_bonus", "加分", FieldType.MONEY, group="", width=6),
        Field("_ded", "扣分", FieldType.MONEY, group="", width=6),
        Field("_total", "总分", FieldType.MONEY, group="", width=8),
        Field("_grade", "等级", group="", width=6),
        Field("_veto", "一票否决", group="", width=20),
    ]
    from ..core.categories import UNIT_KINDS

    ws = wb.add_worksheet(RANKING_SHEET)
    _header(ws, formats, f"西湖区{year}年“六个一批”考核得分排名", columns, len(scores))
    ranked = sorted(scores, key=lambda s: (-round(s[1].total, 6), s[0].unit_code))
    rows = []
    rank = 0
    previous = None
    for i, (ledger, score, _) in enumerate(ranked, start=1):
        total = round(score.total, 2)
        if total != previous:
            rank, previous = i, total
        rows.append(
            [
                rank,
                ledger.unit_name,
                UNIT_KINDS.get(ledger.unit_kind, ledger.unit_kind),
                round(score.base, 2),
                round(score.bonus, 2),
                round(score.deduction, 2),
                total,
                score.grade,
                "、".join(score.vetoed) or None,
            ]
        )
    _write_rows(ws, formats, columns, rows)
