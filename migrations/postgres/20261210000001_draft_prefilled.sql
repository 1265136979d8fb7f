-- The answers a draft took from a public register (Enhetsregisteret, Folkeregisteret) when it
-- started: a JSON list of {path, register, value, locked}. Kept beside the document, which is the
-- API payload and has no room for it, so that a page can say where an answer came from and the
-- server can put a locked answer back whatever a post says. NULL for drafts started before this
-- column and for drafts with no such answers.
ALTER TABLE drafts ADD COLUMN prefilled TEXT;
