-- The audit log: who did what to which draft (later: login, party choice, submission), and in which
-- request. Append-only: the portal never updates or deletes a row, and the triggers refuse it.
CREATE TABLE audit_log (
    id         INTEGER PRIMARY KEY AUTOINCREMENT,
    at         BIGINT NOT NULL,   -- unix milliseconds
    event      TEXT NOT NULL,     -- draft.started, draft.opened, draft.saved, draft.deleted, …
    owner      TEXT NOT NULL,     -- Owner::key()
    person     TEXT,              -- the logged-in person's pid, once login exists
    party      TEXT,              -- the party acted for
    subject    TEXT NOT NULL,     -- what it concerns (a draft id)
    request_id TEXT NOT NULL      -- x-request-id, also in the request's log lines
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
