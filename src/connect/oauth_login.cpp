#include "connect/oauth_login.hpp"

#include "connect/provider_presets.hpp"

namespace imapmirror::connect {

using core::ErrorKind;
using core::make_error;

std::string oauth_provider_name(const std::string& provider) {
    if (const auto* preset = find_preset(provider))
        return std::string(preset->oauth_provider);
    return provider;
}

core::Result<LoginEndpoints> login_endpoints(const ConnectionSettings& settings) {
    const OAuthSettings& o = settings.oauth;
    LoginEndpoints out;
    auth::Endpoints& e = out.endpoints;
    out.flow = o.device_url.empty() ? auth::LoginFlow::Loopback : auth::LoginFlow::Device;
    if (!settings.provider.empty()) {
        const auth::OAuthProvider* p =
            auth::find_oauth_provider(oauth_provider_name(settings.provider));
        if (!p) {
            auto err = make_error(ErrorKind::Usage,
                                  "--provider " + settings.provider + " does not use OAuth2",
                                  core::Scope::Run);
            err.hint =
                "auth login knows microsoft and google (gmail); for others use an app "
                "password with --password-file";
            return err;
        }
        e = auth::endpoints_of(*p, o.tenant);
        out.flow = p->flow;
    } else if (o.token_url.empty() || (o.device_url.empty() && o.authorize_url.empty())) {
        auto err = make_error(ErrorKind::Usage, "--provider is required", core::Scope::Run);
        err.hint =
            "--provider microsoft or google, or give --oauth2-token-url with "
            "--oauth2-device-url or --oauth2-authorize-url";
        return err;
    }
    auto replace = [](std::string& field, const std::string& given) {
        if (!given.empty())
            field = given;
    };
    replace(e.device_url, o.device_url);
    replace(e.authorize_url, o.authorize_url);
    replace(e.token_url, o.token_url);
    replace(e.scope, o.scope);
    // A device URL given for a loopback provider (tests, other servers) switches the flow.
    if (!o.device_url.empty())
        out.flow = auth::LoginFlow::Device;
    e.client_id = o.client_id;
    if (e.client_id.empty()) {
        auto err = make_error(ErrorKind::Usage, "--client-id is required", core::Scope::Run);
        err.hint =
            "register an app with the provider (man imapmirror: auth, registering an app) and "
            "give its client id with --client-id or client_id in the config";
        return err;
    }
    IMM_ASSIGN(e.client_secret, client_secret(o));
    return out;
}

core::Result<auth::StoredGrant> grant_of(const ConnectionSettings& settings,
                                         const auth::Endpoints& endpoints,
                                         const auth::Tokens& tokens, int64_t now) {
    if (tokens.refresh_token.empty()) {
        auto e = make_error(ErrorKind::Auth,
                            "the provider gave no refresh token, so the grant cannot be kept",
                            core::Scope::Run);
        e.hint =
            "the scope needs offline_access (Microsoft); for Google remove the app's "
            "access at myaccount.google.com/permissions and log in again";
        return e;
    }
    auth::StoredGrant g;
    g.provider = settings.provider.empty() ? "custom" : oauth_provider_name(settings.provider);
    g.user = settings.user;
    g.client_id = endpoints.client_id;
    g.token_url = endpoints.token_url;
    g.scope = endpoints.scope;
    g.refresh_token = tokens.refresh_token;
    g.access_token = tokens.access_token;
    g.access_expires_at = tokens.expires_at;
    g.obtained_at = now;
    return g;
}

}  // namespace imapmirror::connect
