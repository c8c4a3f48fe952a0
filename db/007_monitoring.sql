-- 007: plan monitoring (年度监测). The rules of a target are read from its data
-- (core/plan_path.py); the district may override them per target: the path a target
-- follows and how the district's actual is taken from the units' entries. A NULL
-- column keeps the default of that rule.
CREATE TABLE target_rules (
    target_id   INTEGER PRIMARY KEY REFERENCES plan_targets(id) ON DELETE CASCADE,
    path_rule   TEXT CHECK (path_rule IN ('geometric', 'linear', 'cumulative', 'rate', 'none')),
    actual_rule TEXT CHECK (actual_rule IN ('lead', 'sum'))
);
