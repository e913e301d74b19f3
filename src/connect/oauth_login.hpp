#pragma once
// What `auth login` decides from an account's settings before and after the provider is
// asked: the endpoints and the flow (a --provider's, each OAuth2 option replacing its value),
// and the grant kept from the tokens it gave. The prompts on the terminal are the caller's.

#include <cstdint>
#include <string>

#include "auth/oauth_client.hpp"
#include "auth/providers.hpp"
#include "auth/token_store.hpp"
#include "connect/connection_settings.hpp"
#include "core/error.hpp"

namespace imapmirror::connect {

// The OAuth2 provider a --provider names: a preset's ("gmail" -> "google"), else the name as
// given.
std::string oauth_provider_name(const std::string& provider);

struct LoginEndpoints {
    auth::Endpoints endpoints;  // client id and secret included
    auth::LoginFlow flow = auth::LoginFlow::Loopback;
};

// The provider's endpoints and flow with every option given replacing its value; a device URL
// given makes it the device flow. Without a provider, --oauth2-token-url and a device or
// authorize URL are needed. Usage errors (each with a hint): a provider that does not use
// OAuth2, neither a provider nor those URLs, no client id; an Io or Usage error reading the
// client secret file.
core::Result<LoginEndpoints> login_endpoints(const ConnectionSettings& settings);

// The grant to store for `settings`' user after a login at `now` (Unix seconds) gave `tokens`.
// An Auth error when the provider gave no refresh token: the grant could not be kept.
core::Result<auth::StoredGrant> grant_of(const ConnectionSettings& settings,
                                         const auth::Endpoints& endpoints,
                                         const auth::Tokens& tokens, int64_t now);

}  // namespace imapmirror::connect
