-- imapmirror index, version 19: threads kept up to date from the new messages alone.
-- Each key a message joins a thread by (index/threading.hpp: its own Message-ID, each ID it
-- cites, Outlook's conversation, Gmail's thread), and that thread. A run with new mail looks
-- their keys up here instead of reading every message of the archive again: that took 880 MB
-- and 14 s of a night with 10,000 new messages at 1,000,000 archived (`scripts/bench scale`).
-- Filled by the first run after the upgrade, from the threads the archive already has.
CREATE TABLE IF NOT EXISTS thread_keys (
    -- "id:<message-id>", "ti:" and 44 hex digits (Thread-Index), or "gm:" and X-GM-THRID
    key TEXT PRIMARY KEY,
    thread_id INTEGER NOT NULL  -- threads.id
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS thread_keys_thread ON thread_keys(thread_id);
