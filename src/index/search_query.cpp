#include "index/search_query.hpp"

#include <cctype>
#include <ctime>
#include <utility>
#include <vector>

#include "core/ascii.hpp"
#include "index/cjk_grams.hpp"

namespace imapmirror::index {

using core::ErrorKind;
using core::Result;

namespace {

core::Error usage(const std::string& what) {
    auto e = core::make_error(ErrorKind::Usage, what, core::Scope::Run);
    e.hint = "see SEARCH QUERIES in `man imapmirror`";
    return e;
}

// Whether FTS5's unicode61 tokenizer makes at least one token of `s`: an ASCII letter or
// digit, or any non-ASCII character (letters of other scripts; a symbol among them costs an
// empty phrase at worst).
bool has_word(std::string_view s) {
    for (char c : s) {
        const auto u = static_cast<unsigned char>(c);
        if (u >= 0x80 || (u >= '0' && u <= '9') || ((u | 0x20) >= 'a' && (u | 0x20) <= 'z'))
            return true;
    }
    return false;
}

// One piece of the typed text.
struct Piece {
    enum Kind { Word, Phrase, Open, Close, Near } kind = Word;
    std::string text;     // a word as typed (a key:"quoted value" without its quotes)
    bool prefix = false;  // a phrase followed by '*'
};

Result<std::vector<Piece>> split(std::string_view s) {
    std::vector<Piece> out;
    size_t i = 0;
    int depth = 0;
    auto is_space = [](char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; };
    while (i < s.size()) {
        const char c = s[i];
        if (is_space(c)) {
            ++i;
        } else if (c == '(') {
            out.push_back({Piece::Open, "(", false});
            ++depth;
            ++i;
        } else if (c == ')' && depth > 0) {
            out.push_back({Piece::Close, ")", false});
            --depth;
            ++i;
        } else if (s.substr(i, 5) == "NEAR(") {
            // Passed to FTS5 as written, its words quoted: NEAR("a" "b", 5).
            const size_t close = s.find(')', i);
            if (close == std::string_view::npos)
                return usage("unclosed NEAR( in the search query");
            out.push_back({Piece::Near, std::string(s.substr(i + 5, close - i - 5)), false});
            i = close + 1;
        } else if (c == '"') {
            const size_t close = s.find('"', i + 1);
            if (close == std::string_view::npos)
                return usage("unclosed quote in the search query: " + std::string(s.substr(i)));
            Piece p{Piece::Phrase, std::string(s.substr(i + 1, close - i - 1)), false};
            i = close + 1;
            if (i < s.size() && s[i] == '*') {
                p.prefix = true;
                ++i;
            }
            out.push_back(std::move(p));
        } else {
            Piece p{Piece::Word, "", false};
            while (i < s.size() && !is_space(s[i])) {
                if (s[i] == '"' && !p.text.empty() && p.text.back() == ':') {
                    const size_t close = s.find('"', i + 1);
                    if (close == std::string_view::npos)
                        return usage("unclosed quote in the search query: " +
                                     std::string(s.substr(i)));
                    p.text += s.substr(i + 1, close - i - 1);
                    i = close + 1;
                    continue;
                }
                if (s[i] == ')' && depth > 0)
                    break;  // closes a group
                p.text += s[i++];
            }
            out.push_back(std::move(p));
        }
    }
    if (depth > 0)
        return usage("unclosed parenthesis in the search query");
    return out;
}

// A prefix that searches one column of the index: its FTS5 column filter, and whether the
// value matches a word's beginning.
struct ColumnPrefix {
    std::string_view key, columns;
    bool word_start;
};

constexpr ColumnPrefix kColumnPrefixes[] = {
    {"from", "from_addr", true},
    {"to", "{to_addrs cc_addrs}", true},
    {"cc", "cc_addrs", true},
    {"subject", "subject", false},
    {"filename", "attachment_names", true},
    {"body", "body", false},
    // The index's own column names (explicit FTS5 syntax).
    {"from_addr", "from_addr", false},
    {"to_addrs", "to_addrs", false},
    {"cc_addrs", "cc_addrs", false},
    {"attachment_names", "attachment_names", false},
    {"attachment_text", "attachment_text", false},
};

// `value` as an FTS5 string, '*' after it when asked or typed.
std::string fts_term(std::string_view value, bool prefix) {
    if (!value.empty() && value.back() == '*') {
        value.remove_suffix(1);
        prefix = true;
    }
    return fts_string(value) + (prefix ? "*" : "");
}

Result<void> set_once(std::string& field, const std::string& value, std::string_view key) {
    if (!field.empty())
        return usage("only one " + std::string(key) + ": per search (got a second: '" + value +
                     "')");
    field = value;
    return {};
}

// A filter prefix (folder:, is:, ...) applied to q; false when `key` is none.
Result<bool> apply_filter(const std::string& key, const std::string& value, QueryZone zone,
                          SearchQuery& q) {
    if (key == "folder" || key == "label") {
        if (value.empty())
            return usage(key + ": needs a name");
        IMM_TRY(set_once(key == "folder" ? q.folder : q.label, value, key));
        return true;
    }
    if (key == "has") {
        if (core::ascii_lower(value) != "attachment")
            return usage("has:" + value + " is not known (has:attachment is)");
        q.has_attachment = true;
        return true;
    }
    if (key == "is") {
        const std::string v = core::ascii_lower(value);
        if (v == "unread")
            q.unread = true;
        else if (v == "read")
            q.read = true;
        else if (v == "flagged" || v == "starred")
            q.flagged = true;
        else
            return usage("is:" + value + " is not known (is:unread, is:read, is:flagged are)");
        return true;
    }
    if (key == "after" || key == "before") {
        const auto instant = day_start_utc(value, zone);
        if (!instant)
            return usage(key + ":" + value + " is not a date (want YYYY-MM-DD)");
        IMM_TRY(set_once(key == "after" ? q.after : q.before, *instant, key));
        return true;
    }
    return false;
}

// Whether `w` is letters and digits (ASCII) followed by one or more '+' or '#': C++, C#, g++.
bool is_symbol_word(std::string_view w) {
    const size_t end = w.find_last_not_of("+#");
    if (end == std::string_view::npos || end + 1 == w.size())
        return false;
    for (size_t i = 0; i <= end; ++i)
        if (!std::isalnum(static_cast<unsigned char>(w[i])))
            return false;
    return true;
}

// Adds `w` (a symbol word: no character JSON must escape) to q.literals.
void add_literal(std::string_view w, SearchQuery& q) {
    const std::string item = "\"" + core::ascii_lower(w) + "\"";
    q.literals = q.literals.empty()
                     ? "[" + item + "]"
                     : q.literals.substr(0, q.literals.size() - 1) + "," + item + "]";
}

// Moves the CJK runs of `text` into q.cjk; returns the rest.
std::string take_cjk(std::string_view text, SearchQuery& q) {
    CjkSplit split = split_cjk(text);
    if (!split.cjk.empty())
        q.cjk += (q.cjk.empty() ? "" : " ") + split.cjk;
    return split.cjk.empty() ? std::string(text) : split.rest;
}

bool is_operator(const std::string& s) {
    return s == "AND" || s == "OR" || s == "NOT";
}

// FTS5 refuses an operator with nothing on one side; such an operator is left out (a word it
// joined may have been dropped as punctuation: "a AND ++").
std::string join_expression(const std::vector<std::string>& parts) {
    std::vector<std::string> kept;
    for (const auto& p : parts) {
        const bool op = is_operator(p);
        if (op && (kept.empty() || is_operator(kept.back()) || kept.back() == "("))
            continue;
        if (p == ")" && !kept.empty() && is_operator(kept.back()))
            kept.pop_back();
        kept.push_back(p);
    }
    while (!kept.empty() && is_operator(kept.back()))
        kept.pop_back();
    std::string out;
    for (const auto& p : kept) {
        if (!out.empty() && out.back() != '(' && p != ")")
            out += ' ';
        out += p;
    }
    return out;
}

}  // namespace

std::string fts_string(std::string_view text) {
    std::string out = "\"";
    for (char c : text) {
        if (c == '"')
            out += '"';
        out += c;
    }
    return out + "\"";
}

std::optional<std::string> day_start_utc(std::string_view d, QueryZone zone) {
    if (d.size() != 10 || (d[4] != '-' && d[4] != '/') || d[7] != d[4])
        return std::nullopt;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (d[i] < '0' || d[i] > '9')
            return std::nullopt;
    auto num = [&](size_t at, size_t n) {
        int v = 0;
        for (size_t i = at; i < at + n; ++i)
            v = v * 10 + (d[i] - '0');
        return v;
    };
    const int year = num(0, 4), month = num(5, 2), day = num(8, 2);
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    const bool leap = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
    if (year < 1970 || month < 1 || month > 12 || day < 1 ||
        day > kDays[month - 1] + (month == 2 && leap ? 1 : 0))
        return std::nullopt;
    std::tm tm{};
    tm.tm_year = year - 1900;
    tm.tm_mon = month - 1;
    tm.tm_mday = day;
    tm.tm_isdst = -1;
    const std::time_t t = zone == QueryZone::Utc ? ::timegm(&tm) : std::mktime(&tm);
    if (t == static_cast<std::time_t>(-1))
        return std::nullopt;
    std::tm utc{};
    ::gmtime_r(&t, &utc);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &utc);
    return std::string(buf);
}

Result<void> parse_search_query(std::string_view text, QueryZone zone, SearchQuery& q) {
    if (text.size() > kMaxQueryBytes)
        return usage("the search query is " + std::to_string(text.size()) +
                     " bytes; the limit is " + std::to_string(kMaxQueryBytes));
    IMM_ASSIGN(auto pieces, split(text));
    std::vector<std::string> parts;
    for (const auto& p : pieces) {
        switch (p.kind) {
            case Piece::Open:
            case Piece::Close:
                parts.push_back(p.text);
                continue;
            case Piece::Phrase:
                if (const std::string rest = take_cjk(p.text, q); has_word(rest))
                    parts.push_back(fts_term(rest, p.prefix));
                continue;
            case Piece::Near: {
                std::string near = "NEAR(";
                std::string_view inner = p.text;
                std::string_view distance;
                if (const size_t comma = inner.rfind(','); comma != std::string_view::npos) {
                    distance = inner.substr(comma + 1);
                    inner = inner.substr(0, comma);
                }
                IMM_ASSIGN(auto words, split(inner));
                for (const auto& w : words)
                    if (has_word(w.text))
                        near += fts_term(w.text, w.prefix) + " ";
                if (near.back() == ' ')
                    near.pop_back();
                if (const size_t at = distance.find_first_not_of(' ');
                    at != std::string_view::npos || !distance.empty()) {
                    const std::string n(at == std::string_view::npos ? "" : distance.substr(at));
                    if (n.empty() || n.find_first_not_of("0123456789 ") != std::string::npos)
                        return usage("NEAR(...) wants a number after its comma, not '" + n + "'");
                    near += ", " + n;
                }
                parts.push_back(near + ")");
                continue;
            }
            case Piece::Word:
                break;
        }
        const std::string& w = p.text;
        if (is_operator(w)) {
            parts.push_back(w);
            continue;
        }
        if (const size_t colon = w.find(':'); colon != std::string::npos && colon > 0) {
            const std::string key = core::ascii_lower(std::string_view(w).substr(0, colon));
            const std::string value = w.substr(colon + 1);
            IMM_ASSIGN(bool filter, apply_filter(key, value, zone, q));
            if (filter)
                continue;
            bool column = false;
            for (const auto& c : kColumnPrefixes) {
                if (key != c.key)
                    continue;
                if (!has_word(value))
                    return usage(key + ": needs a word (got '" + w + "')");
                parts.push_back(std::string(c.columns) + ":" + fts_term(value, c.word_start));
                column = true;
                break;
            }
            if (column)
                continue;
            // Not a prefix we know ("re:", "10:30"): plain words.
        }
        if (is_symbol_word(w))
            add_literal(w, q);
        if (const std::string rest = take_cjk(w, q); has_word(rest))
            parts.push_back(fts_term(rest, false));
    }
    const std::string expression = join_expression(parts);
    if (!expression.empty())
        q.match = q.match.empty() ? expression : "(" + q.match + ") AND (" + expression + ")";
    return {};
}

std::string filters_as_query(const SearchFilters& f) {
    std::string out;
    for (const auto& [key, value] :
         {std::pair{"from", &f.from}, std::pair{"to", &f.to}, std::pair{"folder", &f.folder},
          std::pair{"label", &f.label}, std::pair{"after", &f.after},
          std::pair{"before", &f.before}}) {
        if (value->empty())
            continue;
        std::string v;
        for (char c : *value)
            if (c != '"')
                v += c;
        out += std::string(" ") + key + ":\"" + v + "\"";
    }
    if (f.has_attachment)
        out += " has:attachment";
    if (f.unread)
        out += " is:unread";
    if (f.flagged)
        out += " is:flagged";
    return out;
}

}  // namespace imapmirror::index
