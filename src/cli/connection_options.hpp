#pragma once
// The connection options every command shares, and turning them into a logged-in client.

#include <functional>
#include <memory>
#include <mutex>
#include <string>

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/account_identity.hpp"
#include "transport/connect_options.hpp"

namespace imapmirror::cli {

// Where `auth login` gets a grant and a run refreshes it; each field overrides the provider's
// (auth/providers.hpp) or, at a refresh, what the token store says.
struct OAuthArgs {
    std::string client_id;
    std::string client_secret_file;
    std::string tenant;
    std::string device_url;
    std::string authorize_url;
    std::string token_url;
    std::string scope;
};

struct ConnectionArgs {
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
    OAuthArgs oauth;
};

// The environment variables that stand for connection options (CLI11 envname). A backup's
// children run without them, so that the config file decides.
inline constexpr const char* kEnvHost = "IMAPMIRROR_HOST";
inline constexpr const char* kEnvPort = "IMAPMIRROR_PORT";
inline constexpr const char* kEnvUser = "IMAPMIRROR_USER";
inline constexpr const char* kEnvAuthMech = "IMAPMIRROR_AUTH_MECH";
inline constexpr const char* kOptionEnvNames[] = {kEnvHost, kEnvPort, kEnvUser, kEnvAuthMech};

// Global flags (before or after the command name).
struct GlobalArgs {
    int verbose = 0;
    bool quiet = false;
    // Applies -v/-vv/--quiet to the logger; call at the start of each command.
    void apply() const;
};

void add_connection_options(CLI::App& cmd, ConnectionArgs& args);

// --client-id, --client-secret-file, --tenant, --oauth2-{device,authorize,token}-url,
// --oauth2-scope (group "OAuth2"): for `auth login`, and for export's refreshes.
void add_oauth2_options(CLI::App& cmd, OAuthArgs& args);

// The token store of the account `args` names (--account, else --user).
std::string token_store_path(const ConnectionArgs& args);

// The account these options log in to, as an archive records it: host, the port connected to
// (993 or 143 when --port is not given), user, and the config account name if any.
index::AccountIdentity account_identity(const ConnectionArgs& args);

// "imapmirror auth login --account NAME" or "... --provider P --user U": what to run again.
std::string login_command(const ConnectionArgs& args);

// The client secret from --client-secret-file (first line; warns when others can read it),
// or "" when none is given.
core::Result<std::string> client_secret(const OAuthArgs& args);

// Opens logged-in clients for one command, from any thread: the password is resolved once (a
// reconnect never prompts again); --oauth2-token-command runs again for each later connection;
// with --oauth2 each connection gets an access token from the stored grant, refreshed when it
// expires within 5 minutes (auth::TokenSource: one refresh at a time, a rotated refresh token
// saved at once), and once more if the server refuses it.
class Connector {
  public:
    static core::Result<std::unique_ptr<Connector>> make(const ConnectionArgs& args);
    core::Result<std::unique_ptr<imap::Client>> connect();

  private:
    struct State;
    explicit Connector(std::shared_ptr<State> state) : m_state(std::move(state)) {}
    std::shared_ptr<State> m_state;
};

// Resolves the password (file, command, IMAPMIRROR_PASSWORD, or a prompt on a terminal) or
// the OAuth2 token, and checks option combinations; prints the --insecure warning.
core::Result<transport::ConnectOptions> resolve_connection(const ConnectionArgs& args);

// Connector::make + connect, once.
core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionArgs& args);

}  // namespace imapmirror::cli
