-- Every autosave updates a draft and adds an audit row; each index on them is one more b-tree
-- written per save. Only the employees' own audit rows need finding by employee, not the
-- people's (NULL): the index keeps those alone.
DROP INDEX audit_log_employee;
CREATE INDEX audit_log_employee ON audit_log (employee, at) WHERE employee IS NOT NULL;
