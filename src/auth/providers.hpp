#pragma once
// The OAuth2 providers `auth login` knows: their endpoints, IMAP scope and login flow, as
// data (one table in providers.cpp). Every value can be overridden by an option.

#include <string>
#include <string_view>
#include <vector>

#include "auth/oauth_client.hpp"

namespace imapmirror::auth {

enum class LoginFlow {
    Device,    // RFC 8628: print a URL and a code, poll (Microsoft)
    Loopback,  // RFC 8252 §7.3 + PKCE: a browser redirects to 127.0.0.1 (Google)
};

struct OAuthProvider {
    std::string_view name;  // as in --provider
    LoginFlow flow;
    // `{tenant}` is replaced by the tenant (Microsoft); empty: not offered by the provider.
    std::string_view device_url;
    std::string_view authorize_url;
    std::string_view token_url;
    std::string_view scope;
    std::string_view default_tenant;  // "" when the provider has no tenants
    bool needs_client_secret;         // Google's "Desktop" clients have a (non-secret) secret
};

// nullptr for an unknown name.
const OAuthProvider* find_oauth_provider(std::string_view name);
std::vector<std::string> oauth_provider_names();

// The provider's endpoints for `tenant` (its default when empty).
Endpoints endpoints_of(const OAuthProvider& provider, const std::string& tenant);

}  // namespace imapmirror::auth
