-- 011: the scored columns of 009 without a second write of every new row.
--
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
