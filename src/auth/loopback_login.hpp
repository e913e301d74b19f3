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

// The listener on 127.0.0.1 (a random port) that the browser is redirected to.
class RedirectListener {
  public:
    // Connections waiting for their request line at once; beyond it the oldest is dropped.
    static constexpr size_t kMaxConnections = 32;

    static core::Result<RedirectListener> open();
    RedirectListener(RedirectListener&& o) noexcept;
    RedirectListener& operator=(RedirectListener&&) = delete;
    ~RedirectListener();
    int port() const { return m_port; }

    // Serves connections until one sends a GET whose `state` equals `state` (RFC 6749 §10.12):
    // returns its `code`, or an Auth error when it carries the provider's `error`. Any other
    // request (a forged state, none, an error without our state, a favicon) is answered 400
    // and ignored. Several connections are read at once, each given `per_connection` to send
    // its request line (16 KiB at most): a slow or idle one costs only itself. Auth error at
    // `deadline`; Ctrl-C ends the wait.
    core::Result<std::string> wait_for_code(
        const std::string& state, std::chrono::steady_clock::time_point deadline,
        std::chrono::milliseconds per_connection = std::chrono::seconds(10));

  private:
    RedirectListener() = default;
    int m_fd = -1;
    int m_port = 0;
};

// Listens on 127.0.0.1 (a random port), calls `show` with the authorization URL (client_id,
// redirect_uri, scope, state, code_challenge; access_type=offline and prompt=consent so that
// Google always returns a refresh token), waits up to `wait` for the browser's redirect,
// (RedirectListener::wait_for_code: only the request with our `state` ends it), and
// exchanges the code with the code_verifier. Ctrl-C ends the wait. The code, verifier and
// tokens are never printed.
core::Result<Tokens> loopback_login(const Endpoints& endpoints,
                                    const std::function<void(const LoopbackPrompt&)>& show,
                                    std::chrono::seconds wait = std::chrono::minutes(10));

// Base64url without padding (RFC 7636 §3), and the S256 challenge of a verifier.
std::string base64url(const std::string& bytes);
std::string pkce_challenge(const std::string& verifier);

}  // namespace imapmirror::auth
