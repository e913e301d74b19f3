#pragma once
// What a person types into `imapmirror search`, read into a SearchQuery: an FTS5 expression
// over schema/006's `messages_fts` and filters the SQL applies. Pure: no SQL, no I/O.
//
// The language (doc/imapmirror.1.scd, SEARCH QUERIES):
//  - A word is searched as the words FTS5 makes of it, whatever punctuation it holds:
//    alice@example.org, e-mail, 2024-01-03, don't, C++, 10:30 (each becomes a quoted FTS5
//    string, so punctuation is never syntax). Words with no letter or digit are dropped.
//  - Explicit FTS5 syntax is recognised where it is unambiguous: "a phrase", prefix*, the
//    upper-case operators AND, OR, NOT, parentheses, NEAR(a b, N), and column:word for the
//    index's columns (subject, from_addr, to_addrs, cc_addrs, body, attachment_names,
//    attachment_text: schema 014's text of the attachments).
//  - Prefixes, as Gmail and notmuch users type them; a value with spaces is quoted
//    (subject:"re: meeting"):
//      from: to: (To or Cc) cc: subject: filename: body:   words in that column, inside the
//                                                          FTS5 expression (so they fold case
//                                                          and accents as the rest does, and
//                                                          combine with OR and NOT); from:,
//                                                          to:, cc: and filename: match a
//                                                          word's beginning
//      folder:NAME  label:NAME   the folder (decoded name or archive path) / Gmail label,
//                                case-insensitive for ASCII
//      has:attachment  is:unread  is:read  is:flagged (is:starred)
//      after:DATE  before:DATE   YYYY-MM-DD (or YYYY/MM/DD), a real date; after: is
//                                inclusive, before: is not; midnight in the query's zone
//  - A word of letters and digits ending in '+' or '#' (C++, C#, F#, g++) must also occur as
//    written, ASCII case folded, in the subject, body or attachment text (q.literals): the
//    tokenizer drops the '+', and the word alone (c) would find every single letter c.
//    Like a CJK run, it is ANDed with the rest of the query.
//  - A query of filters alone is fine (no words: every message that passes them).
//  - Kana, kanji and hangul in a word are found inside longer runs of them: each run is
//    searched as the phrase of its character pairs (q.cjk), ANDed with the rest of the query
//    (an OR or NOT around such a word does not apply to it).
// Limits: at most kMaxQueryBytes bytes; one folder: and one label: (a second is an error).

#include <cstddef>
#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace imapmirror::index {

inline constexpr size_t kMaxQueryBytes = 2000;

// The time zone dates are typed and shown in.
enum class QueryZone { Local, Utc };

struct SearchQuery {
    std::string match;  // FTS5 expression; "" for filters alone
    // The CJK runs of the query's words, as phrases of character pairs over schema 013's
    // messages_cjk (index/cjk_grams.hpp), all of which must occur; "" when none.
    std::string cjk;
    // Words that must occur as written (lower-case ASCII; see C++ above), as a JSON array of
    // strings ("[\"c++\"]"); "" when none.
    std::string literals;
    // Filters; "" or false means none. folder/label: compared case-insensitively (ASCII).
    // after/before: UTC instants "YYYY-MM-DDTHH:MM:SSZ" compared with the Date header, else
    // the arrival time: after is inclusive, before is not.
    std::string folder, label, after, before;
    bool has_attachment = false;
    bool unread = false;        // without \Seen
    bool read = false;          // with \Seen
    bool flagged = false;       // with \Flagged
    bool by_relevance = false;  // bm25 order (computed only then); else newest first
    size_t limit = 50;
    // The snippet marks the matched words with these (they must not occur in text: control
    // characters suit).
    std::string mark_open = "\x02", mark_close = "\x03";
};

// Reads `text` into `q` (adding to what is there: the words are ANDed with q.match, a filter
// already set and given again is an error). Usage errors, one line each, name the part of the
// query at fault: too long, an unknown has:/is: value, a date that is not one, a second
// folder:/label:, an unclosed quote or parenthesis.
[[nodiscard]] core::Result<void> parse_search_query(std::string_view text, QueryZone zone,
                                                    SearchQuery& q);

// The filter options of `search`, each standing for the query prefix of its name.
struct SearchFilters {
    std::string from, to, folder, label, after, before;
    bool has_attachment = false, unread = false, flagged = false;
};

// `filters` as the query text they stand for (--from X as from:"X", --unread as is:unread; a
// '"' in a value is dropped: it is never part of a word or a name's match), so the options and
// the typed prefixes take one path through parse_search_query. "" for no filter.
std::string filters_as_query(const SearchFilters& filters);

// A date typed as YYYY-MM-DD or YYYY/MM/DD, at midnight in `zone`, as the UTC instant
// "YYYY-MM-DDTHH:MM:SSZ"; nullopt when it is not a real date.
std::optional<std::string> day_start_utc(std::string_view date, QueryZone zone);

// `text` as one FTS5 string: "..." with inner quotes doubled.
std::string fts_string(std::string_view text);

}  // namespace imapmirror::index
