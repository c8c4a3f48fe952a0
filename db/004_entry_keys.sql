-- 004: every entry gets a key that is unique across data files (a UUID made where the
-- entry is created). Returns, packages and receipts carry it, so the same key never
-- names two entries, whichever file a return is imported into.
ALTER TABLE entries ADD COLUMN key TEXT;

-- Existing entries: a random version-4 UUID each.
UPDATE entries SET key = lower(
    hex(randomblob(4)) || '-' || hex(randomblob(2)) || '-4' || substr(hex(randomblob(2)), 2) || '-'
    || substr('89ab', 1 + (abs(random()) % 4), 1) || substr(hex(randomblob(2)), 2) || '-'
    || hex(randomblob(6))
);

CREATE UNIQUE INDEX entries_key ON entries (key);
