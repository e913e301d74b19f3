#include "cli/output.hpp"

#include <algorithm>
#include <cctype>
#include <cstdio>
#include <ctime>

#include "core/bidi.hpp"
#include "core/utf8.hpp"

namespace imapmirror::cli {

// Beyond what the header says, bidi overrides and isolates (core/bidi.hpp) become '?' too.
std::string printable(std::string_view s) {
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = core::utf8_sequence_length(s, i);
        if (n == 0) {
            out += core::kReplacementChar;
            ++i;
        } else if (c < 0x20 || c == 0x7F) {
            out += c == '\t' ? ' ' : '?';
            ++i;
        } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            out += '?';  // C1 control, e.g. U+009B (CSI)
            i += 2;
        } else if (core::is_bidi_control(s, i, n)) {
            out += '?';  // would reorder the text after it
            i += n;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

namespace {
// Terminal columns of a code point: 2 for East Asian wide/fullwidth and emoji, else 1.
size_t columns_of(uint32_t cp) {
    if ((cp >= 0x1100 && cp <= 0x115F) || (cp >= 0x2E80 && cp <= 0xA4CF) ||
        (cp >= 0xAC00 && cp <= 0xD7A3) || (cp >= 0xF900 && cp <= 0xFAFF) ||
        (cp >= 0xFE30 && cp <= 0xFE4F) || (cp >= 0xFF00 && cp <= 0xFF60) ||
        (cp >= 0xFFE0 && cp <= 0xFFE6) || (cp >= 0x1F300 && cp <= 0x1F64F) ||
        (cp >= 0x1F900 && cp <= 0x1F9FF) || (cp >= 0x20000 && cp <= 0x3FFFD))
        return 2;
    return 1;
}

uint32_t decode_at(std::string_view s, size_t i, size_t n) {
    auto c = static_cast<unsigned char>(s[i]);
    uint32_t cp = n == 1 ? c : n == 2 ? (c & 0x1F) : n == 3 ? (c & 0x0F) : (c & 0x07);
    for (size_t k = 1; k < n; ++k)
        cp = (cp << 6) | (static_cast<unsigned char>(s[i + k]) & 0x3F);
    return cp;
}
}  // namespace

std::string fit(std::string_view s, size_t columns, bool pad) {
    std::string out;
    size_t used = 0, i = 0;
    while (i < s.size()) {
        size_t n = core::utf8_sequence_length(s, i);
        if (n == 0)
            n = 1;
        size_t w = n == 1 ? 1 : columns_of(decode_at(s, i, n));
        // Keep one column for the ellipsis unless the rest fits exactly.
        bool last_fits = i + n == s.size() && used + w <= columns;
        if (!last_fits && used + w + 1 > columns) {
            if (used < columns) {
                out += "\xE2\x80\xA6";  // …
                ++used;
            }
            break;
        }
        out.append(s.substr(i, n));
        used += w;
        i += n;
    }
    if (pad)
        while (used++ < columns)
            out += ' ';
    return out;
}

std::string human_size(uint64_t b) {
    const char* units[] = {"B", "K", "M", "G", "T"};
    double v = static_cast<double>(b);
    int u = 0;
    while (v >= 1024 && u < 4) {
        v /= 1024;
        ++u;
    }
    char buf[32];
    if (u == 0)
        std::snprintf(buf, sizeof buf, "%lluB", static_cast<unsigned long long>(b));
    else
        std::snprintf(buf, sizeof buf, v < 10 ? "%.1f%s" : "%.0f%s", v, units[u]);
    return buf;
}

std::optional<uint64_t> parse_size(std::string_view text) {
    size_t digits = 0;
    uint64_t value = 0;
    while (digits < text.size() && text[digits] >= '0' && text[digits] <= '9') {
        const uint64_t d = static_cast<uint64_t>(text[digits] - '0');
        if (value > (UINT64_MAX - d) / 10)
            return std::nullopt;
        value = value * 10 + d;
        ++digits;
    }
    if (digits == 0)
        return std::nullopt;
    std::string unit;
    for (char c : text.substr(digits))
        unit += static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    if (unit.size() == 2 && unit[1] == 'B' && unit[0] != 'B')
        unit.pop_back();
    int shift = 0;
    if (unit == "K")
        shift = 10;
    else if (unit == "M")
        shift = 20;
    else if (unit == "G")
        shift = 30;
    else if (unit == "T")
        shift = 40;
    else if (!unit.empty() && unit != "B")
        return std::nullopt;
    if (value == 0 || value > (UINT64_MAX >> shift))
        return std::nullopt;
    return value << shift;
}

std::string local_time(int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

std::string shown_date(const std::string& iso, bool utc) {
    std::tm tm{};
    if (iso.size() < 19 || !::strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%S", &tm))
        return iso.empty() ? "(no date)" : iso;
    if (utc)
        return iso.substr(0, 10) + " " + iso.substr(11, 5);
    return local_time(static_cast<int64_t>(::timegm(&tm)));
}

std::string zone_statement(bool utc) {
    if (utc)
        return "UTC";
    const std::time_t now = std::time(nullptr);
    std::tm tm{};
    localtime_r(&now, &tm);
    char buf[64];
    std::strftime(buf, sizeof buf, "local time (%Z, UTC%z)", &tm);
    return buf;
}

size_t display_width(std::string_view s) {
    size_t used = 0;
    for (size_t i = 0; i < s.size();) {
        size_t n = core::utf8_sequence_length(s, i);
        if (n == 0)
            n = 1;
        used += n == 1 ? 1 : columns_of(decode_at(s, i, n));
        i += n;
    }
    return used;
}

std::string format_table(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right_aligned) {
    std::vector<size_t> widths;
    for (const auto& row : rows) {
        widths.resize(std::max(widths.size(), row.size()));
        for (size_t c = 0; c < row.size(); ++c)
            widths[c] = std::max(widths[c], display_width(row[c]));
    }
    std::string out;
    for (const auto& row : rows) {
        std::string line;
        for (size_t c = 0; c < row.size(); ++c) {
            std::string gap(widths[c] - display_width(row[c]), ' ');
            bool right = c < right_aligned.size() && right_aligned[c];
            bool last = c + 1 == row.size();
            line += c ? "  " : "";
            line += right ? gap + row[c] : row[c] + (last ? "" : gap);
        }
        while (!line.empty() && line.back() == ' ')
            line.pop_back();
        out += line + "\n";
    }
    return out;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i)
            out += sep;
        out += parts[i];
    }
    return out;
}

void write_identity(core::JsonWriter& w, const char* key,
                    const std::optional<index::AccountIdentity>& id) {
    w.key(key);
    if (!id) {
        w.null();
        return;
    }
    w.begin_object();
    w.key("host").value(id->host);
    w.key("port").value(static_cast<uint64_t>(id->port));
    w.key("user").value(id->user);
    w.key("account").text_or_null(id->account);
    w.end_object();
}

const char* to_string(core::Scope s) {
    switch (s) {
        case core::Scope::Message:
            return "message";
        case core::Scope::Folder:
            return "folder";
        case core::Scope::Session:
            return "session";
        case core::Scope::Run:
            return "run";
    }
    return "?";
}

void write_error(core::JsonWriter& w, const core::Error& e) {
    w.begin_object()
        .key("kind")
        .value(core::to_string(e.kind))
        .key("scope")
        .value(to_string(e.scope));
    w.key("message").value(e.describe());
    if (!e.folder.empty())
        w.key("folder").value(e.folder);
    if (e.uid)
        w.key("uid").value(*e.uid);
    w.end_object();
}

void print_json_summary_end(core::JsonWriter& w, const std::vector<core::Error>& errors,
                            const std::optional<core::Error>& fatal, int exit_code) {
    w.key("errors").begin_array();
    for (const auto& e : errors)
        write_error(w, e);
    if (fatal)
        write_error(w, *fatal);
    w.end_array();
    w.key("exit_code").value(exit_code);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
}

void print_errors(const std::vector<core::Error>& errors, const std::optional<core::Error>& fatal) {
    for (const auto& e : errors)
        std::fprintf(stderr, "imapmirror: %s error: %s\n", to_string(e.scope),
                     e.describe().c_str());
    if (fatal)
        std::fprintf(stderr, "imapmirror: error: %s\n", fatal->describe().c_str());
}

void print_list(const char* title, const std::vector<std::string>& items, std::string_view indent) {
    if (items.empty())
        return;
    const std::string in(indent);
    std::printf("%s%s (%zu):\n", in.c_str(), title, items.size());
    size_t shown = 0;
    for (const auto& i : items) {
        if (++shown > 20) {
            std::printf("%s  ... and %zu more (--json lists all)\n", in.c_str(), items.size() - 20);
            break;
        }
        std::printf("%s  %s\n", in.c_str(), printable(i).c_str());
    }
}

}  // namespace imapmirror::cli
