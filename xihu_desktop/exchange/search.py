"""District-wide full-text search (``xihu search``, the dashboard's search box).

A thin door over ``store.search``: the window and the command line search the same
way. Words of three or more characters are found anywhere in an entry's name and text
fields (推进措施, 年度目标任务, 季度节点, 业主单位, 备注 …), shorter ones too; every word
must occur. Best match first, then the later year.
"""

from __future__ import annotations

from ..store import Store
from ..store.search import SearchHit

__all__ = ["SearchHit", "search"]


def search(
    store: Store, text: str, *, year: int | None = None, limit: int = 200
) -> list[SearchHit]:
    """The entries holding every word of ``text`` (``year``: only that year's ledgers).

    Any text is safe: quotes, AND/OR/NEAR, ``*`` or ``-`` are searched as typed. In a
    unit's own file only that unit's entries are found.
    """
    return store.search.find(text, year=year, limit=limit)
