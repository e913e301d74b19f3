-- imapmirror index, version 6: message body text, and full-text search over it.
-- `export` writes a message's `bodies` row and its `messages_fts` entry in the transaction that
-- inserts the message (ArchiveIndex::insert_messages); `imapmirror reindex DIR` fills both for
-- messages archived before this version, or exported with --no-bodies, from their .eml files.
-- Expunged messages stay searchable: their files stay in the archive (messages.deleted_at).

-- The text a person reads in a message, as the search index takes it (src/mime/body_text.hpp,
-- TextFor::Index): the text/plain body decoded to UTF-8, or the text/html body converted to
-- text; then the lines of an HTML alternative with words the plain one lacks, and an attached
-- message's From, To, Cc and Subject values and body (`show` labels those;
-- rows written before December 2026 have the labels here too). At most 1 MiB of text per message
-- (mime::BodyLimits; `truncated` says the body had more). A message without a row has not been
-- read yet (archived before version 6, or with --no-bodies): `reindex` reads exactly those.
CREATE TABLE bodies (
    message_id INTEGER PRIMARY KEY REFERENCES messages(id) ON DELETE CASCADE,
    origin     TEXT NOT NULL,                -- 'plain', 'html' (some of the text came from
                                             -- HTML), or 'none' (no text body; text is '')
    text       TEXT NOT NULL,                -- UTF-8, lines end in '\n'
    truncated  INTEGER NOT NULL DEFAULT 0    -- 1 when the text was cut at the cap
);

-- What the full-text index reads, one row per message: `messages_fts` stores no copy of the
-- text (an FTS5 external-content table over this view), so a body is stored once.
-- attachment_names: the decoded file names of the message's attachments, space-separated.
CREATE VIEW message_search AS
SELECT m.id AS id, m.subject AS subject, m.from_addr AS from_addr, m.to_addrs AS to_addrs,
       m.cc_addrs AS cc_addrs, b.text AS body,
       (SELECT group_concat(a.filename, ' ') FROM attachments a
         WHERE a.message_id = m.id AND a.filename IS NOT NULL) AS attachment_names
FROM messages m LEFT JOIN bodies b ON b.message_id = m.id;

-- FTS5 over subject, from, to, cc, body text and attachment names; rowid = messages.id.
-- Query it with FTS5 syntax (`imapmirror search`): 'invoice', 'from_addr:alice',
-- '"exact phrase"', 'budget NOT draft', 'repo*'. unicode61 with diacritics removed: 'muller'
-- finds 'Müller'. Being external content, an entry is removed with the values it was made
-- from: ('delete', rowid, the view's columns) before the row it reads changes.
CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, from_addr, to_addrs, cc_addrs, body, attachment_names,
    content = 'message_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- A message row removed from the index takes its entry with it (the body row goes by the
-- foreign key, where foreign keys are on, and by this trigger where they are not).
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, subject, from_addr, to_addrs, cc_addrs, body,
                              attachment_names)
    SELECT 'delete', id, subject, from_addr, to_addrs, cc_addrs, body, attachment_names
      FROM message_search WHERE id = old.id;
    DELETE FROM bodies WHERE message_id = old.id;
END;

-- Messages already archived become searchable by their headers and attachment names at once;
-- `reindex` adds their bodies.
INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
