#pragma once
// An authenticated IMAP session over a transport::Stream: tags, a pipelining window, dispatch
// of untagged responses, completion results. Knows nothing of files or the index: literal
// bytes go wherever the literal router sends them.
//
// Read-only by its callers: Client sends EXAMINE and BODY.PEEK only (see client.hpp); the one
// writer is append.hpp (APPEND and CREATE, for restore).
// Not thread-safe; one Session per connection.
//
// Lifetime contract (what keeps a handler from outliving its caller):
// - A command's UntaggedHandler is called only while that command is in flight, from inside
//   this Session's submit/wait/run/drain. Once the command completes, or the session is
//   abandoned or broken, the handler is destroyed and never called again.
// - A caller whose handlers or literal sink refer to its own locals or `this` must not return
//   while its commands are in flight. Use CommandScope: its destructor, finding its commands
//   still in flight, abandons the session (no I/O in a destructor), and it withdraws the
//   literal router it installed. Call CommandScope::drain() first to keep the connection.
// - A connection that left commands in flight is never used again: after abandon() or any
//   read error (network, parse, limit, an error returned by a handler or sink) the session is
//   broken, every later call returns an error at once without I/O (scope Session, retryable:
//   a new connection may do better), and logout() sends nothing. Its owner drops it.
// - set_literal_router() (nullptr too) makes the parser forget the old router's sink at once;
//   the rest of a literal that was going there is discarded.
//
// Limits (beyond ParserLimits, which bound each response; what a handler keeps across
// responses is its own to bound, see Client):
// - min_rate: while a response is partly received (mid-line or mid-literal), the server must
//   deliver at least min_rate.bytes per second averaged over min_rate.window, or the session
//   fails with a Timeout. Silence between responses is the transport's idle timeout
//   (--timeout); this catches a server that trickles a byte at a time to stay under it.

#include <algorithm>
#include <chrono>
#include <deque>
#include <functional>
#include <optional>
#include <string>
#include <vector>

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
    // The server asked us to slow down, even in an OK: [THROTTLED] (RFC 5530 extension used by
    // Yahoo and others), [OVERQUOTA] bandwidth limits (Gmail), or a backoff hint in the text.
    bool throttled = false;
    bool ok() const { return status == "OK"; }
};

class Session {
  public:
    using UntaggedHandler = std::function<core::Result<void>(const Response&)>;
    using Clock = std::function<std::chrono::steady_clock::time_point()>;

    // Slowest transfer accepted while a response is partly received.
    struct MinimumRate {
        uint64_t bytes_per_second = 1024;
        std::chrono::seconds window{60};
    };

    struct Options {
        size_t window = 8;  // commands in flight at most
        ParserLimits limits;
        MinimumRate min_rate;
        Clock clock;  // empty: std::chrono::steady_clock::now (tests inject a fake)
    };

    explicit Session(transport::Stream& stream) : Session(stream, Options{}) {}
    Session(transport::Stream& stream, Options options);

    // Sends `command` (no tag, no CRLF) and returns its tag without waiting for the result.
    // With `window` commands already in flight it first reads until one completes. Untagged
    // responses that arrive while this command is the oldest in flight go to `handler` (or to
    // the default handler when empty).
    // `command` may hold literals as quote_astring() writes them: "{n+}\r\n<n bytes>" is sent
    // at once (LITERAL+), "{n}\r\n" waits for the server's "+" continuation first. When the
    // server refuses the literal with a tagged NO/BAD instead, the tag is returned all the
    // same and wait() gives that completion.
    core::Result<std::string> submit(std::string command, UntaggedHandler handler = {});

    // Sends `head`, then `body` as one literal streamed in chunks (its form chosen by
    // non_synchronizing_literal: "{n+}" at once, else "{n}" and the server's "+" first), then
    // `tail` and CRLF; returns the tag without waiting for the result. A server that refuses
    // the synchronizing literal with a tagged NO/BAD gets nothing more (wait() gives that
    // completion). Once literal bytes are on the wire the command must be completed, so an
    // error from `body` (a read failure, fewer bytes than size()) breaks the session.
    core::Result<std::string> submit_literal(std::string head, LiteralSource& body,
                                             std::string tail, UntaggedHandler handler = {});

    // One argument of a command with several literals: the text before the literal, then it.
    struct LiteralPart {
        std::string before;
        LiteralSource* body = nullptr;
    };
    // The same with several literals in one command (MULTIAPPEND, RFC 3502): each part's
    // `before`, then its literal, in order, then `tail` and CRLF. A server that refuses any
    // synchronizing literal gets nothing more of the command (wait() gives its completion).
    core::Result<std::string> submit_literals(const std::vector<LiteralPart>& parts,
                                              std::string tail, UntaggedHandler handler = {});

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
    // The literal form for a string of `size` bytes this server accepts without a round trip.
    bool non_synchronizing_literal(size_t size) const;

    // Waits for every command in flight with their handlers detached and every literal
    // discarded: the connection is then idle and usable. Errors break the session.
    core::Result<void> drain();
    // Drops the handler of one command in flight: its untagged responses are ignored from now.
    void detach(const std::string& tag);
    // Detaches every handler and the literal router and marks the session broken, without I/O.
    void abandon(std::string why);
    // The error every call returns from now on, if the session is broken.
    const std::optional<core::Error>& broken() const { return m_broken; }
    bool usable() const { return !m_broken; }

    // LOGOUT and wait for the BYE/OK; errors are ignored (the server may already be gone).
    // Handlers of commands still in flight are detached first.
    void logout();

    size_t in_flight() const { return m_in_flight.size(); }
    // Commands in flight at most (Options::window, at least 1).
    size_t window() const { return std::max<size_t>(1, m_options.window); }
    // Commands that completed OK but with a request to slow down ([THROTTLED] inside an OK):
    // the caller decides how to slow down.
    size_t throttle_hints() const { return m_throttle_hints; }
    bool is_in_flight(const std::string& tag) const;
    // The last "* n EXISTS" seen, if any (bounds what a SEARCH may answer).
    std::optional<uint64_t> exists() const { return m_exists; }

  private:
    struct Pending {
        std::string tag;
        UntaggedHandler handler;
    };
    core::Result<void> read_more();
    core::Result<void> send_piece(std::string_view piece);
    // Waits for "+" after a synchronizing literal's announcement; false when the command was
    // completed (refused) instead.
    core::Result<bool> await_continuation(const std::string& tag);
    core::Result<void> on_response(Response&& r);
    core::Result<void> check_rate(size_t got);
    core::Error connection_error(core::Error e) const;
    core::Error break_with(core::Error e);
    std::chrono::steady_clock::time_point now() const;

    transport::Stream& m_stream;
    Options m_options;
    ResponseParser m_parser;
    std::deque<Pending> m_in_flight;
    std::deque<Completion> m_finished;  // completed but not yet waited for
    UntaggedHandler m_default;
    Capabilities m_caps;
    std::optional<std::string> m_bye;
    std::optional<core::Error> m_broken;
    std::optional<uint64_t> m_exists;
    bool m_awaiting_continuation = false;
    uint64_t m_next_tag = 1;
    size_t m_throttle_hints = 0;
    std::string m_buf;
    // min_rate: start of the current measuring window and bytes received since.
    std::optional<std::chrono::steady_clock::time_point> m_rate_start;
    uint64_t m_rate_bytes = 0;
};

// Commands of one caller, whose handlers and literal sink may refer to the caller's locals.
// Leaving the scope with its commands still in flight abandons the session (see the contract
// above); drain() first to keep it. The router set here is withdrawn when the scope ends.
class CommandScope {
  public:
    explicit CommandScope(Session& session) : m_session(session) {}
    ~CommandScope();
    CommandScope(const CommandScope&) = delete;
    CommandScope& operator=(const CommandScope&) = delete;

    core::Result<std::string> submit(std::string command, Session::UntaggedHandler handler = {});
    core::Result<std::string> submit_literal(std::string head, LiteralSource& body,
                                             std::string tail,
                                             Session::UntaggedHandler handler = {});
    core::Result<std::string> submit_literals(const std::vector<Session::LiteralPart>& parts,
                                              std::string tail,
                                              Session::UntaggedHandler handler = {});
    core::Result<Completion> wait(const std::string& tag);
    core::Result<Completion> run(std::string command, Session::UntaggedHandler handler = {});
    void set_literal_router(ResponseParser::LiteralRouter router);
    // Waits for this scope's commands with handlers detached and literals discarded.
    core::Result<void> drain();
    // Commands of this scope still in flight.
    size_t in_flight() const;
    Session& session() { return m_session; }

  private:
    Session& m_session;
    std::vector<std::string> m_tags;
    bool m_router_set = false;
};

// NO/BAD completion -> Error: NONEXISTENT/TRYCREATE -> NotFound; AUTHENTICATIONFAILED ->
// Auth; UNAVAILABLE, THROTTLED, INUSE, LIMIT, OVERQUOTA, SERVERBUG and the throttling texts
// (Microsoft's "Suggested Backoff Time", Gmail's "Too many simultaneous connections",
// iCloud's "Service temporarily unavailable") -> retryable Protocol of scope Session, with
// Error::throttled set when the server asks us to slow down. A NO [UNAVAILABLE] to a FETCH
// is about those messages: scope Folder, retryable, and the session stays usable. Else
// Protocol of scope Folder. `what` names the command for the message.
core::Error completion_error(const Completion& c, std::string_view what);

// Whether a status response's code or text says the server throttles us.
bool is_throttling(const std::optional<ResponseCode>& code, std::string_view text);

// Whether a NO is for now rather than about what was asked: a throttle (Completion::throttled),
// [UNAVAILABLE], [LIMIT], [INUSE], [OVERQUOTA], or a response code this client does not know
// (RFC 5530 leaves room for more). A NO without a code, or with a known code about the request
// itself ([EXPUNGEISSUED], [CORRUPTION], [NOPERM], [SERVERBUG], ...), is not: asking again at
// once would get the same answer.
bool temporary_refusal(const Completion& no);

}  // namespace imapmirror::imap
