#pragma once
// What the parent (sandbox.cpp) and the extraction child (sandbox_child.cpp) say to each
// other over one socket, and the child's command line. Internal to src/extract.
//
//   request:  "KIND SIZE\n" then SIZE bytes (KIND is kind_name(), SIZE <= max_input)
//   answer:   "STATUS\n" "LENGTH\n" then LENGTH bytes of text
//
// The child's arguments after kChildArgument: max_input max_text max_pages max_member
// max_unzipped cpu_seconds (decimal).

#include <cstddef>

namespace imapmirror::extract::protocol {

inline constexpr int kArguments = 8;           // argv[0], kChildArgument and the six numbers
inline constexpr size_t kMaxHeaderLine = 256;  // a request or answer line longer is refused
inline constexpr size_t kMaxStatus = 200;      // bytes of an answer's status kept

}  // namespace imapmirror::extract::protocol
