#pragma once
// The libcurl this process runs with, for `--version` and bug reports.

#include <string>

namespace imapmirror::transport {

// libcurl's runtime version and its TLS backend, e.g. "7.88.1 (OpenSSL/3.0.15)": the shared
// library loaded now, which may be newer than the headers the binary was built with.
std::string curl_runtime_version();

}  // namespace imapmirror::transport
