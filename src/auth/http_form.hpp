#pragma once
// One HTTP(S) POST of an application/x-www-form-urlencoded body (RFC 6749 §4, RFC 8628 §3),
// over libcurl's HTTP. Neither the request nor the reply is ever logged: both hold secrets.

#include <chrono>
#include <string>
#include <utility>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::auth {

struct HttpReply {
    long status = 0;
    std::string body;  // at most kMaxReplyBytes
};

inline constexpr size_t kMaxReplyBytes = 256 * 1024;

// POSTs `fields` (each name and value percent-encoded) to `url`, following no redirect,
// verifying TLS certificates. Any HTTP status is a reply; errors are only transport failures
// (Network, Timeout, Tls) naming the URL, and a reply over kMaxReplyBytes (Limit).
core::Result<HttpReply> post_form(const std::string& url,
                                  const std::vector<std::pair<std::string, std::string>>& fields,
                                  std::chrono::seconds timeout = std::chrono::seconds(60));

// `value` percent-encoded for a query string or form body (RFC 3986 unreserved kept).
std::string form_encode(const std::string& value);

}  // namespace imapmirror::auth
