-- 001: initial schema of the 六个一批 task ledger.
-- Category-specific fields live in entries.data (JSON); the fields every category
-- shares and that scoring and queries need are real columns (see core/categories.py).

CREATE TABLE plans (
    id            INTEGER PRIMARY KEY,
    code          TEXT    NOT NULL UNIQUE,
    name          TEXT    NOT NULL,
    title         TEXT,
    document_no   TEXT,
    start_year    INTEGER NOT NULL,
    end_year      INTEGER NOT NULL,
    baseline_year INTEGER,
    CHECK (end_year >= start_year)
);

CREATE TABLE plan_targets (
    id              INTEGER PRIMARY KEY,
    plan_id         INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    seq             INTEGER NOT NULL,
    sub             TEXT    NOT NULL DEFAULT '',
    category        TEXT    NOT NULL,
    name            TEXT    NOT NULL,
    unit            TEXT    NOT NULL DEFAULT '',
    baseline        REAL,
    baseline_text   TEXT    NOT NULL DEFAULT '',
    goal            REAL,
    goal_text       TEXT    NOT NULL DEFAULT '',
    growth          TEXT    NOT NULL DEFAULT '',
    attribute       TEXT    NOT NULL CHECK (attribute IN ('预期性', '约束性')),
    lower_is_better INTEGER NOT NULL DEFAULT 0,
    UNIQUE (plan_id, seq, sub)
);

CREATE TABLE catalogue_items (
    id           INTEGER PRIMARY KEY,
    plan_id      INTEGER NOT NULL REFERENCES plans(id) ON DELETE CASCADE,
    kind         TEXT    NOT NULL CHECK (kind IN ('platform', 'project', 'talent_programme')),
    code         TEXT,
    column_no    INTEGER,
    column_title TEXT,
    grp          TEXT,
    name         TEXT    NOT NULL,
    goal_text    TEXT,
    data         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    position     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX catalogue_items_kind ON catalogue_items (plan_id, kind, position);

CREATE TABLE units (
    id       INTEGER PRIMARY KEY,
    code     TEXT    NOT NULL UNIQUE,
    name     TEXT    NOT NULL UNIQUE,
    kind     TEXT    NOT NULL CHECK (kind IN ('town', 'department', 'platform')),
    position INTEGER NOT NULL DEFAULT 0,
    active   INTEGER NOT NULL DEFAULT 1,
    leader   TEXT,
    contact  TEXT
);

CREATE TABLE ledgers (
    id              INTEGER PRIMARY KEY,
    unit_id         INTEGER NOT NULL REFERENCES units(id),
    plan_id         INTEGER NOT NULL REFERENCES plans(id),
    year            INTEGER NOT NULL,
    status          TEXT    NOT NULL DEFAULT '草稿' CHECK (status IN ('草稿', '已提交', '已锁定')),
    leader          TEXT,
    contact         TEXT,
    preparer        TEXT,
    self_assessment TEXT,
    submitted_at    TEXT,
    revision        INTEGER NOT NULL DEFAULT 0,
    created_at      TEXT    NOT NULL,
    updated_at      TEXT    NOT NULL,
    UNIQUE (unit_id, year)
);
CREATE INDEX ledgers_year ON ledgers (year);

CREATE TABLE entries (
    id           INTEGER PRIMARY KEY,
    ledger_id    INTEGER NOT NULL REFERENCES ledgers(id) ON DELETE CASCADE,
    category     TEXT    NOT NULL CHECK (category IN
                     ('indicator', 'platform', 'project', 'enterprise', 'talent', 'resource')),
    position     INTEGER NOT NULL,
    name         TEXT    NOT NULL DEFAULT '',
    goal         REAL,
    actual       REAL,
    status       TEXT,
    weight       REAL,
    target_id    INTEGER REFERENCES plan_targets(id) ON DELETE SET NULL,
    catalogue_id INTEGER REFERENCES catalogue_items(id) ON DELETE SET NULL,
    data         TEXT    NOT NULL DEFAULT '{}' CHECK (json_valid(data)),
    created_at   TEXT    NOT NULL,
    updated_at   TEXT    NOT NULL
);
CREATE INDEX entries_ledger ON entries (ledger_id, category, position);
CREATE INDEX entries_target ON entries (target_id);
CREATE INDEX entries_catalogue ON entries (catalogue_id);

CREATE TABLE progress (
    id         INTEGER PRIMARY KEY,
    entry_id   INTEGER NOT NULL REFERENCES entries(id) ON DELETE CASCADE,
    quarter    INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    value      REAL,
    status     TEXT,
    problems   TEXT,
    next_steps TEXT,
    comment    TEXT,
    follow_up  INTEGER NOT NULL DEFAULT 0,
    updated_at TEXT    NOT NULL,
    UNIQUE (entry_id, quarter)
);

CREATE TABLE adjustments (
    id         INTEGER PRIMARY KEY,
    ledger_id  INTEGER NOT NULL REFERENCES ledgers(id) ON DELETE CASCADE,
    points     REAL    NOT NULL,
    reason     TEXT    NOT NULL CHECK (length(trim(reason)) > 0),
    created_at TEXT    NOT NULL
);
CREATE INDEX adjustments_ledger ON adjustments (ledger_id);

CREATE TABLE scoring_settings (
    year INTEGER PRIMARY KEY,
    data TEXT    NOT NULL CHECK (json_valid(data))
);

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    name          TEXT    NOT NULL UNIQUE,
    role          TEXT    NOT NULL CHECK (role IN ('admin', 'operator', 'viewer')),
    unit_id       INTEGER REFERENCES units(id),
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    TEXT    NOT NULL
);

CREATE TABLE audit_log (
    id        INTEGER PRIMARY KEY,
    ts        TEXT    NOT NULL,
    user      TEXT    NOT NULL,
    action    TEXT    NOT NULL,
    ledger_id INTEGER,
    entry_id  INTEGER,
    field     TEXT,
    old_value TEXT,
    new_value TEXT
);
CREATE INDEX audit_log_ledger ON audit_log (ledger_id, ts);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, '审计日志不可修改');
END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, '审计日志不可删除');
END;

CREATE TABLE settings (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
