#include "auth/token_source.hpp"

#include <ctime>

#include "core/log.hpp"

namespace imapmirror::auth {

core::Result<std::unique_ptr<TokenSource>> TokenSource::open(const std::string& store_path,
                                                             Endpoints overrides,
                                                             std::string login_command) {
    auto grant = load_grant(store_path);
    if (!grant) {
        if (grant.error().kind != core::ErrorKind::NotFound)
            return std::move(grant).error();
        auto e = core::make_error(core::ErrorKind::Auth,
                                  "no OAuth2 grant is stored for this account (" + store_path + ")",
                                  core::Scope::Run);
        e.hint = "run `" + login_command + "` once";
        return e;
    }
    std::unique_ptr<TokenSource> s(new TokenSource());
    s->m_path = store_path;
    s->m_login_command = std::move(login_command);
    s->m_grant = std::move(*grant);
    s->m_endpoints = std::move(overrides);
    if (s->m_endpoints.token_url.empty())
        s->m_endpoints.token_url = s->m_grant.token_url;
    if (s->m_endpoints.client_id.empty())
        s->m_endpoints.client_id = s->m_grant.client_id;
    if (s->m_endpoints.scope.empty())
        s->m_endpoints.scope = s->m_grant.scope;
    return s;
}

void TokenSource::invalidate() {
    std::lock_guard lock(m_mutex);
    m_refused = m_grant.access_token;
    m_grant.access_expires_at = 0;
}

bool TokenSource::usable(const StoredGrant& g, int64_t now) const {
    return !g.access_token.empty() && g.access_token != m_refused &&
           g.access_expires_at - now > m_margin.count();
}

core::Result<std::string> TokenSource::access_token() {
    std::lock_guard lock(m_mutex);
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    if (usable(m_grant, now))
        return m_grant.access_token;
    // A rotated refresh token that cannot be saved is lost: prove the store writable first.
    IMM_TRY(check_store_writable(m_path));
    IMM_ASSIGN(auto file_lock, lock_store(m_path, kStoreLockWait));
    // Another process may have refreshed while we waited: its rotated token is the live one.
    IMM_ASSIGN(auto current, load_grant(m_path));
    m_grant.refresh_token = current.refresh_token;
    if (usable(current, now)) {
        m_grant = std::move(current);
        return m_grant.access_token;
    }
    IMM_ASSIGN(auto fresh, refresh(m_endpoints, m_grant.refresh_token, m_login_command));
    const bool rotated =
        !fresh.refresh_token.empty() && fresh.refresh_token != m_grant.refresh_token;
    StoredGrant next = m_grant;
    next.access_token = fresh.access_token;
    next.access_expires_at = fresh.expires_at;
    next.refreshed_at = now;
    if (rotated)
        next.refresh_token = fresh.refresh_token;
    // Saved before use: with rotation the old refresh token is already dead at the server.
    IMM_TRY(save_grant(m_path, next));
    m_grant = std::move(next);
    core::log(core::LogLevel::Verbose,
              std::string("OAuth2: access token refreshed") +
                  (rotated ? ", new refresh token saved" : "") + "; valid for " +
                  std::to_string((m_grant.access_expires_at - now) / 60) + " min");
    return m_grant.access_token;
}

}  // namespace imapmirror::auth
