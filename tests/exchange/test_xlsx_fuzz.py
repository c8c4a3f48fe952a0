"""Mutation fuzzing of Excel returns: truncated zips, corrupted bytes, wrong XML, huge
dimensions, zip bombs, XML entity attacks. Every case must end in either a complete
import or a clear Chinese message — never an uncaught exception, never a partial
write (row counts and the ledger fingerprint unchanged after a refusal).

The number of cases run is printed (``pytest -s``) and asserted to be at least
:data:`MIN_CASES`.
"""

from __future__ import annotations

import io
import random
import re
import time
import zipfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from openpyxl.utils import get_column_letter

from xihu_desktop.core.categories import CATEGORIES
from xihu_desktop.exchange import excel_export as ee
from xihu_desktop.exchange import excel_import as ei
from xihu_desktop.exchange.fingerprint import ledger_fingerprint
from xihu_desktop.exchange.xlsx_safety import UnusableFile
from xihu_desktop.store import Store, StoreError

MIN_CASES = 190
_CJK = re.compile(r"[\u4e00-\u9fff]")
ALLOWED = (UnusableFile, ei.ImportRefused, StoreError)
RESULTS: dict[str, int] = {}
OUTCOMES: dict[str, int] = {}


@pytest.fixture(scope="module")
def source(demo_template: Path, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A small database (one entry per category in a draft ledger) and its return."""
    folder = tmp_path_factory.mktemp("fuzz")
    src = Store.open(demo_template)
    db = folder / "fuzz.sqlite3"
    src.backup(db)
    src.close()
    with Store.open(db) as store:
        ledger = next(lg for lg in store.ledgers.list(year=2025) if lg.status == "草稿")
        for cat in CATEGORIES:
            extra = [e.id for e in store.entries.list(ledger.id, cat.key)[1:]]
            if extra:
                store.entries.delete(extra)
        ee.export_ledger(store, ledger.id, folder / "return.xlsx")
    yield folder


@pytest.fixture
def target(source: Path, tmp_path: Path) -> Iterator[tuple[Store, Path, int]]:
    db = tmp_path / "target.sqlite3"
    with Store.open(source / "fuzz.sqlite3") as src:
        src.backup(db)
    store = Store.open(db)
    ledger = next(lg for lg in store.ledgers.list(year=2025) if lg.status == "草稿")
    yield store, source / "return.xlsx", ledger.id
    store.close()


def _state(store: Store, ledger_id: int) -> tuple[Any, ...]:
    return tuple(store.counts().items()), ledger_fingerprint(store, ledger_id)


def _run_case(store: Store, ledger_id: int, path: Path, family: str, detail: str = "") -> str:
    """Import one mutated file; return 'imported' or 'refused'."""
    where = f"{family} {detail}".strip()
    before = _state(store, ledger_id)
    start = time.perf_counter()
    try:
        ei.import_file(store, path)
    except ALLOWED as exc:
        message = str(exc)
        assert message and _CJK.search(message), f"{where}: unclear message {message!r}"
        assert _state(store, ledger_id) == before, f"{where}: partial write after {message}"
        outcome = "refused"
    except Exception as exc:
        pytest.fail(f"{where}: uncaught {type(exc).__name__}: {exc!r} ({path.name})")
    else:
        outcome = "imported"
    assert store.integrity_check() == "ok"
    elapsed = time.perf_counter() - start
    assert elapsed < 60, f"{family}: {elapsed:.1f} s"
    RESULTS[family] = RESULTS.get(family, 0) + 1
    OUTCOMES[outcome] = OUTCOMES.get(outcome, 0) + 1
    return outcome


def _members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as zf:
        return {i.filename: zf.read(i) for i in zf.infolist()}


def _zip(members: dict[str, bytes], dest: Path) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    return dest


# ---------------------------------------------------------------- byte level


def test_truncated_files(target, tmp_path: Path) -> None:
    store, ret, lid = target
    data = ret.read_bytes()
    rng = random.Random(1)
    cuts = {0, 1, 2, 4, 8, 30, len(data) - 1, len(data) - 22, len(data) - 23, len(data) // 2}
    cuts |= {rng.randrange(1, len(data)) for _ in range(30)}
    for n, cut in enumerate(sorted(cuts)):
        path = tmp_path / f"trunc{n}.xlsx"
        path.write_bytes(data[:cut])
        assert _run_case(store, lid, path, "truncated") == "refused"


def test_corrupted_bytes(target, tmp_path: Path) -> None:
    store, ret, lid = target
    data = ret.read_bytes()
    rng = random.Random(2)
    for n in range(40):
        mutated = bytearray(data)
        for _ in range(rng.randint(1, 8)):
            mutated[rng.randrange(len(mutated))] = rng.randrange(256)
        path = tmp_path / f"flip{n}.xlsx"
        path.write_bytes(bytes(mutated))
        _run_case(store, lid, path, "corrupted bytes")


# ---------------------------------------------------------------- XML level


def _xml_mutations(rng: random.Random) -> list[tuple[str, Callable[[bytes], bytes | None]]]:
    def cut_half(b: bytes) -> bytes:
        return b[: len(b) // 2]

    def drop_slice(b: bytes) -> bytes:
        i = rng.randrange(len(b))
        return b[:i] + b[i + rng.randint(1, 200) :]

    def junk(b: bytes) -> bytes:
        i = rng.randrange(len(b))
        return b[:i] + rng.choice([b"<<>>", b"&", b"&bogus;", b"</x>", b"\x00\x01", b"]]>"]) + b[i:]

    def rename_tag(b: bytes) -> bytes:
        tags = re.findall(rb"<([a-zA-Z:]+)[ >/]", b)
        if not tags:
            return b + b"<"
        tag = rng.choice(tags)
        return b.replace(b"<" + tag, b"<zz" + tag, 1)

    def duplicate(b: bytes) -> bytes:
        i = rng.randrange(len(b))
        return b[:i] + b[i : i + 300] + b[i:]

    def drop_closing(b: bytes) -> bytes:
        closers = [m.start() for m in re.finditer(rb"</", b)]
        if not closers:
            return b[:-1]
        i = rng.choice(closers)
        end = b.find(b">", i)
        return b[:i] + b[end + 1 :]

    def not_utf8(b: bytes) -> bytes:
        return b.replace(b"UTF-8", b"UTF-16", 1) if b"UTF-8" in b else b"\xff\xfe" + b

    def empty(b: bytes) -> bytes:
        return b""

    def missing(b: bytes) -> None:
        return None

    def wrong_types(b: bytes) -> bytes:
        return re.sub(rb't="s"', b't="n"', b, count=3).replace(b't="n"', b't="b"', 2)

    return [
        ("cut_half", cut_half),
        ("drop_slice", drop_slice),
        ("junk", junk),
        ("rename_tag", rename_tag),
        ("duplicate", duplicate),
        ("drop_closing", drop_closing),
        ("not_utf8", not_utf8),
        ("empty", empty),
        ("missing", missing),
        ("wrong_types", wrong_types),
    ]


def test_wrong_xml(target, tmp_path: Path) -> None:
    store, ret, lid = target
    members = _members(ret)
    xml_names = [n for n in members if n.endswith((".xml", ".rels"))]
    rng = random.Random(3)
    mutations = _xml_mutations(rng)
    # Every mutation on the structural parts, then random pairs on any part.
    structural = [
        "xl/workbook.xml",
        "xl/sharedStrings.xml",
        "xl/_rels/workbook.xml.rels",
        "[Content_Types].xml",
        "xl/worksheets/sheet2.xml",
    ]
    plan = [(name, m) for name in structural for m in mutations]
    plan += [(rng.choice(xml_names), rng.choice(mutations)) for _ in range(30)]
    for n, (name, (label, mutate)) in enumerate(plan):
        changed = dict(members)
        result = mutate(members[name])
        if result is None:
            del changed[name]
        else:
            changed[name] = result
        path = _zip(changed, tmp_path / f"xml{n}.xlsx")
        _run_case(store, lid, path, "wrong XML", f"{label} in {name}")


def test_huge_dimensions_and_references(target, tmp_path: Path) -> None:
    store, ret, lid = target
    members = _members(ret)
    sheet = "xl/worksheets/sheet2.xml"
    xml = members[sheet]
    cases = {
        "dimension": re.sub(rb'<dimension ref="[^"]*"', b'<dimension ref="A1:XFD1048576"', xml),
        "last cell": xml.replace(
            b"</sheetData>", b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData>'
        ),
        "row beyond": xml.replace(
            b"</sheetData>", b'<row r="99999999"><c r="A99999999"><v>1</v></c></row></sheetData>'
        ),
        "bad ref": xml.replace(b'r="A4"', b'r="A0"', 1),
        "negative": xml.replace(b'r="4"', b'r="-4"', 1),
        "string index": re.sub(rb'(<c [^>]*t="s"[^>]*><v>)\d+', rb"\g<1>99999999", xml, count=1),
        "many columns": xml.replace(
            b"</sheetData>",
            b'<row r="50">'
            + b"".join(
                f'<c r="{get_column_letter(i)}50"><v>{i}</v></c>'.encode() for i in range(1, 1202)
            )
            + b"</row></sheetData>",
        ),
        "60001 rows": xml.replace(
            b"</sheetData>",
            b"".join(
                b'<row r="%d"><c r="A%d"><v>1</v></c></row>' % (r, r) for r in range(100, 60102)
            )
            + b"</sheetData>",
        ),
        "huge number": re.sub(
            rb"<v>(\d+(\.\d+)?)</v>", b"<v>1" + b"0" * 400 + b"</v>", xml, count=5
        ),
        "inf": re.sub(rb"<v>(\d+(\.\d+)?)</v>", b"<v>1e999</v>", xml, count=5),
        "nan": re.sub(rb"<v>(\d+(\.\d+)?)</v>", b"<v>NaN</v>", xml, count=5),
        "long string": xml.replace(
            b"</sheetData>",
            b'<row r="6"><c r="B6" t="inlineStr"><is><t>'
            + b"\xe9\x95\xbf" * 40000
            + b"</t></is></c></row></sheetData>",
        ),
    }
    for n, (label, data) in enumerate(cases.items()):
        changed = dict(members)
        changed[sheet] = data
        path = _zip(changed, tmp_path / f"dim{n}.xlsx")
        _run_case(store, lid, path, "huge dimensions", label)


# ---------------------------------------------------------------- zip bombs and entities


def _bomb(dest: Path, members: dict[str, bytes], name: str, size: int, chunk: bytes) -> Path:
    with zipfile.ZipFile(dest, "w", zipfile.ZIP_DEFLATED) as zf:
        for n, data in members.items():
            if n != name:
                zf.writestr(n, data)
        with zf.open(name, "w", force_zip64=True) as fh:
            head = members[name].split(b"<sheetData>")[0] + b"<sheetData>"
            fh.write(head)
            block = chunk * (1024 * 1024 // len(chunk))
            for _ in range(size // len(block)):
                fh.write(block)
            fh.write(b"</sheetData></worksheet>")
    return dest


def test_zip_bombs(target, tmp_path: Path) -> None:
    store, ret, lid = target
    members = _members(ret)
    sheet = "xl/worksheets/sheet2.xml"
    cases = [
        _bomb(tmp_path / "bomb1.xlsx", members, sheet, 100 * 1024 * 1024, b" "),
        _bomb(tmp_path / "bomb2.xlsx", members, sheet, 60 * 1024 * 1024, b"<row/>"),
        _bomb(tmp_path / "bomb3.xlsx", members, "xl/sharedStrings.xml", 80 * 1024 * 1024, b"\n"),
    ]
    many = dict(members)
    many.update({f"xl/media/pad{i}.bin": b"" for i in range(3000)})
    cases.append(_zip(many, tmp_path / "many.xlsx"))
    nested = io.BytesIO()
    _zip(members, tmp_path / "inner.xlsx")
    nested.write((tmp_path / "inner.xlsx").read_bytes())
    cases.append(_zip({"return.xlsx": nested.getvalue()}, tmp_path / "nested.xlsx"))
    for path in cases:
        assert _run_case(store, lid, path, "zip bomb") == "refused"


_LAUGHS = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE lolz [\n<!ENTITY lol "lol">\n'
    + b"".join(
        b'<!ENTITY lol%d "%s">\n' % (i, (b"&lol%d;" % (i - 1) if i > 1 else b"&lol;") * 10)
        for i in range(1, 10)
    )
    + b"]>\n"
)
_XXE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>\n'
)
_REMOTE = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n<!DOCTYPE x SYSTEM "http://127.0.0.1:9/evil.dtd">\n'
)
_PARAM = (
    b'<?xml version="1.0" encoding="UTF-8"?>\n'
    b'<!DOCTYPE x [<!ENTITY % p SYSTEM "file:///etc/passwd"> %p;]>\n'
)


def _with_doctype(xml: bytes, doctype: bytes, ref: bytes | None) -> bytes:
    body = re.sub(rb"^<\?xml[^>]*\?>\s*", b"", xml)
    if ref is not None:
        body = re.sub(rb"<t([^>]*)>", rb"<t\1>" + ref, body, count=3)
    return doctype + body


def test_xml_entity_attacks(target, tmp_path: Path) -> None:
    store, ret, lid = target
    members = _members(ret)
    parts = [
        "xl/sharedStrings.xml",
        "xl/worksheets/sheet2.xml",
        "xl/workbook.xml",
        "[Content_Types].xml",
        "xl/_rels/workbook.xml.rels",
    ]
    attacks = [(_LAUGHS, b"&lol9;"), (_XXE, b"&xxe;"), (_REMOTE, None), (_PARAM, None)]
    n = 0
    for part in parts:
        for doctype, ref in attacks:
            changed = dict(members)
            changed[part] = _with_doctype(members[part], doctype, ref)
            path = _zip(changed, tmp_path / f"entity{n}.xlsx")
            _run_case(store, lid, path, "XML entities")
            n += 1
    # The secret never reaches the database.
    assert not store.audit.log(text="root:x:0:0")
    assert not store.audit.log(text="lollollol")


def test_case_count(request: pytest.FixtureRequest) -> None:
    """Runs last in this module: how many cases ran (see the report of issue 6)."""
    total = sum(RESULTS.values())
    print(f"\nxlsx fuzz cases: {total} " + ", ".join(f"{k} {v}" for k, v in RESULTS.items()))
    print("outcomes: " + ", ".join(f"{k} {v}" for k, v in OUTCOMES.items()))
    if len(RESULTS) == 6:
        assert total >= MIN_CASES
