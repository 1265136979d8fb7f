-- SFTP: the public keys an organisation delivers with (registered on the portal by a person who
-- may act for it, or from dev/registry.toml on the embedded default), and each file taken from
-- it with the answer written to its kvittering/ folder.
CREATE TABLE sftp_keys (
    id          TEXT PRIMARY KEY,   -- UUID
    orgnr       TEXT NOT NULL,
    name        TEXT NOT NULL,      -- as the person named it
    public_key  TEXT NOT NULL,      -- OpenSSH form, without its comment
    fingerprint TEXT NOT NULL,      -- SHA256:… as ssh-keygen -l shows it
    added_by    TEXT NOT NULL,      -- person:<pid>, or registry
    forms       TEXT,               -- the forms it may deliver, comma-separated (those the person
                                    -- who added it may); NULL: every SFTP form (the registry's)
    added_at    BIGINT NOT NULL,    -- unix milliseconds
    UNIQUE (orgnr, fingerprint)
);

CREATE TABLE sftp_files (
    orgnr         TEXT NOT NULL,
    name          TEXT NOT NULL,    -- the file's name: its answer is kvittering/<name>
    folder        TEXT NOT NULL,    -- innsending/<scheme>/<year>
    sha256        TEXT NOT NULL,
    size          BIGINT NOT NULL,
    accepted      BOOLEAN NOT NULL,
    answer        TEXT NOT NULL,    -- Leveransebekreftelse or Feil, JSON
    answer_size   BIGINT NOT NULL,  -- its length in bytes (UTF-8), for listings
    submission_id TEXT,
    taken_at      BIGINT NOT NULL,  -- unix milliseconds
    PRIMARY KEY (orgnr, name)
);
CREATE INDEX sftp_files_folder ON sftp_files (orgnr, folder);
