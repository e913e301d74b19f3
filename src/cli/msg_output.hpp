#pragma once
// Writing a .msg file beside the commands that make one (`convert`, `fetch --format msg`).

#include <string>

#include "core/error.hpp"

namespace imapmirror::cli {

// Converts `eml_path` into `msg_path` through a temporary file in msg_path's directory, made
// durable and renamed only when the conversion succeeded: never a broken .msg under the name.
core::Result<void> write_msg_file(const std::string& eml_path, const std::string& msg_path);

}  // namespace imapmirror::cli
