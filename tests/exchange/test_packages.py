"""Task packages (下发): the district writes them, a unit's own file imports them."""

from __future__ import annotations

import threading
from pathlib import Path

import openpyxl
import pytest
from package_helpers import YEAR, decompose, drop_share, unit_file

from xihu_desktop.core.enums import ArrivalStatus
from xihu_desktop.exchange import return_layout as layout
from xihu_desktop.exchange.arrival import file_kind, read_meta
from xihu_desktop.exchange.excel_export import export_ledger
from xihu_desktop.exchange.excel_import import ImportRefused, import_file
from xihu_desktop.exchange.packages import export_package, export_packages, import_package
from xihu_desktop.store import Store

ITEMS = ("紫金港科技城", "西湖大学(产学研配套基地)", "数字经济人才领航计划")


@pytest.fixture
def district(store: Store) -> Store:
    """The district's file: 三墩镇 has two shares and three items, 双浦镇 one share."""
    decompose(store, "三墩镇", {1: 8.5, 3: 120.0}, ITEMS)
    decompose(store, "双浦镇", {1: 3.0})
    return store


def _unit(store: Store, name: str) -> int:
    return store.units.find(name).id


def _package(district: Store, tmp_path: Path, name: str = "三墩镇", out: str = "p1.xlsx") -> Path:
    return export_package(district, YEAR, _unit(district, name), tmp_path / out)


def _entries(store: Store, unit: str) -> dict[str, object]:
    ledger = store.ledgers.find(_unit(store, unit), YEAR)
    assert ledger is not None
    return {e.key: e for e in store.entries.list(ledger.id)}


def _by_name(store: Store, unit: str, name: str) -> object:
    return next(e for e in _entries(store, unit).values() if e.name == name)  # type: ignore[attr-defined]


def test_package_into_a_fresh_file_binds_it_and_keeps_the_districts_keys(
    district: Store, tmp_path: Path
) -> None:
    path = _package(district, tmp_path)
    assert file_kind(path) == layout.KIND_PACKAGE
    with Store.open(tmp_path / "sandun.db", create=True) as unit:
        from xihu_desktop.store.seed import initialise

        initialise(unit)
        report = import_package(unit, path)
        assert report.status is ArrivalStatus.NEW
        assert report.unit == "三墩镇" and report.year == YEAR
        assert "新增 5 条" in report.summary()
        bound = unit.packages.bound_unit()
        assert bound is not None and bound.name == "三墩镇"
        here = _entries(unit, "三墩镇")
        there = _entries(district, "三墩镇")
        assert set(here) == set(there) and len(here) == 5
        assert all(e.assigned for e in here.values())  # type: ignore[attr-defined]
        gdp = _by_name(unit, "三墩镇", "地区生产总值")
        assert gdp.values["goal"] == 8.5  # type: ignore[attr-defined]
        assert gdp.values["target_id"] is not None  # type: ignore[attr-defined]
        assert gdp.values["measure_unit"] == "亿元"  # type: ignore[attr-defined]
        project = _by_name(unit, "三墩镇", "西湖大学(产学研配套基地)")
        assert project.category == "project" and project.values["catalogue_id"]  # type: ignore[attr-defined]
        assert unit.packages.received(YEAR, bound.id).revision == 1  # type: ignore[union-attr]


def test_the_package_is_the_return_layout_restricted_to_assigned_entries(
    district: Store, tmp_path: Path
) -> None:
    sandun = _unit(district, "三墩镇")
    ledger = district.ledgers.ensure(sandun, YEAR)
    district.entries.add(ledger.id, "resource", {"name": "区里自己的条目", "resource_kind": "土地"})
    path = _package(district, tmp_path)
    wb = openpyxl.load_workbook(path)
    assert layout.COVER_SHEET in wb.sheetnames and layout.META_SHEET in wb.sheetnames
    assert layout.ADJUSTMENT_SHEET not in wb.sheetnames
    meta = read_meta(path)
    assert meta[layout.META_KIND] == layout.KIND_PACKAGE
    assert meta[layout.META_REVISION] == "1"
    assert meta[layout.META_UNIT_NAME] == "三墩镇" and meta[layout.META_YEAR] == str(YEAR)
    assert len(meta["fingerprint"]) == 64
    names = [
        row[1]
        for row in wb["一批重点指标"].iter_rows(min_row=layout.FIRST_DATA_ROW + 1, values_only=True)
    ]
    assert names == ["地区生产总值", "数字经济核心产业增加值"]
    resources = list(
        wb["一批发展资源"].iter_rows(min_row=layout.FIRST_DATA_ROW + 1, values_only=True)
    )
    assert resources == []  # the district's own entry is not assigned
    # the district's ledger holds the assigned entries, its own entry is kept
    kept = district.entries.list(ledger.id)
    assert sum(e.assigned for e in kept) == 5 and len(kept) == 6


def test_a_new_revision_updates_the_goal_and_keeps_what_the_unit_wrote(
    district: Store, tmp_path: Path
) -> None:
    first = _package(district, tmp_path)
    unit = unit_file(tmp_path / "sandun.db")
    import_package(unit, first)
    gdp = _by_name(unit, "三墩镇", "地区生产总值")
    unit.entries.update(gdp.id, {"roadmap": "招引项目", "owner": "张三"})  # type: ignore[attr-defined]
    unit.progress.set_many([(gdp.id, 1, {"value": 2.0, "status": "推进中"})])  # type: ignore[attr-defined]
    ledger = unit.ledgers.find(_unit(unit, "三墩镇"), YEAR)
    assert ledger is not None
    unit.entries.add(ledger.id, "resource", {"name": "自己的资源", "resource_kind": "土地"})

    decompose(district, "三墩镇", {1: 9.0})  # the district changes a goal
    drop_share(district, "三墩镇", 3)  # and takes one share back
    second = _package(district, tmp_path, out="p2.xlsx")
    assert read_meta(second)[layout.META_REVISION] == "2"
    report = import_package(unit, second)
    assert report.status is ArrivalStatus.UPDATED
    assert any("地区生产总值" in line and "年度目标值" in line for line in report.lines)
    assert any("不再下达" in line and "数字经济核心产业增加值" in line for line in report.lines)
    assert report.data["unassigned"] == ["数字经济核心产业增加值"]

    gdp = _by_name(unit, "三墩镇", "地区生产总值")
    assert gdp.values["goal"] == 9.0  # type: ignore[attr-defined]
    assert gdp.values["roadmap"] == "招引项目" and gdp.values["owner"] == "张三"  # type: ignore[attr-defined]
    assert unit.progress.of_entry(gdp.id)[0].value == 2.0  # type: ignore[attr-defined]
    dropped = _by_name(unit, "三墩镇", "数字经济核心产业增加值")
    assert not dropped.assigned  # type: ignore[attr-defined]  # kept, no longer assigned
    assert _by_name(unit, "三墩镇", "自己的资源")

    with pytest.raises(ImportRefused, match="已导入第2版，不能导入较旧的版本"):
        import_package(unit, first)
    assert _by_name(unit, "三墩镇", "地区生产总值").values["goal"] == 9.0  # type: ignore[attr-defined]
    unit.close()


def test_the_same_content_exported_again_keeps_its_revision(
    district: Store, tmp_path: Path
) -> None:
    _package(district, tmp_path)
    again = _package(district, tmp_path, out="again.xlsx")
    assert read_meta(again)[layout.META_REVISION] == "1"
    assert len(district.packages.issued(YEAR, _unit(district, "三墩镇"))) == 1


def test_a_package_for_another_unit_is_refused_naming_both(district: Store, tmp_path: Path) -> None:
    path = _package(district, tmp_path, "双浦镇")
    with unit_file(tmp_path / "sandun.db", "三墩镇") as unit:
        with pytest.raises(ImportRefused, match="这是双浦镇的任务包，本数据文件属于三墩镇"):
            import_package(unit, path)
        assert unit.ledgers.list() == []


def test_a_package_edited_by_hand_is_refused(district: Store, tmp_path: Path) -> None:
    path = _package(district, tmp_path)
    wb = openpyxl.load_workbook(path)
    ws = wb["一批重点指标"]
    header = [c.value for c in ws[layout.TITLE_ROWS + layout.HEADER_ROWS]]
    goal = next(i for i, h in enumerate(header, start=1) if h and "年度目标值" in str(h))
    ws.cell(layout.FIRST_DATA_ROW + 1, goal).value = 1.0
    wb.save(path)
    with unit_file(tmp_path / "sandun.db") as unit:
        with pytest.raises(ImportRefused, match="任务包被改动过"):
            import_package(unit, path)
        assert unit.packages.bound_unit() is None and unit.ledgers.list() == []


def test_a_package_into_the_district_file_is_refused(district: Store, tmp_path: Path) -> None:
    path = _package(district, tmp_path)
    export_package(district, YEAR, _unit(district, "双浦镇"), tmp_path / "sp.xlsx")
    with pytest.raises(ImportRefused, match="任务包应导入单位自己的数据文件"):
        import_package(district, path)
    assert district.packages.bound_unit() is None


def test_a_package_for_a_year_outside_the_files_plan_is_refused(
    district: Store, tmp_path: Path
) -> None:
    district.catalogue.add_plan("P15", "十五五规划", 2026, 2030)
    decompose(district, "三墩镇", {1: 10.0}, year=2026)
    path = export_package(district, 2026, _unit(district, "三墩镇"), tmp_path / "p2026.xlsx")
    with (
        unit_file(tmp_path / "sandun.db", "三墩镇") as unit,
        pytest.raises(ImportRefused, match="本数据文件的规划期不含2026年"),
    ):
        import_package(unit, path)


def test_imported_twice_the_second_is_the_same_and_writes_nothing(
    district: Store, tmp_path: Path
) -> None:
    path = _package(district, tmp_path)
    with unit_file(tmp_path / "sandun.db") as unit:
        import_package(unit, path)
        before = unit.counts()
        ledger = unit.ledgers.list()[0]
        again = import_package(unit, path)
        assert again.status is ArrivalStatus.SAME
        assert unit.counts() == before
        assert unit.ledgers.get(ledger.id).revision == ledger.revision


def test_dry_run_writes_nothing(district: Store, tmp_path: Path) -> None:
    path = _package(district, tmp_path)
    with unit_file(tmp_path / "sandun.db") as unit:
        before = unit.counts()
        report = import_package(unit, path, dry_run=True)
        assert report.status is ArrivalStatus.NEW and len(report.data["added"]) == 5
        assert unit.counts() == before and unit.packages.bound_unit() is None


def test_imported_twice_at_once_applies_once(district: Store, tmp_path: Path) -> None:
    path = _package(district, tmp_path)
    db = tmp_path / "sandun.db"
    unit_file(db).close()
    barrier = threading.Barrier(2)
    results: list[object] = []

    def run() -> None:
        store = Store.open(db)
        try:
            barrier.wait()
            results.append(import_package(store, path).status)
        except ImportRefused as exc:  # the file was busy: a plain message, nothing written
            results.append(str(exc))
        finally:
            store.close()

    threads = [threading.Thread(target=run) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results.count(ArrivalStatus.NEW) == 1
    other = next(r for r in results if r is not ArrivalStatus.NEW)
    assert other is ArrivalStatus.SAME or "未导入" in str(other)
    with Store.open(db) as unit:
        assert len(unit.ledgers.list()) == 1
        assert len(unit.entries.list(unit.ledgers.list()[0].id)) == 5
        assert unit.packages.received(YEAR, _unit(unit, "三墩镇")).revision == 1  # type: ignore[union-attr]


def test_a_package_is_not_imported_as_a_return(district: Store, tmp_path: Path) -> None:
    path = _package(district, tmp_path)
    with unit_file(tmp_path / "sandun.db", "三墩镇") as unit:
        with pytest.raises(ImportRefused, match=r"是任务包，不是单位报表.*统一导入"):
            import_file(unit, path, new_ledger=True)
        assert unit.ledgers.list() == []


def test_a_return_is_not_imported_as_a_package(district: Store, tmp_path: Path) -> None:
    ledger = district.ledgers.ensure(_unit(district, "三墩镇"), YEAR)
    path = export_ledger(district, ledger.id, tmp_path / "return.xlsx")
    with (
        unit_file(tmp_path / "sandun.db") as unit,
        pytest.raises(ImportRefused, match="不是任务包"),
    ):
        import_package(unit, path)


def test_export_packages_writes_one_per_unit_with_tasks(district: Store, tmp_path: Path) -> None:
    paths = export_packages(district, YEAR, tmp_path / "out")
    assert sorted(p.name for p in paths) == sorted(
        ["三墩镇_2025年任务包.xlsx", "双浦镇_2025年任务包.xlsx"]
    )
    assert {read_meta(p)[layout.META_UNIT_NAME] for p in paths} == {"三墩镇", "双浦镇"}


def test_a_unit_without_tasks_gets_no_package(district: Store, tmp_path: Path) -> None:
    with pytest.raises(ImportRefused, match="没有分解下达的任务"):
        export_package(district, YEAR, _unit(district, "转塘街道"), tmp_path / "x.xlsx")
    assert not (tmp_path / "x.xlsx").exists()
