-- 003: sign-in lockout with a sliding window (R-LOCKOUT, R-INTRUSION).
-- recent: the times (UTC ns, little-endian int64 each, oldest first) of the
-- failures still inside lock_window, so that "N failures within the window"
-- is exact at any moment instead of per fixed period (core/lockout.c).
-- Rows of user names that are not enrolled are keyed '?' + a keyed hash of
-- the name: what was typed (perhaps a password) is never stored.
ALTER TABLE lockout ADD COLUMN recent BLOB;
CREATE INDEX lockout_last_failure ON lockout(last_failure);
