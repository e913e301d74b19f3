#pragma once
// The identity of a message's header block, used to re-identify archived messages after a
// UIDVALIDITY change without downloading their bodies again (see FolderSync).
//
// It is the SHA-256 of the header lines as BODY[HEADER] returns them, without the line breaks
// that end the block: servers disagree on those. Dovecot returns the empty line that ends the
// header; for a message with no empty line Courier returns the lines without the last line
// break. Both, and the streamed message itself, give the same hash.

#include <string>
#include <string_view>

#include "store/sha256.hpp"

namespace imapmirror::sync {

class HeaderHasher {
  public:
    // Feeds the next bytes of the message (or of a BODY[HEADER] answer); bytes after the end of
    // the header block are ignored.
    void update(std::string_view chunk);
    // True once the empty line that ends the header block was seen.
    bool complete() const { return m_state == State::Done; }
    // The hash of the header block: everything fed so far when it has no empty line (the whole
    // message is then its header). Ends the hasher: call once.
    std::string hex();

  private:
    enum class State { InLine, LineStart, LineStartCr, Done };
    store::Sha256 m_hash;
    std::string m_breaks;  // line breaks seen but not hashed: they may end the block
    State m_state = State::LineStart;
};

// HeaderHasher over one whole header block.
std::string header_sha256(std::string_view header);

// What archives made before the header hash ignored final line breaks stored: the SHA-256 of
// the bytes as they are. Kept so that their messages are still re-identified.
std::string legacy_header_sha256(std::string_view header);

}  // namespace imapmirror::sync
