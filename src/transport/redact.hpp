#pragma once
// Redaction of client lines for the wire trace: credentials never reach a log.

#include <string>
#include <string_view>

namespace imapmirror::transport {

// A client protocol line made safe to print. Commands known to carry no secret are kept whole;
// LOGIN and AUTHENTICATE keep only tag and command; anything else sent during authentication
// (SASL responses) is replaced entirely.
std::string redact_client_line(std::string_view line);

}  // namespace imapmirror::transport
