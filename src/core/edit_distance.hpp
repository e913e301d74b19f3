#pragma once
// Levenshtein distance, for "did you mean" (config keys, folder names); meant for short text.

#include <cstddef>
#include <string_view>

namespace imapmirror::core {

// Insertions, deletions and substitutions (of bytes) that turn `a` into `b`.
size_t edit_distance(std::string_view a, std::string_view b);

}  // namespace imapmirror::core
