-- The whole list of errors in a refused delivery file, as CSV, for the person who uploaded it to
-- download beside the page that shows the first ones. Kept for a day.
CREATE TABLE file_reports (
    id         TEXT PRIMARY KEY,   -- UUID
    owner      TEXT NOT NULL,      -- person:<pid>|<party>: only they read it
    csv        TEXT NOT NULL,
    created_at BIGINT NOT NULL     -- unix milliseconds
);
CREATE INDEX file_reports_age ON file_reports (created_at);
