// imapmirror auth login|status|logout: the OAuth2 grant of an account, kept in its token store
// (auth/token_store.hpp) for `export --oauth2` (or --provider gmail|microsoft) to use.

#include <cstdio>
#include <ctime>
#include <memory>

#include "auth/loopback_login.hpp"
#include "auth/providers.hpp"
#include "auth/token_store.hpp"
#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "connect/oauth_login.hpp"
#include "core/interrupt.hpp"
#include "core/json.hpp"

namespace imapmirror::cli {

namespace {

using core::ErrorKind;

struct AuthArgs {
    AccountChoice choice;
    ConnectionArgs conn;  // user, account, provider and the OAuth2 options
    bool json = false;
};

std::string iso_time(int64_t t) {
    if (t <= 0)
        return "never";
    std::time_t tt = static_cast<std::time_t>(t);
    std::tm tm{};
    gmtime_r(&tt, &tm);
    char buf[32];
    std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%SZ", &tm);
    return buf;
}

core::Result<auth::Tokens> device_login(const auth::Endpoints& e) {
    IMM_ASSIGN(auto device, auth::start_device(e));
    std::fputs(auth::device_instructions(device).c_str(), stderr);
    return auth::poll_device(e, device);
}

core::Result<auth::Tokens> browser_login(const auth::Endpoints& e) {
    return auth::loopback_login(e, [](const auth::LoopbackPrompt& p) {
        std::fprintf(stderr,
                     "To sign in, open this address in a browser on this machine:\n\n  %s\n\n"
                     "On a server without a browser, first run on your desktop\n"
                     "  ssh -L %d:127.0.0.1:%d THIS-SERVER\n"
                     "then open the address there. Waiting for the browser (10 minutes)...\n",
                     p.url.c_str(), p.port, p.port);
        std::fflush(stderr);
    });
}

core::Result<int> run_login(const AuthArgs& a) {
    IMM_ASSIGN(const auto login, connect::login_endpoints(a.conn));
    core::install_interrupt_handler();
    IMM_ASSIGN(const auto tokens, login.flow == auth::LoginFlow::Device
                                      ? device_login(login.endpoints)
                                      : browser_login(login.endpoints));
    IMM_ASSIGN(const auto grant, connect::grant_of(a.conn, login.endpoints, tokens,
                                                   static_cast<int64_t>(std::time(nullptr))));
    const std::string path = token_store_path(a.conn);
    IMM_TRY(auth::save_grant(path, grant));
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("store").value(path).key("user").value(grant.user);
        w.key("provider").value(grant.provider).end_object();
        std::printf("%s\n", w.str().c_str());
    } else {
        std::printf(
            "Signed in as %s (%s). The grant is stored in %s;\n"
            "export with --oauth2 (or --provider) uses and refreshes it.\n",
            grant.user.c_str(), grant.provider.c_str(), path.c_str());
    }
    return kExitOk;
}

core::Result<int> run_status(const AuthArgs& a) {
    const std::string path = token_store_path(a.conn);
    auto g = auth::load_grant(path);
    if (!g) {
        if (g.error().kind == ErrorKind::NotFound && !a.json)
            std::printf("No grant stored for %s (%s)\n",
                        (a.conn.account.empty() ? a.conn.user : a.conn.account).c_str(),
                        path.c_str());
        return g.error();
    }
    const int64_t now = static_cast<int64_t>(std::time(nullptr));
    if (a.json) {
        core::JsonWriter w;
        w.begin_object();
        w.key("store").value(path);
        w.key("provider").value(g->provider);
        w.key("user").value(g->user);
        w.key("client_id").value(g->client_id);
        w.key("token_url").value(g->token_url);
        w.key("scope").value(g->scope);
        w.key("obtained").value(iso_time(g->obtained_at));
        w.key("refreshed").value(iso_time(g->refreshed_at));
        w.key("access_token_expires").value(iso_time(g->access_expires_at));
        w.key("access_token_valid").value(g->access_expires_at > now);
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return kExitOk;
    }
    std::printf(
        "Store:        %s\nProvider:     %s\nUser:         %s\nClient id:    %s\n"
        "Token URL:    %s\nScope:        %s\nLogged in:    %s\nLast refresh: %s\n"
        "Access token: %s %s\n",
        path.c_str(), g->provider.c_str(), g->user.c_str(), g->client_id.c_str(),
        g->token_url.c_str(), g->scope.c_str(), iso_time(g->obtained_at).c_str(),
        iso_time(g->refreshed_at).c_str(),
        g->access_expires_at > now ? "valid until" : "expired at",
        iso_time(g->access_expires_at).c_str());
    std::printf(
        "Refresh token: stored (its expiry is the provider's: Microsoft ~90 days unused, "
        "Google 7 days for apps in Testing)\n");
    return kExitOk;
}

core::Result<int> run_logout(const AuthArgs& a) {
    const std::string path = token_store_path(a.conn);
    IMM_ASSIGN(const bool removed, auth::remove_grant(path));
    if (a.json)
        std::printf("{\"store\":\"%s\",\"removed\":%s}\n", path.c_str(),
                    removed ? "true" : "false");
    else if (removed)
        std::printf(
            "Forgot the grant in %s. (The provider still lists the app; revoke it there "
            "to end it everywhere.)\n",
            path.c_str());
    else
        std::printf("No grant was stored in %s\n", path.c_str());
    return kExitOk;
}

// The part every auth subcommand shares: --account/--config, --user, --json.
void add_common(CLI::App& cmd, AuthArgs& a) {
    cmd.add_option("--user", a.conn.user, "The login (address) of the account")->envname(kEnvUser);
    cmd.add_flag("--json", a.json, "Machine-readable output on stdout");
    add_account_options(cmd, a.choice);
}

// Runs `body` after the account's settings are applied and --user is known.
void on_run(CLI::App* cmd, std::shared_ptr<AuthArgs> args, const GlobalArgs& global, int& exit_code,
            core::Result<int> (*body)(const AuthArgs&)) {
    cmd->callback([cmd, args, &global, &exit_code, body] {
        global.apply();
        auto run = [&]() -> core::Result<int> {
            IMM_TRY(apply_account(*cmd, args->choice));
            args->conn.account = args->choice.account;
            if (args->conn.account.empty())
                IMM_TRY(require_options(*cmd, {"--user"}));
            return body(*args);
        };
        exit_code = exit_code_or_error(run(), args->json);
    });
}

}  // namespace

void add_auth_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto* auth = app.add_subcommand(
        "auth",
        "OAuth2 for Gmail and Microsoft 365: log in once in a browser, and imapmirror keeps the "
        "grant (in $XDG_STATE_HOME/imapmirror/tokens/, mode 0600) and refreshes access tokens "
        "itself on every run");
    auth->require_subcommand(1, 1);

    auto login_args = std::make_shared<AuthArgs>();
    auto* login = auth->add_subcommand(
        "login",
        "Get a grant for an account. Microsoft: prints a URL and a code to enter on any device "
        "(device authorization, RFC 8628). Google: prints a URL to open in a browser on this "
        "machine, which redirects back to 127.0.0.1 (on a server: through `ssh -L`). The grant "
        "is stored under the account name (--account) or the address (--user).\n"
        "Example: imapmirror auth login --provider microsoft --user me@example.com "
        "--client-id 00000000-0000-0000-0000-000000000000");
    add_common(*login, *login_args);
    login
        ->add_option("--provider", login_args->conn.provider,
                     "microsoft (device code) or google (browser on 127.0.0.1; gmail means the "
                     "same); leave it out only with --oauth2-token-url and a device or "
                     "authorize URL")
        ->check(CLI::IsMember({"microsoft", "google", "gmail"}, CLI::ignore_case));
    add_oauth2_options(*login, login_args->conn.oauth);
    on_run(login, login_args, global, exit_code, run_login);

    auto status_args = std::make_shared<AuthArgs>();
    auto* status = auth->add_subcommand(
        "status",
        "What grant is stored for the account and when its access token expires "
        "(never the tokens themselves); exit 7 when none is stored");
    add_common(*status, *status_args);
    on_run(status, status_args, global, exit_code, run_status);

    auto logout_args = std::make_shared<AuthArgs>();
    auto* logout = auth->add_subcommand(
        "logout", "Forget the account's stored grant (delete its token store)");
    add_common(*logout, *logout_args);
    on_run(logout, logout_args, global, exit_code, run_logout);
}

}  // namespace imapmirror::cli
