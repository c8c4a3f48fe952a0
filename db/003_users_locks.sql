-- 003: login throttling for users, and the lock record of a database on a network share.

-- Failed logins in a row and the time before which the next attempt is refused
-- (an exponential pause after repeated failures, kept across restarts).
ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN locked_until REAL;
ALTER TABLE users ADD COLUMN last_login TEXT;

-- Who has the file open when it lives on a network share, where SQLite's own locks
-- cannot be trusted (like GnuCash's gnclock): one row per open session.
CREATE TABLE db_lock (
    id       INTEGER PRIMARY KEY,
    host     TEXT    NOT NULL,
    pid      INTEGER NOT NULL,
    user     TEXT,
    since    TEXT    NOT NULL,
    UNIQUE (host, pid)
);

CREATE INDEX audit_log_ts ON audit_log (ts);
