"""The demo district: every town/street and platform with a full 2025 ledger."""

from __future__ import annotations

import datetime as dt

from xihu_desktop.core.catalogue import load_catalogue
from xihu_desktop.core.categories import CATEGORIES, category
from xihu_desktop.core.entry_values import counts
from xihu_desktop.core.enums import LedgerStatus
from xihu_desktop.core.validate import is_valid_credit_code, validate_row
from xihu_desktop.store import Store
from xihu_desktop.store.seed import initialise


def test_every_town_and_platform_has_a_full_2025_ledger(demo_store: Store) -> None:
    towns = demo_store.units.list("town")
    platforms = demo_store.units.list("platform")
    assert len(towns) == 11
    assert len(platforms) == 10
    ledgers = {led.unit_id: led for led in demo_store.ledgers.list(2025)}
    for unit in [*towns, *platforms]:
        ledger = ledgers.get(unit.id)
        assert ledger is not None, unit.name
        counts = demo_store.entries.counts(ledger.id)
        assert set(counts) == {c.key for c in CATEGORIES}
        assert all(n > 0 for n in counts.values()), (unit.name, counts)
        progress = demo_store.progress.of_ledger(ledger.id)
        for entry in demo_store.entries.list(ledger.id):
            assert sorted(progress.get(entry.id, {})) == [1, 2, 3, 4], (unit.name, entry.name)
    # a department's demo ledger holds only the plan targets it leads (年度监测's figures)
    department_ids = {u.id for u in demo_store.units.list("department")}
    for unit_id in department_ids & set(ledgers):
        counts = demo_store.entries.counts(ledgers[unit_id].id)
        assert {k for k, n in counts.items() if n} == {"indicator"}
        shares = demo_store.decomposition.for_unit(2025, unit_id).shares
        entries = demo_store.entries.list(ledgers[unit_id].id)
        assert {e.key for e in entries} == {s.key for s in shares if s.goal is not None}


def test_demo_entries_are_valid_and_realistic(demo_store: Store) -> None:
    ledgers = demo_store.ledgers.list(2025)
    problems = []
    for ledger in ledgers:
        for entry in demo_store.entries.list(ledger.id):
            problems += [
                (ledger.unit_name, entry.name, str(p))
                for p in validate_row(category(entry.category), entry.values)
            ]
            if entry.category == "enterprise":
                assert is_valid_credit_code(entry.values["credit_code"])
            if entry.category == "indicator":
                assert entry.values.get("target_id") is not None
    assert problems == []
    statuses = {led.status for led in ledgers}
    assert "草稿" in statuses  # some ledgers are still open for the walkthrough
    # scores spread over the grades rather than all alike
    totals = [
        demo_store.assessment.score(led.id, as_of=dt.date(2025, 12, 31)).total for led in ledgers
    ]
    assert max(totals) - min(totals) > 5


def test_demo_progress_drives_actual_and_status(demo_store: Store) -> None:
    ledger = demo_store.ledgers.list(2025)[0]
    for entry in demo_store.entries.list(ledger.id):
        q4 = demo_store.progress.of_entry(entry.id)[-1]
        assert q4.quarter == 4
        assert entry.values.get("status") == q4.status
        if q4.value is not None:
            assert entry.values.get("actual") == q4.value


def test_initialise_is_idempotent(demo_store: Store) -> None:
    counts = demo_store.counts()
    initialise(demo_store, demo=True)
    assert demo_store.counts() == counts


def test_demo_is_deterministic(demo_store: Store, tmp_path) -> None:
    with Store.open(tmp_path / "again.sqlite3") as again:
        initialise(again, demo=True)
        first = [
            (e.name, e.values.get("goal"))
            for led in demo_store.ledgers.list()
            for e in demo_store.entries.list(led.id)
        ]
        second = [
            (e.name, e.values.get("goal"))
            for led in again.ledgers.list()
            for e in again.entries.list(led.id)
        ]
    assert first == second


# ---------------------------------------------------------------- like the real district

RATE_LIMITS = {"%": 100.0, "‰": 1000.0}


def _figures(store: Store, entry) -> list[tuple[str, float]]:
    out = [
        (key, entry.values[key])
        for key in ("baseline", "goal", "actual")
        if isinstance(entry.values.get(key), int | float)
    ]
    out += [(f"Q{p.quarter}", p.value) for p in store.progress.of_entry(entry.id) if p.value]
    return out


def _all_entries(store: Store):
    for ledger in store.ledgers.list():
        for entry in store.entries.list(ledger.id):
            yield ledger, entry


def test_demo_counts_are_whole(demo_store: Store) -> None:
    wrong = [
        (ledger.unit_name, ledger.year, entry.name, key, value)
        for ledger, entry in _all_entries(demo_store)
        if counts(entry)
        for key, value in _figures(demo_store, entry)
        if not float(value).is_integer() or value < 0
    ]
    assert wrong == []
    listed = [
        e
        for _, e in _all_entries(demo_store)
        if e.category == "indicator" and e.name == "上市企业数"
    ]
    assert listed and all(counts(e) for e in listed)


def test_demo_rates_stay_within_their_range(demo_store: Store) -> None:
    checked, wrong = 0, []
    for ledger, entry in _all_entries(demo_store):
        if entry.category != "indicator":
            continue
        unit = entry.values.get("measure_unit")
        lower_is_better = entry.values.get("direction") == "越小越好"
        for key, value in _figures(demo_store, entry):
            checked += 1
            rate = unit in RATE_LIMITS and "增" not in entry.name
            if (rate and not 0 <= value <= RATE_LIMITS[unit]) or (lower_is_better and value < 0):
                wrong.append((ledger.unit_name, ledger.year, entry.name, key, value))
    assert checked > 100
    assert wrong == []


def _plan_areas() -> dict[str, str]:
    """The plan's words (chapter 2, §4 战略路径) against the catalogue's area data."""
    plan = {
        "北强": "紫金港科技城、西湖大学城,浙大紫金科创小镇、云谷小镇,蒋村街道、三墩镇",
        "南启": "之江未来城(涵盖云栖小镇、艺创小镇、龙坞茶镇,转塘街道、双浦镇",
        "中兴": "西溪谷,蚂蚁小镇,北山街道、西溪街道、文新街道、灵隐街道、翠苑街道、古荡街道、"
        "留下街道",
    }
    catalogue = load_catalogue()
    areas = {t["name"]: t["area"] for t in catalogue["towns"]}
    areas |= {p["name"]: p["group"] for p in catalogue["platforms"]}
    for name, area in areas.items():
        assert name in plan[area], (name, area)
    return areas


def test_catalogue_places_every_town_and_platform_as_the_plan_does() -> None:
    areas = _plan_areas()
    assert len(areas) == 21
    assert areas["三墩镇"] == "北强"
    assert areas["龙坞茶镇"] == areas["艺创小镇"] == areas["转塘街道"] == "南启"


def test_demo_platforms_and_projects_lie_in_their_units_area(demo_store: Store) -> None:
    areas = _plan_areas()
    items = {i.id: i for i in demo_store.catalogue.items()}
    wrong, placed = [], 0
    for ledger, entry in _all_entries(demo_store):
        if entry.category not in ("platform", "project"):
            continue
        data = items[entry.values["catalogue_id"]].data
        if entry.category == "platform":
            area = data["group"]
        elif "location" in data:
            area = areas[data["location"]]
            if data["location"] != ledger.unit_name:
                wrong.append((ledger.unit_name, entry.name, data["location"]))
        else:
            area = data.get("group")
        placed += 1
        if area != areas[ledger.unit_name]:
            wrong.append((ledger.unit_name, entry.name, area))
    assert placed > 100
    assert wrong == []
    sandun = next(led for led in demo_store.ledgers.list(2025) if led.unit_name == "三墩镇")
    names = {e.name for e in demo_store.entries.list(sandun.id)}
    assert not names & {"龙坞茶镇建设", "艺创小镇建设"}


def test_demo_mixes_drafts_and_submitted_and_opens_on_a_draft(demo_store: Store) -> None:
    latest = max(demo_store.ledgers.years())
    statuses = [led.status for led in demo_store.ledgers.list(latest)]
    assert statuses.count(LedgerStatus.DRAFT) > len(statuses) / 2
    assert LedgerStatus.SUBMITTED in statuses
    # the window opens on the first listed unit and the latest year (MainWindow._fill_selectors)
    first = demo_store.units.list(active_only=True)[0]
    ledger = demo_store.ledgers.find(first.id, latest)
    assert ledger is not None and ledger.status == LedgerStatus.DRAFT


def test_first_start_window_opens_an_editable_demo_ledger(
    qtbot, demo_store: Store, tmp_path
) -> None:
    from PySide6.QtCore import QSettings

    from xihu_desktop.ui.main_window import MainWindow

    settings = QSettings(str(tmp_path / "fresh.ini"), QSettings.Format.IniFormat)
    window = MainWindow(demo_store, settings=settings)
    qtbot.addWidget(window)
    assert window.ledger is not None
    assert window.ledger.year == max(demo_store.ledgers.years())
    assert window.ledger.status == LedgerStatus.DRAFT
    assert all(tab.model.writable for tab in window.category_tabs.values())
