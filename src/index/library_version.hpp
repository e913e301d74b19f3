#pragma once
// The SQLite this process runs with, for `--version` and bug reports.

#include <string>

namespace imapmirror::index {

// SQLite's runtime version ("3.40.1"): the shared library loaded now, not the headers the binary
// was built with.
std::string sqlite_runtime_version();

}  // namespace imapmirror::index
