"""Installing a plan catalogue (targets, platforms, projects, talent programmes, units)."""

from __future__ import annotations

import json
from typing import Any

from .errors import InvalidData
from .store import Store


def install_catalogue(store: Store, catalogue: dict[str, Any], with_units: bool = True) -> int:
    """Add a plan and its catalogue in one transaction; return the plan id.

    Units already present (same code) are kept as the user edited them.
    """
    plan = catalogue["plan"]
    with store.transaction() as c:
        if store.scalar("SELECT 1 FROM plans WHERE code = ?", (plan["code"],)):
            raise InvalidData(f"规划“{plan['name']}”已存在")
        cur = c.execute(
            "INSERT INTO plans (code, name, title, document_no, start_year, end_year, "
            "baseline_year) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (
                plan["code"],
                plan["name"],
                plan.get("title"),
                plan.get("document_no"),
                plan["start_year"],
                plan["end_year"],
                plan.get("baseline_year"),
            ),
        )
        plan_id = int(cur.lastrowid or 0)
        c.executemany(
            "INSERT INTO plan_targets (plan_id, seq, sub, category, name, unit, baseline, "
            "baseline_text, goal, goal_text, growth, attribute, lower_is_better) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    plan_id,
                    t["seq"],
                    t.get("sub") or "",
                    t["category"],
                    t["name"],
                    t.get("unit") or "",
                    t.get("baseline"),
                    t.get("baseline_text") or "",
                    t.get("goal"),
                    t.get("goal_text") or "",
                    t.get("growth") or "",
                    t["attribute"],
                    1 if t.get("lower_is_better") else 0,
                )
                for t in catalogue["targets"]
            ],
        )
        items: list[tuple[Any, ...]] = []
        for pos, p in enumerate(catalogue["platforms"], start=1):
            goals = "；".join(g["text"] for g in p.get("goals_2025", []))
            items.append(
                (
                    plan_id,
                    "platform",
                    p.get("code"),
                    10,
                    "“三城一谷六小镇”空间布局",
                    p.get("group"),
                    p["name"],
                    goals or None,
                    json.dumps(p, ensure_ascii=False),
                    pos,
                )
            )
        for pos, p in enumerate(catalogue["projects"], start=1):
            items.append(
                (
                    plan_id,
                    "project",
                    None,
                    p.get("column"),
                    p.get("column_title"),
                    p.get("group"),
                    p["name"],
                    p.get("goal_text"),
                    json.dumps(p, ensure_ascii=False),
                    pos,
                )
            )
        for pos, p in enumerate(catalogue["talent_programmes"], start=1):
            goals = "；".join(g["text"] for g in p.get("goals_2025", []))
            items.append(
                (
                    plan_id,
                    "talent_programme",
                    p.get("code"),
                    5,
                    "重点专项人才引育计划",
                    None,
                    p["name"],
                    goals or None,
                    json.dumps(p, ensure_ascii=False),
                    pos,
                )
            )
        c.executemany(
            "INSERT INTO catalogue_items (plan_id, kind, code, column_no, column_title, grp, "
            "name, goal_text, data, position) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            items,
        )
        if with_units:
            existing = {r[0] for r in store.query("SELECT code FROM units")}
            units = [
                *catalogue["towns"],
                *(
                    {"code": p["code"], "name": p["name"], "kind": "platform"}
                    for p in catalogue["platforms"]
                ),
                *catalogue["departments"],
            ]
            c.executemany(
                "INSERT INTO units (code, name, kind, position) VALUES (?, ?, ?, ?)",
                [
                    (u["code"], u["name"], u["kind"], pos)
                    for pos, u in enumerate(units, start=1)
                    if u["code"] not in existing
                ],
            )
        store.audit.record(
            "安装规划目录",
            field_key="plans",
            new=f"{plan['name']} {plan['start_year']}–{plan['end_year']}",
        )
    return plan_id


def initialise(store: Store, demo: bool = False) -> None:
    """Give a new database the built-in catalogue (and optionally the demo district)."""
    from ..core.catalogue import load_catalogue

    if not store.catalogue.plans():
        install_catalogue(store, load_catalogue())
    if demo and not store.ledgers.list():
        from .demo import fill_demo

        fill_demo(store)
