-- run only if missing: messages.header_sha256
-- imapmirror index, version 4: the header hash column for archives made without it.
-- 001_initial.sql gained `messages.header_sha256` and the index `messages_folder_uid` after
-- archives had been created with it; those archives (at version 1, 2 or 3) lack both, while
-- archives created later have both. The first line above makes this step run only where the
-- column is missing (see ArchiveIndex::migrate); the version is counted as applied either way.
--
-- header_sha256: SHA-256 (hex) of the message's header block as the server's BODY[HEADER]
-- returns it, without the line breaks that end the block (src/sync/header_hash.hpp); it
-- recognises an archived message after a UIDVALIDITY change. NULL for messages archived before
-- the column existed: they are downloaded again after such a change, not re-mapped.
ALTER TABLE messages ADD COLUMN header_sha256 TEXT;
CREATE INDEX IF NOT EXISTS messages_folder_uid ON messages(folder_id, uidvalidity, uid);
