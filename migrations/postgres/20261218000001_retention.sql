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
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE'
       AND OLD.at < (EXTRACT(EPOCH FROM now()) * 1000)::BIGINT - 31536000000 THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'the audit log is append-only (rows younger than a year are kept)';
END;
$$;
