#include "cli/output.hpp"

#include <cstdio>
#include <ctime>

#include "core/utf8.hpp"

namespace imapmirror::cli {

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
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

std::string fit(std::string_view s, size_t columns, bool pad) {
    std::string out;
    size_t count = 0, i = 0;
    while (i < s.size()) {
        size_t len = 1;
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0xF0) len = 4;
        else if (c >= 0xE0) len = 3;
        else if (c >= 0xC0) len = 2;
        if (count + 1 == columns && i + len < s.size()) {
            out += "\xE2\x80\xA6";  // …
            ++count;
            break;
        }
        if (count == columns) break;
        out.append(s.substr(i, len));
        ++count;
        i += len;
    }
    if (pad)
        while (count++ < columns) out += ' ';
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

std::string local_time(int64_t t) {
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    localtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M", &tm);
    return buf;
}

std::string join(const std::vector<std::string>& parts, std::string_view sep) {
    std::string out;
    for (size_t i = 0; i < parts.size(); ++i) {
        if (i) out += sep;
        out += parts[i];
    }
    return out;
}

}  // namespace imapmirror::cli
