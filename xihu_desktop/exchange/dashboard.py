"""The 区看板 as tables: units × categories completion and the ranking (pandas).

``dashboard_frame`` pivots :meth:`store.dashboard.figures` into one row per unit with a
column per category (completion in %, empty where the unit has no entry in it), the total
score, grade, rank and light counts; sorted by score, ties sharing a rank
(:mod:`core.ranking`). pandas is imported here only, when a frame is asked for.
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from ..core.categories import CATEGORIES
from ..core.enums import UnitKind
from ..core.ranking import DECIMALS
from ..store import Store

if TYPE_CHECKING:
    import pandas as pd

#: the frame's columns besides the categories' short labels (重点指标 …)
UNIT, CODE, KIND, STATUS = "单位", "代码", "类型", "台账状态"
TOTAL, GRADE, RANK = "总分", "等级", "排名"
GREEN, YELLOW, RED = "绿灯", "黄灯", "红灯"
UNIT_ID, LEDGER_ID = "unit_id", "ledger_id"


def _kind_label(kind: str) -> str:
    try:
        return UnitKind(kind).label
    except ValueError:
        return kind


def dashboard_frame(
    store: Store, year: int, kind: str | None = None, as_of: dt.date | None = None
) -> pd.DataFrame:
    """One row per unit of ``kind`` (all when None), best score first, with its rank.

    Columns: 排名, 单位, 代码, 类型, 台账状态, the six categories' completion (%), 总分,
    等级, 绿灯, 黄灯, 红灯, and ``unit_id`` / ``ledger_id``. Units without a ledger come
    last with no rank, score or completion.
    """
    import pandas as pd

    figures = store.dashboard.figures(year, kind, as_of)
    long = pd.DataFrame(
        [
            {UNIT_ID: f.unit_id, "category": c.short, "completion": f.completion(c.key)}
            for f in figures
            for c in CATEGORIES
        ],
        columns=[UNIT_ID, "category", "completion"],
    )
    shorts = [c.short for c in CATEGORIES]
    pivot = long.pivot_table(
        index=UNIT_ID, columns="category", values="completion", aggfunc="first", dropna=False
    ).reindex(columns=shorts)
    units = pd.DataFrame(
        [
            {
                UNIT_ID: f.unit_id,
                LEDGER_ID: f.ledger_id,
                UNIT: f.unit_name,
                CODE: f.unit_code,
                KIND: _kind_label(f.unit_kind),
                STATUS: f.ledger_status or "无台账",
                TOTAL: f.total,
                GRADE: f.grade,
                GREEN: f.lights.get("green", 0),
                YELLOW: f.lights.get("yellow", 0),
                RED: f.lights.get("red", 0),
            }
            for f in figures
        ],
        columns=[UNIT_ID, LEDGER_ID, UNIT, CODE, KIND, STATUS, TOTAL, GRADE, GREEN, YELLOW, RED],
    )
    frame = units.join(pivot, on=UNIT_ID)
    frame[TOTAL] = frame[TOTAL].astype("float64")
    # ties as shown: rounded to two decimals; equal scores share the best rank (1, 2, 2, 4)
    frame[RANK] = frame[TOTAL].round(DECIMALS).rank(method="min", ascending=False).astype("Int64")
    frame[LEDGER_ID] = frame[LEDGER_ID].astype("Int64")
    frame = frame.sort_values([RANK, CODE], na_position="last", kind="stable")
    order = [RANK, UNIT, CODE, KIND, STATUS, *shorts, TOTAL, GRADE, GREEN, YELLOW, RED]
    return frame[[*order, UNIT_ID, LEDGER_ID]].reset_index(drop=True)


def ranking_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """The frame as plain rows (NaN → None), for JSON and the command line."""
    columns = [c for c in frame.columns if c not in (UNIT_ID, LEDGER_ID)]
    rows = []
    for record in frame[columns].astype(object).to_dict("records"):
        rows.append({str(k): (None if _missing(v) else v) for k, v in record.items()})
    return rows


def _missing(value: Any) -> bool:
    try:
        return bool(value != value) or value is None  # NaN, NA
    except (TypeError, ValueError):
        return value is None
