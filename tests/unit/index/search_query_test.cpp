#include <catch2/catch.hpp>

#include <cstdlib>
#include <ctime>

#include "index/cjk_grams.hpp"
#include "index/search_query.hpp"

using namespace imapmirror;
using namespace imapmirror::index;

namespace {

SearchQuery read(const std::string& text) {
    SearchQuery q;
    auto r = parse_search_query(text, QueryZone::Utc, q);
    INFO(text);
    REQUIRE(r);
    return q;
}

std::string match(const std::string& text) {
    return read(text).match;
}

std::string error_of(const std::string& text) {
    SearchQuery q;
    auto r = parse_search_query(text, QueryZone::Utc, q);
    INFO(text);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Usage);
    return r.error().message;
}

}  // namespace

TEST_CASE("search query: C++, C# and g++ must also occur as written, case folded",
          "[index][search_query]") {
    SearchQuery q;
    REQUIRE(parse_search_query("C++ and C# or g++ lang", QueryZone::Utc, q));
    CHECK(q.literals == "[\"c++\",\"c#\",\"g++\"]");
    SearchQuery plain;
    REQUIRE(parse_search_query("a+b +x ++ c+d e-mail subject:c++", QueryZone::Utc, plain));
    CHECK(plain.literals.empty());
}

TEST_CASE("search query: words with punctuation are searched as their words",
          "[index][search_query]") {
    CHECK(match("alice@example.org") == "\"alice@example.org\"");
    CHECK(match("e-mail") == "\"e-mail\"");
    CHECK(match("2024-01-03") == "\"2024-01-03\"");
    CHECK(match("don't") == "\"don't\"");
    CHECK(match("C++") == "\"C++\"");
    CHECK(match("re: meeting") == "\"re:\" \"meeting\"");
    CHECK(match("10:30") == "\"10:30\"");
    CHECK(match("say \"hi\"there") == "\"say\" \"hi\" \"there\"");
    CHECK(match("a ++ -- b") == "\"a\" \"b\"");  // no word in them: dropped
    CHECK(match("naïve") == "\"naïve\"");
}

TEST_CASE("search query: kana, kanji and hangul are searched as character pairs",
          "[index][search_query][cjk]") {
    const auto q = read("東京都 report 日本語2024 한국");
    CHECK(q.match == "\"report\" \" 2024\"");
    CHECK(q.cjk == "\"東京 京都\" \"日本 本語\" \"한국\"");
    CHECK(read("\"東\"").cjk == "\"東\"");
    CHECK(read("東京").match.empty());
}

TEST_CASE("search query: explicit FTS5 syntax is kept where it is used", "[index][search_query]") {
    CHECK(match("\"annual report\" NOT draft") == "\"annual report\" NOT \"draft\"");
    CHECK(match("meet*") == "\"meet\"*");
    CHECK(match("\"annual rep\"*") == "\"annual rep\"*");
    CHECK(match("(alpha OR beta) AND gamma") == "(\"alpha\" OR \"beta\") AND \"gamma\"");
    CHECK(match("NEAR(budget plan, 5)") == "NEAR(\"budget\" \"plan\", 5)");
    CHECK(match("from_addr:alice attachment_names:pdf") ==
          "from_addr:\"alice\" attachment_names:\"pdf\"");
    // Lower-case operators are words; an operator with a dropped word beside it goes.
    CHECK(match("this or that") == "\"this\" \"or\" \"that\"");
    CHECK(match("a AND ++") == "\"a\"");
    CHECK(match("OR a") == "\"a\"");
    CHECK(match(":)") == "");
}

TEST_CASE("search query: column prefixes become FTS5 column filters", "[index][search_query]") {
    CHECK(match("from:alice") == "from_addr:\"alice\"*");
    CHECK(match("FROM:alice@example.org") == "from_addr:\"alice@example.org\"*");
    CHECK(match("to:bob") == "{to_addrs cc_addrs}:\"bob\"*");
    CHECK(match("cc:carol") == "cc_addrs:\"carol\"*");
    CHECK(match("subject:\"re: meeting\"") == "subject:\"re: meeting\"");
    CHECK(match("filename:report.pdf") == "attachment_names:\"report.pdf\"*");
    CHECK(match("body:hello") == "body:\"hello\"");
    CHECK(match("from:alice OR from:bob") == "from_addr:\"alice\"* OR from_addr:\"bob\"*");
    CHECK(error_of("from:") == "from: needs a word (got 'from:')");
}

TEST_CASE("search query: filter prefixes set filters, not words", "[index][search_query]") {
    const auto q = read(
        "folder:Archive/2024 label:Work has:attachment is:unread is:flagged "
        "after:2024-01-01 before:2024/02/01 invoice");
    CHECK(q.match == "\"invoice\"");
    CHECK(q.folder == "Archive/2024");
    CHECK(q.label == "Work");
    CHECK(q.has_attachment);
    CHECK(q.unread);
    CHECK(q.flagged);
    CHECK(q.after == "2024-01-01T00:00:00Z");
    CHECK(q.before == "2024-02-01T00:00:00Z");
    CHECK(read("is:read").read);
    CHECK(read("is:starred").flagged);
    CHECK(read("folder:\"Sent Items\"").folder == "Sent Items");
    CHECK(read("is:unread").match.empty());  // filters alone
}

TEST_CASE("search query: bad filters and dates are one clear error each", "[index][search_query]") {
    CHECK(error_of("has:pdf") == "has:pdf is not known (has:attachment is)");
    CHECK(error_of("is:spam") == "is:spam is not known (is:unread, is:read, is:flagged are)");
    CHECK(error_of("after:2024-02-30") == "after:2024-02-30 is not a date (want YYYY-MM-DD)");
    CHECK(error_of("before:yesterday") == "before:yesterday is not a date (want YYYY-MM-DD)");
    CHECK(error_of("after:2024-13-01") == "after:2024-13-01 is not a date (want YYYY-MM-DD)");
    CHECK(error_of("folder:a folder:b") == "only one folder: per search (got a second: 'b')");
    CHECK(error_of("\"open") == "unclosed quote in the search query: \"open");
    CHECK(error_of("(a OR b") == "unclosed parenthesis in the search query");
    CHECK(read("after:2024-02-29").after == "2024-02-29T00:00:00Z");  // a leap day
}

TEST_CASE("search query: a query longer than the cap is refused", "[index][search_query]") {
    const std::string longest(kMaxQueryBytes, 'a');
    CHECK(match(longest) == "\"" + longest + "\"");
    CHECK(error_of(longest + "a") == "the search query is " + std::to_string(kMaxQueryBytes + 1) +
                                         " bytes; the limit is " + std::to_string(kMaxQueryBytes));
}

TEST_CASE("search query: a second query is ANDed with the first", "[index][search_query]") {
    SearchQuery q;
    REQUIRE(parse_search_query("alpha OR beta", QueryZone::Utc, q));
    REQUIRE(parse_search_query("from:carol", QueryZone::Utc, q));
    CHECK(q.match == "(\"alpha\" OR \"beta\") AND (from_addr:\"carol\"*)");
}

TEST_CASE("search query: dates are midnight in the local zone unless UTC is asked for",
          "[index][search_query]") {
    const char* old = std::getenv("TZ");
    const std::string saved = old ? old : "";
    ::setenv("TZ", "America/Chicago", 1);
    ::tzset();
    CHECK(day_start_utc("2024-01-15", QueryZone::Local) == "2024-01-15T06:00:00Z");
    CHECK(day_start_utc("2024-07-15", QueryZone::Local) == "2024-07-15T05:00:00Z");
    CHECK(day_start_utc("2024-01-15", QueryZone::Utc) == "2024-01-15T00:00:00Z");
    if (old)
        ::setenv("TZ", saved.c_str(), 1);
    else
        ::unsetenv("TZ");
    ::tzset();
}

TEST_CASE("cjk bigrams: each run of CJK text as overlapping pairs, other text left out",
          "[index][cjk]") {
    CHECK(cjk_bigrams("東京都に行きます") == "東京 京都 都に に行 行き きま ます");
    CHECK(cjk_bigrams("in 東京 and ソウル, 서울") == "東京 ソウ ウル 서울");
    CHECK(cjk_bigrams("a 本 b") == "本");
    CHECK(cjk_bigrams("plain text, Müller") == "");
    CHECK(cjk_bigrams("\xFF東\xFE京") == "東 京");  // invalid bytes end a run
    CHECK(is_cjk(0x20000));
    CHECK_FALSE(is_cjk('A'));
}

TEST_CASE("search filters: each option is the query prefix of its name, quotes dropped",
          "[index][search_query]") {
    CHECK(filters_as_query(SearchFilters{}).empty());
    SearchFilters f;
    f.from = "Ann \"the\" Müller";
    f.folder = "Archive/2024";
    f.before = "2024-02-01";
    f.has_attachment = f.unread = f.flagged = true;
    CHECK(filters_as_query(f) ==
          " from:\"Ann the Müller\" folder:\"Archive/2024\" before:\"2024-02-01\""
          " has:attachment is:unread is:flagged");
    SearchQuery q;
    REQUIRE(parse_search_query(filters_as_query(f), QueryZone::Utc, q));
    CHECK(q.folder == "Archive/2024");
    CHECK(q.before == "2024-02-01T00:00:00Z");
    CHECK(q.has_attachment);
    CHECK(q.unread);
    CHECK(q.flagged);
    CHECK(q.match.find("from_addr") != std::string::npos);
}
