#pragma once
// Writing bytes to a descriptor that may take them a part at a time (a pipe, a terminal).

#include <string_view>

#include "core/error.hpp"

namespace imapmirror::store {

// Writes all of `bytes` to `fd` (short writes and EINTR retried); a write error is
// file_error naming `shown` (ENOSPC a DiskFull error).
core::Result<void> write_all(int fd, std::string_view bytes, std::string_view shown);

}  // namespace imapmirror::store
