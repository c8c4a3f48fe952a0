-- 002: print records of assessment sheets (考核表).
-- Each printing of a ledger's sheet gets the next revision number of that ledger and
-- the fingerprint of the data it was printed from, so a sheet on paper can be checked
-- against the data now in the file, and a ledger edited since its last printing shows.

CREATE TABLE print_records (
    id          INTEGER PRIMARY KEY,
    ledger_id   INTEGER NOT NULL REFERENCES ledgers(id) ON DELETE CASCADE,
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    fingerprint TEXT    NOT NULL CHECK (length(fingerprint) = 64),
    code        TEXT    NOT NULL,
    printed_at  TEXT    NOT NULL,
    user        TEXT    NOT NULL,
    UNIQUE (ledger_id, revision)
);
CREATE INDEX print_records_code ON print_records (code);
