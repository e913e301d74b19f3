#pragma once
// Content-Transfer-Encoding undone in a stream (RFC 2045 6): a part's body fed in chunks of any
// size, decoded bytes appended to the caller's buffer, so a part of any size is decoded in
// bounded memory. base64 through Base64Decoder; quoted-printable decoded here as Python's
// binascii.a2b_qp reads it (what `email` uses): "=XX" in either case, soft line breaks "=\n"
// and "=\r\n", an "=" that starts neither kept as it is, one at the very end dropped; an
// escape may straddle two chunks. 7bit, 8bit, binary and any other name pass bytes unchanged.

#include <cstdint>
#include <string>
#include <string_view>

#include "mime/base64_decoder.hpp"

namespace imapmirror::mime {

class TransferDecoder {
  public:
    // `encoding`: the Content-Transfer-Encoding as BODYSTRUCTURE or the header names it (any case).
    explicit TransferDecoder(std::string_view encoding);
    void decode(std::string_view in, std::string& out);
    // Writes what a straddling group or escape still holds; call once at the end.
    void finish(std::string& out);

  private:
    enum class Kind { Identity, Base64, QuotedPrintable };
    Kind m_kind = Kind::Identity;
    Base64Decoder m_base64;
    void decode_qp(char c, std::string& out);
    std::string m_qp_pending;  // "", "=", "=\r" or "=" and one hex digit
};

}  // namespace imapmirror::mime
