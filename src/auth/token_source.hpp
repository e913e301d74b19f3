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
    // token endpoint. A refresh is saved to the store before this returns, so a rotated refresh
    // token is never lost. Thread-safe; concurrent callers wait for one refresh. Errors:
    // refresh()'s (the revoked grant line, exit 6) and save_grant's.
    core::Result<std::string> access_token();

    // Refreshes even if the stored token looks valid (the server refused it).
    void invalidate();

    void set_margin(std::chrono::seconds margin) { m_margin = margin; }
    const std::string& user() const { return m_grant.user; }

  private:
    TokenSource() = default;
    std::mutex m_mutex;
    std::string m_path;
    std::string m_login_command;
    Endpoints m_endpoints;
    StoredGrant m_grant;
    std::chrono::seconds m_margin{300};
};

}  // namespace imapmirror::auth
