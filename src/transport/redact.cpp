#include "transport/redact.hpp"

#include "core/ascii.hpp"

namespace imapmirror::transport {

std::string redact_client_line(std::string_view line) {
    while (!line.empty() && (line.back() == '\n' || line.back() == '\r'))
        line.remove_suffix(1);
    size_t sp1 = line.find(' ');
    if (sp1 == std::string_view::npos)
        return "[redacted]";
    size_t sp2 = line.find(' ', sp1 + 1);
    std::string_view cmd = line.substr(
        sp1 + 1, sp2 == std::string_view::npos ? std::string_view::npos : sp2 - sp1 - 1);
    std::string u = core::ascii_upper(cmd);
    if (u == "LOGIN" || u == "AUTHENTICATE")
        return std::string(line.substr(0, sp1)) + " " + std::string(cmd) + " [redacted]";
    static const char* kSafe[] = {"CAPABILITY", "STARTTLS", "LOGOUT", "NOOP",     "ID",
                                  "ENABLE",     "LIST",     "STATUS", "EXAMINE",  "SELECT",
                                  "FETCH",      "UID",      "SEARCH", "NAMESPACE"};
    for (const char* s : kSafe)
        if (u == s)
            return std::string(line);
    return "[redacted]";
}

}  // namespace imapmirror::transport
