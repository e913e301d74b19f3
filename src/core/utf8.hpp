#pragma once
// UTF-8 validation shared by JSON output and terminal output, and the repair that makes any
// bytes valid UTF-8 text for the index.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace imapmirror::core {

// Length (1-4) of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid
// (truncated, overlong, surrogate, above U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i);

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

// Valid UTF-8 text from bytes that should already be UTF-8 (after any charset decoding):
//  - valid UTF-8 sequences are kept;
//  - a byte that starts no valid sequence is read as windows-1252, the usual 8-bit charset of
//    mislabelled mail (its five undefined bytes 0x81 0x8D 0x8F 0x90 0x9D become U+FFFD);
//  - TAB becomes a space; every other control character (C0 including NUL, DEL, C1) becomes
//    U+FFFD, so nothing is cut short and the loss stays visible.
// The result never contains a NUL byte and is unchanged by a second call.
std::string to_valid_utf8(std::string_view bytes);

// Appends code point `cp` (at most U+10FFFF, not a surrogate: the caller checks) as UTF-8.
void append_utf8(std::string& out, uint32_t cp);

}  // namespace imapmirror::core
