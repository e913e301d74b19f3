#pragma once
// The token endpoint conversations of RFC 6749 and RFC 8628, for a public (installed) client:
// refresh, the device authorization grant, and the authorization code with PKCE (RFC 7636).
// Replies are parsed, never logged; errors never contain a token.

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json_reader.hpp"

namespace imapmirror::auth {

// Where and as whom to ask. An empty client_secret is not sent (public clients).
struct Endpoints {
    std::string device_url;     // RFC 8628 device authorization endpoint
    std::string authorize_url;  // RFC 6749 authorization endpoint (browser)
    std::string token_url;
    std::string scope;
    std::string client_id;
    std::string client_secret;  // secret
};

// A successful token reply. refresh_token is empty when the server kept the old one.
struct Tokens {
    std::string access_token;   // secret
    std::string refresh_token;  // secret
    int64_t expires_at = 0;     // Unix seconds; now + expires_in (3600 when absent)
};

// The longest access token lifetime believed (ten years): a larger or negative expires_in is
// clamped, never added into a signed overflow.
inline constexpr int64_t kMaxExpiresIn = 10LL * 366 * 24 * 3600;

// RFC 6750 §2.1's b64token: the only characters an access token may have (it is sent inside a
// SASL message whose fields are separated by control characters).
bool is_b64token(std::string_view token);

// A successful token reply read at `now`: expires_in (default 3600) clamped to [0,
// kMaxExpiresIn]; a missing access_token or one that is not a b64token is a Protocol error
// naming `url` (never the token).
core::Result<Tokens> tokens_from_reply(const std::string& url, const core::JsonValue& reply,
                                       int64_t now);

inline constexpr std::string_view kRedacted = "[redacted]";

// `text` with every non-empty secret, as sent and form-encoded, replaced by kRedacted: what a
// server echoes back (error_description) is printed only through this.
std::string redact_secrets(std::string text, const std::vector<std::string>& secrets);

// The line every revoked or expired grant ends in (exit code 6 through ErrorKind::Auth).
std::string grant_dead_message(const std::string& login_command);

// POSTs grant_type=refresh_token. A reply naming invalid_grant, unauthorized_client,
// invalid_client or interaction_required is an Auth error whose message is
// grant_dead_message(login_command); other failures say what the server said (its `error`
// code and description, never our token), retryable for 5xx and transport errors.
core::Result<Tokens> refresh(const Endpoints& endpoints, const std::string& refresh_token,
                             const std::string& login_command);

// RFC 8628 §3.2: what to show the user, and how to poll.
struct DeviceAuthorization {
    std::string device_code;  // secret
    std::string user_code;
    std::string verification_uri;
    std::string message;  // the server's own instructions, may be empty
    std::chrono::seconds interval{5};
    std::chrono::seconds expires_in{900};
};

core::Result<DeviceAuthorization> start_device(const Endpoints& endpoints);

// What to tell the user (two lines): where to go, the code, how long it is valid. The URL and
// code come from the endpoint and are escaped (core::one_line): no escape sequence of theirs
// reaches the terminal.
std::string device_instructions(const DeviceAuthorization& device);

// Polls the token endpoint (RFC 8628 §3.4-3.5) until the user approves: waits `interval`
// between polls, 5 s more after each slow_down, stops on expired_token, access_denied or
// the device code's lifetime (Auth errors saying to run the login again), and on Ctrl-C.
core::Result<Tokens> poll_device(const Endpoints& endpoints, const DeviceAuthorization& device);

// RFC 6749 §4.1.3 with RFC 7636's code_verifier.
core::Result<Tokens> exchange_code(const Endpoints& endpoints, const std::string& code,
                                   const std::string& redirect_uri,
                                   const std::string& code_verifier);

}  // namespace imapmirror::auth
