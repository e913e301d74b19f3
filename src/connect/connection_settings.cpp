#include "connect/connection_settings.hpp"

#include "auth/token_store.hpp"
#include "core/secret.hpp"

namespace imapmirror::connect {

std::string token_store_path(const ConnectionSettings& settings) {
    return auth::default_store_path(settings.account.empty() ? settings.user : settings.account);
}

std::string login_command(const ConnectionSettings& settings) {
    if (!settings.account.empty())
        return "imapmirror auth login --account " + settings.account;
    std::string provider = settings.provider == "gmail" ? "google" : settings.provider;
    return "imapmirror auth login " + (provider.empty() ? "" : "--provider " + provider + " ") +
           "--user " + settings.user;
}

core::Result<std::string> client_secret(const OAuthSettings& settings) {
    if (settings.client_secret_file.empty())
        return std::string();
    return core::secret_from_file(settings.client_secret_file);
}

}  // namespace imapmirror::connect
