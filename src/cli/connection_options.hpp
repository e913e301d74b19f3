#pragma once
// The connection options every command shares, bound to connect::ConnectionSettings, and the
// terminal prompt a connection asks for a password with.

#include <functional>
#include <memory>
#include <string>

#include <CLI/CLI.hpp>

#include "connect/connector.hpp"
#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/account_identity.hpp"

namespace imapmirror::cli {

// The settings are connect's (plain data); these names are what the commands bind options to.
using OAuthArgs = connect::OAuthSettings;
using ConnectionArgs = connect::ConnectionSettings;
using connect::client_secret;
using connect::login_command;
using connect::token_store_path;

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

// The account these options log in to, as an archive records it: host, the port connected to
// (993 or 143 when --port is not given), user, and the config account name if any.
index::AccountIdentity account_identity(const ConnectionArgs& args);

// The terminal's password prompt (echo off) when stdin and stderr are terminals, else none.
connect::PasswordPrompt terminal_prompt();

// connect::connect_client with terminal_prompt(); a run's connect function is
// connect::lazy_connector(args, terminal_prompt()).
core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionArgs& args);

}  // namespace imapmirror::cli
