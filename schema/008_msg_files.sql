-- imapmirror index: the Outlook .msg written beside a message by `export --msg` (issue #13).
--
-- msg_path: the .msg file, relative to DIR, beside the message's .eml (same base name). NULL
-- when none was written: the export ran without --msg, or the message could not be converted
-- (that is a message error in the run's summary; the .eml is archived all the same).
-- msg_sha256, msg_size: SHA-256 (hex) and size in bytes of that file, as `verify` checks them.
-- The .eml stays the source of truth; a .msg is a conversion of it (src/outlook/).
ALTER TABLE messages ADD COLUMN msg_path TEXT;
ALTER TABLE messages ADD COLUMN msg_sha256 TEXT;
ALTER TABLE messages ADD COLUMN msg_size INTEGER;
