#include "cli/connection_options.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "auth/token_source.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"

namespace imapmirror::cli {

using core::ErrorKind;
using core::make_error;

void GlobalArgs::apply() const {
    if (quiet)
        core::set_log_level(core::LogLevel::Quiet);
    else if (verbose >= 2)
        core::set_log_level(core::LogLevel::Trace);
    else if (verbose == 1)
        core::set_log_level(core::LogLevel::Verbose);
    else
        core::set_log_level(core::LogLevel::Normal);
}

void add_connection_options(CLI::App& cmd, ConnectionArgs& a) {
    const char* g = "Connection";
    cmd.add_option("--host", a.host, "IMAP server host name or address [env: IMAPMIRROR_HOST]")
        ->envname(kEnvHost)
        ->required()
        ->group(g);
    cmd.add_option("--port", a.port, "Port (default: 993 with --tls implicit, else 143)")
        ->envname(kEnvPort)
        ->group(g);
    cmd.add_option("--user", a.user, "Login name [env: IMAPMIRROR_USER]")
        ->envname(kEnvUser)
        ->required()
        ->group(g);
    cmd.add_option("--tls", a.tls,
                   "implicit: TLS from the start (993); starttls: upgrade a plain connection and "
                   "refuse to go on without it (143); none: no encryption (trusted networks only)")
        ->check(CLI::IsMember({"implicit", "starttls", "none"}))
        ->capture_default_str()
        ->group(g);
    cmd.add_option("--ca-file", a.ca_file, "PEM file of CA certificates to trust for this server")
        ->check(CLI::ExistingFile)
        ->group(g);
    cmd.add_flag("--insecure", a.insecure,
                 "Do not verify the server's TLS certificate (unsafe: anyone on the path can read "
                 "your mail and password)")
        ->group(g);
    cmd.add_option("--password-file", a.password_file,
                   "Read the password from the first line of FILE (chmod 600 it)")
        ->group(g);
    cmd.add_option("--password-command", a.password_command,
                   "Run CMD with /bin/sh and use the first line it prints as the password "
                   "(e.g. \"pass show mail/imap\")")
        ->group(g);
    cmd.add_option("--password-env", a.password_env,
                   "Take the password from environment variable NAME (e.g. for one account of "
                   "several in the config file; IMAPMIRROR_PASSWORD is the default)")
        ->group(g);
    cmd.add_option("--oauth2-token-command", a.oauth2_token_command,
                   "Run CMD and use the first line it prints as an OAuth2 access token (for "
                   "external helpers such as pizauth or oama; run again for each reconnect)")
        ->group(g);
    cmd.add_flag("--oauth2", a.oauth2,
                 "Log in with the OAuth2 grant `imapmirror auth login` stored for this account "
                 "(--account NAME, else --user): each connection gets an access token, "
                 "refreshed when it is about to expire")
        ->group(g);
    cmd.add_option("--sasl", a.sasl,
                   "SASL mechanism for an OAuth2 login. auto: OAUTHBEARER (RFC 7628) if the "
                   "server offers it, else XOAUTH2 (Gmail and Microsoft 365 accept XOAUTH2)")
        ->transform(CLI::IsMember({"auto", "xoauth2", "oauthbearer"}, CLI::ignore_case))
        ->capture_default_str()
        ->group(g);
    cmd.add_option("--auth-mech", a.auth_mech,
                   "SASL mechanism for a password login. auto: PLAIN if the server offers it, "
                   "else LOGIN, else what libcurl picks (it prefers CRAM-MD5 and DIGEST-MD5, "
                   "which fail where the server keeps only password hashes)")
        ->envname(kEnvAuthMech)
        ->transform(
            CLI::IsMember({"auto", "plain", "login", "cram-md5", "digest-md5"}, CLI::ignore_case))
        ->capture_default_str()
        ->group(g);
    cmd.add_option("--timeout", a.timeout_s, "Seconds of server silence before giving up")
        ->check(CLI::Range(1, 86400))
        ->capture_default_str()
        ->group(g);
    cmd.add_option("--connect-timeout", a.connect_timeout_s, "Seconds to wait for the connection")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str()
        ->group(g);
}

void add_oauth2_options(CLI::App& cmd, OAuthArgs& a) {
    const char* g = "OAuth2 (auth login; export refreshes with them)";
    cmd.add_option("--client-id", a.client_id,
                   "The OAuth2 client (application) id of the app you registered with the "
                   "provider (man imapmirror: auth, registering an app)")
        ->group(g);
    cmd.add_option("--client-secret-file", a.client_secret_file,
                   "First line: the client secret, where the provider issues one (Google's "
                   "Desktop clients); chmod 600 it")
        ->group(g);
    cmd.add_option("--tenant", a.tenant,
                   "Microsoft tenant: organizations (work or school, default), consumers "
                   "(outlook.com) or the directory id; `common` may pick a directory without "
                   "your mailbox")
        ->group(g);
    cmd.add_option("--oauth2-device-url", a.device_url,
                   "Device authorization endpoint (RFC 8628), instead of the provider's")
        ->group(g);
    cmd.add_option("--oauth2-authorize-url", a.authorize_url,
                   "Authorization endpoint for the browser login, instead of the provider's")
        ->group(g);
    cmd.add_option("--oauth2-token-url", a.token_url, "Token endpoint, instead of the provider's")
        ->group(g);
    cmd.add_option("--oauth2-scope", a.scope, "Scope to ask for, instead of the provider's")
        ->group(g);
}

std::string token_store_path(const ConnectionArgs& args) {
    return auth::default_store_path(args.account.empty() ? args.user : args.account);
}

index::AccountIdentity account_identity(const ConnectionArgs& args) {
    transport::ConnectOptions o;
    o.port = args.port;
    o.tls = args.tls == "implicit" ? transport::TlsMode::Implicit : transport::TlsMode::StartTls;
    return index::AccountIdentity{args.host, o.effective_port(), args.user, args.account};
}

std::string login_command(const ConnectionArgs& args) {
    if (!args.account.empty())
        return "imapmirror auth login --account " + args.account;
    std::string provider = args.provider == "gmail" ? "google" : args.provider;
    return "imapmirror auth login " + (provider.empty() ? "" : "--provider " + provider + " ") +
           "--user " + args.user;
}

core::Result<std::string> client_secret(const OAuthArgs& args) {
    if (args.client_secret_file.empty())
        return std::string();
    return core::secret_from_file(args.client_secret_file);
}

namespace {
core::Result<std::string> prompt_password(const std::string& user, const std::string& host) {
    std::fprintf(stderr, "Password for %s at %s: ", user.c_str(), host.c_str());
    std::fflush(stderr);
    termios old{};
    bool restore = tcgetattr(STDIN_FILENO, &old) == 0;
    if (restore) {
        termios quiet = old;
        quiet.c_lflag &= ~static_cast<tcflag_t>(ECHO);
        tcsetattr(STDIN_FILENO, TCSANOW, &quiet);
    }
    std::string line;
    std::getline(std::cin, line);
    if (restore)
        tcsetattr(STDIN_FILENO, TCSANOW, &old);
    std::fprintf(stderr, "\n");
    if (line.empty())
        return make_error(ErrorKind::Usage, "no password entered");
    return line;
}

bool is_loopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}
}  // namespace

core::Result<transport::ConnectOptions> resolve_connection(const ConnectionArgs& a) {
    transport::ConnectOptions o;
    o.host = a.host;
    o.port = a.port;
    o.user = a.user;
    o.tls = a.tls == "starttls" ? transport::TlsMode::StartTls
            : a.tls == "none"   ? transport::TlsMode::None
                                : transport::TlsMode::Implicit;
    o.ca_file = a.ca_file;
    o.insecure = a.insecure;
    o.io_timeout = std::chrono::seconds(a.timeout_s);
    o.auth_mech = a.auth_mech;
    o.oauth2_mech = a.sasl;
    o.connect_timeout = std::chrono::seconds(a.connect_timeout_s);

    int sources = !a.password_file.empty() + !a.password_command.empty() + !a.password_env.empty() +
                  !a.oauth2_token_command.empty() + a.oauth2;
    if (sources > 1)
        return make_error(ErrorKind::Usage,
                          "give only one of --password-file, --password-command, --password-env, "
                          "--oauth2-token-command and --oauth2");
    if (a.oauth2) {
        // The token comes from the grant, for each connection (Connector).
    } else if (!a.oauth2_token_command.empty()) {
        IMM_ASSIGN(o.oauth2_token, core::secret_from_command(a.oauth2_token_command));
    } else if (!a.password_file.empty()) {
        IMM_ASSIGN(o.password, core::secret_from_file(a.password_file));
    } else if (!a.password_command.empty()) {
        IMM_ASSIGN(o.password, core::secret_from_command(a.password_command));
    } else if (!a.password_env.empty()) {
        auto value = core::secret_from_env(a.password_env.c_str());
        if (!value || value->empty()) {
            auto e = make_error(ErrorKind::Usage, "the environment variable " + a.password_env +
                                                      " named by --password-env is " +
                                                      (value ? "empty" : "not set"));
            e.hint =
                "set it where imapmirror runs (a systemd unit's Environment= or "
                "EnvironmentFile=, or the cron line)";
            return e;
        }
        o.password = *value;
    } else if (auto env = core::secret_from_env("IMAPMIRROR_PASSWORD")) {
        o.password = *env;
    } else if (auto token = core::secret_from_env("IMAPMIRROR_OAUTH2_TOKEN")) {
        o.oauth2_token = *token;
    } else if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO)) {
        IMM_ASSIGN(o.password, prompt_password(a.user, a.host));
    } else {
        auto e = make_error(ErrorKind::Usage, "no password given");
        e.hint =
            "use --password-file FILE, --password-command CMD, or set IMAPMIRROR_PASSWORD "
            "(passwords are never taken from the command line)";
        return e;
    }
    if (o.insecure && o.tls != transport::TlsMode::None)
        core::warn(
            "--insecure: the server's TLS certificate is NOT verified; anyone on the "
            "network path can read your mail and password");
    if (o.tls == transport::TlsMode::None && !is_loopback(o.host))
        core::warn("--tls none: your password and mail cross the network unencrypted");
    return o;
}

struct Connector::State {
    ConnectionArgs args;
    std::mutex mutex;
    transport::ConnectOptions resolved;  // the password, or the first command token
    bool first = true;
    std::unique_ptr<auth::TokenSource> tokens;
};

core::Result<std::unique_ptr<Connector>> Connector::make(const ConnectionArgs& args) {
    auto state = std::make_shared<State>();
    state->args = args;
    IMM_ASSIGN(state->resolved, resolve_connection(args));
    if (args.oauth2) {
        auth::Endpoints overrides;
        overrides.token_url = args.oauth.token_url;
        overrides.client_id = args.oauth.client_id;
        overrides.scope = args.oauth.scope;
        IMM_ASSIGN(overrides.client_secret, client_secret(args.oauth));
        IMM_ASSIGN(state->tokens,
                   auth::TokenSource::open(token_store_path(args), overrides, login_command(args)));
    }
    return std::unique_ptr<Connector>(new Connector(std::move(state)));
}

core::Result<std::unique_ptr<imap::Client>> Connector::connect() {
    State& s = *m_state;
    transport::ConnectOptions options;
    {
        std::lock_guard lock(s.mutex);
        // Access tokens expire (Microsoft's after about an hour): a later connection asks the
        // command again. A password is never asked for twice.
        if (!s.first && !s.args.oauth2_token_command.empty()) {
            IMM_ASSIGN(s.resolved.oauth2_token,
                       core::secret_from_command(s.args.oauth2_token_command));
        }
        s.first = false;
        options = s.resolved;
    }
    if (!s.tokens)
        return imap::Client::connect(options);
    IMM_ASSIGN(options.oauth2_token, s.tokens->access_token());
    auto client = imap::Client::connect(options);
    if (client || client.error().kind != core::ErrorKind::Auth || client.error().retryable)
        return client;
    // Refused although it looked valid (revoked early, clocks apart): one fresh token.
    core::log(core::LogLevel::Verbose, "OAuth2: the server refused the access token; refreshing");
    s.tokens->invalidate();
    IMM_ASSIGN(options.oauth2_token, s.tokens->access_token());
    return imap::Client::connect(options);
}

core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionArgs& args) {
    IMM_ASSIGN(auto connector, Connector::make(args));
    return connector->connect();
}

}  // namespace imapmirror::cli
