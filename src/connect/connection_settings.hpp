#pragma once
// What a command connects with, as plain data (no command-line library): the server, the
// login, the secret's source and OAuth2's endpoints. `cli` fills it from options, the config
// file and --provider; `Connector` (connector.hpp) turns it into logged-in clients.

#include <cstdint>
#include <string>

#include "core/error.hpp"

namespace imapmirror::connect {

// Where `auth login` gets a grant and a run refreshes it; each field overrides the provider's
// (auth/providers.hpp) or, at a refresh, what the token store says.
struct OAuthSettings {
    std::string client_id;
    std::string client_secret_file;
    std::string tenant;
    std::string device_url;
    std::string authorize_url;
    std::string token_url;
    std::string scope;
};

struct ConnectionSettings {
    std::string host;
    uint16_t port = 0;
    std::string user;
    std::string tls = "implicit";
    std::string ca_file;
    bool insecure = false;
    std::string password_file;
    std::string password_command;
    std::string password_env;  // the name of an environment variable holding the password
    std::string oauth2_token_command;
    std::string auth_mech = "auto";
    bool oauth2 = false;        // log in with the grant `auth login` stored
    std::string sasl = "auto";  // OAuth2 mechanism: auto, xoauth2, oauthbearer
    int timeout_s = 120;
    int connect_timeout_s = 30;
    // Set by commands that have them (export): the token store is named after the account
    // (else the user), and the provider goes into the "run auth login again" line.
    std::string account;
    std::string provider;
    OAuthSettings oauth;
};

// The token store of the account `settings` names (account, else user).
std::string token_store_path(const ConnectionSettings& settings);

// "imapmirror auth login --account NAME" or "... --provider P --user U": what to run again.
std::string login_command(const ConnectionSettings& settings);

// The client secret from client_secret_file (first line; warns when others can read it), or
// "" when none is given.
core::Result<std::string> client_secret(const OAuthSettings& settings);

}  // namespace imapmirror::connect
