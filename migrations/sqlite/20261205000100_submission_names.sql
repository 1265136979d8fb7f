-- The names a receipt shows, as they were when the submission was received: the party's name (an
-- organisation's or a person's), and the submitter's (a person's for a browser submission, the
-- end-user system's for an API one). Names change, and a receipt states what was true at the
-- time; the keys `party` and `submitter` stay what access and audit go by. NULL for submissions
-- received before these columns, and when no name could be found: the receipt then shows the key.
ALTER TABLE submissions ADD COLUMN party_name TEXT;
ALTER TABLE submissions ADD COLUMN submitter_name TEXT;
