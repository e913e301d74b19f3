-- imapmirror index, version 18: English words are found in all their forms.
-- `test` finds "tests" and "testing", `message` "messages", as notmuch (Xapian), Gmail and
-- mail clients' search do: the full-text tables' tokenizer gains FTS5's Porter stemmer in
-- front of unicode61. A word that is not lower-case ASCII letters after folding (a name in
-- another script, a number, kana and kanji) passes through the stemmer as it was. The query
-- is stemmed by the same tokenizer, so a prefix still matches a word's beginning. Measured
-- against notmuch on the corpora (scripts/compare-notmuch, doc/search.md), where stemming was
-- most of the difference. The tables are external content, so this rebuilds only their
-- index from the text already stored (about as long as indexing it the first time).
DROP TRIGGER IF EXISTS messages_fts_delete;
DROP TRIGGER IF EXISTS attachment_texts_delete;
DROP TABLE IF EXISTS messages_fts;
DROP TABLE IF EXISTS attachments_fts;

CREATE VIRTUAL TABLE messages_fts USING fts5(
    subject, from_addr, to_addrs, cc_addrs, body, attachment_names, attachment_text,
    content = 'message_search', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

CREATE VIRTUAL TABLE attachments_fts USING fts5(
    text, content = 'attachment_texts', content_rowid = 'attachment_id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);

-- As in version 14.
CREATE TRIGGER messages_fts_delete BEFORE DELETE ON messages BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, subject, from_addr, to_addrs, cc_addrs, body,
                              attachment_names, attachment_text)
    SELECT 'delete', id, subject, from_addr, to_addrs, cc_addrs, body, attachment_names,
           attachment_text
      FROM message_search WHERE id = old.id;
    DELETE FROM bodies WHERE message_id = old.id;
    DELETE FROM attachment_texts WHERE message_id = old.id;
END;

CREATE TRIGGER attachment_texts_delete BEFORE DELETE ON attachment_texts WHEN old.text <> '' BEGIN
    INSERT INTO attachments_fts (attachments_fts, rowid, text)
    VALUES ('delete', old.attachment_id, old.text);
END;

INSERT INTO messages_fts (messages_fts) VALUES ('rebuild');
-- Only rows with text have entries, as store_attachment_texts writes them (and the delete
-- trigger above removes them).
INSERT INTO attachments_fts (rowid, text)
SELECT attachment_id, text FROM attachment_texts WHERE text <> '';
-- One segment each, as sync/search_upkeep.hpp explains: a rebuild leaves many.
INSERT INTO messages_fts (messages_fts) VALUES ('optimize');
INSERT INTO attachments_fts (attachments_fts) VALUES ('optimize');
