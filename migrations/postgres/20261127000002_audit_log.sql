-- The audit log: who did what to which draft (later: login, party choice, submission), and in which
-- request. Append-only: the portal never updates or deletes a row, and the trigger refuses it.
CREATE TABLE audit_log (
    id         BIGSERIAL PRIMARY KEY,
    at         BIGINT NOT NULL,   -- unix milliseconds
    event      TEXT NOT NULL,     -- draft.started, draft.opened, draft.saved, draft.deleted, …
    owner      TEXT NOT NULL,     -- Owner::key()
    person     TEXT,              -- the logged-in person's pid, once login exists
    party      TEXT,              -- the party acted for
    subject    TEXT NOT NULL,     -- what it concerns (a draft id)
    request_id TEXT NOT NULL      -- x-request-id, also in the request's log lines
);
CREATE INDEX audit_log_subject ON audit_log (subject, at);
CREATE FUNCTION audit_log_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit log is append-only';
END;
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_append_only();
