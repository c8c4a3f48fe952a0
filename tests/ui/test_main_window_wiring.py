"""The window's menus reach the other features, and a change of user reloads what is shown."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from ledger_helpers import make_window

from xihu_desktop.store import Store
from xihu_desktop.ui import login, pdf_actions


def test_users_and_summary_pdf_are_in_the_menus(
    qtbot: Any, demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    unit = demo_store.units.find("北山街道")
    window = make_window(qtbot, demo_store, tmp_path, unit.id, 2025)
    calls: list[tuple[str, Any]] = []
    monkeypatch.setattr(login, "manage_users", lambda parent, store: calls.append(("users", None)))
    monkeypatch.setattr(
        pdf_actions, "export_summary", lambda parent, store, year: calls.append(("pdf", year))
    )
    assert window.menu_actions["manage_users"].isEnabled()
    window.menu_actions["manage_users"].trigger()
    window.menu_actions["export_summary_pdf"].trigger()
    assert calls == [("users", None), ("pdf", 2025)]


def test_user_changed_limits_an_operator_to_her_unit(
    qtbot: Any, demo_store: Store, tmp_path: Path
) -> None:
    unit = demo_store.units.find("西溪街道")
    window = make_window(qtbot, demo_store, tmp_path, demo_store.units.find("北山街道").id, 2025)
    assert window.header.unit_combo.count() > 1
    demo_store.act_as("clerk", "operator", unit.id)
    window.user_changed()
    assert window.header.unit_combo.count() == 1
    assert window.header.unit_combo.currentData() == unit.id
    assert not window.menu_actions["manage_users"].isEnabled()
    assert not window.menu_actions["import_returns"].isEnabled()


def test_catalogue_dialog_adds_the_next_plan(
    qtbot: Any, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from PySide6.QtWidgets import QDialog, QMessageBox

    from xihu_desktop.ui.admin_dialogs import CatalogueDialog, PlanDialog

    dialog = CatalogueDialog(store)
    qtbot.addWidget(dialog)
    assert dialog.targets.item(0, 0).text() == "十四五"
    monkeypatch.setattr(PlanDialog, "exec", lambda self: QDialog.DialogCode.Accepted)
    monkeypatch.setattr(QMessageBox, "information", lambda *a, **k: None)
    assert dialog.add_plan()  # defaults: 15th 十五五 2026–2030, copying 十四五
    plan = store.catalogue.plan_for_year(2028)
    assert (plan["code"], plan["name"], plan["start_year"], plan["end_year"]) == (
        "15th",
        "十五五",
        2026,
        2030,
    )
    assert len(store.catalogue.targets(plan["id"])) == 43
