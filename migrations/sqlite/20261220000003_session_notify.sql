-- On PostgreSQL this migration makes every written or deleted session known to every node. SQLite
-- is used by one node, which forgets what it changes itself: nothing to do here.
SELECT 1;
