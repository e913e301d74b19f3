#pragma once
// Reading secrets (passwords, OAuth2 tokens) from places other than argv.

#include <optional>
#include <string>

#include "core/error.hpp"

namespace imapmirror::core {

// The first line of a file, without its line end. Warns when the file is readable by others.
Result<std::string> secret_from_file(const std::string& path);

// The first line of what `/bin/sh -c command` prints; a non-zero exit or empty output is an
// error (the command's stderr passes through to the user).
Result<std::string> secret_from_command(const std::string& command);

// The value of an environment variable, or nullopt when unset.
std::optional<std::string> secret_from_env(const char* name);

}  // namespace imapmirror::core
