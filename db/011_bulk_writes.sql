-- 011: writing many entries at once (an import) without per-row work in triggers.
--
-- 1. The scored columns of 009 without a second write of every new row.
-- 009's triggers updated each inserted (or re-dated) entry again to copy its direction
-- and attribute into scored_lower / scored_binding: a second write of the row and of
-- its covering index, a third of an import's time. The store now writes both columns
-- with the row; the triggers stay as the safety net for any other writer and fire only
-- when the columns do not already hold what the JSON data says.
DROP TRIGGER entries_scored_ai;
DROP TRIGGER entries_scored_au;

CREATE TRIGGER entries_scored_ai AFTER INSERT ON entries
WHEN new.scored_lower IS NOT (json_extract(new.data, '$.direction') = '越小越好')
  OR new.scored_binding IS NOT (json_extract(new.data, '$.attribute') = '约束性')
BEGIN
  UPDATE entries SET
      scored_lower = json_extract(new.data, '$.direction') = '越小越好',
      scored_binding = json_extract(new.data, '$.attribute') = '约束性'
  WHERE id = new.id;
END;

CREATE TRIGGER entries_scored_au AFTER UPDATE OF data ON entries
WHEN new.scored_lower IS NOT (json_extract(new.data, '$.direction') = '越小越好')
  OR new.scored_binding IS NOT (json_extract(new.data, '$.attribute') = '约束性')
BEGIN
  UPDATE entries SET
      scored_lower = json_extract(new.data, '$.direction') = '越小越好',
      scored_binding = json_extract(new.data, '$.attribute') = '约束性'
  WHERE id = new.id;
END;

-- 2. The search index of 008 filled once per import instead of once per row. A trigger
-- inserting each new row into the FTS5 index costs four times one INSERT … SELECT of
-- the same rows: store/search.py (indexed_in_bulk) puts a row into search_paused for the
-- duration of one bulk insert, inside its write transaction, and indexes the new ids in
-- one statement before the transaction ends. Outside such a statement the table is
-- empty and every insert is indexed by this trigger, as before.
CREATE TABLE search_paused (one INTEGER PRIMARY KEY CHECK (one = 1));

DROP TRIGGER "entries_ai";
CREATE TRIGGER "entries_ai" AFTER INSERT ON "entries"
WHEN NOT EXISTS (SELECT 1 FROM search_paused)
BEGIN
  INSERT INTO "entries_fts" (rowid, "name", "search_text") VALUES (new.rowid, new."name", new."search_text");
END;
