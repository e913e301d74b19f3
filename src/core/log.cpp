#include "core/log.hpp"

#include <cstdio>
#include <string>

namespace imapmirror::core {

namespace {
LogLevel g_level = LogLevel::Normal;

void write_line(std::string_view prefix, std::string_view message) {
    std::string line;
    line.reserve(prefix.size() + message.size() + 1);
    line.append(prefix).append(message);
    if (line.empty() || line.back() != '\n')
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
    std::string out(direction);
    out += ": ";
    for (char c : line) {
        // Keep the trace one line per protocol line and printable.
        if (c == '\r')
            continue;
        if (c == '\n') {
            out += "\n";
            out += direction;
            out += ": ";
            continue;
        }
        out += (static_cast<unsigned char>(c) < 0x20 && c != '\t') ? '?' : c;
    }
    while (!out.empty() && (out.back() == ' ' || out.back() == ':'))
        out.pop_back();
    write_line("", out);
}

void warn(std::string_view message) {
    write_line("imapmirror: warning: ", message);
}

}  // namespace imapmirror::core
