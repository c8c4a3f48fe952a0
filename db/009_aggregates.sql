-- 009: district-wide figures (区看板, the summaries' ranking, 年度监测) from one index.
--
-- An entry's score needs, besides its shared columns, two facts kept in its JSON data:
-- an indicator's direction (越小越好 scores inversely) and attribute (约束性, for the
-- veto). They are copied into real columns, kept by triggers on every insert and every
-- change of ``data`` whatever writes it (an edit, an import, an undo), so that the
-- aggregate queries read one covering index instead of every entry's row and JSON:
--   scored_lower   json_extract(data, '$.direction') = '越小越好' (NULL: no direction)
--   scored_binding json_extract(data, '$.attribute') = '约束性'   (NULL: no attribute)
-- NULL lets the linked plan target decide, as store/assessment.py score_inputs() does.
ALTER TABLE entries ADD COLUMN scored_lower INTEGER;
ALTER TABLE entries ADD COLUMN scored_binding INTEGER;

UPDATE entries SET
    scored_lower = json_extract(data, '$.direction') = '越小越好',
    scored_binding = json_extract(data, '$.attribute') = '约束性';

CREATE TRIGGER entries_scored_ai AFTER INSERT ON entries BEGIN
  UPDATE entries SET
      scored_lower = json_extract(new.data, '$.direction') = '越小越好',
      scored_binding = json_extract(new.data, '$.attribute') = '约束性'
  WHERE id = new.id;
END;

CREATE TRIGGER entries_scored_au AFTER UPDATE OF data ON entries BEGIN
  UPDATE entries SET
      scored_lower = json_extract(new.data, '$.direction') = '越小越好',
      scored_binding = json_extract(new.data, '$.attribute') = '约束性'
  WHERE id = new.id;
END;

-- Every column store/dashboard.py and store/monitoring.py read of an entry: a ledger's
-- entries of one category and target are adjacent, and no row of the table is read.
CREATE INDEX entries_scoring ON entries (
    ledger_id, category, target_id, actual, goal, weight, status,
    scored_lower, scored_binding, position, name
);
