#pragma once
// The connection options every command shares, and turning them into a logged-in client.

#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "transport/connect_options.hpp"

namespace imapmirror::cli {

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
    int timeout_s = 120;
    int connect_timeout_s = 30;
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

// Resolves the password (file, command, IMAPMIRROR_PASSWORD, or a prompt on a terminal) or
// the OAuth2 token, and checks option combinations; prints the --insecure warning.
core::Result<transport::ConnectOptions> resolve_connection(const ConnectionArgs& args);

// resolve_connection + imap::Client::connect.
core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionArgs& args);

}  // namespace imapmirror::cli
