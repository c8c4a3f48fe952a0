"""区看板: every unit's completion per category, score, grade and lights for a year, in SQL.

The figures are those of :func:`core.scoring.score_ledger` (``store.assessment.score``),
computed for the whole district at once with one aggregate query over ``entries`` instead
of scoring each ledger entry by entry (a district holds 100,000 entries):

* an entry's completion ``c`` is computed in SQL by the rules of
  :func:`~core.scoring.completion_rate` (quantitative: actual / goal; lower-is-better:
  goal / actual; goal 0 or negative as there) and :func:`~core.scoring.entry_completion`
  (qualitative: the year's status rates); its weight ``w`` is the entry weight (≥ 0) or 1;
* per ledger and category the query sums ``w``, ``w × clamp(c)``, ``clamp(c)`` (for a
  category whose weights are all 0) and the red/yellow/green lights of
  :func:`~core.scoring.light` (as of a day: today, like the ledger window's header);
* a category's **completion** is its earned share of its points:
  ``Σ w·clamp(c) / Σ w`` in %, i.e. the category score divided by the category's points;
  its points are the year's category points scaled so that the categories with entries
  make 100; bonus/deduction lines, grade bands and the 一票否决 cap follow scoring.py.

Drafts are not scored: a name that is empty or an empty marker (“/”, “无” …) after
trimming whitespace, as :func:`core.entry_values.is_draft` says of every name the store
writes (it strips names and stores markers as empty). No JSON is read: an indicator's
direction and attribute are copied from its data into ``entries.scored_lower`` and
``scored_binding`` by triggers (db/009_aggregates.sql), and every column read is in the
covering index ``entries_scoring``.

Each ledger's sums are cached by the manager, keyed by the ledger's revision (see
:meth:`DashboardManager._cached_sums`): after an edit only that ledger is read again.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from ..core import scoring
from ..core.categories import CATEGORIES
from ..core.enums import UnitKind
from ..core.ranking import competition_ranks
from ..core.settings import BOUND_UNIT
from ..core.validate import EMPTY_MARKERS
from .manager import Manager
from .reporting import unit_kind

#: characters str.strip() removes, for SQL's trim()
_WHITESPACE = "".join(chr(i) for i in range(0x3001) if chr(i).isspace())
_KIND_ORDER = "CASE u.kind WHEN 'town' THEN 0 WHEN 'platform' THEN 1 ELSE 2 END, u.position, u.id"
LIGHTS = (scoring.GREEN, scoring.YELLOW, scoring.RED)
#: category → [n, Σw, Σw·clamp(c), Σclamp(c), green, yellow, red, vetoed] of one ledger
Sums = dict[str, list[float]]

#: keys of :meth:`UnitFigures.as_json`, in order (the ``xihu dashboard --json`` contract)
JSON_KEYS = (
    "rank",
    "unit",
    "code",
    "kind",
    "ledger_status",
    "total",
    "grade",
    "completion",
    "lights",
)


def _completion(lower: str) -> str:
    """completion_rate() of core.scoring for an entry with a numeric goal, in SQL."""
    return f"""CASE
      WHEN e.actual IS NULL THEN 0.0
      WHEN {lower} THEN CASE WHEN e.actual <= 0 THEN 1.0
                           WHEN e.goal > 0 THEN max(e.goal / e.actual, 0.0) ELSE 0.0 END
      WHEN e.goal = 0 THEN CASE WHEN e.actual >= 0 THEN 1.0 ELSE 0.0 END
      WHEN e.goal < 0 THEN CASE WHEN e.actual >= e.goal THEN 1.0
                                ELSE max(1.0 - (e.goal - e.actual) / abs(e.goal), 0.0) END
      ELSE max(e.actual / e.goal, 0.0)
    END"""


#: lower is better: an indicator's direction, else its linked target's (score_inputs() in
#: store/assessment.py); the other categories have no direction field, only the target decides
_LOWER = """CASE
      WHEN e.target_id IS NULL AND e.category <> 'indicator' THEN 0
      WHEN e.category = 'indicator' THEN coalesce(
        e.scored_lower,
        (SELECT lower_is_better FROM plan_targets WHERE id = e.target_id), 0)
      ELSE coalesce((SELECT lower_is_better FROM plan_targets WHERE id = e.target_id), 0)
    END"""
#: a 约束性 indicator with a numeric goal: its attribute, else its linked target's
_BINDING = """CASE WHEN e.category = 'indicator' AND e.goal IS NOT NULL THEN coalesce(
      e.scored_binding,
      (SELECT attribute FROM plan_targets WHERE id = e.target_id) = '约束性', 0)
    ELSE 0 END"""


@dataclass(frozen=True)
class CategoryFigure:
    """One category of one ledger."""

    entries: int  # entries scored (drafts left out)
    completion: float  # % of the category's points earned, 0–100
    points: float  # the category's points in this ledger (scaled to 100 over those used)
    score: float  # points earned


@dataclass(frozen=True)
class UnitFigures:
    """One unit's row of the dashboard (no ledger for the year: no figures)."""

    unit_id: int
    unit_code: str
    unit_name: str
    unit_kind: str  # as stored: town / department / platform
    ledger_id: int | None = None
    ledger_status: str | None = None
    categories: Mapping[str, CategoryFigure] = field(default_factory=dict)
    base: float = 0.0
    bonus: float = 0.0
    deduction: float = 0.0
    total: float | None = None
    grade: str | None = None
    lights: Mapping[str, int] = field(default_factory=dict)  # green / yellow / red → count
    vetoed: int = 0  # unmet 约束性 indicators (counted when the veto is on)
    veto_names: tuple[str, ...] = ()  # their names, in ledger order (LedgerScore.vetoed)

    @property
    def kind_label(self) -> str:
        try:
            return UnitKind(self.unit_kind).label
        except ValueError:
            return self.unit_kind

    def completion(self, category_key: str) -> float | None:
        """The category's completion in %, None when the ledger has no entry in it."""
        figure = self.categories.get(category_key)
        return figure.completion if figure is not None else None

    def as_json(self, rank: int | None = None) -> dict[str, Any]:
        """Exactly the keys of :data:`JSON_KEYS` (completion by category key, rounded)."""
        return {
            "rank": rank,
            "unit": self.unit_name,
            "code": self.unit_code,
            "kind": self.unit_kind,
            "ledger_status": self.ledger_status,
            "total": None if self.total is None else round(self.total, 2),
            "grade": self.grade,
            "completion": {
                c.key: None if (v := self.completion(c.key)) is None else round(v, 2)
                for c in CATEGORIES
            },
            "lights": {k: self.lights.get(k, 0) for k in LIGHTS},
        }


def ranked(figures: list[UnitFigures]) -> list[tuple[int | None, UnitFigures]]:
    """The units by score, highest first, with their ranks (ties share; no ledger: last)."""
    ranks = competition_ranks([f.total for f in figures])
    pairs = list(zip(ranks, figures, strict=True))
    pairs.sort(key=lambda p: (p[0] is None, p[0] or 0, p[1].unit_code))
    return pairs


class DashboardManager(Manager):
    """The district's figures per unit for the 区看板 (read only)."""

    def __init__(self, store: Any) -> None:
        super().__init__(store)
        #: year → (what every ledger's sums depend on besides the ledger, ledger id →
        #: ((revision, updated_at, created_at), category sums)); see :meth:`_cached_sums`
        self._cache: dict[int, tuple[tuple[Any, ...], dict[int, tuple[Any, Sums]]]] = {}
        #: ledgers whose sums were computed from their entries (not the cache), in total
        self.recomputed = 0

    def forget(self) -> None:
        """Drop the cached sums (the next call reads every ledger's entries)."""
        self._cache.clear()

    def figures(
        self, year: int, kind: str | None = None, as_of: dt.date | None = None
    ) -> list[UnitFigures]:
        """One row per active unit (in a unit's own file: only that unit), in unit order.

        ``kind``: town/department/platform or 镇街/部门/平台. ``as_of``: the day the lights
        are taken on (default today, as the ledger window's header does).
        """
        store = self.store
        wanted = unit_kind(kind).value if kind else None
        bound = store.settings.get(BOUND_UNIT)
        with store.snapshot():
            units = store.units.in_scope(bound, wanted)
            by_unit = {int(f.unit_id): f for f in self._ledger_figures(year, as_of)}
        result = []
        for unit in units:
            uid = unit.id
            found = by_unit.get(uid)
            if found is not None:
                result.append(found)
            else:
                result.append(UnitFigures(uid, unit.code, unit.name, unit.kind))
        return result

    def ledger_figures(self, year: int, as_of: dt.date | None = None) -> list[UnitFigures]:
        """One row per ledger of ``year`` (active unit or not; in a unit's own file only
        its own), in the order of ``store.ledgers.list`` — what the district summaries
        (PDF and Excel) score and rank; the same figures as :meth:`figures`."""
        with self.store.snapshot():
            return self._ledger_figures(year, as_of)

    def ranking(
        self, year: int, kind: str | None = None, as_of: dt.date | None = None
    ) -> list[tuple[int | None, UnitFigures]]:
        """:meth:`figures` sorted by score with their ranks (see :func:`ranked`)."""
        return ranked(self.figures(year, kind, as_of))

    def _ledger_figures(self, year: int, as_of: dt.date | None) -> list[UnitFigures]:
        store = self.store
        as_of = as_of or dt.date.today()
        settings = store.assessment.scoring_settings(year)
        bound = store.packages.bound_unit()
        ledgers = store.rows(
            "SELECT l.id, l.unit_id, l.status, l.revision, l.updated_at, l.created_at, "
            "u.code, u.name, u.kind FROM ledgers l JOIN units u ON u.id = l.unit_id "
            "WHERE l.year = ? AND (? IS NULL OR l.unit_id = ?) "
            "ORDER BY " + _KIND_ORDER,
            (year, bound.id if bound else None, bound.id if bound else None),
        )
        sums = self._cached_sums(year, ledgers, settings, as_of)
        adjustments = {
            int(r[0]): (float(r[1]), float(r[2]))
            for r in store.query(
                "SELECT a.ledger_id, total(CASE WHEN a.points > 0 THEN a.points END), "
                "total(CASE WHEN a.points < 0 THEN -a.points END) "
                "FROM adjustments a JOIN ledgers l ON l.id = a.ledger_id "
                "WHERE l.year = ? GROUP BY a.ledger_id",
                (year,),
            )
        }
        result = []
        for row in ledgers:
            lid = int(row["id"])
            unit = UnitFigures(
                int(row["unit_id"]), str(row["code"]), str(row["name"]), str(row["kind"])
            )
            result.append(
                _ledger_figures(
                    unit,
                    lid,
                    str(row["status"]),
                    sums.get(lid, {}),
                    adjustments.get(lid, (0.0, 0.0)),
                    settings,
                )
            )
        if settings.veto_enabled and any(f.vetoed for f in result):
            vetoed = [f.ledger_id for f in result if f.vetoed and f.ledger_id is not None]
            names = self._veto_names(year, vetoed, settings)
            result = [
                replace(f, veto_names=tuple(names.get(f.ledger_id, ())))
                if f.vetoed and f.ledger_id is not None
                else f
                for f in result
            ]
        return result

    def _cached_sums(
        self, year: int, ledgers: list[Any], settings: scoring.ScoringSettings, as_of: dt.date
    ) -> dict[int, dict[str, list[float]]]:
        """Each ledger's category sums, read from its entries only when the ledger changed.

        A ledger's sums depend on its entries (every write bumps ``ledgers.revision`` via
        ``store.touch``; a ledger deleted and made again has another ``created_at``) and on
        what is the same for the whole year: the scoring settings, the day of the lights
        and the plan targets' direction and attribute. When the latter change, the year's
        cache starts afresh.
        """
        targets = self.store.scalar(
            "SELECT group_concat(id || ':' || coalesce(lower_is_better, '') || ':' "
            "|| coalesce(attribute, ''), ',') FROM plan_targets"
        )
        common = (json.dumps(settings.to_dict(), sort_keys=True), as_of.isoformat(), targets)
        key, cached = self._cache.get(year, (None, {}))
        if key != common:
            cached = {}
        fresh: dict[int, tuple[Any, Sums]] = {}
        stale: list[int] = []
        for row in ledgers:
            lid = int(row["id"])
            version = (row["revision"], row["updated_at"], row["created_at"])
            hit = cached.get(lid)
            if hit is not None and hit[0] == version:
                fresh[lid] = hit
            else:
                stale.append(lid)
                fresh[lid] = (version, {})
        if stale:
            whole_year = len(stale) == len(ledgers)
            computed = self._sums(year, None if whole_year else stale, settings, as_of)
            for lid in stale:
                fresh[lid] = (fresh[lid][0], computed.get(lid, {}))
            self.recomputed += len(stale)
        self._cache[year] = (common, fresh)
        return {lid: sums for lid, (_, sums) in fresh.items()}

    # ------------------------------------------------------------ queries

    def _entry_sql(
        self,
        year: int,
        ledger_ids: Sequence[int] | None,
        settings: scoring.ScoringSettings,
        as_of: dt.date,
    ) -> tuple[str, dict[str, Any]]:
        """The query of each scored entry's ledger, category, status, weight ``w``,
        completion ``c``, binding flag, name and position, with its parameters: the
        year's entries, or only those of ``ledger_ids``."""
        elapsed = scoring.elapsed_share(year, as_of) * 100.0
        past = as_of >= dt.date(year + 1, 1, 1)
        params: dict[str, Any] = {
            "year": year,
            "ids": None if ledger_ids is None else json.dumps(list(ledger_ids)),
            "ws": _WHITESPACE,
            "elapsed": 100.0 if past else elapsed,
            # past due: no yellow (an empty band); light() tests pct < 100 first
            "yellow": 100.0 if past else elapsed - settings.yellow_margin,
        }
        cases = []
        for i, (status, rate) in enumerate(settings.status_rates.items()):
            cases.append(f"WHEN :s{i} THEN :r{i}")
            params[f"s{i}"], params[f"r{i}"] = status, float(rate)
        rate_sql = f"CASE e.status {' '.join(cases)} ELSE 0.0 END" if cases else "0.0"
        markers = []
        for i, marker in enumerate(sorted(EMPTY_MARKERS)):
            markers.append(f":m{i}")
            params[f"m{i}"] = marker
        binding = _BINDING if settings.veto_enabled else "0"
        ledgers = (
            "SELECT l.id FROM ledgers l WHERE l.year = :year"
            if ledger_ids is None
            else "SELECT value FROM json_each(:ids)"
        )
        sql = f"""
              SELECT e.ledger_id AS ledger_id, e.category AS category, e.status AS status,
                CASE WHEN e.weight >= 0 THEN e.weight ELSE 1.0 END AS w,
                CASE WHEN e.goal IS NULL THEN {rate_sql} ELSE {_completion(_LOWER)} END AS c,
                {binding} AS binding, e.name AS name, e.position AS position, e.id AS id
              FROM entries e
              WHERE e.ledger_id IN ({ledgers})
                AND trim(e.name, :ws) NOT IN ({", ".join(markers)})
        """
        return sql, params

    def _sums(
        self,
        year: int,
        ledger_ids: Sequence[int] | None,
        settings: scoring.ScoringSettings,
        as_of: dt.date,
    ) -> dict[int, Sums]:
        """Ledger → category → [n, Σw, Σw·clamp(c), Σclamp(c), green, yellow, red, vetoed]
        for the year's ledgers (``ledger_ids`` None) or the ledgers given.

        The inner query computes each entry's weight ``w`` and completion ``c`` once (it
        is not flattened: ``LIMIT -1``); the outer one sums them per ledger and category.
        The lights of light(): the year over (elapsed 100 %) any completion under 100 % is
        red; else 滞后 is red, ≥ elapsed green, ≥ elapsed − margin yellow, below red.
        """
        inner, params = self._entry_sql(year, ledger_ids, settings, as_of)
        sql = f"""
            SELECT ledger_id, category, count(*), total(w), total(w * min(max(c, 0.0), 1.0)),
                   total(min(max(c, 0.0), 1.0)),
                   total(status IS NOT '滞后' AND c * 100.0 >= :elapsed),
                   total(status IS NOT '滞后' AND c * 100.0 < :elapsed
                         AND c * 100.0 >= :yellow),
                   total(binding AND c < 1.0 - 1e-9)
            FROM ({inner} LIMIT -1)
            GROUP BY ledger_id, category
        """
        sums: dict[int, Sums] = {}
        for (
            ledger_id,
            category_key,
            n,
            wsum,
            wscore,
            cscore,
            green,
            yellow,
            veto,
        ) in self.store.query(sql, params):
            sums.setdefault(int(ledger_id), {})[str(category_key)] = [
                float(n), float(wsum), float(wscore), float(cscore),
                float(green), float(yellow), float(n - green - yellow), float(veto),
            ]  # fmt: skip
        return sums

    def _veto_names(
        self, year: int, ledger_ids: Sequence[int], settings: scoring.ScoringSettings
    ) -> dict[int, list[str]]:
        """The names of the unmet 约束性 indicators of the ledgers given, in ledger order
        (only indicators are binding; ``store.entries.list`` orders them by position)."""
        inner, params = self._entry_sql(year, ledger_ids, settings, dt.date(year, 12, 31))
        names: dict[int, list[str]] = {}
        for ledger_id, name in self.store.query(
            f"SELECT ledger_id, name FROM ({inner} LIMIT -1) "
            "WHERE binding AND c < 1.0 - 1e-9 ORDER BY ledger_id, position, id",
            params,
        ):
            names.setdefault(int(ledger_id), []).append(str(name))
        return names


def _ledger_figures(
    unit: UnitFigures,
    ledger_id: int,
    status: str,
    sums: Mapping[str, list[float]],
    adjustment: tuple[float, float],
    settings: scoring.ScoringSettings,
) -> UnitFigures:
    """One ledger's figures from its category sums, by the rules of score_ledger()."""
    used = {k: settings.category_points.get(k, 0.0) for k in sums}
    used_total = sum(used.values())
    scale = 100.0 / used_total if used_total > 0 else 0.0
    categories: dict[str, CategoryFigure] = {}
    lights = dict.fromkeys(LIGHTS, 0)
    vetoed = 0
    for key, (n, wsum, wscore, cscore, green, yellow, red, veto) in sums.items():
        share = wscore / wsum if wsum > 0 else cscore / n
        points = used[key] * scale
        categories[key] = CategoryFigure(int(n), share * 100.0, points, points * share)
        lights[scoring.GREEN] += int(green)
        lights[scoring.YELLOW] += int(yellow)
        lights[scoring.RED] += int(red)
        vetoed += int(veto)
    base = sum(c.score for c in categories.values())
    bonus, deduction = adjustment
    total = max(base + bonus - deduction, 0.0)
    grade = scoring.grade_for(total, settings)
    if settings.veto_enabled and vetoed:
        grade = scoring.cap_grade(grade, settings.veto_cap)
    else:
        vetoed = 0
    ordered = {c.key: categories[c.key] for c in CATEGORIES if c.key in categories}
    return UnitFigures(
        unit.unit_id,
        unit.unit_code,
        unit.unit_name,
        unit.unit_kind,
        ledger_id,
        status,
        ordered,
        base,
        bonus,
        deduction,
        total,
        grade,
        lights,
        vetoed,
    )
