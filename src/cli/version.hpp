#pragma once
// What `imapmirror --version` prints.

#include <string>

namespace imapmirror::cli {

// "imapmirror VERSION" (CMake's project version) on the first line, then one line per library
// the binary depends on: libcurl, GMime and SQLite as loaded at run time (what a bug report
// needs when the system's libraries were upgraded under the binary), and toml++ as built
// against (it offers no run-time version call). No newline after the last line.
std::string version_text();

}  // namespace imapmirror::cli
