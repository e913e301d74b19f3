#pragma once
// Which SASL mechanism to log in with, chosen from what the server offers rather than left to
// libcurl. libcurl prefers challenge-response mechanisms (DIGEST-MD5, CRAM-MD5) whenever they
// are advertised, and those cannot work against servers that keep only password hashes or use
// system passwords (GNU imap4d's default configuration advertises DIGEST-MD5 and fails it);
// once a mechanism is named, libcurl never falls back. So we choose deliberately.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::transport {

// The SASL mechanisms (upper case) named by AUTH=... atoms in a CAPABILITY line or greeting
// ("* CAPABILITY IMAP4rev1 AUTH=PLAIN auth=login" -> {"PLAIN", "LOGIN"}).
std::vector<std::string> offered_mechanisms(std::string_view capability_line);

// The mechanisms --auth-mech accepts besides "auto".
const std::vector<std::string>& known_mechanisms();  // PLAIN, LOGIN, CRAM-MD5, DIGEST-MD5

// libcurl's CURLOPT_LOGIN_OPTIONS for a password login, or "" for libcurl's own choice.
// `wanted` is "auto" (or empty) or one of known_mechanisms(), in any case.
// - auto: PLAIN when offered (it works with every password store; use TLS), else LOGIN when
//   offered, else "" (libcurl uses another SASL mechanism or the IMAP LOGIN command).
// - a named mechanism the server does not offer: an Auth error naming what it offers.
core::Result<std::string> login_options_for(std::string_view wanted,
                                            const std::vector<std::string>& offered);

}  // namespace imapmirror::transport
