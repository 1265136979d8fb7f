-- The caseworker side. Employees act in the audit log as themselves (their directory key), never
-- as a person or party; and a submission keeps the language it was given in, so that it can be
-- read back as the person saw it.
ALTER TABLE audit_log ADD COLUMN employee TEXT;   -- the employee's directory key (oid)
CREATE INDEX audit_log_employee ON audit_log (employee, at);
ALTER TABLE submissions ADD COLUMN lang TEXT NOT NULL DEFAULT 'nb';  -- nb | nn | en
CREATE INDEX submissions_transmission ON submissions (transmission_id);
CREATE INDEX submissions_created ON submissions (created_at DESC);
-- Employees as last seen at login, so that the audit log's keys can be shown with a name.
CREATE TABLE employees (
    key        TEXT PRIMARY KEY,   -- the directory's key (oid)
    name       TEXT NOT NULL,
    last_login BIGINT NOT NULL     -- unix milliseconds
);
