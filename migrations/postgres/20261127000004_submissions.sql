-- Submissions from both channels (browser and API), as given, with their receipt, and the outbox of
-- deliveries they cause. The submission, its receipt and its jobs are written in one transaction.
CREATE TABLE submissions (
    id              TEXT PRIMARY KEY,      -- UUID
    reference       TEXT NOT NULL UNIQUE,  -- the receipt's short reference (see intake::reference)
    idempotency_key TEXT NOT NULL UNIQUE,  -- per channel: "draft:<id>" or "api:<party>:<key>"
    form_id         TEXT NOT NULL,
    form_version    TEXT NOT NULL,         -- pinned: read back with the version it was given in
    party           TEXT NOT NULL,         -- org:<orgnr> or person:<pid>
    submitter       TEXT NOT NULL,         -- person:<pid> or systemuser:<uuid>
    channel         TEXT NOT NULL,         -- browser | api
    document        TEXT NOT NULL,         -- canonical JSON (keys sorted, no whitespace)
    sha256          TEXT NOT NULL,         -- of document
    dialog_id       TEXT NOT NULL,         -- the Dialogporten dialog it is delivered to
    transmission_id TEXT NOT NULL,         -- the Dialogporten transmission of the submission
    response        TEXT NOT NULL,         -- the first answer given (JSON), repeated for a retry
    status          TEXT NOT NULL,         -- received | accepted | rejected
    feedback        TEXT,                  -- the domain system's feedback (JSON), once it came
    created_at      BIGINT NOT NULL,       -- unix milliseconds
    updated_at      BIGINT NOT NULL
);
CREATE INDEX submissions_party ON submissions (party, created_at DESC);

-- Deliveries to make: each job is claimed, tried, retried with backoff, and parked when it keeps
-- failing. Receivers de-duplicate by the ids in the job's submission.
CREATE TABLE outbox (
    id            BIGSERIAL PRIMARY KEY,
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    kind          TEXT NOT NULL,           -- dialogporten | domain | feedback
    state         TEXT NOT NULL,           -- pending | done | parked
    attempts      BIGINT NOT NULL DEFAULT 0,
    next_at       BIGINT NOT NULL,         -- unix milliseconds: not before
    locked_until  BIGINT NOT NULL DEFAULT 0,
    last_error    TEXT,
    created_at    BIGINT NOT NULL,
    done_at       BIGINT,
    UNIQUE (submission_id, kind)
);
CREATE INDEX outbox_due ON outbox (state, next_at);
