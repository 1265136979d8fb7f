-- Attachments: files uploaded to a draft (browser) or with an API submission. A file belongs to a
-- draft until the draft is submitted, then to the submission. Access is checked by person and party
-- (the draft's) or by the submission's owner.
CREATE TABLE attachments (
    id            TEXT PRIMARY KEY,      -- UUID; also the name the bytes are stored under
    person        TEXT,                  -- who uploaded it (NULL: a system user through the API)
    party         TEXT NOT NULL,         -- org:<orgnr> or person:<pid>
    draft_id      TEXT,                  -- the draft it belongs to, or "api:<uuid>" while an API call runs
    submission_id TEXT,                  -- the submission it belongs to, once submitted
    field         TEXT NOT NULL,         -- the attachment field's bind path
    name          TEXT NOT NULL,         -- the name shown (made safe); never used as a file name
    media_type    TEXT NOT NULL,         -- decided from the content
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,
    status        TEXT NOT NULL,         -- pending | clean | infected
    stored_in     TEXT NOT NULL,         -- db | dir
    created_at    BIGINT NOT NULL        -- unix milliseconds
);
-- The same file twice in one field of one draft is kept once.
CREATE UNIQUE INDEX attachments_draft_file ON attachments (draft_id, field, sha256);
CREATE INDEX attachments_submission ON attachments (submission_id);
CREATE INDEX attachments_status ON attachments (status);

-- The bytes of attachments kept in the database, in pieces of at most 256 KiB, so that neither
-- writing nor reading one needs the whole file in memory.
CREATE TABLE attachment_chunks (
    attachment_id TEXT NOT NULL REFERENCES attachments (id) ON DELETE CASCADE,
    seq           INTEGER NOT NULL,
    bytes         BYTEA NOT NULL,
    PRIMARY KEY (attachment_id, seq)
);
