#pragma once
// The Unicode characters that reorder the text after them on a terminal, which terminal output
// must not pass through: core::one_line escapes them ("\u202e"), cli::printable replaces them.

#include <cstddef>
#include <string_view>

namespace imapmirror::core {

// True when the valid UTF-8 sequence of `n` bytes at s[i] is an explicit bidirectional
// formatting character: an embedding or override (U+202A..U+202E) or an isolate
// (U+2066..U+2069). "invoice\u202Efdp.exe" shows as "invoiceexe.pdf". The marks
// U+200E/U+200F, which reorder nothing, are not.
bool is_bidi_control(std::string_view s, size_t i, size_t n);

}  // namespace imapmirror::core
