#pragma once
// SASL XOAUTH2 (Google's and Microsoft's) and OAUTHBEARER (RFC 7628) over an IMAP stream,
// done by us rather than libcurl: libcurl 7.88 sends OAUTHBEARER whenever the server offers
// it, even when asked for XOAUTH2 (measured against Dovecot 2.3.19), so it cannot be forced.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "transport/stream.hpp"

namespace imapmirror::transport {

enum class OAuthMech { XOAuth2, OAuthBearer };

const char* to_string(OAuthMech mech);  // "XOAUTH2", "OAUTHBEARER"

// `wanted` is "auto", "xoauth2" or "oauthbearer" (any case). auto: OAUTHBEARER when
// `offered` (upper case, auth_choice.hpp's offered_mechanisms) has it, else XOAUTH2.
OAuthMech choose_oauth_mech(std::string_view wanted, const std::vector<std::string>& offered);

// The base64 initial client response. XOAUTH2: "user=U^Aauth=Bearer T^A^A".
// OAUTHBEARER (RFC 7628 §3.1): "n,a=U,^Ahost=H^Aport=P^Aauth=Bearer T^A^A" (',' and '='
// in U escaped as =2C and =3D, RFC 5801 §5.1).
std::string oauth_initial_response(OAuthMech mech, const std::string& user,
                                   const std::string& token, const std::string& host,
                                   uint16_t port);

// Runs `TAG AUTHENTICATE MECH <initial response>` (SASL-IR, RFC 4959) on `stream` and reads up
// to the tagged reply. An error challenge ("+ <base64 JSON>") is answered as the mechanism
// requires (an empty line for XOAUTH2, %x01 for OAUTHBEARER, RFC 7628 §3.2.3). A NO is an
// Auth error carrying the server's words (and the challenge's "status"), never the token;
// the trace shows the command redacted.
core::Result<void> authenticate_oauth(Stream& stream, OAuthMech mech,
                                      const std::string& initial_response);

std::string base64_encode(std::string_view bytes);

}  // namespace imapmirror::transport
