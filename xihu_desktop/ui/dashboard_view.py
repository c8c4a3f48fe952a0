"""区看板: every unit's completion by category as a heat map, ranking, charts and search.

:class:`DashboardView` is a non-modal window over ``store.dashboard.ranking`` for one year
and unit kind: a table of units × categories (completion in %, coloured green ≥ 90,
yellow ≥ 60, red below, grey where the unit has no entry) with 总分, 等级 and 排名; two
bar charts (:mod:`.dashboard_charts`, QtCharts loaded when the view opens); and a search
box over all entries (:func:`exchange.search.search`). Double-clicking a unit's cell asks
the window to open that ledger (:attr:`~DashboardView.unitActivated`) on the category's tab
(:attr:`~DashboardView.categoryActivated`); activating a search hit opens its ledger at the
entry (:attr:`~DashboardView.entryActivated`). Store changes refresh it (debounced).
"""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QModelIndex, QSortFilterProxyModel, Qt, QTimer, Signal
from PySide6.QtGui import QBrush, QColor, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QScrollArea,
    QSplitter,
    QTableView,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ..core.categories import CATEGORIES, CATEGORY_BY_KEY
from ..store import Changes, Store, StoreError
from ..store.dashboard import UnitFigures
from .list_model import Index, RecordListModel
from .operations import ChangeHub
from .status_view import KIND_FILTERS

if TYPE_CHECKING:
    from ..exchange.search import SearchHit
    from .dashboard_charts import LightsChart, ScoreChart
    from .dashboard_loader import DashboardAnswer, DashboardLoader
    from .main_window import MainWindow

HEAT_GREEN = QColor("#b7e1b5")  # ≥ 90 %
HEAT_YELLOW = QColor("#ffe69a")  # ≥ 60 %
HEAT_RED = QColor("#f5b7b1")  # below 60 %
HEAT_EMPTY = QColor("#e6e6e6")  # no entry in the category
GREEN_FROM, YELLOW_FROM = 90.0, 60.0
REFRESH_MS = 300  # changes arriving within this time refresh once

Row = tuple[int | None, UnitFigures]  # (rank, figures)


def heat_colour(completion: float | None) -> QColor:
    """The heat-map colour of a completion in %."""
    if completion is None:
        return HEAT_EMPTY
    if completion >= GREEN_FROM - 1e-9:
        return HEAT_GREEN
    if completion >= YELLOW_FROM - 1e-9:
        return HEAT_YELLOW
    return HEAT_RED


class DashboardModel(RecordListModel):
    """Rows of (rank, :class:`UnitFigures`); read-only."""

    HEADERS = ("排名", "单位", "类型", *(c.short for c in CATEGORIES), "总分", "等级")
    RANK, UNIT, KIND = 0, 1, 2
    FIRST_CATEGORY = 3
    TOTAL = FIRST_CATEGORY + len(CATEGORIES)
    GRADE = TOTAL + 1

    def figures(self, row: int) -> UnitFigures:
        figures: UnitFigures = self.rows[row][1]
        return figures

    def category_key(self, column: int) -> str | None:
        """The category of a column (None for the other columns)."""
        i = column - self.FIRST_CATEGORY
        return CATEGORIES[i].key if 0 <= i < len(CATEGORIES) else None

    def values(self, record: Row) -> tuple[Any, ...]:
        rank, f = record
        return (
            rank,
            f.unit_name,
            f.kind_label,
            *(f.completion(c.key) for c in CATEGORIES),
            f.total,
            f.grade or ("无台账" if f.ledger_id is None else ""),
        )

    def data(self, index: Index, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid():
            return None
        rank, f = self.rows[index.row()]
        column = index.column()
        key = self.category_key(column)
        if role == self.RowRole:
            return f
        if role == self.SortRole:
            value = self.values(self.rows[index.row()])[column]
            if value is None:  # no rank, score or entries: after every number
                return float("inf") if column == self.RANK else -1.0
            return value
        if role == Qt.ItemDataRole.BackgroundRole:
            return QBrush(heat_colour(f.completion(key))) if key is not None else None
        if role == Qt.ItemDataRole.DisplayRole:
            if key is not None:
                value = f.completion(key)
                return "" if value is None else f"{value:.1f}%"
            if column == self.TOTAL:
                return "" if f.total is None else f"{f.total:.2f}"
            if column == self.RANK:
                return "" if rank is None else str(rank)
        if role == Qt.ItemDataRole.ToolTipRole and key is not None:
            figure = f.categories.get(key)
            label = CATEGORY_BY_KEY[key].label
            if figure is None:
                return f"{f.unit_name} · {label}：无条目"
            return (
                f"{f.unit_name} · {label}：{figure.entries} 条，"
                f"得分 {figure.score:.2f} / {figure.points:.2f}（{figure.completion:.1f}%）"
                "\n双击打开该单位台账"
            )
        if role == Qt.ItemDataRole.TextAlignmentRole and (key is not None or column != self.UNIT):
            return int(Qt.AlignmentFlag.AlignCenter)
        return super().data(index, role)


#: the table's column widths in em (the unit column takes the rest)
_COLUMN_EMS = {
    DashboardModel.RANK: 3.0,
    DashboardModel.KIND: 3.0,
    **{DashboardModel.FIRST_CATEGORY + i: 5.0 for i in range(len(CATEGORIES))},
    DashboardModel.TOTAL: 4.5,
    DashboardModel.GRADE: 4.0,
}


class HitModel(RecordListModel):
    """Search hits: unit, year, category, name, snippet."""

    HEADERS = ("单位", "年度", "类别", "名称", "摘要")

    def values(self, record: SearchHit) -> tuple[Any, ...]:
        cat = CATEGORY_BY_KEY.get(record.category)
        return (
            record.unit_name,
            record.year,
            cat.short if cat else record.category,
            record.name,
            record.snippet,
        )

    def hit(self, row: int) -> SearchHit:
        hit: SearchHit = self.rows[row]
        return hit


class DashboardView(QDialog):
    """The 区看板 of one year (non-modal)."""

    unitActivated = Signal(int, int)  # unit id, year: open that unit's ledger
    categoryActivated = Signal(str)  # then show this category's tab
    entryActivated = Signal(int, str)  # then this entry (id, category) of a search hit
    loaded = Signal()  # the figures shown are those of the latest request

    def __init__(
        self,
        store: Store,
        year: int,
        hub: ChangeHub | None = None,
        parent: QWidget | None = None,
        as_of: dt.date | None = None,
        background: bool = False,
    ) -> None:
        """``background``: read the figures on a pool thread (:mod:`.dashboard_loader`):
        the view shows at once, says 计算中 and fills in (the window's 区看板 does)."""
        super().__init__(parent)
        from .dashboard_charts import LightsChart, ScoreChart

        self.store, self.year, self.as_of = store, year, as_of
        self.loading = False
        self.loader: DashboardLoader | None = None
        if background:
            from .dashboard_loader import DashboardLoader

            self.loader = DashboardLoader(store, self)
            self.loader.ready.connect(self._answered)
            self.loader.failed.connect(self._failed)
        self.setModal(False)
        self.setWindowFlag(Qt.WindowType.WindowMaximizeButtonHint, True)
        self._stale = True
        self.model = DashboardModel()
        self.proxy = QSortFilterProxyModel(self)
        self.proxy.setSortRole(DashboardModel.SortRole)
        self.proxy.setSourceModel(self.model)
        self.hits = HitModel()

        self.year_box = QComboBox(self)
        self.year_box.setObjectName("dashboardYear")
        years = sorted({*_plan_years(store), year})
        for y in years:
            self.year_box.addItem(f"{y}年", y)
        self.year_box.setCurrentIndex(years.index(year))
        self.year_box.currentIndexChanged.connect(self._year_changed)
        self.kind_box = QComboBox(self)
        self.kind_box.setObjectName("dashboardKind")
        for label, kind in KIND_FILTERS:
            self.kind_box.addItem(label, kind)
        self.kind_box.currentIndexChanged.connect(lambda _i: self.reload())
        self.search_box = QLineEdit(self)
        self.search_box.setObjectName("dashboardSearch")
        self.search_box.setPlaceholderText("全区搜索条目（回车）")
        self.search_box.setClearButtonEnabled(True)
        self.search_box.returnPressed.connect(self.run_search)
        top = QHBoxLayout()
        top.addWidget(QLabel("年度：", self))
        top.addWidget(self.year_box)
        top.addSpacing(12)
        top.addWidget(QLabel("单位类型：", self))
        top.addWidget(self.kind_box)
        top.addStretch(1)
        top.addWidget(self.search_box, 2)

        self.table = QTableView(self)
        self.table.setObjectName("dashboardTable")
        self.table.setModel(self.proxy)
        self.table.horizontalHeader().setSortIndicator(-1, Qt.SortOrder.AscendingOrder)
        self.table.setSortingEnabled(True)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectItems)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().setVisible(False)
        header = self.table.horizontalHeader()
        # widths from the font, not ResizeToContents: that asks every cell's data on each
        # layout pass (18,000 data() calls for 70 units when the view is shown)
        header.setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(DashboardModel.UNIT, QHeaderView.ResizeMode.Stretch)
        em = self.fontMetrics().horizontalAdvance("中")
        for column, chars in _COLUMN_EMS.items():
            header.resizeSection(column, int(em * chars))
        self.table.doubleClicked.connect(self._cell_activated)
        self.table.setToolTip("完成度 = 该类得分 ÷ 该类分值；双击打开该单位台账")

        self.score_chart: ScoreChart = ScoreChart(self)
        self.lights_chart: LightsChart = LightsChart(self)
        self.hit_table = QTableView(self)
        self.hit_table.setObjectName("dashboardHits")
        self.hit_table.setModel(self.hits)
        self.hit_table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.hit_table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.hit_table.verticalHeader().setVisible(False)
        self.hit_table.horizontalHeader().setStretchLastSection(True)
        self.hit_table.activated.connect(self._hit_activated)
        self.hit_table.doubleClicked.connect(self._hit_activated)
        self.side = QTabWidget(self)
        self.side.setObjectName("dashboardSide")
        for chart, label in ((self.score_chart, "得分"), (self.lights_chart, "红黄绿灯")):
            scroll = QScrollArea(self)
            scroll.setWidgetResizable(True)
            scroll.setWidget(chart)
            self.side.addTab(scroll, label)
        self.side.addTab(self.hit_table, "搜索结果")

        splitter = QSplitter(Qt.Orientation.Horizontal, self)
        splitter.addWidget(self.table)
        splitter.addWidget(self.side)
        splitter.setStretchFactor(0, 3)
        splitter.setStretchFactor(1, 2)
        self.summary_label = QLabel(self)
        self.summary_label.setObjectName("dashboardSummary")
        legend = QLabel(
            "<span style='background:#b7e1b5'>&nbsp;≥90%&nbsp;</span> "
            "<span style='background:#ffe69a'>&nbsp;≥60%&nbsp;</span> "
            "<span style='background:#f5b7b1'>&nbsp;&lt;60%&nbsp;</span> "
            "<span style='background:#e6e6e6'>&nbsp;无条目&nbsp;</span>",
            self,
        )
        bottom = QHBoxLayout()
        bottom.addWidget(self.summary_label, 1)
        bottom.addWidget(legend)
        layout = QVBoxLayout(self)
        layout.addLayout(top)
        layout.addWidget(splitter, 1)
        layout.addLayout(bottom)
        em = self.fontMetrics().horizontalAdvance("中")
        self.resize(em * 110, em * 50)

        self._refresh = QTimer(self)
        self._refresh.setSingleShot(True)
        self._refresh.setInterval(REFRESH_MS)
        self._refresh.timeout.connect(self.reload)
        if hub is not None:
            hub.changed.connect(self.on_changes)
        self.set_year(year)

    # ------------------------------------------------------------ loading

    @property
    def kind(self) -> str | None:
        kind: str | None = self.kind_box.currentData()
        return kind

    def set_year(self, year: int) -> None:
        self.year = year
        index = self.year_box.findData(year)
        if index < 0:
            self.year_box.addItem(f"{year}年", year)
            index = self.year_box.count() - 1
        self.year_box.blockSignals(True)
        self.year_box.setCurrentIndex(index)
        self.year_box.blockSignals(False)
        self.setWindowTitle(f"区看板 — {year}年")
        self.reload()

    def _year_changed(self) -> None:
        year = self.year_box.currentData()
        if isinstance(year, int) and year != self.year:
            self.set_year(year)

    def reload(self) -> None:
        """Read the year's figures (one aggregate query) and redraw table and charts;
        in the background when the view has a loader (then :attr:`loaded` tells)."""
        self._refresh.stop()
        if self.store.closed:
            return
        if self.loader is not None:
            self.loading = True
            self._stale = False
            self.summary_label.setText(f"正在计算{self.year}年各单位得分…")
            self.loader.request(self.year, self.kind, self.as_of)
            return
        self._show_rows(self.store.dashboard.ranking(self.year, self.kind, self.as_of))

    def _answered(self, answer: DashboardAnswer) -> None:
        wanted = answer.request
        if (wanted.year, wanted.kind, wanted.as_of) != (self.year, self.kind, self.as_of):
            self.reload()  # the year or kind changed while it was computed
            return
        self._show_rows(answer.rows)

    def _failed(self, message: str) -> None:
        self.loading = False
        self.summary_label.setText(f"看板数据读取失败：{message}")

    def close_loader(self) -> None:
        """Stop the background reads (the window closes)."""
        if self.loader is not None:
            self.loader.close()

    def _show_rows(self, rows: list[Row]) -> None:
        self.loading = False
        self.model.set_rows(rows)
        figures = [f for _, f in rows]
        self.score_chart.set_rows(figures)
        self.lights_chart.set_rows(figures)
        self._stale = False
        scored = [f for f in figures if f.total is not None]
        grades: dict[str, int] = {}
        for f in scored:
            grades[f.grade or ""] = grades.get(f.grade or "", 0) + 1
        text = f"{len(figures)} 个单位，{len(scored)} 个有{self.year}年台账"
        if scored:
            mean = sum(f.total or 0.0 for f in scored) / len(scored)
            text += f"，平均 {mean:.2f} 分；" + "，".join(f"{g} {n}" for g, n in grades.items())
        self.summary_label.setText(text)
        self.loaded.emit()

    def on_changes(self, changes: Changes) -> None:
        """Refresh (once for a burst of writes) when ledgers, units or scoring changed."""
        if (
            changes.ledgers
            or changes.rows
            or changes.units
            or f"scoring.{self.year}" in changes.settings
        ):
            if self.isVisible():
                self._refresh.start()
            else:
                self._stale = True

    def showEvent(self, event: QShowEvent) -> None:
        if self._stale:
            self.reload()
        super().showEvent(event)

    def shown(self) -> list[UnitFigures]:
        """The rows in the order shown."""
        return [
            self.model.figures(self.proxy.mapToSource(self.proxy.index(row, 0)).row())
            for row in range(self.proxy.rowCount())
        ]

    # ------------------------------------------------------------ actions

    def _cell_activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        source = self.proxy.mapToSource(index)
        figures = self.model.figures(source.row())
        self.unitActivated.emit(figures.unit_id, self.year)
        key = self.model.category_key(source.column())
        if key is not None:
            self.categoryActivated.emit(key)

    def run_search(self) -> list[SearchHit]:
        """Search every entry of every year for the box's text; show the hits."""
        from ..exchange import search as fts

        text = self.search_box.text().strip()
        if not text:
            self.hits.set_rows([])
            return []
        try:
            hits = fts.search(self.store, text)
        except StoreError as exc:
            self.summary_label.setText(f"搜索失败：{exc}")
            return []
        self.hits.set_rows(hits)
        self.hit_table.resizeColumnsToContents()
        self.side.setCurrentWidget(self.hit_table)
        self.summary_label.setText(
            f"“{text}”：找到 {len(hits)} 条" if hits else f"“{text}”：没有找到"
        )
        return hits

    def _hit_activated(self, index: QModelIndex) -> None:
        if not index.isValid():
            return
        hit = self.hits.hit(index.row())
        self.unitActivated.emit(hit.unit_id, hit.year)
        self.entryActivated.emit(hit.entry_id, hit.category)


def _plan_years(store: Store) -> list[int]:
    return sorted({y for p in store.catalogue.plans() for y in range(p.start_year, p.end_year + 1)})


def show_dashboard(window: MainWindow, year: int) -> DashboardView:
    """Open (or raise) the window's 区看板, wired to open ledgers in the window."""
    window.store.require_admin("区看板")
    view = getattr(window, "dashboard_view", None)
    if not isinstance(view, DashboardView):
        view = DashboardView(window.store, year, window.hub, window, background=True)
        view.unitActivated.connect(window.open_unit)
        view.categoryActivated.connect(lambda key: _show_category(window, key))
        view.entryActivated.connect(lambda entry_id, key: window.jump_to(entry_id, key))
        window.dashboard_view = view
    elif view.year != year:
        view.set_year(year)
    view.show()
    view.raise_()
    view.activateWindow()
    return view


def _show_category(window: MainWindow, key: str) -> None:
    tab = window.category_tabs.get(key)
    if tab is not None and window.stack.currentWidget() is window.tabs:
        window.tabs.setCurrentWidget(tab)
