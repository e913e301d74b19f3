#pragma once
// An authenticated IMAP session over a transport::Stream: tags, a pipelining window, dispatch
// of untagged responses, completion results. Knows nothing of files or the index: literal
// bytes go wherever the literal router sends them.
//
// Read-only by construction: callers send EXAMINE and BODY.PEEK only (see client.hpp).
// Not thread-safe; one Session per connection.

#include <deque>
#include <functional>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "imap/response_parser.hpp"
#include "imap/responses.hpp"
#include "transport/stream.hpp"

namespace imapmirror::imap {

// The tagged result of one command.
struct Completion {
    std::string tag;
    std::string status;  // OK, NO or BAD
    std::optional<ResponseCode> code;
    std::string text;
    bool ok() const { return status == "OK"; }
};

class Session {
  public:
    using UntaggedHandler = std::function<core::Result<void>(const Response&)>;

    struct Options {
        size_t window = 8;  // commands in flight at most
        ParserLimits limits;
    };

    explicit Session(transport::Stream& stream) : Session(stream, Options{}) {}
    Session(transport::Stream& stream, Options options);

    // Sends `command` (no tag, no CRLF) and returns its tag without waiting for the result.
    // With `window` commands already in flight it first reads until one completes. Untagged
    // responses that arrive while this command is the oldest in flight go to `handler` (or to
    // the default handler when empty).
    core::Result<std::string> submit(std::string command, UntaggedHandler handler = {});

    // Reads until `tag` completes and returns its completion (NO and BAD included).
    core::Result<Completion> wait(const std::string& tag);

    // submit + wait; NO/BAD become errors (see completion_error) carrying the server's text.
    core::Result<Completion> run(std::string command, UntaggedHandler handler = {});

    void set_literal_router(ResponseParser::LiteralRouter router);
    // Receives untagged responses that no in-flight command claims.
    void set_default_handler(UntaggedHandler handler) { m_default = std::move(handler); }

    // Sends CAPABILITY and records the answer (call once after login).
    core::Result<void> refresh_capabilities();
    const Capabilities& capabilities() const { return m_caps; }

    // LOGOUT and wait for the BYE/OK; errors are ignored (the server may already be gone).
    void logout();

    size_t in_flight() const { return m_in_flight.size(); }

  private:
    struct Pending {
        std::string tag;
        std::string command;  // for error messages (first word(s) only)
        UntaggedHandler handler;
        std::optional<Completion> done;
    };
    core::Result<void> read_more();
    core::Result<void> on_response(Response&& r);
    core::Error connection_error(core::Error e) const;

    transport::Stream& m_stream;
    Options m_options;
    ResponseParser m_parser;
    std::deque<Pending> m_in_flight;
    std::deque<Completion> m_finished;  // completed but not yet waited for
    UntaggedHandler m_default;
    Capabilities m_caps;
    std::optional<std::string> m_bye;
    uint64_t m_next_tag = 1;
    std::string m_buf;
};

// NO/BAD completion -> Error: NONEXISTENT/TRYCREATE -> NotFound; AUTHENTICATIONFAILED ->
// Auth; UNAVAILABLE, THROTTLED, INUSE, LIMIT, SERVERBUG and Microsoft's "Suggested Backoff
// Time" -> retryable Protocol; else Protocol. `what` names the command for the message.
core::Error completion_error(const Completion& c, std::string_view what);

}  // namespace imapmirror::imap
