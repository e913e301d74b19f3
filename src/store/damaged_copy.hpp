#pragma once
// Damaged copies kept aside: `verify --repair` never deletes a file whose bytes differ from the
// index; it renames it to "<name>.damaged-<UTC time>" in its own directory and writes a good copy
// under the old name. The suffix is reserved: no message, attachment or folder name the export
// makes ends with it, so a kept copy never collides with one, and `verify` knows it is not an
// unknown file.

#include <ctime>
#include <string>
#include <string_view>

#include "core/error.hpp"

namespace imapmirror::store {

inline constexpr std::string_view kDamagedMarker = ".damaged-";

// "<name>.damaged-YYYYMMDDTHHMMSSZ" for the UTC time `when`; with n > 1, "-<n>" is appended (two
// copies set aside in one second).
std::string damaged_name(std::string_view name, std::time_t when, int n = 1);

// True when `name` (one path component) is a name damaged_name() makes.
bool is_damaged_copy(std::string_view name);

// Renames `name` in the directory `dir_fd` to a damaged_name() that does not exist yet (never
// over another file) and returns the new name. `shown_dir` names the directory in errors.
core::Result<std::string> set_aside(int dir_fd, const std::string& name, std::string_view shown_dir,
                                    std::time_t when);

}  // namespace imapmirror::store
