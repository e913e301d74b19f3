#include "cli/connection_options.hpp"

#include <termios.h>
#include <unistd.h>

#include <cstdio>
#include <iostream>

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
                   "Run CMD and use the first line it prints as an OAuth2 access token (XOAUTH2)")
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
    o.connect_timeout = std::chrono::seconds(a.connect_timeout_s);

    int sources = !a.password_file.empty() + !a.password_command.empty() + !a.password_env.empty() +
                  !a.oauth2_token_command.empty();
    if (sources > 1)
        return make_error(ErrorKind::Usage,
                          "give only one of --password-file, --password-command, --password-env "
                          "and --oauth2-token-command");
    if (!a.oauth2_token_command.empty()) {
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

core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionArgs& args) {
    IMM_ASSIGN(auto options, resolve_connection(args));
    return imap::Client::connect(options);
}

}  // namespace imapmirror::cli
