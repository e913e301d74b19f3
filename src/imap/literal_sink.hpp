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
