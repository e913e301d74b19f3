-- imapmirror index: why a run ended as it did (issue #21), so that `accounts` can say why an
-- account has been failing without anyone reading that night's cron mail or journal.
--
-- error_kind: the kind of the error that decided the run's exit code (core::ErrorKind as
-- written in --json: 'auth', 'network', 'timeout', 'tls', 'protocol', 'io', 'disk-full', ...);
-- NULL for a run that ended with exit code 0 or has not finished.
-- error_message: that error as the one line printed on stderr (control characters escaped,
-- never a password or token). For a partial run (exit code 10) the first of its errors; the
-- count is `errors`.
-- server_reply: the server's own words for it where there were some (redacted), else NULL.
-- A run that ends before the index can be opened (the archive is locked by another run, DIR
-- cannot be created, the index is damaged) has no row here: see doc/monitoring.md.
ALTER TABLE runs ADD COLUMN error_kind TEXT;
ALTER TABLE runs ADD COLUMN error_message TEXT;
ALTER TABLE runs ADD COLUMN server_reply TEXT;
