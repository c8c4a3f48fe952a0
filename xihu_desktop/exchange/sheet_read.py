"""Read back the figures printed on an assessment sheet PDF (its page text, via pypdf).

A sheet prints its total and grade twice (the info block and the score table), each
category's points and score in its heading, its subtotal line and the score table,
its entry count in the subtotal line and the score table, and its verification code
and print revision in the info block and every page footer. :func:`printed_sheets`
splits a PDF's pages into sheets (a footer “第 1 页 共 N 页” starts one) and
:func:`compare` lists every printed figure that differs from the data, or that a
sheet made by this program would print but cannot be found.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from ..core.categories import CATEGORIES
from ..core.progress_fields import CN_QUARTERS
from .sheet_data import SheetFigures

_NUM = r"(-?[\d,]+\.\d{2})"
_GRADE = r"(优秀|良好|合格|不合格)"
_PAGE_RE = re.compile(r"第\s*(\d+)\s*页\s*共\s*(\d+)\s*页")
_CODE_RE = re.compile(r"验证码\s*([0-9A-Z]{5}-[0-9A-Z]{5})")
_REVISION_RE = re.compile(r"(?:打印版次\s*第|打印第)\s*(\d+)\s*版")
# labels and values are whole lines of the extracted text (table cells): a clerk's text
# mentioning “总分 95.00” inside a sentence is not read as a printed figure
_TOTAL_RE = re.compile(r"(?m)^\s*(?:考核总分|总分)\s+" + _NUM + r"\s*$")
_GRADE_RE = re.compile(r"(?m)^\s*考核等级\s+" + _GRADE)
_SUBTOTAL_RE = re.compile(r"小计\s*共\s*(\d+)\s*项\s*" + _NUM + r"\s*" + _NUM)
_EMPTY = "本类无条目"
_QUARTER_RE = re.compile(r"截至\s*第\s*([一二三四1-4])\s*季度")
_QUARTER_OF = {**{v: k for k, v in CN_QUARTERS.items()}, **{str(k): k for k in CN_QUARTERS}}


def printed_quarter(text: str) -> int | None:
    """The quarter a sheet's text says its figures stand at (“截至第二季度”), or None."""
    found = _QUARTER_RE.search(text)
    return _QUARTER_OF[found[1]] if found else None


@dataclass
class PrintedSheet:
    """The text of one sheet's pages and the figures found in it (all occurrences)."""

    pages: list[int]
    text: str = ""
    codes: list[str] = field(default_factory=list)

    def values(self) -> dict[str, list[str]]:
        """Each figure's printed texts, keyed by the name used in messages."""
        text = self.text
        found: dict[str, list[str]] = {
            "验证码": _CODE_RE.findall(text),
            "打印版次": _REVISION_RE.findall(text),
            "总分": _TOTAL_RE.findall(text),
            "等级": _GRADE_RE.findall(text),
        }
        tail = text[text.rfind("考核得分") :] if "考核得分" in text else ""
        for cat in CATEGORIES:
            label = re.escape(cat.label)
            heading = re.findall(label + r"（分值\s*" + _NUM + r"，\s*得分\s*" + _NUM + "）", text)
            row = re.findall(r"(?m)^\s*" + label + r"\s+(\d+)\s+" + _NUM + r"\s+" + _NUM, tail)
            found[f"{cat.label}条目数"] = [r[0] for r in row]
            found[f"{cat.label}分值"] = [h[0] for h in heading] + [r[1] for r in row]
            found[f"{cat.label}得分"] = [h[1] for h in heading] + [r[2] for r in row]
        found["小计"] = [" ".join(s) for s in _SUBTOTAL_RE.findall(text)]
        return found


def printed_sheets(page_texts: Iterable[str]) -> list[PrintedSheet]:
    """The sheets of a PDF from its pages' text: a footer “第 1 页” starts the next one."""
    sheets: list[PrintedSheet] = []
    for number, text in enumerate(page_texts, start=1):
        pages = _PAGE_RE.findall(text)
        if not sheets or (pages and pages[-1][0] == "1"):
            sheets.append(PrintedSheet([]))
        sheet = sheets[-1]
        sheet.pages.append(number)
        sheet.text += "\n" + text
    for sheet in sheets:
        sheet.codes = list(dict.fromkeys(_CODE_RE.findall(sheet.text)))
    return sheets


def _expected(figures: SheetFigures) -> dict[str, str]:
    expected = {"验证码": figures.code, "总分": figures.total, "等级": figures.grade}
    if figures.revision:
        expected["打印版次"] = str(figures.revision)
    for c in figures.categories:
        expected[f"{c.label}条目数"] = str(c.count)
        expected[f"{c.label}分值"] = c.points
        expected[f"{c.label}得分"] = c.score
    return expected


def compare(figures: SheetFigures, sheet: PrintedSheet) -> list[str]:
    """Every printed figure that differs from ``figures`` (or is missing), as sentences."""
    printed = sheet.values()
    problems: list[str] = []
    for name, want in _expected(figures).items():
        seen = printed.get(name, [])
        if not seen:
            problems.append(f"PDF 上找不到印刷的{name}（数据为 {want}）")
            continue
        for value in dict.fromkeys(seen):
            if value.replace(",", "") != want.replace(",", ""):
                problems.append(f"印刷的{name} {value} 与数据 {want} 不符")
    subtotals = [f"{c.count} {c.points} {c.score}" for c in figures.categories if c.count]
    if [s.replace(",", "") for s in printed["小计"]] != [s.replace(",", "") for s in subtotals]:
        problems.append(
            f"印刷的小计（{'；'.join(printed['小计']) or '无'}）与数据（{'；'.join(subtotals)}）不符"
        )
    empty = sum(1 for c in figures.categories if not c.count)
    if sheet.text.count(_EMPTY) != empty:
        problems.append(f"印刷的“本类无条目”有 {sheet.text.count(_EMPTY)} 处，数据为 {empty} 类")
    return problems
