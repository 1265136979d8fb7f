-- Delivery at intake speed: the claim reads only pending jobs, in the order it takes them. (One
-- process uses a SQLite database: its workers are woken in memory.)
CREATE INDEX outbox_claim ON outbox (next_at, id) WHERE state = 'pending';
