#pragma once
// CJK text for full-text search. FTS5's unicode61 tokenizer makes a whole run of kana, kanji
// or hangul one token, so a word inside it ("東京" in "東京都に行きます") is never found.
// schema/013's `messages_cjk` therefore holds each message's CJK runs as overlapping pairs of
// characters (bigrams, as Lucene's CJKAnalyzer does), and a CJK word in a query is searched
// as the phrase of its bigrams. Pure functions, no SQL.

#include <cstdint>
#include <string>
#include <string_view>

namespace imapmirror::index {

// Whether code point `cp` is Han, kana, hangul or one of their compatibility forms.
bool is_cjk(uint32_t cp);

// The bigrams of every CJK run in `utf8`, space-separated ("東京都" -> "東京 京都"); a run of
// one character is that character. "" when the text holds no CJK. Invalid UTF-8 is skipped.
std::string cjk_bigrams(std::string_view utf8);

// Splits a query word into its CJK runs and the rest: `cjk` gets an FTS5 phrase per run
// ("\"東京 京都\""), separated by spaces; `rest` the word with each run replaced by a space.
struct CjkSplit {
    std::string cjk, rest;
};
CjkSplit split_cjk(std::string_view word);

}  // namespace imapmirror::index
