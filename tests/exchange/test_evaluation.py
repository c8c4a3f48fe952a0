"""The evaluation reports (年度监测 / 中期评估 / 总结评估) read back: PDF and Excel."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from monitoring_rows import LONG_NAME, sample_rows
from PIL import Image
from pypdf import PdfReader

from xihu_desktop.core.enums import ArrivalStatus
from xihu_desktop.exchange import evaluation, evaluation_pdf, excel_import, monitoring
from xihu_desktop.exchange.evaluation import report_kind, report_title, write_report
from xihu_desktop.exchange.inbox import receive
from xihu_desktop.exchange.xlsx_safety import UnusableFile
from xihu_desktop.store import Plan, Store
from xihu_desktop.store.errors import NotFound

#: the rows of sample_rows(2023) as the PDF's tables print them, cell after cell
#: (序号 指标 单位 属性 基期 目标 路径值 实际值 状态), computed by hand
ROWS_2023 = (
    "1地区生产总值亿元预期性1000200016001600达到路径",
    "2财政总收入亿元预期性300600480290未达路径",
    "10做地总量亩预期性2984[10000]60007500达到路径",
    f"19{LONG_NAME}%预期性80.18080.04无数据",
    "38主要食品安全和基本药物抽检合格率（药品）%预期性10099.599.799.9达到路径",
    "38主要食品安全和基本药物抽检合格率（食品）%预期性969796.695未达路径",
    "39单位GDP能耗降低率%约束性9无数据",
    "40空气质量优良天数比率%约束性868585.490达到路径",
    "41PM2.5平均浓度微克/立方米约束性30.43231.3635未达路径（约束性）",
)
#: chart number → the target's seq, in plan order, category by category
CHARTS = [(1, 1), (2, 2), (3, 10), (4, 19), (5, 38), (6, 38), (7, 39), (8, 40), (9, 41)]


@pytest.fixture
def sample(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(monitoring, "monitor", lambda store, year: sample_rows(year))


def pdf_text(path: Path) -> str:
    """The PDF's text in drawing order, without any white space."""
    text = "".join(page.extract_text() or "" for page in PdfReader(str(path)).pages)
    return re.sub(r"\s+", "", text)


def plan(start: int = 2021, end: int = 2025) -> Plan:
    return Plan(1, "p", "十四五", None, None, start, end, start - 1)


# ---------------------------------------------------------------- kind and title


def test_the_kind_follows_the_plan_period() -> None:
    assert [report_kind(plan(), y) for y in range(2021, 2026)] == [
        "monitoring",
        "monitoring",
        "mid-term",
        "monitoring",
        "final",
    ]
    assert report_title(plan(), 2023) == "“十四五”规划中期评估"
    assert report_title(plan(), 2025) == "“十四五”规划总结评估"
    assert report_title(plan(), 2022) == "2022年度规划监测"
    fifteenth = plan(2026, 2030)
    assert report_kind(fifteenth, 2028) == "mid-term" and report_kind(fifteenth, 2030) == "final"
    assert report_kind(fifteenth, 2025) == "monitoring"


@pytest.mark.parametrize(
    ("year", "title", "others"),
    [
        (2023, "“十四五”规划中期评估", ("总结评估", "年度规划监测")),
        (2025, "“十四五”规划总结评估", ("中期评估", "年度规划监测")),
        (2024, "2024年度规划监测", ("中期评估", "总结评估")),
    ],
)
def test_the_pdf_names_its_kind(
    store: Store, sample: None, tmp_path: Path, year: int, title: str, others: tuple[str, ...]
) -> None:
    out = write_report(store, year, tmp_path / "r.pdf")
    text = pdf_text(out)
    assert f"西湖区{title}" in text
    for other in others:
        assert other not in text
    assert "西政发〔2021〕13号" in text
    assert PdfReader(str(out)).metadata.title == f"西湖区{title}"


# ---------------------------------------------------------------- the PDF's content


def test_every_target_with_its_figures_and_status(
    store: Store, sample: None, tmp_path: Path
) -> None:
    text = pdf_text(write_report(store, 2023, tmp_path / "r.pdf"))
    for row in ROWS_2023:
        assert row in text, row
    # the counts: in total and of one category
    assert "规划指标9项：达到规划路径4项，未达路径3项（其中约束性指标1项），无数据2项" in text
    assert "城乡环境（3项：达到路径1，未达路径1，无数据1）" in text
    assert "合计94312" in text  # 指标数 达到 未达 其中约束性 无数据


def test_binding_targets_off_their_path_are_listed_first(
    store: Store, sample: None, tmp_path: Path
) -> None:
    text = pdf_text(write_report(store, 2023, tmp_path / "r.pdf"))
    listed = text[text.index("未达路径的指标") : text.index("二、经济发展")]
    pm, revenue, food = (listed.index(s) for s in ("PM2.5", "财政总收入", "（食品）"))
    assert pm < revenue < food


def test_one_chart_per_target(
    store: Store, sample: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    drawn: list[Any] = []
    draw = evaluation_pdf.TargetChart.draw

    def counting(self: Any) -> None:
        drawn.append(self)
        draw(self)

    monkeypatch.setattr(evaluation_pdf.TargetChart, "draw", counting)
    text = pdf_text(write_report(store, 2023, tmp_path / "r.pdf"))
    captions = [(int(n), int(seq)) for n, seq in re.findall(r"图(\d+)指标(\d+)：", text)]
    assert captions == CHARTS
    assert len(drawn) == len(CHARTS)
    # each chart draws its legend; the ones without actuals say so instead of failing
    assert text.count("实际路径") >= len(CHARTS)
    assert "无规划路径" in text and "暂无实际值" in text


def test_the_built_in_catalogue_without_any_actual(store: Store, tmp_path: Path) -> None:
    """The stub (later the real monitor) on a fresh district: 43 rows, 43 charts."""
    rows = monitoring.monitor(store, 2024)
    text = pdf_text(write_report(store, 2024, tmp_path / "r.pdf"))
    assert len(rows) == 43
    for row in rows:
        assert evaluation.label(row) in text, row.name
    numbers = [int(n) for n, _ in re.findall(r"图(\d+)指标(\d+)：", text)]
    assert numbers == list(range(1, 44))


@pytest.mark.skipif(not shutil.which("pdftoppm"), reason="pdftoppm missing")
def test_a_page_renders_with_coloured_statuses(store: Store, sample: None, tmp_path: Path) -> None:
    out = write_report(store, 2023, tmp_path / "r.pdf")
    png = tmp_path / "page"
    subprocess.run(
        ["pdftoppm", "-png", "-r", "60", "-f", "1", "-l", "1", "-singlefile", str(out), str(png)],
        check=True,
    )
    image = Image.open(tmp_path / "page.png").convert("RGB")
    colours = {colour for _, colour in image.getcolors(maxcolors=1 << 24) or []}
    # the status cells' fills: 达到路径 light green, 未达路径 light red
    assert (0xE3, 0xF4, 0xE6) in colours and (0xFD, 0xE2, 0xE2) in colours


# ---------------------------------------------------------------- Excel


def test_the_workbook(store: Store, sample: None, tmp_path: Path) -> None:
    out = write_report(store, 2025, tmp_path / "r.xlsx")
    wb = openpyxl.load_workbook(out)
    assert wb.sheetnames == ["监测结果", "分类统计", "历年数据", "图表", "_元数据"]
    ws = wb["监测结果"]
    assert ws["A1"].value == "西湖区“十四五”规划总结评估：监测结果"
    assert ws.freeze_panes == "C4"
    header = [c.value for c in ws[2]]
    assert header[6:10] == ["2020基期", "2025目标", "规划路径值(2025)", "实际值"]
    rows = {(r[0], r[2]): r for r in ws.iter_rows(min_row=4, values_only=True) if r[0]}
    assert len(rows) == 9
    pm = rows[(41, "PM2.5平均浓度")]
    assert pm[8] == pytest.approx(32.0) and pm[9] == 35 and pm[10] == "未达路径（约束性）"
    assert rows[(10, "做地总量")][7] == "[10000]" and rows[(10, "做地总量")][8] == 10000
    assert rows[(19, LONG_NAME)][9] is None and rows[(19, LONG_NAME)][10] == "无数据"
    statuses = {r[10] for r in rows.values()}
    assert statuses == {"达到路径", "未达路径", "未达路径（约束性）", "无数据"}
    # the status cells are coloured, the binding one off its path is bold
    fills = {
        ws.cell(r, 11).value: ws.cell(r, 11).fill.fgColor.rgb[-6:]
        for r in range(4, 13)
        if ws.cell(r, 11).value
    }
    assert fills["达到路径"] == "E3F4E6" and fills["未达路径"] == "FDE2E2"
    assert fills["无数据"] == "EFEFEF"
    pm_row = next(r for r in range(4, 13) if ws.cell(r, 1).value == 41)
    assert ws.cell(pm_row, 3).font.b and ws.cell(pm_row, 11).font.b
    assert ws.column_dimensions["C"].width > ws.column_dimensions["A"].width

    counts = list(wb["分类统计"].iter_rows(min_row=4, values_only=True))
    assert counts[-1] == ("合计", 9, 4, 3, 1, 2)
    assert ("城乡环境", 3, 1, 1, 1, 1) in counts

    history = wb["历年数据"]
    assert [history.cell(2, c).value for c in (4, 6, 14)] == ["2020年", "2021年", "2025年"]
    revenue = next(r for r in history.iter_rows(min_row=4, values_only=True) if r[0] == 2)
    # 2020: the baseline on both lines; 2025: actual 290 against the goal 600
    assert revenue[3:5] == (300, 300) and revenue[13:15] == (290, 600)

    meta = dict(wb["_元数据"].iter_rows(values_only=True))
    assert wb["_元数据"].sheet_state == "veryHidden"
    assert meta["kind"] == "evaluation" and meta["report"] == "final" and meta["year"] == "2025"


def test_the_one_door_refuses_an_evaluation_workbook(
    store: Store, sample: None, tmp_path: Path
) -> None:
    out = write_report(store, 2023, tmp_path / "评估.xlsx")
    (report,) = receive(store, [out])
    assert report.status == ArrivalStatus.ERROR
    assert report.kind == "evaluation"
    assert "评估报告不能导入" in report.summary() and "评估.xlsx" in report.summary()
    assert store.ledgers.list() == []
    with pytest.raises(UnusableFile, match="评估报告不能导入"):
        excel_import.import_file(store, out, dry_run=True)


# ---------------------------------------------------------------- refusals


@pytest.mark.parametrize("name", ["r.docx", "r", "r.pdf.txt", "r.xls"])
def test_another_suffix_is_refused(store: Store, sample: None, tmp_path: Path, name: str) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    with pytest.raises(ValueError, match=r"扩展名须为 \.pdf 或 \.xlsx"):
        write_report(store, 2023, folder / name)
    assert list(folder.iterdir()) == []


def test_upper_case_suffixes_are_fine(store: Store, sample: None, tmp_path: Path) -> None:
    assert write_report(store, 2023, tmp_path / "R.PDF").read_bytes().startswith(b"%PDF")
    assert write_report(store, 2023, tmp_path / "R.XLSX").read_bytes().startswith(b"PK")


def test_a_year_outside_the_plan(store: Store, sample: None, tmp_path: Path) -> None:
    with pytest.raises(NotFound, match="2031"):
        write_report(store, 2031, tmp_path / "r.pdf")
    assert not (tmp_path / "r.pdf").exists()


def test_a_failed_report_leaves_the_old_file(
    store: Store, sample: None, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = tmp_path / "out"
    folder.mkdir()
    out = folder / "r.pdf"
    out.write_bytes(b"the report of last week")

    def broken(*args: Any, **kwargs: Any) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(evaluation_pdf.page, "build_pdf", broken)
    with pytest.raises(RuntimeError):
        write_report(store, 2023, out)
    assert out.read_bytes() == b"the report of last week"
    assert [p.name for p in folder.iterdir()] == ["r.pdf"]  # no temporary file left


def test_numbers_as_the_plan_writes_them() -> None:
    number = evaluation.number
    assert [number(v) for v in (1587.6, 2000.0, 0.003, 80.03999999999999, -13.06, None)] == [
        "1587.6",
        "2000",
        "0.003",
        "80.04",
        "-13.06",
        "",
    ]
    assert number(float("nan")) == "" and number(-0.0) == "0"
