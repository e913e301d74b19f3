-- schema/001_initial.sql as first shipped (commit e7cf7db), before header_sha256 and
-- messages_folder_uid were added to it: archives created then still have this shape.
-- imapmirror index, version 1. Documented column by column in README.md ("The index").
-- Times are ISO 8601 UTC text ("2024-01-03T10:00:00Z"); paths are relative to the archive root.

CREATE TABLE folders (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,          -- decoded UTF-8, e.g. 'Entwürfe'
    raw_name       TEXT NOT NULL UNIQUE,   -- as on the wire (modified UTF-7), e.g. 'Entw&APw-rfe'
    delimiter      TEXT,                   -- hierarchy delimiter, NULL for a flat namespace
    path           TEXT NOT NULL UNIQUE,   -- directory relative to the archive root
    selectable     INTEGER NOT NULL,       -- 0 for \Noselect / \NonExistent parents
    special_use    TEXT,                   -- '\Sent', '\Trash', ... (RFC 6154)
    uidvalidity    INTEGER,                -- server's UIDVALIDITY at the last sync
    uidnext        INTEGER,                -- server's UIDNEXT at the last sync
    highestmodseq  INTEGER,                -- RFC 7162, when the server has CONDSTORE
    server_messages INTEGER,               -- message count on the server at the last sync
    last_synced_at TEXT,                   -- end of the last successful sync of this folder
    deleted_at     TEXT                    -- set when the folder disappeared from the server
);

CREATE TABLE threads (
    id              INTEGER PRIMARY KEY,
    root_message_id TEXT,                  -- Message-ID of the earliest message
    subject         TEXT,                  -- subject of the earliest message
    message_count   INTEGER NOT NULL,
    first_date      TEXT,
    last_date       TEXT
);

CREATE TABLE messages (
    id                    INTEGER PRIMARY KEY,
    folder_id             INTEGER NOT NULL REFERENCES folders(id),
    uidvalidity           INTEGER NOT NULL,
    uid                   INTEGER NOT NULL,
    message_id            TEXT,            -- '<id@host>' as written; not unique across messages
    in_reply_to           TEXT,
    refs                  TEXT,            -- References header, unfolded
    subject               TEXT,            -- decoded
    from_addr             TEXT,            -- decoded, 'Name <a@b>'
    to_addrs              TEXT,
    cc_addrs              TEXT,
    date                  TEXT,            -- Date header, ISO 8601 UTC
    internal_date         TEXT,            -- server's INTERNALDATE, ISO 8601 UTC
    size                  INTEGER NOT NULL, -- RFC822.SIZE = bytes of the .eml
    flags                 TEXT NOT NULL,   -- space-separated, as on the server
    list_unsubscribe      TEXT,
    list_unsubscribe_post TEXT,            -- 'List-Unsubscribe=One-Click' for RFC 8058
    thread_index          TEXT,            -- Outlook Thread-Index header
    thread_id             INTEGER REFERENCES threads(id),
    path                  TEXT NOT NULL,   -- the .eml, relative to the archive root
    sha256                TEXT NOT NULL,   -- of the .eml bytes
    parse_error           TEXT,            -- why MIME parsing failed or was partial; NULL if fine
    modseq                INTEGER,
    gm_msgid              INTEGER,         -- Gmail X-GM-MSGID
    gm_thrid              INTEGER,         -- Gmail X-GM-THRID
    archived_at           TEXT NOT NULL,
    deleted_at            TEXT,            -- set when expunged on the server (the file stays)
    UNIQUE (folder_id, uidvalidity, uid)
);
CREATE INDEX messages_message_id ON messages(message_id);
CREATE INDEX messages_thread ON messages(thread_id);

CREATE TABLE attachments (
    id           INTEGER PRIMARY KEY,
    message_id   INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    part         TEXT NOT NULL,            -- IMAP part number, e.g. '2' or '1.3'
    filename     TEXT,                     -- decoded original name, NULL when none
    content_type TEXT NOT NULL,
    size         INTEGER NOT NULL,         -- decoded bytes
    path         TEXT NOT NULL,            -- the extracted file, relative to the archive root
    sha256       TEXT NOT NULL
);
CREATE INDEX attachments_message ON attachments(message_id);

CREATE TABLE runs (
    id          INTEGER PRIMARY KEY,
    started_at  TEXT NOT NULL,
    finished_at TEXT,
    mode        TEXT NOT NULL,             -- 'export'
    folders     INTEGER,
    messages    INTEGER,                   -- new messages archived
    bytes       INTEGER,
    attachments INTEGER,
    errors      INTEGER,
    exit_code   INTEGER
);
