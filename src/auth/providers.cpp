#include "auth/providers.hpp"

namespace imapmirror::auth {

namespace {

// Microsoft: learn.microsoft.com/entra/identity-platform/v2-oauth2-device-code and
// learn.microsoft.com/exchange/client-developer/legacy-protocols/how-to-authenticate-an-imap-pop-smtp-application-by-using-oauth
// (scope, tenants). Google: developers.google.com/identity/protocols/oauth2/native-app
// (loopback + PKCE; the device flow does not allow https://mail.google.com/).
constexpr OAuthProvider kProviders[] = {
    {"microsoft", LoginFlow::Device,
     "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/devicecode",
     "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/authorize",
     "https://login.microsoftonline.com/{tenant}/oauth2/v2.0/token",
     "https://outlook.office.com/IMAP.AccessAsUser.All offline_access", "organizations", false},
    {"google", LoginFlow::Loopback, "", "https://accounts.google.com/o/oauth2/v2/auth",
     "https://oauth2.googleapis.com/token", "https://mail.google.com/", "", true},
};

std::string with_tenant(std::string_view url, const std::string& tenant) {
    std::string s(url);
    if (auto at = s.find("{tenant}"); at != std::string::npos)
        s.replace(at, 8, tenant);
    return s;
}

}  // namespace

const OAuthProvider* find_oauth_provider(std::string_view name) {
    for (const auto& p : kProviders)
        if (p.name == name)
            return &p;
    return nullptr;
}

std::vector<std::string> oauth_provider_names() {
    std::vector<std::string> names;
    for (const auto& p : kProviders)
        names.emplace_back(p.name);
    return names;
}

Endpoints endpoints_of(const OAuthProvider& p, const std::string& tenant) {
    const std::string t = tenant.empty() ? std::string(p.default_tenant) : tenant;
    Endpoints e;
    e.device_url = with_tenant(p.device_url, t);
    e.authorize_url = with_tenant(p.authorize_url, t);
    e.token_url = with_tenant(p.token_url, t);
    e.scope = std::string(p.scope);
    return e;
}

}  // namespace imapmirror::auth
