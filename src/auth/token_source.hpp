#pragma once
// Fresh OAuth2 access tokens for every connection of a run, from the grant in a token store.

#include <chrono>
#include <memory>
#include <mutex>
#include <string>

#include "auth/oauth_client.hpp"
#include "auth/token_store.hpp"
#include "core/error.hpp"

namespace imapmirror::auth {

class TokenSource {
  public:
    // Loads the grant at `store_path` (load_grant's errors; a NotFound becomes an Auth error
    // telling to run `login_command`). `overrides` replaces the stored token_url, client_id
    // and scope where its fields are non-empty; its client_secret is sent when set.
    static core::Result<std::unique_ptr<TokenSource>> open(const std::string& store_path,
                                                           Endpoints overrides,
                                                           std::string login_command);

    // An access token valid for at least `margin` more: the stored one, or a new one from the
    // token endpoint. Before a refresh the store is proved writable (check_store_writable:
    // otherwise its Io error, and the refresh token is not spent) and locked (lock_store), and
    // the grant is read again under the lock: another process may have refreshed it. A refresh
    // is saved to the store before this returns, so a rotated refresh token is never lost.
    // Thread-safe; concurrent callers wait for one refresh. Errors: refresh()'s (the revoked
    // grant line, exit 6), load_grant's, save_grant's and the lock's.
    core::Result<std::string> access_token();

    // Refreshes even if the stored token looks valid (the server refused it).
    void invalidate();

    void set_margin(std::chrono::seconds margin) { m_margin = margin; }
    const std::string& user() const { return m_grant.user; }

    // How long a refresh waits for another process's (a refresh is one HTTP request, <= 60 s).
    static constexpr std::chrono::milliseconds kStoreLockWait{120'000};

  private:
    TokenSource() = default;
    bool usable(const StoredGrant& g, int64_t now) const;
    std::mutex m_mutex;
    std::string m_path;
    std::string m_login_command;
    Endpoints m_endpoints;
    StoredGrant m_grant;
    std::string m_refused;  // the access token a server refused (invalidate)
    std::chrono::seconds m_margin{300};
};

}  // namespace imapmirror::auth
