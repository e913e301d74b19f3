#include "connect/connector.hpp"

#include <mutex>

#include "auth/token_source.hpp"
#include "core/log.hpp"
#include "core/secret.hpp"

namespace imapmirror::connect {

using core::ErrorKind;
using core::make_error;

namespace {
bool is_loopback(const std::string& host) {
    return host == "localhost" || host.rfind("127.", 0) == 0 || host == "::1";
}
}  // namespace

core::Result<transport::ConnectOptions> resolve_connection(const ConnectionSettings& a,
                                                           const PasswordPrompt& prompt) {
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
    } else if (prompt) {
        IMM_ASSIGN(o.password, prompt(a.user, a.host));
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
    ConnectionSettings settings;
    std::mutex mutex;
    transport::ConnectOptions resolved;  // the password, or the first command token
    bool first = true;
    std::unique_ptr<auth::TokenSource> tokens;
};

core::Result<std::unique_ptr<Connector>> Connector::make(const ConnectionSettings& settings,
                                                         const PasswordPrompt& prompt) {
    auto state = std::make_shared<State>();
    state->settings = settings;
    IMM_ASSIGN(state->resolved, resolve_connection(settings, prompt));
    if (settings.oauth2) {
        auth::Endpoints overrides;
        overrides.token_url = settings.oauth.token_url;
        overrides.client_id = settings.oauth.client_id;
        overrides.scope = settings.oauth.scope;
        IMM_ASSIGN(overrides.client_secret, client_secret(settings.oauth));
        IMM_ASSIGN(state->tokens, auth::TokenSource::open(token_store_path(settings), overrides,
                                                          login_command(settings)));
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
        if (!s.first && !s.settings.oauth2_token_command.empty()) {
            IMM_ASSIGN(s.resolved.oauth2_token,
                       core::secret_from_command(s.settings.oauth2_token_command));
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

core::Result<std::unique_ptr<imap::Client>> connect_client(const ConnectionSettings& settings,
                                                           const PasswordPrompt& prompt) {
    IMM_ASSIGN(auto connector, Connector::make(settings, prompt));
    return connector->connect();
}

std::function<core::Result<std::unique_ptr<imap::Client>>()> lazy_connector(
    ConnectionSettings settings, PasswordPrompt prompt) {
    struct Lazy {
        ConnectionSettings settings;
        PasswordPrompt prompt;
        std::mutex mutex;
        std::unique_ptr<Connector> connector;
    };
    // Shared by the copies of the function a run makes (std::function copies its target).
    auto lazy = std::make_shared<Lazy>();
    lazy->settings = std::move(settings);
    lazy->prompt = std::move(prompt);
    return [lazy]() -> core::Result<std::unique_ptr<imap::Client>> {
        Connector* c = nullptr;
        {
            std::lock_guard<std::mutex> lock(lazy->mutex);
            if (!lazy->connector) {
                IMM_ASSIGN(lazy->connector, Connector::make(lazy->settings, lazy->prompt));
            }
            c = lazy->connector.get();
        }
        return c->connect();  // Connector is thread-safe
    };
}

}  // namespace imapmirror::connect
