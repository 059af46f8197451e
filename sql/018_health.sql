-- Health (issue 13; R-DETECT): `fukuhonctl health` answers within a second on any history by
-- finding the newest record of an operation (the last full check, history verification,
-- checkpoint, backup) through this index instead of reading the history backwards.
CREATE INDEX audit_log_action ON audit_log(action);
