#include "config/library_version.hpp"

#include <toml++/toml.h>

namespace imapmirror::config {

std::string tomlpp_build_version() {
    return std::to_string(TOML_LIB_MAJOR) + "." + std::to_string(TOML_LIB_MINOR) + "." +
           std::to_string(TOML_LIB_PATCH);
}

}  // namespace imapmirror::config
