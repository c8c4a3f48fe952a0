-- 005: the audit log becomes a hash chain (tamper evidence), and unknown login names
-- get the same failure pause as known ones.
-- The rows already in the log are chained by a Python step that runs after these
-- statements in the same transaction (store/audit_chain.py: chain_existing).

ALTER TABLE audit_log ADD COLUMN prev_hash TEXT;
ALTER TABLE audit_log ADD COLUMN hash TEXT;

-- The last row's id and hash, so that rows cut from the end of the log are found too.
CREATE TABLE audit_head (
    one     INTEGER PRIMARY KEY CHECK (one = 1),
    last_id INTEGER NOT NULL,
    hash    TEXT    NOT NULL
);
CREATE TRIGGER audit_log_head AFTER INSERT ON audit_log
BEGIN
    INSERT INTO audit_head (one, last_id, hash) VALUES (1, NEW.id, coalesce(NEW.hash, ''))
        ON CONFLICT (one) DO UPDATE SET last_id = excluded.last_id, hash = excluded.hash;
END;
CREATE TRIGGER audit_head_forward BEFORE UPDATE ON audit_head
WHEN NEW.last_id <= OLD.last_id
BEGIN
    SELECT RAISE(ABORT, '审计日志不可回退');
END;
CREATE TRIGGER audit_head_no_delete BEFORE DELETE ON audit_head
BEGIN
    SELECT RAISE(ABORT, '审计日志不可删除');
END;

-- Failed logins under names that are no user, keyed by a hash of the name (never
-- the name itself: a mistyped password in the name field must not be kept).
CREATE TABLE login_failures (
    name_key     TEXT PRIMARY KEY,
    failures     INTEGER NOT NULL,
    locked_until REAL,
    last_failure REAL NOT NULL
);
