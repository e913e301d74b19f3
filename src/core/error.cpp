#include "core/error.hpp"

#include "core/log.hpp"

namespace imapmirror::core {

const char* to_string(ErrorKind kind) {
    switch (kind) {
        case ErrorKind::Usage:
            return "usage";
        case ErrorKind::Network:
            return "network";
        case ErrorKind::Timeout:
            return "timeout";
        case ErrorKind::Tls:
            return "tls";
        case ErrorKind::Auth:
            return "auth";
        case ErrorKind::Protocol:
            return "protocol";
        case ErrorKind::Parse:
            return "parse";
        case ErrorKind::Limit:
            return "limit";
        case ErrorKind::NotFound:
            return "not-found";
        case ErrorKind::Io:
            return "io";
        case ErrorKind::DiskFull:
            return "disk-full";
        case ErrorKind::Corrupt:
            return "corrupt";
        case ErrorKind::Cancelled:
            return "cancelled";
        case ErrorKind::NothingSelected:
            return "nothing-selected";
        case ErrorKind::Locked:
            return "locked";
    }
    return "unknown";
}

std::string Error::describe() const {
    std::string out = message;
    std::string ctx;
    if (!folder.empty())
        ctx += "folder \"" + folder + "\"";
    if (uid)
        ctx += (ctx.empty() ? "" : ", ") + std::string("UID ") + std::to_string(*uid);
    if (!ctx.empty())
        out += " [" + ctx + "]";
    if (!server_reply.empty())
        out += " (server said: " + server_reply + ")";
    if (!hint.empty())
        out += ": " + hint;
    // Folder names and server replies are the server's bytes.
    return one_line(out);
}

Error make_error(ErrorKind kind, std::string message, Scope scope) {
    Error e;
    e.kind = kind;
    e.scope = scope;
    e.message = std::move(message);
    e.retryable = kind == ErrorKind::Network || kind == ErrorKind::Timeout;
    return e;
}

}  // namespace imapmirror::core
