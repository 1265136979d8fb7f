-- Every node caches the sessions it reads; a session written or deleted by any node is announced
-- to all of them (`NOTIFY tasteskjema_sessions, 'table id'`), and each forgets it (store::listen).
-- The session stores make their tables before the migrations run.
CREATE OR REPLACE FUNCTION tower_sessions.tasteskjema_session_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('tasteskjema_sessions', TG_TABLE_NAME || ' ' ||
        (CASE WHEN TG_OP = 'DELETE' THEN OLD.id ELSE NEW.id END));
    RETURN NULL;
END $$;

DROP TRIGGER IF EXISTS tasteskjema_session_changed ON tower_sessions."session";
CREATE TRIGGER tasteskjema_session_changed
AFTER INSERT OR UPDATE OR DELETE ON tower_sessions."session"
FOR EACH ROW EXECUTE FUNCTION tower_sessions.tasteskjema_session_changed();

DROP TRIGGER IF EXISTS tasteskjema_session_changed ON tower_sessions.ansatt_sessions;
CREATE TRIGGER tasteskjema_session_changed
AFTER INSERT OR UPDATE OR DELETE ON tower_sessions.ansatt_sessions
FOR EACH ROW EXECUTE FUNCTION tower_sessions.tasteskjema_session_changed();
