#pragma once
// Incremental IMAP response parser (RFC 3501 §7, RFC 9051 §7).
//
// Feed it bytes as they arrive, in pieces of any size; it never reads a socket. It buffers one
// line at a time, tokenizes it, and hands each complete response to a callback. A literal's
// bytes are either kept in the token tree (small ones) or streamed to a LiteralSink chosen by
// the router, so a message body is never held whole in memory.
//
// Every input is bounded by ParserLimits; exceeding one is a core::ErrorKind::Limit error.
// After any error the parser is dead: every later feed() returns the same error.
//
// Literal sinks: the parser holds the router's sink only while that literal's bytes arrive.
// set_literal_router() (nullptr included) forgets that sink at once; the rest of a literal
// that was going to it is discarded (the value stays Streamed), and finish() is not called.

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "imap/literal_sink.hpp"
#include "imap/response.hpp"

namespace imapmirror::imap {

// What one server response can make us hold. Bodies streamed to a sink are not held and count
// only against max_literal.
struct ParserLimits {
    size_t max_line = 16u << 20;               // one line (between CRLFs, outside literals)
    size_t max_depth = 128;                    // parenthesis nesting
    size_t max_values = 1u << 20;              // tokens in one response (parts, flags...)
    uint64_t max_literal = uint64_t{1} << 40;  // announced literal size
    // A literal no sink takes (a LIST name, a header field) is kept in memory up to this.
    size_t max_kept_literal = 4u << 20;
    // Everything one response keeps in memory: its lines, kept literals and a fixed cost per
    // token (sizeof(Value)). Response::held_bytes reports the sum.
    size_t max_response_bytes = 64u << 20;
};

class ResponseParser {
  public:
    // Returns the sink for a literal, or nullptr to keep it in the tree. The sink must outlive
    // the literal (until its finish()).
    using LiteralRouter = std::function<LiteralSink*(const LiteralContext&)>;
    using ResponseHandler = std::function<core::Result<void>(Response&&)>;

    explicit ResponseParser(ParserLimits limits = {});

    // Replaces the router and forgets any sink obtained from the old one (see above).
    void set_literal_router(LiteralRouter router);

    // Parses everything complete in `bytes` (plus what was buffered before) and calls
    // `on_response` for each complete response, in order. Any error (a parse error, a limit,
    // or one returned by the handler or a sink) stops the parse, is returned, and is final.
    core::Result<void> feed(std::string_view bytes, const ResponseHandler& on_response);

    // True when no partial response is buffered (between responses).
    bool idle() const;

  private:
    core::Result<void> feed_some(std::string_view bytes, const ResponseHandler& on_response);
    core::Result<void> on_line(std::string_view line, const ResponseHandler& on_response);
    core::Result<void> parse_head(std::string_view line, size_t& pos);
    core::Result<void> parse_tokens(std::string_view line, size_t pos);
    core::Result<void> begin_literal(uint64_t size);
    core::Result<void> literal_bytes(std::string_view chunk);
    core::Result<void> end_literal(const ResponseHandler& on_response);
    core::Result<void> emit(const ResponseHandler& on_response);
    std::vector<Value>& container();
    core::Result<void> push_value(Value v);
    core::Result<void> hold(size_t bytes);
    core::Result<void> fail(core::ErrorKind kind, std::string message);

    ParserLimits m_limits;
    LiteralRouter m_router;

    std::string m_line;  // bytes of the current line, not yet ending in LF

    bool m_in_response = false;  // a response has started (after a literal, a line continues it)
    Response m_response;
    std::vector<Value> m_stack;  // open lists, innermost last
    size_t m_values = 0;

    bool m_in_literal = false;
    uint64_t m_literal_left = 0;
    LiteralSink* m_sink = nullptr;   // null: keep the literal in the tree (unless discarding)
    bool m_discard_literal = false;  // the sink was withdrawn mid-literal
    size_t m_held = 0;               // bytes the current response holds (max_response_bytes)

    std::optional<core::Error> m_dead;
};

}  // namespace imapmirror::imap
