-- Deliveries an API takes in steps (the aksjonærregisteroppgave): the main form opens one, its
-- sub-forms are added one by one, and a confirmation with their number turns it into one
-- submission, in the transaction that stores the submission. Until then nothing else happens with
-- it. An open delivery that is not confirmed in time is deleted by the outbox workers' sweep (its
-- parts go with it); a confirmed one is kept with its parts, as given.
CREATE TABLE staged_deliveries (
    id            TEXT PRIMARY KEY,      -- UUID (the API's hovedskjemaid)
    form_id       TEXT NOT NULL,
    form_version  TEXT NOT NULL,
    party         TEXT NOT NULL,         -- org:<orgnr>: only this party reaches it
    submitter     TEXT NOT NULL,         -- systemuser:<uuid> that opened it
    year          BIGINT NOT NULL,       -- the income year in its address
    document      TEXT NOT NULL,         -- the main form as the form's JSON document
    parts         BIGINT NOT NULL,       -- sub-forms received so far
    state         TEXT NOT NULL,         -- open | confirmed
    submission_id TEXT REFERENCES submissions (id),   -- once confirmed
    created_at    BIGINT NOT NULL,       -- unix milliseconds
    expires_at    BIGINT NOT NULL        -- an open one is gone after this (unix milliseconds)
);
CREATE INDEX staged_deliveries_expiry ON staged_deliveries (state, expires_at);

-- The documents of a staged delivery, as given (caseworkers read them so): the main form first
-- (seq 0, its id the delivery's), then each sub-form in the order received.
CREATE TABLE staged_parts (
    id              TEXT PRIMARY KEY,    -- UUID (the API's document id)
    delivery_id     TEXT NOT NULL REFERENCES staged_deliveries (id) ON DELETE CASCADE,
    seq             BIGINT NOT NULL,     -- 0 for the main form, then 1, 2, …
    idempotency_key TEXT NOT NULL UNIQUE, -- "api:<party>:<form>:<key>": a repeat gives the same answer
    sha256          TEXT NOT NULL,       -- of the body as given
    body            TEXT NOT NULL,       -- the document as given (XML)
    document        TEXT,                -- a sub-form as its part of the form's JSON document
    created_at      BIGINT NOT NULL,     -- unix milliseconds
    UNIQUE (delivery_id, seq)
);
