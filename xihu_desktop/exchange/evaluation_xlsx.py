"""The evaluation report as an Excel workbook (xlsxwriter, the return's sheet furniture).

Sheets: 监测结果 (every target, the status coloured), 分类统计 (the counts per
category), 历年数据 (each target's actual and path value by year), 图表 (a native line
chart per target over 历年数据) and the hidden ``_元数据`` whose kind,
``evaluation``, makes the one door refuse the file.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from ..core.categories import Field, FieldType
from . import return_layout as layout
from .atomic import atomic_path
from .evaluation_data import (
    NO_DATA,
    OFF_TRACK,
    ON_TRACK,
    Evaluation,
    goal_text,
    label,
    number,
    status_of,
    tallies,
)
from .xlsx_write import Formats, new_workbook, write_header, write_meta

RESULT_SHEET = "监测结果"
TALLY_SHEET = "分类统计"
HISTORY_SHEET = "历年数据"
CHART_SHEET = "图表"

STATUS_COLORS = {  # font, fill
    ON_TRACK: ("#1E7E34", "#E3F4E6"),
    OFF_TRACK: ("#C62828", "#FDE2E2"),
    NO_DATA: ("#7A7A7A", "#EFEFEF"),
}


def _f(key: str, text: str, width: int, kind: FieldType = FieldType.TEXT, group: str = "") -> Field:
    return Field(key, text, kind, group=group, width=width)


def result_columns(report: Evaluation) -> list[Field]:
    n = FieldType.NUMBER
    return [
        _f("seq", "序号", 3, FieldType.INTEGER),
        _f("category", "类别", 5),
        _f("name", "指标", 22),
        _f("unit", "单位", 5),
        _f("attribute", "属性", 4),
        _f("rule", "路径规则", 5),
        _f("baseline", f"{report.base_year}基期", 5, n),
        _f("goal", f"{report.plan.end_year}目标", 5, n),
        _f("expected", f"规划路径值({report.year})", 6, n),
        _f("actual", "实际值", 5, n),
        _f("status", "状态", 8),
    ]


class _Cells:
    """Formats made once: numbers with as many decimals as the figure needs, statuses."""

    def __init__(self, wb: Any, formats: Formats) -> None:
        self.wb = wb
        self.base = {"font_name": "宋体", "font_size": 10, "valign": "vcenter", "border": 1}
        self.text = formats.text
        self.wrap = wb.add_format({**self.base, "text_wrap": True})
        self.center = wb.add_format({**self.base, "align": "center"})
        self.bold = wb.add_format({**self.base, "bold": True, "text_wrap": True})
        self.status = {
            s: wb.add_format({**self.base, "align": "center", "font_color": f, "bg_color": b})
            for s, (f, b) in STATUS_COLORS.items()
        }
        self.binding_off = wb.add_format(
            {
                **self.base,
                "align": "center",
                "bold": True,
                "font_color": STATUS_COLORS[OFF_TRACK][0],
                "bg_color": STATUS_COLORS[OFF_TRACK][1],
            }
        )
        self._numbers: dict[int, Any] = {}

    def number(self, value: float) -> Any:
        text = number(value)
        decimals = len(text.split(".")[1]) if "." in text else 0
        if decimals not in self._numbers:
            fmt = "#,##0" + ("." + "0" * decimals if decimals else "")
            self._numbers[decimals] = self.wb.add_format({**self.base, "num_format": fmt})
        return self._numbers[decimals]

    def put(self, ws: Any, r: int, c: int, value: Any, fmt: Any = None) -> None:
        if value is None or value == "":
            ws.write_blank(r, c, None, fmt or self.text)
        elif isinstance(value, float | int) and not isinstance(value, bool):
            value = round(float(value), 10)  # 80.03999999999999 → 80.04
            ws.write_number(r, c, value, fmt or self.number(value))
        else:
            ws.write_string(r, c, str(value), fmt or self.text)


def _results(wb: Any, formats: Formats, cells: _Cells, report: Evaluation) -> None:
    columns = result_columns(report)
    ws = wb.add_worksheet(RESULT_SHEET)
    write_header(ws, formats, f"西湖区{report.title}：监测结果", columns, len(report.rows))
    for i, row in enumerate(report.rows):
        r = layout.FIRST_DATA_ROW + i
        status = status_of(row)
        strong = row.binding and row.on_track is False
        goal: Any = row.goal if goal_text(row) == number(row.goal) else goal_text(row)
        values: list[tuple[Any, Any]] = [
            (row.seq, cells.center),
            (row.category, None),
            (label(row), cells.bold if strong else cells.wrap),
            (row.unit, None),
            (row.attribute, cells.center),
            (row.rule.label, cells.center),
            (row.baseline, None),
            (goal, None),
            (row.expected, None),
            (row.actual, None),
            (row.status, cells.binding_off if strong else cells.status[status]),
        ]
        for c, (value, fmt) in enumerate(values):
            cells.put(ws, r, c, value, fmt)
    ws.autofilter(layout.FIRST_DATA_ROW - 1, 0, layout.FIRST_DATA_ROW - 1 + len(report.rows), 10)


def _tallies(wb: Any, formats: Formats, cells: _Cells, report: Evaluation) -> None:
    columns = [
        _f("category", "类别", 8),
        _f("n", "指标数", 4, FieldType.INTEGER),
        _f("on", ON_TRACK, 4, FieldType.INTEGER),
        _f("off", OFF_TRACK, 4, FieldType.INTEGER),
        _f("binding", "其中约束性", 5, FieldType.INTEGER),
        _f("none", NO_DATA, 4, FieldType.INTEGER),
    ]
    per, total = tallies(report.rows)
    ws = wb.add_worksheet(TALLY_SHEET)
    write_header(ws, formats, f"西湖区{report.title}：分类统计", columns, len(per) + 1)
    bold_num = wb.add_format({**cells.base, "bold": True, "bg_color": "#F2F2F2"})
    for i, t in enumerate([*per, total]):
        r = layout.FIRST_DATA_ROW + i
        last = t is total
        values = [t.name, t.targets, t.on_track, t.off_track, t.off_binding, t.no_data]
        for c, value in enumerate(values):
            fmt = bold_num if last else (cells.text if c == 0 else cells.center)
            cells.put(ws, r, c, value, fmt)


def _history(wb: Any, formats: Formats, cells: _Cells, report: Evaluation) -> list[int]:
    """Target × year: actual and path value; returns the sheet row of each target."""
    years = list(range(report.base_year, report.year + 1))
    columns = [
        _f("seq", "序号", 3, FieldType.INTEGER),
        _f("name", "指标", 20),
        _f("unit", "单位", 5),
    ]
    for y in years:
        columns.append(_f(f"a{y}", "实际值", 4, FieldType.NUMBER, group=f"{y}年"))
        columns.append(_f(f"p{y}", "路径值", 4, FieldType.NUMBER, group=f"{y}年"))
    ws = wb.add_worksheet(HISTORY_SHEET)
    write_header(
        ws, formats, f"西湖区{report.title}：历年实际值与规划路径", columns, len(report.rows)
    )
    placed = []
    for i, row in enumerate(report.rows):
        r = layout.FIRST_DATA_ROW + i
        series = report.series(row)
        actual, path = dict(series.actual), dict(series.path)
        cells.put(ws, r, 0, row.seq, cells.center)
        cells.put(ws, r, 1, label(row), cells.wrap)
        cells.put(ws, r, 2, row.unit)
        for j, y in enumerate(years):
            cells.put(ws, r, 3 + 2 * j, actual.get(y))
            cells.put(ws, r, 4 + 2 * j, path.get(y))
        placed.append(r)
    return placed


def _charts(wb: Any, report: Evaluation, rows: list[int]) -> None:
    """One small native line chart per target: 实际 (solid) against 路径 (dashed)."""
    ws = wb.add_worksheet(CHART_SHEET)
    years = report.year - report.base_year + 1
    first_col, last_col = 3, 3 + 2 * years - 1
    name = HISTORY_SHEET
    for i, (row, r) in enumerate(zip(report.rows, rows, strict=True)):
        chart = wb.add_chart({"type": "line"})
        # the group row (2020年 …) above each year's 实际值 column
        years_ref = "=(" + ",".join(_ref(name, 1, c) for c in range(first_col, last_col, 2)) + ")"
        for offset, title, line in (
            (0, "实际", {"color": "#1565C0", "width": 1.75}),
            (1, "路径", {"color": "#E67E22", "width": 1.25, "dash_type": "dash"}),
        ):
            cols = range(first_col + offset, last_col + 1, 2)
            chart.add_series(
                {
                    "name": title,
                    "categories": years_ref,
                    "values": "=(" + ",".join(_ref(name, r, c) for c in cols) + ")",
                    "line": line,
                    "marker": {"type": "circle", "size": 4} if offset == 0 else {"type": "none"},
                }
            )
        chart.set_title({"name": f"{row.seq} {label(row)}", "name_font": {"size": 9}})
        chart.set_legend({"position": "bottom"})
        chart.set_size({"width": 360, "height": 220})
        chart.show_blanks_as("span")
        ws.insert_chart(1 + (i // 3) * 12, (i % 3) * 6, chart)


def _ref(sheet: str, row: int, col: int) -> str:
    from xlsxwriter.utility import xl_rowcol_to_cell

    return f"'{sheet}'!{xl_rowcol_to_cell(row, col, row_abs=True, col_abs=True)}"


def export_evaluation(report: Evaluation, out: str | Path, charts: bool = True) -> Path:
    """Write the report's workbook atomically."""
    out = Path(out)
    exported = dt.datetime.now().isoformat(timespec="seconds")
    with atomic_path(out) as tmp:
        wb = new_workbook(tmp)
        formats = Formats(wb)
        cells = _Cells(wb, formats)
        _results(wb, formats, cells, report)
        _tallies(wb, formats, cells, report)
        placed = _history(wb, formats, cells, report)
        if charts:
            _charts(wb, report, placed)
        write_meta(wb, layout.evaluation_meta(report.year, report.kind, report.title, exported))
        wb.close()
    return out
