#pragma once
// `list --since/--before/--unseen/--from/--subject` as IMAP UID SEARCH criteria (RFC 3501
// 6.4.4): dates checked and written as RFC 3501 dates, strings quoted or sent as literals with
// CHARSET UTF-8 when they are not ASCII. Pure: unit-tested on the bytes it builds.

#include <optional>
#include <string>
#include <string_view>

#include "core/error.hpp"
#include "imap/command.hpp"

namespace imapmirror::queries {

struct SearchDate {
    int year = 0, month = 0, day = 0;
};

struct SearchCriteria {
    std::optional<SearchDate> since;   // SINCE: internal date on or after this day
    std::optional<SearchDate> before;  // BEFORE: internal date before this day
    bool unseen = false;               // UNSEEN
    std::string from, subject;         // FROM / SUBJECT: substring, UTF-8
    bool any() const { return since || before || unseen || !from.empty() || !subject.empty(); }
    // FROM or SUBJECT holds a byte outside ASCII (needs CHARSET UTF-8).
    bool needs_utf8() const;
};

// "2024-03-01" (the ISO form) checked as a calendar day; else a Usage error naming `option`.
core::Result<SearchDate> parse_search_date(std::string_view text, std::string_view option);

// RFC 3501's date: "1-Mar-2024".
std::string imap_date(const SearchDate& d);

// Which criteria the server is asked for.
enum class SearchCharset {
    Utf8,   // everything, "CHARSET UTF-8" first when a string is not ASCII
    Ascii,  // after [BADCHARSET]: the non-ASCII strings are left out (the caller matches them)
};

// The arguments of UID SEARCH: "UNDELETED"-free, exactly the criteria given, "ALL" for none.
// A non-ASCII string is a literal ("{n}\r\n..." in `form`), an ASCII one quoted. A string with
// NUL, CR or LF is a Usage error (IMAP cannot carry it as a search key).
core::Result<std::string> search_arguments(const SearchCriteria& criteria, SearchCharset charset,
                                           imap::LiteralForm form);

// The criteria the server could not take under SearchCharset::Ascii, as a predicate over a
// message's decoded From (name and address) and Subject: a case- and normalisation-insensitive
// substring, as the server's SEARCH would match. True when nothing was left out.
bool matches_left_out(const SearchCriteria& criteria, std::string_view from_text,
                      std::string_view subject);

}  // namespace imapmirror::queries
