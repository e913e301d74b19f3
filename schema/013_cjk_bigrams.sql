-- imapmirror index: CJK substrings found by search (issue #24). Numbered 013 after another
-- change's 012; applied in file order.
--
-- unicode61 (messages_fts) makes a whole run of kana, kanji or hangul one token, so a word
-- inside a run is never found. messages_cjk holds each message's CJK runs (subject, addresses,
-- body text, attachment names) as overlapping character pairs, space-separated
-- (src/index/cjk_grams.hpp: "東京都" -> "東京 京都"); a CJK word in a query is searched as
-- the phrase of its pairs. rowid = messages.id; no row for a message without CJK text.
-- Written with the message's `bodies` row (ArchiveIndex::insert_messages, store_bodies).
-- Archives made before this version get their rows from `imapmirror reindex --all DIR`.
-- Costs up to six times the UTF-8 size of the CJK text it covers (doc/performance.md).
CREATE VIRTUAL TABLE IF NOT EXISTS messages_cjk USING fts5(grams, tokenize = 'unicode61');

CREATE TRIGGER IF NOT EXISTS messages_cjk_delete BEFORE DELETE ON messages BEGIN
    DELETE FROM messages_cjk WHERE rowid = old.id;
END;
