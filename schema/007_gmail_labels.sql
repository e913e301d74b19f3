-- imapmirror index, version 7: Gmail labels (single-instance mode, see doc/providers.md).
-- On a server with X-GM-EXT-1 the export archives each message once, from the \All folder
-- (plus \Junk and \Trash, which Gmail keeps out of All Mail), and keeps its X-GM-LABELS here
-- instead of downloading it again from every label's folder. Label changes are refreshed like
-- flags (CONDSTORE CHANGEDSINCE where the folder has it).
--
-- Which messages have a label:
--   SELECT m.subject FROM messages m
--     JOIN message_labels ml ON ml.message_id = m.id
--     JOIN labels l ON l.id = ml.label_id
--    WHERE l.name = 'Work/Q1' AND m.deleted_at IS NULL;

CREATE TABLE labels (
    id   INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE              -- as Gmail names it, user labels decoded from
                                           -- modified UTF-7 ('Ärger', 'Work/Q1'), system labels
                                           -- as sent ('\Inbox', '\Important', '\Sent',
                                           -- '\Starred', '\Draft')
);

CREATE TABLE message_labels (
    message_id INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    label_id   INTEGER NOT NULL REFERENCES labels(id),
    PRIMARY KEY (message_id, label_id)     -- the message's labels as of its last refresh
) WITHOUT ROWID;
CREATE INDEX message_labels_label ON message_labels(label_id);

-- The hard links (or, where a link is impossible, copies) the export made in label
-- directories, so that it removes exactly those when a label goes, and never a file it did
-- not make.
CREATE TABLE label_links (
    path       TEXT PRIMARY KEY,           -- the link, relative to the archive root
    message_id INTEGER NOT NULL REFERENCES messages(id),
    copied     INTEGER NOT NULL            -- 1 when a copy (hard link refused: EXDEV, EPERM,
                                           -- EMLINK), 0 for a hard link to messages.path
);
