"""The decomposition table in Excel, both ways, tried as a suspicious user would."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from openpyxl import load_workbook

from xihu_desktop.core.enums import ArrivalStatus
from xihu_desktop.exchange.arrival import file_kind, read_meta
from xihu_desktop.exchange.decomposition_xlsx import export_decomposition, import_decomposition
from xihu_desktop.exchange.excel_import import ImportRefused
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise

YEAR = 2025


@pytest.fixture
def exported(demo_store: Store, tmp_path: Path) -> Path:
    return export_decomposition(demo_store, YEAR, tmp_path / "分解.xlsx")


def _state(store: Store) -> tuple[Any, ...]:
    dec = store.decomposition
    return (
        [(g.target_id, g.goal, g.lead_unit_id) for g in dec.goals(YEAR)],
        [(s.target_id, s.unit_id, s.goal, s.key) for s in dec.shares(YEAR)],
        [(a.catalogue_id, a.unit_id, a.key) for a in dec.assignments(YEAR)],
        store.counts()["audit_log"],
    )


def _cell(ws: Any, target: str, unit: str) -> Any:
    """The cell of a target's row (by 指标名称) and a column (by its header: units in
    row 3, the fixed columns merged over rows 2–3)."""
    col = next(c.column for c in (*ws[2], *ws[3]) if c.value == unit)
    row = next(c.row for c in ws["B"] if c.value == target)
    return ws.cell(row, col)


def _edit(path: Path, change) -> Path:
    wb = load_workbook(path)
    change(wb)
    out = path.with_name("改过的.xlsx")
    wb.save(out)
    return out


def test_the_file_says_what_it_is(exported: Path, demo_store: Store) -> None:
    meta = read_meta(exported)
    assert meta["kind"] == "decomposition" and meta["year"] == "2025" and meta["plan"] == "14th"
    assert {"format", "schema_version", "exported_at", "app_version"} <= set(meta)
    assert file_kind(exported) == "decomposition"
    wb = load_workbook(exported)
    ws = wb["指标分解"]
    assert [c.value for c in ws[2][:5]] == [
        "序号",
        "指标名称",
        "计量单位",
        "区年度目标",
        "牵头单位",
    ]
    assert ws.max_row == 3 + 43
    assert ws.freeze_panes == "F4"
    assert _cell(ws, "地区生产总值", "区年度目标").value == 2000
    assert _cell(ws, "地区生产总值", "牵头单位").value == "区统计局"
    total = sum(_cell(ws, "地区生产总值", u.name).value or 0 for u in demo_store.units.list())
    assert total == pytest.approx(2000)
    items = wb["项目分配"]
    rows = {r[2].value: r[3].value for r in items.iter_rows(min_row=4)}
    assert set(rows["紫金港科技城"].split("、")) == {"紫金港科技城", "三墩镇", "蒋村街道"}


def test_round_trip_changes_nothing(exported: Path, demo_store: Store) -> None:
    before = _state(demo_store)
    report = import_decomposition(demo_store, exported)
    assert report.status == ArrivalStatus.SAME
    assert report.data["counts"]["修改"] == 0 and report.data["counts"]["未删除"] == 0
    assert _state(demo_store) == before


def test_a_fresh_file_gets_it_all_once(exported: Path, tmp_path: Path) -> None:
    with Store.open(tmp_path / "fresh.db", create=True) as fresh:
        initialise(fresh)
        first = import_decomposition(fresh, exported)
        assert first.status == ArrivalStatus.NEW and first.data["counts"]["新增"] > 400
        after = _state(fresh)
        second = import_decomposition(fresh, exported)
        assert second.status == ArrivalStatus.SAME
        assert _state(fresh) == after


def test_a_changed_share_updates_and_keeps_its_key(exported: Path, demo_store: Store) -> None:
    sandun = demo_store.units.find("三墩镇").id
    gdp = next(t for t in demo_store.catalogue.targets() if t.name == "地区生产总值")
    key = next(
        s.key
        for s in demo_store.decomposition.shares(YEAR)
        if s.target_id == gdp.id and s.unit_id == sandun
    )
    path = _edit(
        exported,
        lambda wb: setattr(_cell(wb["指标分解"], "地区生产总值", "三墩镇"), "value", 123.45),
    )
    report = import_decomposition(demo_store, path)
    assert report.status == ArrivalStatus.UPDATED
    assert report.data["counts"]["修改"] == 1
    assert any("地区生产总值·三墩镇" in line for line in report.lines)
    share = next(
        s
        for s in demo_store.decomposition.shares(YEAR)
        if s.target_id == gdp.id and s.unit_id == sandun
    )
    assert (share.goal, share.key) == (123.45, key)
    assert import_decomposition(demo_store, path).status == ArrivalStatus.SAME


def _refused(store: Store, path: Path, *words: str) -> str:
    before = _state(store)
    with pytest.raises(ImportRefused) as caught:
        import_decomposition(store, path)
    message = str(caught.value)
    for word in words:
        assert word in message, message
    assert _state(store) == before
    return message


def test_an_unknown_unit_header_is_refused_naming_the_cell(
    exported: Path, demo_store: Store
) -> None:
    def rename(wb: Any) -> None:
        ws = wb["指标分解"]
        next(c for c in ws[3] if c.value == "三墩镇").value = "三墩新镇"

    _refused(demo_store, _edit(exported, rename), "三墩新镇", "指标分解")


def test_text_in_a_number_cell_is_a_problem(exported: Path, demo_store: Store) -> None:
    def text(wb: Any) -> None:
        ws = wb["指标分解"]
        _cell(ws, "地区生产总值", "三墩镇").value = "一百亿"
        _cell(ws, "地区生产总值", "区年度目标").value = "很多"

    cell = None

    def where(wb: Any) -> None:
        nonlocal cell
        cell = _cell(wb["指标分解"], "地区生产总值", "三墩镇").coordinate

    where(load_workbook(exported))
    message = _refused(demo_store, _edit(exported, text), "工作表“指标分解”", "一百亿", "很多")
    assert f"{cell} 地区生产总值·三墩镇分解目标" in message


def test_a_wrong_year_on_a_title_is_refused_naming_both(exported: Path, demo_store: Store) -> None:
    def retitle(wb: Any) -> None:
        wb["项目分配"]["A1"].value = "西湖区2024年规划项目分配表"

    _refused(demo_store, _edit(exported, retitle), "元数据", "2025", "项目分配", "2024")


def test_merged_cells_in_the_data_are_refused(exported: Path, demo_store: Store) -> None:
    def merge(wb: Any) -> None:
        ws = wb["指标分解"]
        first = _cell(ws, "地区生产总值", "三墩镇")
        ws.merge_cells(
            start_row=first.row,
            start_column=first.column,
            end_row=first.row + 1,
            end_column=first.column,
        )

    _refused(demo_store, _edit(exported, merge), "合并单元格")


def test_an_unknown_target_row_and_item_unit_are_problems(
    exported: Path, demo_store: Store
) -> None:
    def bad(wb: Any) -> None:
        ws = wb["指标分解"]
        next(c for c in ws["B"] if c.value == "地区生产总值").value = "地区生产总值（改）"
        items = wb["项目分配"]
        items["D4"].value = "紫金港科技城、火星基地"

    _refused(
        demo_store, _edit(exported, bad), "找不到规划指标“地区生产总值（改）”", "火星基地", "D4"
    )


def test_a_percent_cell_arrives_as_percentage_points(exported: Path, demo_store: Store) -> None:
    edu = demo_store.units.find("区教育局").id
    target = next(t for t in demo_store.catalogue.targets() if t.name == "优质义务教育覆盖率")

    def percent(wb: Any) -> None:
        cell = _cell(wb["指标分解"], "优质义务教育覆盖率", "区教育局")
        cell.value = 0.985
        cell.number_format = "0.0%"

    report = import_decomposition(demo_store, _edit(exported, percent))
    assert report.status == ArrivalStatus.UPDATED
    share = next(s for s in demo_store.decomposition.shares(YEAR, target.id) if s.unit_id == edu)
    assert share.goal == pytest.approx(98.5)


def test_a_percent_cell_for_an_amount_is_refused(exported: Path, demo_store: Store) -> None:
    def percent(wb: Any) -> None:
        cell = _cell(wb["指标分解"], "地区生产总值", "三墩镇")
        cell.value = 0.5
        cell.number_format = "0%"

    _refused(demo_store, _edit(exported, percent), "百分比格式", "亿元")


def test_an_empty_cell_deletes_only_when_asked(exported: Path, demo_store: Store) -> None:
    sandun = demo_store.units.find("三墩镇").id
    gdp = next(t for t in demo_store.catalogue.targets() if t.name == "地区生产总值")

    def empty(wb: Any) -> None:
        _cell(wb["指标分解"], "地区生产总值", "三墩镇").value = None

    path = _edit(exported, empty)
    before = _state(demo_store)
    report = import_decomposition(demo_store, path)
    assert report.status == ArrivalStatus.SAME
    assert report.data["counts"]["未删除"] == 1
    assert any(line.startswith("未删除 地区生产总值·三墩镇") for line in report.lines)
    assert _state(demo_store) == before
    dry = import_decomposition(demo_store, path, delete_missing=True, dry_run=True)
    assert dry.status == ArrivalStatus.UPDATED and _state(demo_store) == before
    report = import_decomposition(demo_store, path, delete_missing=True)
    assert report.status == ArrivalStatus.UPDATED and report.data["counts"]["删除"] == 1
    assert sandun not in {s.unit_id for s in demo_store.decomposition.shares(YEAR, gdp.id)}


def test_another_kind_of_file_or_year_is_refused(
    exported: Path, demo_store: Store, tmp_path: Path
) -> None:
    from xihu_desktop.exchange.excel_export import export_ledger

    ledger = demo_store.ledgers.list(YEAR)[0]
    ret = export_ledger(demo_store, ledger.id, tmp_path / "return.xlsx")
    _refused(demo_store, ret, "不是任务分解表")
    with pytest.raises(ImportRefused, match="不是2024年"):
        import_decomposition(demo_store, exported, year=2024)


def test_an_operator_is_refused(exported: Path, demo_store: Store) -> None:
    demo_store.act_as("填报员", "operator", demo_store.units.find("三墩镇").id)
    _refused(demo_store, exported, "区管理员")
