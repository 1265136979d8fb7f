-- Retention: periodic jobs that every node may run but only one runs at a time (a lease, like the
-- outbox's), and the indexes the deletions by age use.
CREATE TABLE periodic_jobs (
    name         TEXT PRIMARY KEY,
    next_at      BIGINT NOT NULL,           -- unix milliseconds: due from then
    locked_until BIGINT NOT NULL DEFAULT 0, -- the node running it holds it until then
    last_run_at  BIGINT,
    last_result  TEXT
);
INSERT INTO periodic_jobs (name, next_at) VALUES ('retention', 0);
CREATE INDEX drafts_updated ON drafts (updated_at);
CREATE INDEX audit_log_at ON audit_log (at);
-- The audit log stays append-only: no row is ever changed, and none younger than a year may be
-- deleted; retention deletes the rows older than `retention_audit_years`.
DROP TRIGGER audit_log_no_delete;
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN OLD.at > CAST(strftime('%s', 'now') AS INTEGER) * 1000 - 31536000000
BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (rows younger than a year are kept)'); END;
