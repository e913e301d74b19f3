-- imapmirror index, version 12: what `restore` put where (issue #23).
-- One row per archived message and target folder. The target is an account (host and port as
-- given, user name; host and user lower-cased, as the servers seen compare them without
-- regard to ASCII case) and a folder by its name as sent (modified UTF-7). Before each APPEND
-- the row says 'appending'; once the server acknowledged it, 'restored' with the UID from
-- APPENDUID (RFC 4315) where the server has UIDPLUS. A row still 'appending' after a run (the
-- run was killed between the APPEND and its answer) is checked on the target by Message-ID and
-- size before the message is sent again, so a kill at any moment duplicates nothing.
-- 'refused' keeps the server's answer; the next run tries the message again.
--   SELECT target_folder, state, count(*) FROM restored GROUP BY 1, 2;
CREATE TABLE restored (
    target_host   TEXT NOT NULL,           -- lower-cased, as given (--host, `host`)
    target_port   INTEGER NOT NULL,        -- the port connected to
    target_user   TEXT NOT NULL,           -- lower-cased login name
    target_folder TEXT NOT NULL,           -- the folder's name as sent (modified UTF-7)
    message_id    INTEGER NOT NULL REFERENCES messages(id),  -- the archived message
    state         TEXT NOT NULL,           -- 'appending', 'restored' or 'refused'
    uidvalidity   INTEGER,                 -- APPENDUID's UIDVALIDITY, NULL without UIDPLUS
    uid           INTEGER,                 -- APPENDUID's UID, NULL without UIDPLUS
    error         TEXT,                    -- 'refused': the server's answer
    updated_at    TEXT NOT NULL,           -- when the state was written (ISO 8601 UTC)
    PRIMARY KEY (target_host, target_port, target_user, target_folder, message_id)
) WITHOUT ROWID;
