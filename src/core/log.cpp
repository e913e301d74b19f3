#include "core/log.hpp"

#include <cstdint>
#include <cstdio>
#include <string>

#include "core/bidi.hpp"
#include "core/utf8.hpp"

namespace imapmirror::core {

namespace {
LogLevel g_level = LogLevel::Normal;

void write_line(std::string_view prefix, std::string_view message) {
    // A trailing newline is the caller ending its line, not server text.
    if (!message.empty() && message.back() == '\n')
        message.remove_suffix(1);
    std::string line(prefix);
    line += one_line(message);
    line += '\n';
    std::fwrite(line.data(), 1, line.size(), stderr);
}
}  // namespace

void set_log_level(LogLevel level) {
    g_level = level;
}
LogLevel log_level() {
    return g_level;
}

void log(LogLevel level, std::string_view message) {
    if (static_cast<int>(g_level) >= static_cast<int>(level))
        write_line("imapmirror: ", message);
}

void trace(std::string_view direction, std::string_view line) {
    if (g_level < LogLevel::Trace)
        return;
    // One trace line per protocol line; a literal's CRLFs start new ones.
    std::string prefix = std::string(direction) + ": ";
    size_t pos = 0;
    do {
        size_t lf = line.find('\n', pos);
        std::string_view piece = line.substr(pos, lf == std::string_view::npos ? lf : lf - pos);
        if (!piece.empty() && piece.back() == '\r')
            piece.remove_suffix(1);
        if (!piece.empty())
            write_line(prefix, piece);
        pos = lf == std::string_view::npos ? line.size() : lf + 1;
    } while (pos < line.size());
}

void warn(std::string_view message) {
    write_line("imapmirror: warning: ", message);
}

std::string one_line(std::string_view s) {
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(s.size());
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        size_t n = utf8_sequence_length(s, i);
        if (n == 0 || c < 0x20 || c == 0x7F) {
            if (c == '\r') {
                out += "\\r";
            } else if (c == '\n') {
                out += "\\n";
            } else if (c == '\t') {
                out += "\\t";
            } else {
                out += "\\x";
                out += kHex[c >> 4];
                out += kHex[c & 15];
            }
            ++i;
        } else if (n == 2 && c == 0xC2 && static_cast<unsigned char>(s[i + 1]) <= 0x9F) {
            auto d = static_cast<unsigned char>(s[i + 1]);
            out += "\\u00";
            out += kHex[d >> 4];
            out += kHex[d & 15];
            i += 2;
        } else if (is_bidi_control(s, i, n)) {
            const uint32_t cp = (static_cast<uint32_t>(c & 0x0F) << 12) |
                                ((static_cast<unsigned char>(s[i + 1]) & 0x3Fu) << 6) |
                                (static_cast<unsigned char>(s[i + 2]) & 0x3Fu);
            out += "\\u";
            for (int shift = 12; shift >= 0; shift -= 4)
                out += kHex[(cp >> shift) & 15];
            i += n;
        } else {
            out.append(s.substr(i, n));
            i += n;
        }
    }
    return out;
}

}  // namespace imapmirror::core
