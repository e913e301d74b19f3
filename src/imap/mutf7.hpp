#pragma once
// Modified UTF-7 for mailbox names (RFC 3501 §5.1.3).

#include <string>
#include <string_view>

#include "core/error.hpp"

namespace imapmirror::imap {

// UTF-8 -> modified UTF-7. Invalid UTF-8 is a Parse error.
core::Result<std::string> mutf7_encode(std::string_view utf8);

// Modified UTF-7 -> UTF-8. Malformed input (bad base64, unpaired surrogates, an encoded
// printable ASCII character, "&" not closed) is a Parse error; callers that must show a name
// anyway fall back to the raw bytes.
core::Result<std::string> mutf7_decode(std::string_view mutf7);

}  // namespace imapmirror::imap
