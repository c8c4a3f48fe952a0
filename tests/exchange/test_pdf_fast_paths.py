"""The sheet's fast paths draw exactly what reportlab's own calls would.

Wrapped cells skip the markup parser (:func:`pdf_furniture.plain_paragraph`) and table
strings reuse their PDF operators (``pdf_tables._TextOut``); both must leave the PDF
byte for byte as the slow calls do (reportlab's invariant mode: no dates, fixed ids).
"""

from __future__ import annotations

from pathlib import Path

import pytest
from reportlab import rl_config
from reportlab.platypus import Paragraph

from xihu_desktop.exchange import pdf_furniture, pdf_sheet, pdf_tables, sheet_data
from xihu_desktop.exchange.pdf_fonts import font_for_store
from xihu_desktop.store import Store

TEXTS = [
    "西湖区数字经济核心产业增加值",
    "  前后有空格  ",
    "中间  有\t多个   空白",
    "A&B <科技> 有限公司 & 研究院 &amp; 已转义",
    "不换行\xa0空格",
    "很长的文字" * 30,
    "Latin words that wrap at spaces rather than between characters " * 3,
    "emoji 🚀 和 罕见字 𠀀",
    "5% ≥ 3‰ ±2",
]


@pytest.mark.parametrize("text", TEXTS)
def test_plain_paragraph_equals_the_parsed_one(demo_store: Store, text: str) -> None:
    styles = pdf_furniture.Styles(font_for_store(demo_store))
    for style in (styles.cell, styles.head, styles.small):
        fast = pdf_furniture.plain_paragraph(text, style)
        slow = Paragraph(pdf_furniture.escape(text), style)
        assert [vars(f) for f in fast.frags] == [vars(f) for f in slow.frags]
        assert fast.text == slow.text or not text.strip()
        for width in (30.0, 80.0, 400.0):
            assert fast.wrap(width, 1e6) == slow.wrap(width, 1e6)
            assert repr(fast.blPara.lines) == repr(slow.blPara.lines)


def _render(store: Store, ledger_id: int, out: Path) -> bytes:
    sheet = sheet_data.collect_sheet(store, ledger_id, revision=1)
    sheet.generated_at = "2025-01-01 00:00"
    pdf_sheet.render_sheets([sheet], out, font_for_store(store))
    return out.read_bytes()


def test_sheets_are_byte_identical_with_the_slow_calls(
    demo_store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(rl_config, "invariant", 1)
    ledgers = [lg for lg in demo_store.ledgers.list(year=2025) if lg.status == "草稿"]
    ledger = max(ledgers, key=lambda lg: sum(demo_store.entries.counts(lg.id).values()))
    entry = demo_store.entries.list(ledger.id, "project")[0]
    demo_store.entries.update(entry.id, {"name": "A&B <公司>  " + "很长的项目名称" * 12})
    fast = _render(demo_store, ledger.id, tmp_path / "fast.pdf")

    def slow_paragraph(text: str, style: object) -> Paragraph:
        return Paragraph(pdf_furniture.escape(text), style)

    monkeypatch.setattr(pdf_furniture, "plain_paragraph", slow_paragraph)
    monkeypatch.setattr(
        pdf_tables._TextOut,
        "__call__",
        lambda self, string: self.text.textOut(string),
    )
    slow = _render(demo_store, ledger.id, tmp_path / "slow.pdf")
    assert fast == slow
    # the comparison can fail: another name changes the bytes
    demo_store.entries.update(entry.id, {"name": "另一个名称"})
    assert _render(demo_store, ledger.id, tmp_path / "other.pdf") != slow
