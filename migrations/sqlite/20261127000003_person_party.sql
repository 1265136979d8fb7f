-- Drafts belong to a logged-in person acting for a party (an organisation or themself). Drafts made
-- before login existed belonged to a browser session; they keep empty person and party and so are
-- never shown to anyone.
ALTER TABLE drafts ADD COLUMN person TEXT NOT NULL DEFAULT '';
ALTER TABLE drafts ADD COLUMN party TEXT NOT NULL DEFAULT '';
DROP INDEX drafts_owner_updated;
-- "My drafts" and "resume the latest draft of this form": always by person and party.
CREATE INDEX drafts_person_party ON drafts (person, party, updated_at DESC);

-- Which portal session an ID-porten session (`sid`) is logged in to, so that a front-channel logout
-- naming the sid can end it. A row goes when the person logs out.
CREATE TABLE login_sessions (
    session_id TEXT PRIMARY KEY,   -- the portal's session id (the cookie's value)
    sid        TEXT NOT NULL,      -- ID-porten's session id from the id_token
    person     TEXT NOT NULL,      -- pid
    created_at BIGINT NOT NULL     -- unix milliseconds
);
CREATE INDEX login_sessions_sid ON login_sessions (sid);
