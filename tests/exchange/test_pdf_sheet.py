"""The PDF assessment sheet read back: text, pages, signature block, fonts, print records."""

from __future__ import annotations

import itertools
import random
import re
import unicodedata
from pathlib import Path
from typing import Any

import pytest
from pdf_test_helpers import keep_ledgers
from pypdf import PdfReader

from xihu_desktop.core.categories import CATEGORIES, FieldType
from xihu_desktop.core.settings import PDF_FONT_PATH
from xihu_desktop.exchange import pdf_furniture, pdf_sheet, sheet_data, verify
from xihu_desktop.exchange.fingerprint import ledger_fingerprint, short_code
from xihu_desktop.exchange.pdf_summary import ranking, render_summary
from xihu_desktop.store import Store
from xihu_desktop.store.demo import credit_code

LONG_NAME = (
    "西湖区数字经济核心产业增加值占地区生产总值比重提升及城西科创大走廊产业协同发展重点任务"
    "（含云栖小镇、西溪谷、紫金港科技城联动推进事项）"
)


def page_texts(path: Path) -> list[str]:
    return [p.extract_text() or "" for p in PdfReader(path).pages]


def squash(text: str) -> str:
    """Without white space; full-width forms folded (（ may be extracted as "(")."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text))


def printed_whole(name: str, flat: str) -> bool:
    """``name`` printed completely: wrapped lines interleave with the neighbouring
    cells in extracted text, so look for its characters in order near its start."""
    name = squash(name)
    start = flat.find(name[:8])
    while start >= 0:
        it = iter(flat[start : start + 3 * len(name) + 100])
        if all(ch in it for ch in name):
            return True
        start = flat.find(name[:8], start + 1)
    return False


def draft_ledger(store: Store, year: int = 2025) -> int:
    unit = store.units.list(kind="town")[0]
    return store.ledgers.ensure(unit.id, year).id


def fill(store: Store, ledger_id: int, n: int, long_every: int = 0) -> None:
    """``n`` indicator entries (one transaction); every ``long_every``-th has a long name."""
    with store.transaction():
        for i in range(n):
            name = LONG_NAME + str(i) if long_every and i % long_every == 0 else f"指标{i}"
            store.entries.add(
                ledger_id,
                "indicator",
                {"name": name, "measure_unit": "%", "goal": 100 + i, "actual": 50 + i},
            )


def test_sheet_text_has_unit_year_totals_and_signatures(demo_store: Store, tmp_path: Path) -> None:
    ledger = demo_store.ledgers.list(year=2025)[0]
    out = tmp_path / "sheet.pdf"
    result = pdf_sheet.export_sheet(demo_store, ledger.id, out)
    text = "\n".join(page_texts(out))
    flat = squash(text)
    score = demo_store.assessment.score(ledger.id)
    assert ledger.unit_name in text
    assert "2025" in text
    assert squash(f"{ledger.unit_name} 2025 年“六个一批”任务完成情况考核表") in flat
    assert f"{score.total:.2f}" in text
    assert score.grade in text
    for cat in CATEGORIES:
        assert cat.label in text
        assert f"{score.category_scores[cat.key]:.2f}" in text
    for label in pdf_furniture.SIGNATURE_LABELS:
        assert squash(label) in flat, label
    sheet = result.sheets[0]
    assert sheet.code in text
    assert sheet.fingerprint in flat  # printed in full, small
    assert "第 1 版" in text
    # every entry's name is printed whole (wrapped, never cut off)
    for entry in demo_store.entries.list(ledger.id):
        assert printed_whole(entry.name, flat), entry.name
    # self-assessment text wraps inside the page and is complete
    assert printed_whole(ledger.self_assessment or "", flat)


def test_pages_grow_with_entries_and_signature_block_stays_whole(
    store: Store, tmp_path: Path
) -> None:
    ledger_id = draft_ledger(store)
    counts = []
    done = 0
    for target in (3, 60, 180):
        fill(store, ledger_id, target - done, long_every=7)
        done = target
        out = tmp_path / f"sheet{target}.pdf"
        pdf_sheet.export_sheet(store, ledger_id, out, record=False)
        texts = page_texts(out)
        counts.append(len(texts))
        n = len(texts)
        for i, text in enumerate(texts, start=1):
            assert f"第 {i} 页 共 {n} 页" in text  # header/footer on every page
            assert store.ledgers.get(ledger_id).unit_name in text
            labels_here = [
                lab for lab in pdf_furniture.SIGNATURE_LABELS if squash(lab) in squash(text)
            ]
            if i < n:
                assert not labels_here, f"signature label on page {i} of {n}"
            else:
                assert labels_here == list(pdf_furniture.SIGNATURE_LABELS)
        flat = squash("".join(texts))
        for i in range(0, target, 7):
            assert printed_whole(LONG_NAME + str(i), flat)
        if target == 180:  # the table spans pages: its header repeats on each of them
            assert all("指标名称" in t for t in texts[:-1])
    assert counts[0] < counts[1] < counts[2], counts


def _fonts(obj: Any, seen: set[int], out: list[Any]) -> None:
    """Collect every font dictionary reachable from a resources dictionary."""
    obj = obj.get_object() if hasattr(obj, "get_object") else obj
    if not hasattr(obj, "get") or id(obj) in seen:
        return
    seen.add(id(obj))
    fonts = obj.get("/Font")
    if fonts is not None:
        for ref in fonts.get_object().values():
            out.append(ref.get_object())
    xobjects = obj.get("/XObject")
    if xobjects is not None:
        for ref in xobjects.get_object().values():
            x = ref.get_object()
            if x.get("/Resources") is not None:
                _fonts(x["/Resources"], seen, out)


def assert_all_fonts_embedded(path: Path) -> int:
    reader = PdfReader(path)
    found: list[Any] = []
    seen: set[int] = set()
    for page in reader.pages:
        if page.get("/Resources") is not None:
            _fonts(page["/Resources"], seen, found)
    assert found, "no fonts found"
    for font in found:
        descendants = font.get("/DescendantFonts")
        target = descendants[0].get_object() if descendants else font
        descriptor = target.get("/FontDescriptor")
        assert descriptor is not None, (
            f"font {font.get('/BaseFont')} has no descriptor (standard-14?)"
        )
        descriptor = descriptor.get_object()
        assert any(k in descriptor for k in ("/FontFile", "/FontFile2", "/FontFile3")), font
        assert "Helvetica" not in str(font.get("/BaseFont")), font
    return len(found)


def test_every_font_is_embedded(demo_store: Store, tmp_path: Path) -> None:
    ledger = demo_store.ledgers.list(year=2025)[0]
    sheet = tmp_path / "sheet.pdf"
    pdf_sheet.export_sheet(demo_store, ledger.id, sheet)
    assert assert_all_fonts_embedded(sheet) >= 1
    summary = tmp_path / "summary.pdf"
    render_summary(demo_store, 2025, summary)
    assert assert_all_fonts_embedded(summary) >= 1


def test_metadata_holds_the_payload(demo_store: Store, tmp_path: Path) -> None:
    ledger = demo_store.ledgers.list(year=2025)[1]
    out = tmp_path / "s.pdf"
    pdf_sheet.export_sheet(demo_store, ledger.id, out)
    meta = PdfReader(out).metadata
    fields = sheet_data.parse_payload(str(meta["/Keywords"]))
    assert fields is not None
    assert fields["sha256"] == ledger_fingerprint(demo_store, ledger.id)
    assert fields["unit"] == ledger.unit_code
    assert fields["year"] == "2025"
    assert fields["rev"] == "1"
    assert fields["ledger"] == str(ledger.id)


def _other_value(store: Store, cat_key: str, key: str, ftype: FieldType, old: Any, rng: Any) -> Any:
    f = next(c for c in CATEGORIES if c.key == cat_key).field(key)
    if ftype in (FieldType.TEXT, FieldType.LONGTEXT):
        return f"{old or ''}改"
    if ftype == FieldType.ENUM:
        return next(c for c in f.choices if c != old)
    if ftype == FieldType.CREDIT_CODE:
        return credit_code(rng)
    if ftype == FieldType.PHONE:
        return "0571-88889999" if old != "0571-88889999" else "0571-88880000"
    if ftype == FieldType.DATE:
        return "2025-06-30" if old != "2025-06-30" else "2025-07-01"
    if ftype == FieldType.TARGET:
        return next(t["id"] for t in store.catalogue.targets() if t["id"] != old)
    if ftype == FieldType.CATALOGUE:
        return next(i["id"] for i in store.catalogue.items(f.link) if i["id"] != old)
    if ftype == FieldType.YEAR:
        return int(old or 2024) + 1
    return float(old or 0) + 1  # numbers, money, percent


def test_fingerprint_stable_and_changes_with_every_field(demo_store: Store, tmp_path: Path) -> None:
    ledger = next(
        ledger for ledger in demo_store.ledgers.list(year=2025) if ledger.status == "草稿"
    )
    first = ledger_fingerprint(demo_store, ledger.id)
    assert ledger_fingerprint(demo_store, ledger.id) == first  # stable across runs
    a = sheet_data.collect_sheet(demo_store, ledger.id)
    b = sheet_data.collect_sheet(demo_store, ledger.id)
    assert a.fingerprint == b.fingerprint == first
    rng = random.Random(7)
    seen = {first}
    changed = 0
    for cat in CATEGORIES:
        entry = demo_store.entries.list(ledger.id, cat.key)[0]
        for f in cat.fields:
            old = demo_store.entries.get(entry.id).values.get(f.key)
            new = _other_value(demo_store, cat.key, f.key, f.type, old, rng)
            demo_store.entries.update(entry.id, {f.key: new})
            fp = ledger_fingerprint(demo_store, ledger.id)
            assert fp not in seen, f"{cat.key}.{f.key} change not seen by the fingerprint"
            seen.add(fp)
            changed += 1
    assert changed == sum(len(c.fields) for c in CATEGORIES)
    demo_store.assessment.add_adjustment(ledger.id, 1, "加分理由")
    assert ledger_fingerprint(demo_store, ledger.id) not in seen
    assert short_code(first) != short_code(ledger_fingerprint(demo_store, ledger.id))


def test_print_records_revision_and_needs_reprint(demo_store: Store, tmp_path: Path) -> None:
    ledger = next(
        ledger for ledger in demo_store.ledgers.list(year=2025) if ledger.status == "草稿"
    )
    assert demo_store.prints.last(ledger.id) is None
    assert not verify.needs_reprint(demo_store, ledger.id)  # never printed
    pdf_sheet.export_sheet(demo_store, ledger.id, tmp_path / "a.pdf")
    rec = demo_store.prints.last(ledger.id)
    assert rec is not None and rec.revision == 1
    assert rec.fingerprint == ledger_fingerprint(demo_store, ledger.id)
    assert demo_store.prints.by_code(rec.code.lower().replace("-", "")) == [rec]
    assert not verify.needs_reprint(demo_store, ledger.id)
    assert any(r["action"] == "打印考核表" for r in demo_store.audit.log(ledger.id))
    entry = demo_store.entries.list(ledger.id)[0]
    demo_store.entries.update(entry.id, {"name": entry.name + "（调整）"})
    assert verify.needs_reprint(demo_store, ledger.id)
    pdf_sheet.export_sheet(demo_store, ledger.id, tmp_path / "b.pdf")
    assert not verify.needs_reprint(demo_store, ledger.id)
    assert [r.revision for r in demo_store.prints.list(ledger.id)] == [1, 2]
    assert "第 2 版" in "".join(page_texts(tmp_path / "b.pdf"))


def test_failed_write_records_no_print(demo_store: Store, tmp_path: Path) -> None:
    ledger = demo_store.ledgers.list(year=2025)[0]
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(OSError):
        pdf_sheet.export_sheet(demo_store, ledger.id, blocker / "sub" / "s.pdf")
    assert demo_store.prints.last(ledger.id) is None


def test_export_year_writes_every_unit_and_a_combined_file(
    demo_store: Store, tmp_path: Path
) -> None:
    ledgers = demo_store.ledgers.list(year=2025)[:3]
    keep = {ledger.id for ledger in ledgers}
    # keep the test fast: only three ledgers in 2025
    with demo_store.transaction() as c:
        c.execute(
            f"DELETE FROM ledgers WHERE year = 2025 AND id NOT IN ({','.join(map(str, keep))})"
        )
    calls: list[tuple[int, int, str]] = []
    paths = pdf_sheet.export_year(
        demo_store, 2025, tmp_path / "out", progress=lambda d, t, s: calls.append((d, t, s))
    )
    assert len(paths) == 4
    assert paths[-1].name == pdf_sheet.combined_filename(2025)
    unit_pages = [len(PdfReader(p).pages) for p in paths[:-1]]
    combined = page_texts(paths[-1])
    assert len(combined) == sum(unit_pages)
    # each sheet in the combined file is numbered on its own
    assert sum("第 1 页" in t for t in combined) == 3
    meta = PdfReader(paths[-1]).metadata
    assert len(sheet_data.PAYLOAD_RE.findall(str(meta["/Keywords"]))) == 3
    assert calls[-1][0] == calls[-1][1]
    assert all(demo_store.prints.last(i) is not None for i in keep)


@pytest.mark.parametrize("at", ["first", "second", "merge", "last"])
def test_export_year_cancel_leaves_nothing(demo_store: Store, tmp_path: Path, at: str) -> None:
    """All or nothing: a cancel at any report, even the last, leaves no file (finished,
    half-written or temporary) and no print record."""
    out = tmp_path / "out"
    out.mkdir()
    (out / "别的文件.txt").write_text("keep")  # the clerk's own files stay untouched

    def progress(done: int, total: int, label: str) -> None:
        stop = {"first": 0, "second": 1, "merge": total - 1, "last": total}[at]
        if done == stop:
            raise pdf_sheet.Cancelled

    with pytest.raises(pdf_sheet.Cancelled):
        pdf_sheet.export_year(demo_store, 2025, out, progress=progress)
    assert sorted(p.name for p in out.iterdir()) == ["别的文件.txt"]
    assert all(demo_store.prints.last(x.id) is None for x in demo_store.ledgers.list(year=2025))


def test_export_year_failed_placing_records_nothing(demo_store: Store, tmp_path: Path) -> None:
    """A destination that cannot be replaced (a folder under a sheet's name) fails the
    batch before the print records commit: none is written."""
    keep_ledgers(demo_store, 2)
    out = tmp_path / "out"
    out.mkdir()
    (out / pdf_sheet.combined_filename(2025)).mkdir()  # a folder where the file goes
    with pytest.raises(OSError):
        pdf_sheet.export_year(demo_store, 2025, out)
    assert all(demo_store.prints.last(x.id) is None for x in demo_store.ledgers.list(year=2025))
    # no unit file placed either (they would carry unrecorded revisions), no staging left
    assert [p.name for p in out.iterdir()] == [pdf_sheet.combined_filename(2025)]


def test_combined_file_is_the_unit_files_joined(demo_store: Store, tmp_path: Path) -> None:
    """Every page of every unit file, in order, with the same text; one payload each."""
    keep_ledgers(demo_store, 5)
    paths = pdf_sheet.export_year(demo_store, 2025, tmp_path / "out")
    unit_texts = [t for p in paths[:-1] for t in page_texts(p)]
    combined = page_texts(paths[-1])
    assert len(combined) == sum(len(PdfReader(p).pages) for p in paths[:-1])
    assert combined == unit_texts
    reader = PdfReader(paths[-1])
    payloads = sheet_data.PAYLOAD_RE.findall(str(reader.metadata["/Keywords"]))
    assert len(payloads) == 5 and len(set(payloads)) == 5
    assert "合并打印" in str(reader.metadata["/Title"])
    assert len(reader.outline) == 5  # one bookmark per sheet
    assert all(r.ok for r in verify.verify_pdf(demo_store, paths[-1]))


def test_font_setting_falls_back_to_bundled_font(demo_store: Store, tmp_path: Path) -> None:
    bad = tmp_path / "notafont.ttf"
    bad.write_bytes(b"this is not a font")
    ledger = demo_store.ledgers.list(year=2025)[0]
    for setting in (str(tmp_path / "missing.ttc"), str(bad)):
        demo_store.settings.set(PDF_FONT_PATH, setting)
        out = tmp_path / "s.pdf"
        pdf_sheet.export_sheet(demo_store, ledger.id, out, record=False)
        assert assert_all_fonts_embedded(out)
        fonts = PdfReader(out).pages[0]["/Resources"]["/Font"].values()
        assert all("WenQuanYi" in str(f.get_object()["/BaseFont"]) for f in fonts)


def test_summary_ranks_every_unit(demo_store: Store, tmp_path: Path) -> None:
    out = tmp_path / "summary.pdf"
    render_summary(demo_store, 2025, out)
    rows = ranking(demo_store, 2025)
    flat = squash("".join(page_texts(out)))
    for row in rows:
        assert squash(row.unit_name) in flat
        assert f"{row.total:.2f}" in flat
    assert rows[0].rank == 1
    assert all(a.total >= b.total for a, b in itertools.pairwise(rows))
    assert len(rows) == len(demo_store.ledgers.list(year=2025))


def test_empty_ledger_prints(store: Store, tmp_path: Path) -> None:
    ledger_id = draft_ledger(store)
    out = tmp_path / "empty.pdf"
    pdf_sheet.export_sheet(store, ledger_id, out)
    text = "".join(page_texts(out))
    assert "本类无条目" in text
    assert "0.00" in text


def test_row_taller_than_a_page_continues_on_the_next(store: Store, tmp_path: Path) -> None:
    ledger_id = draft_ledger(store)
    store.entries.add(ledger_id, "indicator", {"name": "甲乙"})
    store.entries.add(ledger_id, "indicator", {"name": "鑫" * 4000, "goal": 5, "actual": 4})
    store.entries.add(ledger_id, "indicator", {"name": "丙丁"})
    out = tmp_path / "tall.pdf"
    pdf_sheet.export_sheet(store, ledger_id, out, record=False)
    texts = page_texts(out)
    assert len(texts) >= 4
    flat = squash("".join(texts))
    assert flat.count("鑫") == 4000  # nothing cut off
    assert "甲乙" in flat and "丙丁" in flat
    for i, text in enumerate(texts[:-1], start=1):
        assert f"第 {i} 页 共 {len(texts)} 页" in text


def test_control_characters_are_not_printed(store: Store, tmp_path: Path) -> None:
    ledger_id = draft_ledger(store)
    store.entries.add(ledger_id, "indicator", {"name": "控\x01\x02\t制"})
    out = tmp_path / "ctl.pdf"
    pdf_sheet.export_sheet(store, ledger_id, out, record=False)
    text = "".join(page_texts(out))
    assert "\x00" not in text and "控 制" in text


def test_collect_sheet_reads_one_snapshot(demo_store: Store) -> None:
    """The sheet's data comes from one read transaction, alone or inside a write."""
    ledger = demo_store.ledgers.list()[0]
    alone = sheet_data.collect_sheet(demo_store, ledger.id)
    assert not demo_store.conn.in_transaction
    with demo_store.transaction():
        joined = sheet_data.collect_sheet(demo_store, ledger.id)
        assert demo_store.conn.in_transaction
    assert joined.fingerprint == alone.fingerprint == ledger_fingerprint(demo_store, ledger.id)
