"""District-wide full-text search (store.search, exchange.search): the trigram index over
every entry's name and text fields, kept current by triggers, checked and rebuilt."""

from __future__ import annotations

import re
import shutil
import sqlite3
from pathlib import Path

import pytest

from xihu_desktop.core.enums import Role
from xihu_desktop.core.settings import BOUND_UNIT
from xihu_desktop.exchange.search import SearchHit, search
from xihu_desktop.store import Store, connection
from xihu_desktop.store.errors import PermissionDenied, StoreError
from xihu_desktop.store.search import TRIGGERS, like_pattern, searched_keys
from xihu_desktop.store.seed import initialise

PHRASE = "智慧农业示范园"


def _ledger(store: Store, code: str, year: int) -> int:
    return store.ledgers.create(store.units.find(code).id, year).id


def _project(store: Store, ledger_id: int, name: str, **data: object) -> int:
    values = {"name": name, "owner_org": "杭州某公司", "nature": "新建", "goal": 100, **data}
    return store.entries.add(ledger_id, "project", values).id


@pytest.fixture
def spread(store: Store) -> dict[str, int]:
    """The phrase in two units' ledgers of two years, in names and in 推进措施, plus noise."""
    ids = {}
    ids["t01_2024"] = _project(store, _ledger(store, "T01", 2024), f"{PHRASE}一期")
    ids["t01_2025"] = _project(
        store, _ledger(store, "T01", 2025), "园区配套道路", roadmap=f"配合{PHRASE}建设，完成征迁"
    )
    ids["t02_2024"] = _project(store, _ledger(store, "T02", 2024), f"西溪{PHRASE}")
    t02_2025 = _ledger(store, "T02", 2025)
    ids["t02_2025"] = store.entries.add(
        t02_2025,
        "platform",
        {"name": "数字经济平台", "annual_goal": f"引进{PHRASE}配套企业3家"},
    ).id
    ids["noise"] = _project(store, t02_2025, "农业综合体", roadmap="农业 示范园")
    return ids


def _ids(hits: list[SearchHit]) -> set[int]:
    return {h.entry_id for h in hits}


def test_a_chinese_substring_of_three_characters_is_found_across_years_and_units(
    store: Store, spread: dict[str, int]
) -> None:
    hits = search(store, "农业示")
    assert _ids(hits) == {spread[k] for k in ("t01_2024", "t01_2025", "t02_2024", "t02_2025")}
    by_id = {h.entry_id: h for h in hits}
    t01, t02 = store.units.find("T01"), store.units.find("T02")
    first = by_id[spread["t01_2024"]]
    assert (first.unit_id, first.unit_name, first.year, first.category) == (
        t01.id,
        t01.name,
        2024,
        "project",
    )
    assert first.name == f"{PHRASE}一期"
    assert first.ledger_id == store.ledgers.find(t01.id, 2024).id
    platform = by_id[spread["t02_2025"]]
    assert (platform.unit_name, platform.year, platform.category) == (t02.name, 2025, "platform")
    # the match is marked in the snippet, from the field that holds it
    assert "【农业示】" in by_id[spread["t01_2025"]].snippet
    assert "配合" in by_id[spread["t01_2025"]].snippet
    assert "【农业示】" in platform.snippet and "引进" in platform.snippet
    assert all(isinstance(h, SearchHit) for h in hits)


def test_best_match_first_then_the_later_year(store: Store) -> None:
    same = {"roadmap": "推进滨水公园提升改造，完成绿道贯通"}
    older = _project(store, _ledger(store, "T05", 2023), "滨水公园", **same)
    later = _project(store, _ledger(store, "T05", 2025), "滨水公园", **same)
    middle = _project(store, _ledger(store, "T05", 2024), "滨水公园", **same)
    best = _project(store, _ledger(store, "T06", 2022), "滨水公园滨水公园")
    wordy = _project(
        store, _ledger(store, "T06", 2025), "某工程", roadmap="长" * 300 + "滨水公园" + "长" * 300
    )
    ids = [h.entry_id for h in search(store, "滨水公园")]
    assert ids[0] == best  # the text is more of the match (bm25), though of the oldest year
    assert ids[1:4] == [later, middle, older]  # equal texts: the later year first
    assert ids[4] == wordy


def test_every_word_must_occur_and_short_words_use_like(
    store: Store, spread: dict[str, int]
) -> None:
    assert _ids(search(store, "农业示 征迁")) == {spread["t01_2025"]}
    assert _ids(search(store, "农业")) == {*spread.values()}  # two characters: LIKE
    assert _ids(search(store, "西溪 农业")) == {spread["t02_2024"]}
    hit = search(store, "征迁")[0]
    assert "【征迁】" in hit.snippet


def test_an_update_changes_what_is_found(store: Store, spread: dict[str, int]) -> None:
    entry = spread["t01_2024"]
    store.entries.update(entry, {"name": "城西科创大走廊节点"})
    assert entry not in _ids(search(store, "农业示"))
    assert _ids(search(store, "科创大走廊")) == {entry}
    # a JSON text field (推进措施) edited: the old words go, the new ones come
    moved = spread["t01_2025"]
    store.entries.update(moved, {"roadmap": "实行挂图作战，倒排工期"})
    assert moved not in _ids(search(store, "农业示"))
    assert moved not in _ids(search(store, "征迁"))
    assert _ids(search(store, "挂图作战")) == {moved}
    # a field cleared
    store.entries.update(moved, {"roadmap": None})
    assert search(store, "挂图作战") == []
    assert store.search.check() is None


def test_delete_removes_and_undo_restores(store: Store, spread: dict[str, int]) -> None:
    entry = spread["t02_2024"]
    done = store.entries.delete([entry])
    assert entry not in _ids(search(store, "农业示"))
    assert search(store, "西溪智慧") == []
    assert done.undo is not None
    store.apply(done.undo)
    assert len(search(store, "西溪智慧")) == 1
    assert store.search.check() is None


def test_deleting_a_ledger_removes_its_entries_from_the_index(
    store: Store, spread: dict[str, int]
) -> None:
    ledger = store.entries.get(spread["t02_2024"]).ledger_id
    with store.transaction():
        store.execute("DELETE FROM ledgers WHERE id = ?", (ledger,))  # ON DELETE CASCADE
    assert spread["t02_2024"] not in _ids(search(store, "农业示"))
    assert store.search.check() is None


@pytest.mark.parametrize(
    ("field", "value"),
    [
        ("roadmap", "建立专班推进机制"),
        ("owner_org", "西湖文旅集团"),
        ("remark", "列入省重点项目名单"),
        ("q3", "完成主体结构封顶"),
        ("physical_progress", "桩基施工完成"),
    ],
)
def test_text_in_the_json_fields_is_found(store: Store, field: str, value: str) -> None:
    entry = _project(store, _ledger(store, "T03", 2025), "某项目", **{field: value})
    hits = search(store, value[1:5])
    assert _ids(hits) == {entry}
    assert f"【{value[1:5]}】" in hits[0].snippet


def test_numbers_and_units_of_measure_are_not_searched(store: Store) -> None:
    ledger = _ledger(store, "T03", 2025)
    store.entries.add(
        ledger, "indicator", {"name": "某指标", "goal": 123456, "measure_unit": "万平方米"}
    )
    assert search(store, "123456") == []
    assert search(store, "万平方米") == []
    assert len(search(store, "某指标")) == 1


HOSTILE = [
    '"',
    '""',
    '"农业示',
    "AND",
    "OR",
    "NOT",
    "a*",
    "*",
    "-",
    "-农业示",
    "NEAR(",
    "NEAR(农业示 范园, 2)",
    "农业示 OR 西溪",
    "name:农业示",
    "{name search_text}: 农业",
    "^农业示",
    "(",
    ")",
    "农",
    "%",
    "_",
    "\\",
    "'; DROP TABLE entries; --",
    "\x00农业示",
    "　",
    "x" * 500,
    "农业 " * 250,
]


@pytest.mark.parametrize("text", HOSTILE)
def test_hostile_queries_never_raise(store: Store, spread: dict[str, int], text: str) -> None:
    hits = search(store, text)
    assert isinstance(hits, list)
    assert store.counts()["entries"] == 5


def test_operators_are_plain_text(store: Store, spread: dict[str, int]) -> None:
    ledger = _ledger(store, "T04", 2025)
    odd = _project(store, ledger, 'A "AND" B-2 NEAR(x) 100% a_b', roadmap="c*d")
    assert _ids(search(store, '"AND"')) == {odd}
    assert _ids(search(store, "NEAR(x)")) == {odd}
    assert _ids(search(store, "100%")) == {odd}
    assert _ids(search(store, "a_b")) == {odd}
    assert _ids(search(store, "c*d")) == {odd}
    assert search(store, "%") == search(store, "_") == [] or _ids(search(store, "%")) == {odd}
    assert _ids(search(store, "%")) == {odd}  # the percent sign itself, not "anything"
    assert _ids(search(store, "_")) == {odd}
    assert search(store, "") == search(store, "   ") == []


def test_like_patterns_escape_their_wildcards() -> None:
    assert like_pattern("100%") == "%100\\%%"
    assert like_pattern("a_b\\") == "%a\\_b\\\\%"


def test_year_filter_and_limit(store: Store, spread: dict[str, int]) -> None:
    assert _ids(search(store, "农业示", year=2025)) == {spread["t01_2025"], spread["t02_2025"]}
    assert _ids(search(store, "农业", year=2024)) == {spread["t01_2024"], spread["t02_2024"]}
    assert search(store, "农业示", year=2019) == []
    assert len(search(store, "农业示", limit=2)) == 2
    assert len(search(store, "农业", limit=1)) == 1
    assert search(store, "农业示", limit=0) == []


def test_a_units_own_file_finds_only_that_units_entries(
    store: Store, spread: dict[str, int]
) -> None:
    """Even a unit's file that somehow holds another unit's ledger (edited by hand)."""
    t01 = store.units.find("T01")
    store.settings.set(BOUND_UNIT, t01.code)
    store.packages.forget()
    for text in ("农业示", "农业", "杭州某公司"):
        hits = search(store, text)
        assert hits and {h.unit_id for h in hits} == {t01.id}
    assert _ids(search(store, "农业示")) == {spread["t01_2024"], spread["t01_2025"]}


def test_the_generated_text_holds_the_declared_text_fields(store: Store) -> None:
    """Adding a text field to a category must come with a migration of search_text."""
    sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'entries'")
    indexed = set(re.findall(r"json_extract\(data, '\$\.(\w+)'\)", sql))
    assert indexed == searched_keys()
    assert "roadmap" in indexed and "measure_unit" not in indexed


def test_figures_change_without_touching_the_index(store: Store, spread: dict[str, int]) -> None:
    """Entering an actual or a figure in the data re-indexes nothing; the text still counts."""
    entry = spread["t01_2025"]
    before = store.scalar("SELECT count(*) FROM entries_fts_data")
    store.entries.update(entry, {"actual": 55, "total_investment": 900})
    assert store.scalar("SELECT count(*) FROM entries_fts_data") == before
    store.entries.update(entry, {"roadmap": "挂图作战"})
    assert store.scalar("SELECT count(*) FROM entries_fts_data") > before
    assert _ids(search(store, "挂图作战")) == {entry}
    assert store.search.check() is None


def test_moving_rows_does_not_touch_the_index(store: Store, spread: dict[str, int]) -> None:
    """The update trigger fires on the name and the data only (reordering is cheap)."""
    sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'entries_au'")
    assert re.search(r'AFTER UPDATE OF "id", "name", "data" ON "entries"\s+WHEN', sql)
    ledger = store.entries.get(spread["t02_2025"]).ledger_id
    store.entries.move(spread["noise"], 1)
    assert store.entries.list(ledger, "project")[0].id == spread["noise"]
    assert store.search.check() is None
    assert len(search(store, "农业示")) == 4


# ---------------------------------------------------------------- older files, damage, rebuild


def _older_schema(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Files opened from now on get the schema before the search index."""
    older = tmp_path / "db_old"
    older.mkdir()
    for m in connection.migrations():
        if m.version < 8:
            shutil.copy(m.path, older / m.path.name)
    monkeypatch.setattr(connection, "migrations_dir", lambda: older)


def test_migrating_a_file_with_entries_indexes_them(
    db_path: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _older_schema(tmp_path, monkeypatch)
    with Store.open(db_path) as old:
        initialise(old)
        assert old.version < 8
        entry = _project(old, _ledger(old, "T01", 2023), "老项目", roadmap=f"打造{PHRASE}")
        assert old.scalar("SELECT count(*) FROM sqlite_master WHERE name = 'entries_fts'") == 0
    monkeypatch.undo()
    with Store.open(db_path) as store:
        assert store.version == connection.latest_version()
        assert _ids(search(store, "农业示")) == {entry}
        assert store.search.check() is None
        added = _project(store, _ledger(store, "T01", 2024), f"{PHRASE}二期")
        assert _ids(search(store, "农业示")) == {entry, added}


def _schema(store: Store) -> dict[str, str]:
    rows = store.query(
        "SELECT name, sql FROM sqlite_master WHERE name = 'entries_fts' OR "
        "(type = 'trigger' AND tbl_name = 'entries')"
    )
    return {
        name: re.sub(r"\s+", " ", sql).strip()
        for name, sql in rows
        if name == "entries_fts" or name in TRIGGERS  # not db/009's scoring triggers
    }


def _tamper(store: Store, *statements: str) -> None:
    assert store.path is not None
    conn = sqlite3.connect(store.path)
    try:
        for statement in statements:
            conn.execute(statement)
        conn.commit()
    finally:
        conn.close()


def test_rebuild_makes_the_schema_of_the_migration(store: Store, spread: dict[str, int]) -> None:
    before = _schema(store)
    assert set(before) == {"entries_fts", *TRIGGERS}
    store.search.rebuild()
    assert _schema(store) == before
    assert len(search(store, "农业示")) == 4
    assert store.search.check() is None


def test_a_missing_trigger_is_reported_and_rebuilt(store: Store, spread: dict[str, int]) -> None:
    _tamper(
        store,
        "DROP TRIGGER entries_au",
        f"UPDATE entries SET name = '城西科创大走廊' WHERE id = {spread['t01_2024']}",
    )
    problem = store.search.check()
    assert problem is not None and "entries_au" in problem
    store.search.rebuild()
    assert store.search.check() is None
    assert _ids(search(store, "科创大走廊")) == {spread["t01_2024"]}
    assert spread["t01_2024"] not in _ids(search(store, "农业示"))


def test_an_index_out_of_step_is_found_by_the_integrity_check(
    store: Store, spread: dict[str, int]
) -> None:
    """Entries changed while the triggers were away (a hand edit): the FTS5 check sees it."""
    sql = store.scalar("SELECT sql FROM sqlite_master WHERE name = 'entries_au'")
    _tamper(
        store,
        "DROP TRIGGER entries_au",
        f"UPDATE entries SET name = '城西科创大走廊' WHERE id = {spread['t01_2024']}",
        sql,
    )
    problem = store.search.check()
    assert problem is not None and "不一致或已损坏" in problem
    store.search.rebuild()
    assert store.search.check() is None


def test_a_search_without_its_index_says_what_to_do(store: Store) -> None:
    _tamper(store, *(f"DROP TRIGGER {t}" for t in TRIGGERS), "DROP TABLE entries_fts")
    with pytest.raises(StoreError, match="xihu search --rebuild"):
        search(store, "农业示")
    assert search(store, "农业") == []  # LIKE does not need the index
    assert store.search.check() == "搜索索引缺失"


@pytest.mark.parametrize(
    "damage",
    [
        ["DELETE FROM entries_fts_data"],
        ["UPDATE entries_fts_data SET block = x'00ff' WHERE id > 1"],
        ["DROP TABLE entries_fts_config"],
        ["UPDATE entries_fts_config SET v = 99"],
        ["DROP TABLE entries_fts_data"],
        [
            "DROP TRIGGER entries_ai",
            "DROP TRIGGER entries_ad",
            "DROP TRIGGER entries_au",
            "DROP TABLE entries_fts",
        ],
    ],
)
def test_a_damaged_or_missing_index_is_rebuilt(
    store: Store, spread: dict[str, int], damage: list[str]
) -> None:
    path = store.path
    assert path is not None
    store.close()  # damaged by another program, found by the next one to open the file
    conn = sqlite3.connect(path)
    for statement in damage:
        conn.execute(statement)
    conn.commit()
    conn.close()
    with Store.open(path) as again:
        assert again.search.check() is not None
        try:  # a search may or may not touch the damaged part; it never crashes
            search(again, "农业示")
        except StoreError as exc:
            assert "xihu search --rebuild" in str(exc)
        again.search.rebuild()
        assert again.search.check() is None
        assert len(search(again, "农业示")) == 4
        # the triggers are back: later edits are indexed
        again.entries.update(spread["noise"], {"roadmap": "挂图作战"})
        assert _ids(search(again, "挂图作战")) == {spread["noise"]}
    with Store.open(path) as third:
        assert third.search.check() is None
        assert third.integrity_check() == "ok"


def test_rebuild_is_for_the_district_administrator_and_audited(
    store: Store, spread: dict[str, int]
) -> None:
    store.act_as("张三", Role.VIEWER.value)
    with pytest.raises(PermissionDenied):
        store.search.rebuild()
    store.act_as("管理员", Role.ADMIN.value)
    assert store.search.rebuild().empty
    assert store.audit.log(action="重建搜索索引")


def test_a_read_only_file_is_searched_and_checked(store: Store, spread: dict[str, int]) -> None:
    path = store.path
    assert path is not None
    store.close()
    with Store.open(path, read_only=True) as ro:
        assert len(search(ro, "农业示")) == 4
        assert ro.search.check() is None
        with pytest.raises(StoreError):
            ro.search.rebuild()


def test_the_background_reader_searches_too(store: Store, spread: dict[str, int]) -> None:
    reader = store.reader()
    try:
        assert _ids(search(reader, "农业示")) == _ids(search(store, "农业示"))
    finally:
        reader.close()
