#pragma once
// Where the bytes of a large literal go instead of memory (a message body, typically).

#include <cstdint>
#include <string_view>

#include "core/error.hpp"
#include "imap/response.hpp"

namespace imapmirror::imap {

// Receives one literal in order, in chunks of any size (possibly empty), then finish() once.
// An error from write()/finish() aborts the parse and is returned from ResponseParser::feed.
class LiteralSink {
  public:
    virtual ~LiteralSink() = default;
    virtual core::Result<void> write(std::string_view chunk) = 0;
    virtual core::Result<void> finish() = 0;
};

// The bytes of one literal the client sends (APPEND's message), read in chunks as they go out,
// so a message is never held whole in memory. read() returns up to `cap` bytes, 0 only at the
// end; size() is announced before the first read and must be what the reads add up to.
class LiteralSource {
  public:
    virtual ~LiteralSource() = default;
    virtual uint64_t size() const = 0;
    virtual core::Result<size_t> read(char* buf, size_t cap) = 0;
};

// A sink that drops every byte: for literals nobody wants any more (a drained or abandoned
// command's bodies, or those that arrive after a fetch was told to stop).
LiteralSink& discarding_sink();

// What the parser knows when a literal starts, to decide where it goes.
struct LiteralContext {
    const Response& response;  // the response so far (tag/kind, and data at top level so far)
    std::string_view item;     // the atom just before the literal in its list, e.g. "BODY[]"
    uint64_t size;             // announced length in bytes
};

}  // namespace imapmirror::imap
