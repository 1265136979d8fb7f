-- A save of a draft writes its own audit row: the save is then one statement instead of a
-- transaction of two (an autosave is one round trip), and its row cannot be left out. The request
-- that saved is kept on the draft for the row.
ALTER TABLE drafts ADD COLUMN saved_by TEXT;

CREATE TRIGGER drafts_saved_audit AFTER UPDATE OF version ON drafts
WHEN NEW.version <> OLD.version
BEGIN
    INSERT INTO audit_log (at, event, owner, person, party, subject, request_id, employee)
    VALUES (NEW.updated_at, 'draft.saved', NEW.person || '|' || NEW.party, NEW.person, NEW.party,
            NEW.id, COALESCE(NEW.saved_by, '-'), NULL);
END;
