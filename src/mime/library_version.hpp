#pragma once
// The GMime this process runs with, for `--version` and bug reports.

#include <string>

namespace imapmirror::mime {

// GMime's runtime version ("3.2.13"): the shared library loaded now, not the headers the binary
// was built with. Needs no ensure_gmime().
std::string gmime_runtime_version();

}  // namespace imapmirror::mime
