#pragma once
// UTF-8 validation shared by JSON output and terminal output.

#include <cstddef>
#include <string_view>

namespace imapmirror::core {

// Length (1-4) of the valid UTF-8 sequence starting at s[i], or 0 when it is not valid
// (truncated, overlong, surrogate, above U+10FFFF).
size_t utf8_sequence_length(std::string_view s, size_t i);

inline constexpr std::string_view kReplacementChar = "\xEF\xBF\xBD";  // U+FFFD

}  // namespace imapmirror::core
