#pragma once
// A connected, authenticated byte stream to an IMAP server. The IMAP layer talks only to this
// interface, so tests can replace the network with canned bytes.

#include <cstddef>
#include <string_view>

#include "core/error.hpp"

namespace imapmirror::transport {

class Stream {
  public:
    virtual ~Stream() = default;
    // Sends every byte or fails (Network, Timeout). Never partial on success.
    virtual core::Result<void> send(std::string_view bytes) = 0;
    // Receives at least one byte into buf[0, cap); a closed connection is a Network error and a
    // silent server past the idle timeout a Timeout error. Never returns 0.
    virtual core::Result<size_t> receive(char* buf, size_t cap) = 0;
};

}  // namespace imapmirror::transport
