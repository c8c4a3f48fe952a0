-- 008: district-wide full-text search over every entry (xihu search, the dashboard's
-- search box). An FTS5 index with the trigram tokenizer, so that any Chinese substring
-- of three or more characters matches; shorter texts are searched with LIKE.
--
-- What is searched: the entry's name and search_text, the text fields of its JSON data
-- (推进措施, 年度目标任务, 季度节点, 业主单位, 备注 …; store/search.py SEARCHED_KEYS lists
-- them and a test holds this expression to the field declarations of core/categories.py).
-- A virtual generated column costs no space; the index is an external-content FTS5
-- table over ``entries`` read back by rowid (= entries.id) for snippets.
--
-- The index and triggers are those sqlite-utils creates with
--   Database(conn).table("entries").enable_fts(["name", "search_text"], tokenize="trigram")
-- which store.search.rebuild() uses to recreate a missing or damaged index; the update
-- trigger fires only when the id, the name or the searched text change (moving rows or
-- entering figures re-indexes nothing; undoing a delete gives the restored row its old id).
-- Changing search_text later needs a migration that rebuilds the index: the 'delete'
-- of an external-content table must be given the values that were indexed.

ALTER TABLE entries ADD COLUMN search_text TEXT GENERATED ALWAYS AS (trim(
    coalesce(json_extract(data, '$.annual_goal') || ' ', '') ||
    coalesce(json_extract(data, '$.positioning') || ' ', '') ||
    coalesce(json_extract(data, '$.roadmap') || ' ', '') ||
    coalesce(json_extract(data, '$.physical_progress') || ' ', '') ||
    coalesce(json_extract(data, '$.q1') || ' ', '') ||
    coalesce(json_extract(data, '$.q2') || ' ', '') ||
    coalesce(json_extract(data, '$.q3') || ' ', '') ||
    coalesce(json_extract(data, '$.q4') || ' ', '') ||
    coalesce(json_extract(data, '$.owner_org') || ' ', '') ||
    coalesce(json_extract(data, '$.employer') || ' ', '') ||
    coalesce(json_extract(data, '$.industry') || ' ', '') ||
    coalesce(json_extract(data, '$.field') || ' ', '') ||
    coalesce(json_extract(data, '$.location') || ' ', '') ||
    coalesce(json_extract(data, '$.policy') || ' ', '') ||
    coalesce(json_extract(data, '$.credit_code') || ' ', '') ||
    coalesce(json_extract(data, '$.leader') || ' ', '') ||
    coalesce(json_extract(data, '$.owner') || ' ', '') ||
    coalesce(json_extract(data, '$.remark'), '')
)) VIRTUAL;

CREATE VIRTUAL TABLE "entries_fts" USING FTS5 (
    "name", "search_text",
    tokenize='trigram',
    content="entries"
);

CREATE TRIGGER "entries_ai" AFTER INSERT ON "entries" BEGIN
  INSERT INTO "entries_fts" (rowid, "name", "search_text") VALUES (new.rowid, new."name", new."search_text");
END;

CREATE TRIGGER "entries_ad" AFTER DELETE ON "entries" BEGIN
  INSERT INTO "entries_fts" ("entries_fts", rowid, "name", "search_text") VALUES('delete', old.rowid, old."name", old."search_text");
END;

CREATE TRIGGER "entries_au" AFTER UPDATE OF "id", "name", "data" ON "entries"
WHEN old.rowid IS NOT new.rowid OR old."name" IS NOT new."name"
    OR old."search_text" IS NOT new."search_text"
BEGIN
  INSERT INTO "entries_fts" ("entries_fts", rowid, "name", "search_text") VALUES('delete', old.rowid, old."name", old."search_text");
  INSERT INTO "entries_fts" (rowid, "name", "search_text") VALUES (new.rowid, new."name", new."search_text");
END;

-- The entries already in the file.
INSERT INTO "entries_fts" ("entries_fts") VALUES ('rebuild');
