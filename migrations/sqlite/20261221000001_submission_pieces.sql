-- A large delivery's canonical document, stored in pieces of at most 1 MiB (in order of seq) so
-- that neither storing nor making it holds it whole in memory; its submissions row then has an
-- empty document. Reading a submission puts the pieces together again.
CREATE TABLE submission_pieces (
    submission_id TEXT NOT NULL REFERENCES submissions (id),
    seq           BIGINT NOT NULL,
    text          TEXT NOT NULL,
    PRIMARY KEY (submission_id, seq)
);
