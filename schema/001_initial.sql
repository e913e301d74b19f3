-- imapmirror index, version 1. Every column is documented where it is defined: here, and in
-- the later migrations that add or change one (002: size_announced; 003: examine_refused;
-- 004: header_sha256 for archives made before this file had it).
-- Times are ISO 8601 UTC text ("2024-01-03T10:00:00Z"); paths are relative to the archive root.

CREATE TABLE folders (
    id             INTEGER PRIMARY KEY,
    name           TEXT NOT NULL,          -- decoded UTF-8, e.g. 'Entwürfe'
    raw_name       TEXT NOT NULL UNIQUE,   -- as on the wire (modified UTF-7), e.g. 'Entw&APw-rfe'
    delimiter      TEXT,                   -- hierarchy delimiter, NULL for a flat namespace
    path           TEXT NOT NULL UNIQUE,   -- directory relative to the archive root
    selectable     INTEGER NOT NULL,       -- 0 for \Noselect / \NonExistent parents
    special_use    TEXT,                   -- '\Sent', '\Drafts', '\Trash', '\Junk', '\Archive',
                                           -- '\All', '\Flagged' (RFC 6154) or NULL
    uidvalidity    INTEGER,                -- server's UIDVALIDITY at the last sync
    uidnext        INTEGER,                -- server's UIDNEXT at the last sync
    highestmodseq  INTEGER,                -- RFC 7162, when the server has CONDSTORE
    server_messages INTEGER,               -- message count on the server at the last sync
    last_synced_at TEXT,                   -- end of the last successful sync of this folder
    deleted_at     TEXT                    -- set when the folder disappeared from the server
                                           -- (its files are kept)
);

CREATE TABLE threads (
    id              INTEGER PRIMARY KEY,
    root_message_id TEXT,                  -- Message-ID of the earliest message
    subject         TEXT,                  -- subject of the earliest message
    message_count   INTEGER NOT NULL,
    first_date      TEXT,                  -- date of the earliest message
    last_date       TEXT                   -- date of the latest message
);

CREATE TABLE messages (
    id                    INTEGER PRIMARY KEY,
    folder_id             INTEGER NOT NULL REFERENCES folders(id),
    uidvalidity           INTEGER NOT NULL, -- with uid: the message's identity on the server
    uid                   INTEGER NOT NULL,
    -- The header columns (message_id .. cc_addrs, date, list_unsubscribe .. thread_index) are
    -- read as src/core/message_headers.hpp says; header values are unfolded, runs of white
    -- space as one space.
    message_id            TEXT,            -- '<id@host>' as written; not unique (copies of a
                                           -- message, and broken senders)
    in_reply_to           TEXT,            -- In-Reply-To header as written, unfolded
    refs                  TEXT,            -- References header as written, unfolded
    subject               TEXT,            -- decoded to UTF-8
    from_addr             TEXT,            -- decoded, 'Jörg Müller <joerg@example.de>'
    to_addrs              TEXT,            -- decoded, 'Name <a@b>, c@d'
    cc_addrs              TEXT,            -- decoded, like to_addrs
    date                  TEXT,            -- Date header, ISO 8601 UTC; NULL when absent or
                                           -- unparseable
    internal_date         TEXT,            -- server's INTERNALDATE (arrival), ISO 8601 UTC
    size                  INTEGER NOT NULL, -- bytes of the .eml, as the server sent them (002)
    flags                 TEXT NOT NULL,   -- space-separated, as on the server:
                                           -- '\Seen \Answered $Important'
    list_unsubscribe      TEXT,            -- List-Unsubscribe header as written, unfolded
    list_unsubscribe_post TEXT,            -- 'List-Unsubscribe=One-Click' for RFC 8058
    thread_index          TEXT,            -- Outlook Thread-Index header
    thread_id             INTEGER REFERENCES threads(id),
    path                  TEXT NOT NULL,   -- the .eml, relative to the archive root
    sha256                TEXT NOT NULL,   -- of the .eml bytes
    header_sha256         TEXT,            -- of the header block as BODY[HEADER] gives it,
                                           -- without the line breaks ending it (see 004)
    parse_error           TEXT,            -- why MIME parsing failed or was partial; NULL if fine
    modseq                INTEGER,         -- CONDSTORE MODSEQ (RFC 7162)
    gm_msgid              INTEGER,         -- Gmail X-GM-MSGID
    gm_thrid              INTEGER,         -- Gmail X-GM-THRID
    archived_at           TEXT NOT NULL,   -- when it was archived
    deleted_at            TEXT,            -- set when expunged on the server (the file stays)
    UNIQUE (folder_id, uidvalidity, uid)
);
CREATE INDEX messages_message_id ON messages(message_id);
CREATE INDEX messages_thread ON messages(thread_id);
CREATE INDEX messages_folder_uid ON messages(folder_id, uidvalidity, uid);

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
