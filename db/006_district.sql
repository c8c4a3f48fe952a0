-- 006: the district's road: decomposition of the plan's targets to units, the
-- catalogue items assigned to units, task packages (下发), reviews of returns with
-- receipts (回执), reporting deadlines and the inbox of arriving files.

-- An entry that came from a task package (下达): the unit cannot delete it or change
-- its goal or link; it fills measures, milestones, people and progress.
ALTER TABLE entries ADD COLUMN assigned INTEGER NOT NULL DEFAULT 0;

-- The district's annual goal and lead unit (牵头单位) of each plan target (专栏2).
CREATE TABLE target_goals (
    year         INTEGER NOT NULL,
    target_id    INTEGER NOT NULL REFERENCES plan_targets(id) ON DELETE CASCADE,
    goal         REAL,
    lead_unit_id INTEGER REFERENCES units(id),
    PRIMARY KEY (year, target_id)
);

-- A unit's share of a plan target in a year. ``key`` becomes the key of the unit's
-- indicator entry (in the district's file and in the unit's), so the district
-- recognises the entry in the unit's return.
CREATE TABLE target_shares (
    year      INTEGER NOT NULL,
    target_id INTEGER NOT NULL REFERENCES plan_targets(id) ON DELETE CASCADE,
    unit_id   INTEGER NOT NULL REFERENCES units(id),
    goal      REAL,
    key       TEXT    NOT NULL UNIQUE,
    PRIMARY KEY (year, target_id, unit_id)
);
CREATE INDEX target_shares_unit ON target_shares (year, unit_id);

-- A catalogue item (project of 专栏3–17, platform, talent programme) assigned to a
-- unit for a year; ``key`` as for shares.
CREATE TABLE assignments (
    year         INTEGER NOT NULL,
    catalogue_id INTEGER NOT NULL REFERENCES catalogue_items(id) ON DELETE CASCADE,
    unit_id      INTEGER NOT NULL REFERENCES units(id),
    key          TEXT    NOT NULL UNIQUE,
    PRIMARY KEY (year, catalogue_id, unit_id)
);
CREATE INDEX assignments_unit ON assignments (year, unit_id);

-- Task packages: issued by the district (received_at NULL) or received by a unit's
-- file (received_at set). Revisions count up per unit and year.
CREATE TABLE packages (
    year        INTEGER NOT NULL,
    unit_id     INTEGER NOT NULL REFERENCES units(id),
    revision    INTEGER NOT NULL CHECK (revision >= 1),
    issued_at   TEXT    NOT NULL,
    fingerprint TEXT,
    received_at TEXT,
    PRIMARY KEY (year, unit_id, revision)
);

-- The review of a unit's return for a year: at the district the decision, in a
-- unit's file what the last receipt said.
CREATE TABLE reviews (
    year           INTEGER NOT NULL,
    unit_id        INTEGER NOT NULL REFERENCES units(id),
    state          TEXT    NOT NULL DEFAULT '未报'
                   CHECK (state IN ('未报', '已报', '已审', '退回')),
    reason         TEXT,
    last_return_at TEXT,
    file           TEXT,
    fingerprint    TEXT,
    reviewed_at    TEXT,
    reviewer       TEXT,
    PRIMARY KEY (year, unit_id)
);

-- Reporting deadlines per year and quarter (ISO dates).
CREATE TABLE deadlines (
    year    INTEGER NOT NULL,
    quarter INTEGER NOT NULL CHECK (quarter BETWEEN 1 AND 4),
    due     TEXT    NOT NULL,
    PRIMARY KEY (year, quarter)
);

-- Every file that arrived at the district, with its outcome.
CREATE TABLE inbox (
    id          INTEGER PRIMARY KEY,
    received_at TEXT    NOT NULL,
    file        TEXT    NOT NULL,
    kind        TEXT,
    unit_id     INTEGER REFERENCES units(id),
    year        INTEGER,
    status      TEXT    NOT NULL CHECK (status IN ('新增', '更新', '相同', '冲突', '错误')),
    reason      TEXT    NOT NULL DEFAULT '',
    fingerprint TEXT
);
CREATE INDEX inbox_unit ON inbox (year, unit_id, received_at);
