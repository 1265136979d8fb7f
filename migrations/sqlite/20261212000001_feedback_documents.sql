-- Documents a domain system issued with its decision on a submission (a certificate, an
-- assessment), fetched once from the domain system and kept beside the submission so that the
-- receipt and the party's inbox can offer them. Small (a few pages of PDF), so kept in the row.
CREATE TABLE feedback_documents (
    submission_id TEXT NOT NULL REFERENCES submissions (id) ON DELETE CASCADE,
    id            TEXT NOT NULL,      -- the domain system's id of the document
    name          TEXT NOT NULL,      -- its file name, as the domain system gave it
    media_type    TEXT NOT NULL,
    size          BIGINT NOT NULL,
    sha256        TEXT NOT NULL,      -- checked against the bytes when fetched
    bytes         BLOB NOT NULL,
    created_at    BIGINT NOT NULL,    -- unix milliseconds
    PRIMARY KEY (submission_id, id)
);
