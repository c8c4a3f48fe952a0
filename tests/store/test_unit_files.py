"""A unit's own data file: bound to its unit, and its assigned entries (下达) locked."""

from __future__ import annotations

from pathlib import Path

import pytest
from package_helpers import YEAR, decompose, unit_file

from xihu_desktop.cli.main import main
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.exchange.excel_export import export_ledger
from xihu_desktop.exchange.excel_import import ImportRefused, import_file
from xihu_desktop.exchange.packages import export_package, import_package
from xihu_desktop.store import Entry, InvalidData, PermissionDenied, Store


@pytest.fixture
def pair(store: Store, tmp_path: Path) -> tuple[Store, Store]:
    """The district's file and 三墩镇's own file with the package imported."""
    decompose(store, "三墩镇", {1: 8.5}, ("西湖大学(产学研配套基地)",))
    path = export_package(store, YEAR, store.units.find("三墩镇").id, tmp_path / "p.xlsx")
    unit = unit_file(tmp_path / "sandun.db")
    import_package(unit, path)
    yield store, unit
    unit.close()


def _assigned(unit: Store, name: str) -> Entry:
    ledger = unit.ledgers.list()[0]
    return next(e for e in unit.entries.list(ledger.id) if e.name == name)


def test_a_bound_file_lists_and_creates_only_its_units_ledgers(tmp_path: Path) -> None:
    with unit_file(tmp_path / "u.db", "三墩镇") as unit:
        sandun, shuangpu = unit.units.find("三墩镇"), unit.units.find("双浦镇")
        assert unit.packages.bound_unit() == sandun
        with pytest.raises(PermissionDenied, match="本数据文件属于三墩镇，不能为双浦镇新建台账"):
            unit.ledgers.create(shuangpu.id, YEAR)
        unit.ledgers.create(sandun.id, YEAR)
        assert [lg.unit_id for lg in unit.ledgers.list()] == [sandun.id]
        assert unit.ledgers.years() == [YEAR]


def test_ledgers_of_other_units_are_hidden_in_a_bound_file(store: Store) -> None:
    sandun, shuangpu = store.units.find("三墩镇"), store.units.find("双浦镇")
    store.ledgers.create(shuangpu.id, YEAR)
    assert len(store.ledgers.list()) == 1
    with pytest.raises(PermissionDenied, match="其他单位的台账"):
        store.packages.bind(sandun.id)  # a district file with another unit's ledger
    assert store.packages.bound_unit() is None


def test_the_bound_unit_is_cached_and_forgotten_when_the_setting_changes(store: Store) -> None:
    sandun = store.units.find("三墩镇")
    assert store.packages.bound_unit() is None
    store.settings.set(BOUND_UNIT, sandun.code)
    assert store.packages.bound_unit() == sandun
    store.settings.set(BOUND_UNIT, None)
    assert store.packages.bound_unit() is None


def test_a_rolled_back_bind_is_not_remembered(store: Store) -> None:
    sandun = store.units.find("三墩镇")
    with pytest.raises(RuntimeError), store.transaction():
        store.packages.bind(sandun.id)
        assert store.packages.bound_unit() == sandun
        raise RuntimeError("rolled back")
    assert store.packages.bound_unit() is None


def test_binding_is_audited(store: Store) -> None:
    store.packages.bind(store.units.find("三墩镇").id)
    log = store.audit.log()
    assert any(r.field == BOUND_UNIT.key and r.new and "T10" in r.new for r in log)


def test_an_assigned_entry_cannot_be_deleted_in_the_units_file(pair: tuple[Store, Store]) -> None:
    _, unit = pair
    gdp = _assigned(unit, "地区生产总值")
    with pytest.raises(PermissionDenied, match="该条目由区里下达，不能删除"):
        unit.entries.delete([gdp.id])
    assert unit.entries.get(gdp.id).assigned


def test_its_goal_link_and_name_cannot_change_the_rest_can(pair: tuple[Store, Store]) -> None:
    _, unit = pair
    gdp = _assigned(unit, "地区生产总值")
    with pytest.raises(InvalidData, match="该条目由区里下达，不能修改目标值"):
        unit.entries.update(gdp.id, {"goal": "9"})
    with pytest.raises(InvalidData, match="不能修改名称"):
        unit.entries.update(gdp.id, {"name": "别的名字"})
    done = unit.entries.update_many([(gdp.id, {"goal": "1", "roadmap": "措施", "target_id": None})])
    assert {p.key for p in done.problems} == {"goal", "target_id"}
    assert all("该条目由区里下达" in p.message for p in done.problems)
    after = unit.entries.get(gdp.id)
    assert after.values["goal"] == 8.5 and after.values["roadmap"] == "措施"
    assert after.values["target_id"] == gdp.values["target_id"]
    ledger = unit.ledgers.list()[0]
    pasted = unit.entries.paste(ledger.id, "indicator", [(gdp.id, {"goal": "2"})])
    assert [p.key for p in pasted.problems] == ["goal"]
    assert unit.entries.get(gdp.id).values["goal"] == 8.5
    unit.entries.update(gdp.id, {"goal": "8.5", "owner": "李四"})  # the same goal is no change


def test_an_assigned_project_keeps_its_link_and_the_unit_plans_its_investment(
    pair: tuple[Store, Store],
) -> None:
    _, unit = pair
    project = _assigned(unit, "西湖大学(产学研配套基地)")
    unit.entries.update(project.id, {"goal": "5000", "owner_org": "西湖大学", "nature": "续建"})
    with pytest.raises(InvalidData, match="不能修改关联"):
        unit.entries.update(project.id, {"catalogue_id": None})


def test_assigned_entries_move_and_the_district_edits_its_own(pair: tuple[Store, Store]) -> None:
    district, unit = pair
    ledger = unit.ledgers.list()[0]
    unit.entries.add(ledger.id, "indicator", {"name": "自己的指标", "goal": "3"})
    gdp = _assigned(unit, "地区生产总值")
    unit.entries.move(gdp.id, 2)
    assert unit.entries.get(gdp.id).position == 2
    at_district = district.ledgers.list(year=YEAR)[0]
    entry = next(e for e in district.entries.list(at_district.id) if e.assigned)
    district.entries.update(entry.id, {"goal": "1"})  # not bound: the district's own ledger
    done = district.entries.delete([entry.id])
    assert done.undo is not None
    district.apply(done.undo)  # undo puts it back assigned
    assert district.entries.get(entry.id).assigned


def test_a_return_for_another_unit_is_refused_naming_both(
    pair: tuple[Store, Store], tmp_path: Path
) -> None:
    district, unit = pair
    other = district.ledgers.ensure(district.units.find("双浦镇").id, YEAR)
    path = export_ledger(district, other.id, tmp_path / "shuangpu.xlsx")
    with pytest.raises(ImportRefused, match="双浦镇的报表，本数据文件属于三墩镇"):
        import_file(unit, path, new_ledger=True)


def test_cli_init_unit_makes_a_bound_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "u.db"
    assert main(["init", "--db", str(db), "--unit", "三墩镇"]) == 0
    assert "属于三墩镇" in capsys.readouterr().out
    with Store.open(db) as unit:
        bound = unit.packages.bound_unit()
        assert bound is not None and bound.name == "三墩镇"
    assert main(["init", "--db", str(tmp_path / "x.db"), "--unit", "没有这个单位"]) == 2


def test_cli_package(store: Store, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    decompose(store, "三墩镇", {1: 8.5})
    db = store.path
    store.close()
    out = tmp_path / "p.xlsx"
    assert (
        main(
            ["package", "--db", str(db), "--year", str(YEAR), "--unit", "三墩镇", "--out", str(out)]
        )
        == 0
    )
    assert "第1版" in capsys.readouterr().out and out.exists()
    folder = tmp_path / "all"
    assert (
        main(["package", "--db", str(db), "--year", str(YEAR), "--all", "--out", str(folder)]) == 0
    )
    assert [p.name for p in folder.iterdir()] == ["三墩镇_2025年任务包.xlsx"]
    assert main(["package", "--db", str(db), "--year", "2024", "--all", "--out", str(folder)]) == 2
