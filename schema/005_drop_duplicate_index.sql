-- imapmirror index, version 5: one index on (folder_id, uidvalidity, uid), not two.
-- UNIQUE (folder_id, uidvalidity, uid) in 001_initial.sql already makes SQLite keep an index on
-- exactly those columns (sqlite_autoindex_messages_1), which every look-up by UID uses;
-- `messages_folder_uid`, added to 001 later, only cost a second B-tree update per message
-- written. Archives created before it was added never had it.
DROP INDEX IF EXISTS messages_folder_uid;
