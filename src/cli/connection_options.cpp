#include "cli/connection_options.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

#include "core/log.hpp"

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
        ->type_name("FILE")
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
        ->type_name("FILE")
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

index::AccountIdentity account_identity(const ConnectionArgs& args) {
    transport::ConnectOptions o;
    o.port = args.port;
    o.tls = args.tls == "implicit" ? transport::TlsMode::Implicit : transport::TlsMode::StartTls;
    return index::AccountIdentity{args.host, o.effective_port(), args.user, args.account};
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

}  // namespace

connect::PasswordPrompt terminal_prompt() {
    if (isatty(STDIN_FILENO) && isatty(STDERR_FILENO))
        return prompt_password;
    return {};
}

core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionArgs& args) {
    return connect::connect_client(args, terminal_prompt());
}

}  // namespace imapmirror::cli
