-- Delivery at intake speed: the claim reads only pending jobs, in the order it takes them, and
-- every node's workers are woken when jobs are added (LISTEN tasteskjema_outbox), wherever the
-- submission arrived.
CREATE INDEX outbox_claim ON outbox (next_at, id) WHERE state = 'pending';
CREATE OR REPLACE FUNCTION outbox_added() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    -- One notification per statement; PostgreSQL folds those of one transaction into one.
    PERFORM pg_notify('tasteskjema_outbox', '');
    RETURN NULL;
END;
$$;
CREATE TRIGGER outbox_added AFTER INSERT ON outbox
    FOR EACH STATEMENT EXECUTE FUNCTION outbox_added();
