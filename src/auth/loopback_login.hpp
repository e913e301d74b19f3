#pragma once
// The installed-app authorization code flow with a loopback redirect (RFC 8252 §7.3) and PKCE
// (RFC 7636, S256): what Google allows for the Gmail scope.

#include <chrono>
#include <functional>
#include <string>

#include "auth/oauth_client.hpp"
#include "core/error.hpp"

namespace imapmirror::auth {

// What to show the user once the listener is ready.
struct LoopbackPrompt {
    std::string url;  // to open in a browser
    int port = 0;     // on 127.0.0.1, for the `ssh -L` hint
};

// Listens on 127.0.0.1 (a random port), calls `show` with the authorization URL (client_id,
// redirect_uri, scope, state, code_challenge; access_type=offline and prompt=consent so that
// Google always returns a refresh token), waits up to `wait` for the browser's redirect,
// checks its `state` (a mismatch is refused: RFC 6749 §10.12), answers the browser, and
// exchanges the code with the code_verifier. Ctrl-C ends the wait. The code, verifier and
// tokens are never printed.
core::Result<Tokens> loopback_login(const Endpoints& endpoints,
                                    const std::function<void(const LoopbackPrompt&)>& show,
                                    std::chrono::seconds wait = std::chrono::minutes(10));

// Base64url without padding (RFC 7636 §3), and the S256 challenge of a verifier.
std::string base64url(const std::string& bytes);
std::string pkce_challenge(const std::string& verifier);

}  // namespace imapmirror::auth
