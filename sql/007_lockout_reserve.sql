-- 007: sign-in reservations (R-LOCKOUT). An attempt is counted before PAM is
-- asked, so that consoles waiting at the password prompt at the same time get
-- no more PAM evaluations than lock_failures allows (core/auth/lockout.c).
-- pending: the open reservations of the account, oldest first, 16 bytes each:
-- the reservation's id (a random 64-bit number, never 0) and its expiry (UTC
-- ns), both little-endian 64-bit integers, as in `recent` (003). A
-- reservation is removed when its attempt succeeds, fails (then counted in
-- `recent`) or is cancelled; one still here at its expiry (prompt_timeout
-- plus 30 s after it was taken: the console died) is dropped, not counted.
ALTER TABLE lockout ADD COLUMN pending BLOB;
