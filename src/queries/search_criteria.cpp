#include "queries/search_criteria.hpp"

#include <algorithm>
#include <array>
#include <charconv>

#include "store/name_sanitizer.hpp"

namespace imapmirror::queries {

namespace {

bool is_ascii(std::string_view s) {
    return std::all_of(s.begin(), s.end(),
                       [](char c) { return static_cast<unsigned char>(c) < 0x80; });
}

constexpr std::array<const char*, 12> kMonths = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                                 "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

int days_in_month(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    return month == 2 && leap ? 29 : kDays[month - 1];
}

struct StringKey {
    const char* option;  // "--from"
    const char* key;     // "FROM"
    std::string_view value;
};

core::Result<std::string> search_string(const StringKey& k, imap::LiteralForm form) {
    if (k.value.find_first_of(std::string_view("\0\r\n", 3)) != std::string_view::npos)
        return core::make_error(
            core::ErrorKind::Usage,
            std::string(k.option) +
                " cannot hold a line break or NUL (IMAP SEARCH cannot send it)");
    // quote_astring: an atom, a quoted string, or for 8-bit text a literal.
    IMM_ASSIGN(auto arg, imap::quote_astring(k.value, form));
    return std::string(k.key) + " " + arg;
}

}  // namespace

bool SearchCriteria::needs_utf8() const {
    return !is_ascii(from) || !is_ascii(subject);
}

core::Result<SearchDate> parse_search_date(std::string_view text, std::string_view option) {
    auto bad = [&] {
        auto e = core::make_error(core::ErrorKind::Usage,
                                  std::string(option) + " \"" + std::string(text) +
                                      "\" is not a date: write it as YYYY-MM-DD, e.g. 2024-03-01");
        return e;
    };
    if (text.size() != 10 || text[4] != '-' || text[7] != '-')
        return bad();
    SearchDate d;
    auto number = [&](size_t at, size_t len, int& out) {
        const char* first = text.data() + at;
        auto [end, ec] = std::from_chars(first, first + len, out);
        return ec == std::errc() && end == first + len;
    };
    if (!number(0, 4, d.year) || !number(5, 2, d.month) || !number(8, 2, d.day))
        return bad();
    if (d.year < 1 || d.month < 1 || d.month > 12 || d.day < 1 ||
        d.day > days_in_month(d.year, d.month))
        return bad();
    return d;
}

std::string imap_date(const SearchDate& d) {
    return std::to_string(d.day) + "-" + kMonths[static_cast<size_t>(d.month - 1)] + "-" +
           std::to_string(d.year);
}

core::Result<std::string> search_arguments(const SearchCriteria& c, SearchCharset charset,
                                           imap::LiteralForm form) {
    std::string out;
    auto add = [&](const std::string& criterion) { out += (out.empty() ? "" : " ") + criterion; };
    if (c.since)
        add("SINCE " + imap_date(*c.since));
    if (c.before)
        add("BEFORE " + imap_date(*c.before));
    if (c.unseen)
        add("UNSEEN");
    bool utf8 = false;
    for (const StringKey& k :
         {StringKey{"--from", "FROM", c.from}, StringKey{"--subject", "SUBJECT", c.subject}}) {
        if (k.value.empty())
            continue;
        if (!is_ascii(k.value)) {
            if (charset == SearchCharset::Ascii)
                continue;  // matched by the caller (matches_left_out)
            utf8 = true;
        }
        IMM_ASSIGN(auto criterion, search_string(k, form));
        add(criterion);
    }
    if (out.empty())
        return std::string("ALL");
    // RFC 3501 6.4.4: CHARSET comes first; US-ASCII is the default and needs no mention.
    return utf8 ? "CHARSET UTF-8 " + out : out;
}

bool matches_left_out(const SearchCriteria& c, std::string_view from_text,
                      std::string_view subject) {
    auto contains = [](std::string_view haystack, std::string_view needle) {
        return store::collision_key(haystack).find(store::collision_key(needle)) !=
               std::string::npos;
    };
    if (!c.from.empty() && !is_ascii(c.from) && !contains(from_text, c.from))
        return false;
    if (!c.subject.empty() && !is_ascii(c.subject) && !contains(subject, c.subject))
        return false;
    return true;
}

}  // namespace imapmirror::queries
