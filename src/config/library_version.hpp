#pragma once
// The TOML library the config file is read with, for `--version`.

#include <string>

namespace imapmirror::config {

// toml++'s version as "MAJOR.MINOR.PATCH": a header-only library, so the one it was built with.
std::string tomlpp_build_version();

}  // namespace imapmirror::config
