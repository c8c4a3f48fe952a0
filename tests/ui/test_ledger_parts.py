"""Parts of the ledger window: models (qtmodeltester), progress tab, dialogs, instance lock."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window, type_into
from PySide6.QtCore import QLockFile, QSysInfo, Qt
from PySide6.QtWidgets import QMessageBox

from xihu_desktop.core.categories import CATEGORIES, CATEGORY_BY_KEY
from xihu_desktop.store import Store
from xihu_desktop.ui.entry_model import (
    ENTRY_ROLE,
    ERROR_ROLE,
    SORT_ROLE,
    EntryFilterProxy,
    EntryTableModel,
    Lookups,
)
from xihu_desktop.ui.instance_lock import InstanceLock
from xihu_desktop.ui.progress_tab import COLUMN, ProgressModel

YEAR = 2025


class Boxes(list):
    """Texts of the message boxes shown; ``answers`` are popped by questions (default Yes)."""

    def __init__(self) -> None:
        super().__init__()
        self.answers: list[Any] = []


@pytest.fixture(autouse=True)
def no_modal_boxes(monkeypatch: pytest.MonkeyPatch) -> Boxes:
    boxes = Boxes()

    def question(_parent: Any, _title: str, text: str, *a: Any, **k: Any) -> Any:
        boxes.append(text)
        return boxes.answers.pop(0) if boxes.answers else QMessageBox.StandardButton.Yes

    monkeypatch.setattr(QMessageBox, "question", question)
    for kind in ("warning", "information", "critical"):
        monkeypatch.setattr(QMessageBox, kind, lambda *a, **k: boxes.append(str(a[2])))
    return boxes


@pytest.mark.parametrize("cat", CATEGORIES, ids=lambda c: c.key)
def test_entry_model_passes_qtmodeltester(qtmodeltester: Any, demo_store: Store, cat: Any) -> None:
    ledger = next(lg for lg in demo_store.ledgers.list(year=YEAR) if lg.status == "草稿")
    model = EntryTableModel(demo_store, cat, Lookups(demo_store))
    model.load(ledger)
    assert model.rowCount() == demo_store.entries.counts(ledger.id)[cat.key]
    qtmodeltester.check(model, force_py=True)
    proxy = EntryFilterProxy()
    proxy.setSourceModel(model)
    proxy.sort(0, Qt.SortOrder.DescendingOrder)
    qtmodeltester.check(proxy, force_py=True)


def test_entry_model_roles_and_headers(store: Store) -> None:
    ledger = store.ledgers.get(store.ledgers.create(store.units.list()[0].id, YEAR).id)
    cat = CATEGORY_BY_KEY["project"]
    e = store.entries.get(
        store.entries.add(ledger.id, "project", {"name": "项目", "total_investment": 1234.5}).id
    )
    model = EntryTableModel(store, cat, Lookups(store))
    model.load(ledger)
    money = model.index(0, model.column("total_investment"))
    assert money.data() == "1,234.50"
    assert money.data(SORT_ROLE) == 1234.5
    assert money.data(ENTRY_ROLE).id == e.id
    owner = model.index(0, model.column("owner_org"))
    assert owner.data(ERROR_ROLE) == "必填项不能为空"
    assert "必填项不能为空" in owner.data(Qt.ItemDataRole.ToolTipRole)
    assert owner.data(Qt.ItemDataRole.BackgroundRole) is not None
    header = model.headerData(model.column("owner_org"), Qt.Orientation.Horizontal)
    assert header.endswith("*")
    assert (
        model.headerData(model.column("total_investment"), Qt.Orientation.Horizontal)
        == "总投资（万元）"
    )


def test_progress_model_passes_qtmodeltester(qtmodeltester: Any, demo_store: Store) -> None:
    ledger = demo_store.ledgers.list(year=YEAR)[0]
    model = ProgressModel(demo_store, Lookups(demo_store))
    model.load(ledger)
    model.set_quarter(2)
    assert model.rowCount() == sum(demo_store.entries.counts(ledger.id).values())
    qtmodeltester.check(model, force_py=True)


def test_progress_tab_records_quarters_and_asks_about_outliers(
    qtbot: Any, store: Store, tmp_path: Path, no_modal_boxes: Boxes
) -> None:
    unit_id = store.units.list()[0].id
    last = store.ledgers.get(store.ledgers.create(unit_id, YEAR - 1).id)
    store.entries.add(last.id, "indicator", {"name": "新增企业", "goal": 10, "actual": 10})
    ledger = store.ledgers.get(store.ledgers.create(unit_id, YEAR).id)
    entry = store.entries.get(
        store.entries.add(ledger.id, "indicator", {"name": "新增企业", "goal": 12}).id
    )
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.progress_tab
    window.tabs.setCurrentWidget(tab)
    model = tab.model
    assert model.index(0, COLUMN["last_year"]).data() == "10"

    tab.quarter.setCurrentIndex(0)  # Q1
    value = tab.proxy.index(0, COLUMN["value"])
    model.setData(tab.proxy.mapToSource(value), "4")
    assert store.progress.of_entry(entry.id)[0].value == 4
    assert no_modal_boxes == []
    assert store.entries.get(entry.id).values["actual"] == 4  # the entry follows its progress

    tab.quarter.setCurrentIndex(1)  # Q2: more than three times last year's value
    assert model.index(0, COLUMN["previous"]).data() == "4"
    no_modal_boxes.answers.append(QMessageBox.StandardButton.No)
    assert not model.setData(model.index(0, COLUMN["value"]), "31")
    assert "3倍" in no_modal_boxes[-1]
    assert {p.quarter for p in store.progress.of_entry(entry.id)} == {1}
    assert model.setData(model.index(0, COLUMN["value"]), "31")  # answered Yes
    assert {p.quarter: p.value for p in store.progress.of_entry(entry.id)} == {1: 4, 2: 31}

    tab.quarter.setCurrentIndex(2)  # Q3 lower than Q2: a cumulative value went down
    asked = len(no_modal_boxes)
    assert model.setData(model.index(0, COLUMN["value"]), "12")
    assert len(no_modal_boxes) == asked + 1 and "低于上季度" in no_modal_boxes[-1]

    # status, problems, follow-up flag; light recomputed (12 of 12 -> green)
    type_into(qtbot, _as_tab(tab), 0, "status", "推进中")
    assert store.progress.of_entry(entry.id)[2].status == "推进中"
    model.setData(model.index(0, COLUMN["problems"]), "用地指标未落实")
    model.setData(
        model.index(0, COLUMN["follow_up"]), Qt.CheckState.Checked, Qt.ItemDataRole.CheckStateRole
    )
    q3 = {p.quarter: p for p in store.progress.of_entry(entry.id)}[3]
    assert q3.problems == "用地指标未落实" and q3.follow_up
    assert model.index(0, COLUMN["light"]).data() in ("● 绿", "● 红")
    assert model.light(model.entry(0)) == "green"
    qtbot.waitUntil(lambda: "绿灯 1" in window.header.lights_label.text(), timeout=3000)
    # the indicator table shows the synced actual value
    indicator = window.category_tabs["indicator"].model
    assert indicator.entry(0).values["actual"] == 12
    # undo the flag and the problems text
    window.menu_actions["undo"].trigger()
    window.menu_actions["undo"].trigger()
    q3 = {p.quarter: p for p in store.progress.of_entry(entry.id)}[3]
    assert q3.problems is None and not q3.follow_up


class _as_tab:
    """Adapter so type_into can drive the progress table like a category table."""

    def __init__(self, tab: Any) -> None:
        self.view = tab.view
        self.proxy = tab.proxy

        class M:
            @staticmethod
            def column(key: str) -> int:
                return COLUMN[key]

        self.model = M()


def test_overview_counts_and_chart(qtbot: Any, demo_store: Store, tmp_path: Path) -> None:
    ledger = demo_store.ledgers.list(year=YEAR)[0]
    window = make_window(qtbot, demo_store, tmp_path, ledger.unit_id, YEAR)
    overview = window.overview
    qtbot.waitUntil(lambda: overview.last_score is not None, timeout=3000)  # computed off-thread
    score = overview.last_score
    assert score is not None
    assert overview.table.item(len(CATEGORIES), 1).text() == str(
        sum(demo_store.entries.counts(ledger.id).values())
    )
    assert f"{score.total:.1f}" in overview.total.text()
    assert len(overview.chart.bars) == len(CATEGORIES)
    assert window.tabs.tabText(1).startswith("重点指标")
    overview.chart.grab()  # paints without error


def test_admin_dialogs_write_through_the_store(qtbot: Any, store: Store) -> None:
    from xihu_desktop.ui.admin_dialogs import CatalogueDialog, UnitsDialog, WeightsDialog

    weights = WeightsDialog(store, YEAR)
    qtbot.addWidget(weights)
    weights.points["indicator"].setValue(40)
    weights.points["project"].setValue(15)
    weights.veto.setChecked(True)
    weights.save()
    saved = store.assessment.scoring_settings(YEAR)
    assert saved.category_points["indicator"] == 40 and saved.veto_enabled

    units = UnitsDialog(store)
    qtbot.addWidget(units)
    count = len(store.units.list())
    units.code.setText("D99")
    units.name.setText("区测试局")
    units.kind.setCurrentIndex(units.kind.findData("department"))
    units._add()
    assert len(store.units.list()) == count + 1
    units.table.item(0, 3).setText("王局长")
    assert store.units.list()[0].leader == "王局长"

    catalogue = CatalogueDialog(store)
    qtbot.addWidget(catalogue)
    goal_column = [key for key, _, _ in CatalogueDialog.TARGET_COLUMNS].index("goal")
    catalogue.targets.item(0, goal_column).setText("2100")
    assert store.catalogue.targets()[0]["goal"] == 2100
    assert catalogue.items.rowCount() == len(store.catalogue.items())


def test_second_instance_is_told_who_holds_the_file(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    first = InstanceLock(db)
    assert first.acquire()
    second = InstanceLock(db)
    assert not second.acquire()
    message = second.message()
    assert "已被" in message and str(db) in message
    assert QSysInfo.machineHostName() in message or "进程" in message
    first.release()
    assert second.acquire()
    second.release()


def test_stale_lock_of_a_dead_process_is_taken_over(tmp_path: Path) -> None:
    db = tmp_path / "ledger.sqlite3"
    lock_path = Path(str(db) + ".lock")
    # the format QLockFile writes: pid, application name, host name
    lock_path.write_text(f"999999\nxihu-desktop\n{QSysInfo.machineHostName()}\n")
    lock = InstanceLock(db)
    assert lock.acquire()
    lock.release()
    assert QLockFile  # imported for the format reference


def test_reprint_notice_follows_needs_reprint(
    qtbot: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from xihu_desktop.exchange import verify

    unit_id = store.units.list()[0].id
    ledger_id = store.ledgers.create(unit_id, YEAR).id
    flag = {"value": False}
    monkeypatch.setattr(verify, "needs_reprint", lambda _s, _l: flag["value"])
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    with qtbot.waitSignal(window.summary_worker.ready, timeout=3000):
        window.refresh_summary()
    assert window.header.reprint_label.text() == ""
    flag["value"] = True
    # any write of the ledger, by whatever part, reaches the window through the store
    with qtbot.waitSignal(window.summary_worker.ready, timeout=3000):
        store.entries.add(ledger_id, "indicator", {"name": "打印后新增"})
    assert window.header.reprint_label.text() == "已修改，需重新打印"
    assert window.category_tabs["indicator"].model.rowCount() == 1


def test_progress_delete_clears_and_copy(
    qtbot: Any, store: Store, tmp_path: Path, no_modal_boxes: Boxes
) -> None:
    from PySide6.QtWidgets import QApplication

    unit_id = store.units.list()[0].id
    ledger = store.ledgers.get(store.ledgers.create(unit_id, YEAR).id)
    entry = store.entries.get(
        store.entries.add(
            ledger.id, "project", {"name": "项目", "owner_org": "甲", "nature": "新建"}
        ).id
    )
    store.progress.set(entry.id, 4, {"problems": "拆迁滞后", "value": 3})
    window = make_window(qtbot, store, tmp_path, unit_id, YEAR)
    tab = window.progress_tab
    tab.quarter.setCurrentIndex(3)
    cell = tab.proxy.index(0, COLUMN["problems"])
    tab.view.setCurrentIndex(cell)
    qtbot.keyClick(tab.view, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QApplication.clipboard().text() == "拆迁滞后\n"
    qtbot.keyClick(tab.view, Qt.Key.Key_Delete)
    assert store.progress.of_entry(entry.id)[0].problems is None
    window.menu_actions["undo"].trigger()
    assert store.progress.of_entry(entry.id)[0].problems == "拆迁滞后"


def test_the_progress_tab_and_the_sheet_judge_lights_alike(demo_store: Store) -> None:
    """As of a quarter, the window's light of an entry is the printed sheet's."""
    from xihu_desktop.exchange.sheet_data import quarter_score

    ledger = demo_store.ledgers.list(year=YEAR)[0]
    model = ProgressModel(demo_store, Lookups(demo_store))
    model.load(ledger)
    for quarter in (2, 4):
        model.set_quarter(quarter)
        printed = {e.id: e.light for e in quarter_score(demo_store, ledger.id, quarter).entries}
        shown = {model.entry(r).id: model.light(model.entry(r)) for r in range(model.rowCount())}
        assert shown == printed, quarter
