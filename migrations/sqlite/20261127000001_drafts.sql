-- Drafts: answers saved on every page post and autosave, even when they hold errors.
CREATE TABLE drafts (
    id           TEXT PRIMARY KEY,      -- random UUID: unguessable, but access is checked by owner anyway
    owner        TEXT NOT NULL,         -- Owner::key(); every query filters on it
    form_id      TEXT NOT NULL,
    form_version TEXT NOT NULL,         -- pinned: a draft keeps the form version it began on
    version      BIGINT NOT NULL,       -- optimistic lock: a stale tab cannot overwrite a newer save
    document     TEXT NOT NULL,         -- the form's JSON document (the API payload)
    last_page    TEXT,                  -- where to resume
    created_at   BIGINT NOT NULL,       -- unix milliseconds
    updated_at   BIGINT NOT NULL
);
-- "My drafts" and "resume the latest draft of this form".
CREATE INDEX drafts_owner_updated ON drafts (owner, updated_at DESC);
