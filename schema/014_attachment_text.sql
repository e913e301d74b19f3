-- imapmirror index, version 14: the text of attachments (issue #24), searchable, and which
-- attachment a hit came from.
--
-- attachment_texts: one row per attachment once it has been read (src/extract/): its text
-- (at most 1 MiB, `truncated` says there was more) and how the reading went:
--   'ok', 'truncated', 'failed:REASON' (unreadable, or the sandbox's memory, CPU or time limit:
--   doc/attachment-text.md), 'skipped:REASON' (a type without text, larger than the input cap).
-- Written to run again over itself (IF [NOT] EXISTS), as 013: tests and repairs that set
-- user_version back keep these tables.
-- An attachment without a row has not been read yet (archived before this version, or with
-- --no-attachment-text): `export` and `reindex` read exactly those.
CREATE TABLE IF NOT EXISTS attachment_texts (
    attachment_id INTEGER PRIMARY KEY REFERENCES attachments(id) ON DELETE CASCADE,
    message_id    INTEGER NOT NULL REFERENCES messages(id) ON DELETE CASCADE,
    status        TEXT NOT NULL,
    text          TEXT NOT NULL DEFAULT '',
    truncated     INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS attachment_texts_by_message ON attachment_texts (message_id, attachment_id);

-- Two indexes over the same text, for two questions `search` asks:
--  * messages_fts gains a column `attachment_text` (all of a message's attachment text), so a
--    query reads the message and its attachments as one document: `from:bob budget` finds
--    Bob's mail whose PDF says "budget", and every operator, prefix and column filter of the
--    query language works across both. (A separate table would split such a query in two.)
--  * attachments_fts (rowid = attachments.id) answers, for each hit, which attachment holds
--    the query's words, so `search` prints the attachment's name. It costs a second index of
--    the attachment text (about the size of the first).
-- Both are external content: the text is stored once, in attachment_texts.
DROP TRIGGER IF EXISTS messages_fts_delete;
DROP TABLE IF EXISTS messages_fts;
DROP VIEW IF EXISTS message_search;

CREATE VIEW message_search AS
SELECT m.id AS id, m.subject AS subject, m.from_addr AS from_addr, m.to_addrs AS to_addrs,
       m.cc_addrs AS cc_addrs, b.text AS body,
       (SELECT group_concat(a.filename, ' ') FROM attachments a
         WHERE a.message_id = m.id AND a.filename IS NOT NULL) AS attachment_names,
       (SELECT group_concat(text, char(10)) FROM
          (SELECT t.text AS text FROM attachment_texts t
            WHERE t.message_id = m.id AND t.text <> '' ORDER BY t.attachment_id))
         AS attachment_text
FROM messages m LEFT JOIN bodies b ON b.message_id = m.id;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, from_addr, to_addrs, cc_addrs, body, attachment_names, attachment_text,
    content = 'message_search', content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE IF NOT EXISTS attachments_fts USING fts5(
    text, content = 'attachment_texts', content_rowid = 'attachment_id',
    tokenize = 'unicode61 remove_diacritics 2'
);

-- As in version 6, with the new column; and a message's attachment text goes with it.
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, subject, from_addr, to_addrs, cc_addrs, body,
                              attachment_names, attachment_text)
    SELECT 'delete', id, subject, from_addr, to_addrs, cc_addrs, body, attachment_names,
           attachment_text
      FROM message_search WHERE id = old.id;
    DELETE FROM bodies WHERE message_id = old.id;
    DELETE FROM attachment_texts WHERE message_id = old.id;
END;

-- Only a row with text has an attachments_fts entry (store_attachment_texts).
CREATE TRIGGER IF NOT EXISTS attachment_texts_delete BEFORE DELETE ON attachment_texts WHEN old.text <> '' BEGIN
    INSERT INTO attachments_fts (attachments_fts, rowid, text)
    VALUES ('delete', old.attachment_id, old.text);
END;

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
