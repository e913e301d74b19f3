#pragma once
// Turning ConnectionSettings into logged-in clients: the secret resolved (file, command,
// environment, or the caller's prompt), OAuth2 access tokens from the stored grant.

#include <functional>
#include <memory>
#include <string>

#include "connect/connection_settings.hpp"
#include "core/error.hpp"
#include "imap/client.hpp"
#include "transport/connect_options.hpp"

namespace imapmirror::connect {

// Asks a person for the password of `user` at `host`; the caller decides how (cli: the
// terminal, echo off). An empty function: nobody to ask, so no secret is a Usage error.
using PasswordPrompt =
    std::function<core::Result<std::string>(const std::string& user, const std::string& host)>;

// Resolves the password (file, command, IMAPMIRROR_PASSWORD, or `prompt`) or the OAuth2 token,
// and checks option combinations (Usage errors); warns about --insecure and --tls none.
core::Result<transport::ConnectOptions> resolve_connection(const ConnectionSettings& settings,
                                                           const PasswordPrompt& prompt);

// Opens logged-in clients for one command, from any thread: the password is resolved once (a
// reconnect never prompts again); --oauth2-token-command runs again for each later connection;
// with --oauth2 each connection gets an access token from the stored grant, refreshed when it
// expires within 5 minutes (auth::TokenSource: one refresh at a time, a rotated refresh token
// saved at once), and once more if the server refuses it.
class Connector {
  public:
    static core::Result<std::unique_ptr<Connector>> make(const ConnectionSettings& settings,
                                                         const PasswordPrompt& prompt);
    core::Result<std::unique_ptr<imap::Client>> connect();

  private:
    struct State;
    explicit Connector(std::shared_ptr<State> state) : m_state(std::move(state)) {}
    std::shared_ptr<State> m_state;
};

// A run's connect function (what sync::ConnectFn takes): the Connector is made at the first
// call, not before (so that a password command that fails, or a prompt, comes when the run
// first connects: after the archive is locked), and shared by every later call, from any
// thread. A call whose Connector::make fails returns that error; the next call tries again.
std::function<core::Result<std::unique_ptr<imap::Client>>()> lazy_connector(
    ConnectionSettings settings, PasswordPrompt prompt);

// Connector::make + connect, once.
core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionSettings& settings,
                                                           const PasswordPrompt& prompt);

}  // namespace imapmirror::connect
