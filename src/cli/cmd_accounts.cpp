// imapmirror accounts: the accounts of the config file and the last run of each, read from its
// archive's `runs` table, with the ones that need a look marked.

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/config_file.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "index/account_identity.hpp"
#include "index/run_history.hpp"
#include "store/mirror_layout.hpp"

namespace imapmirror::cli {

namespace {

struct AccountsArgs {
    AccountChoice choice;  // only its config is used
    int stale_days = 7;
    bool json = false;
};

struct AccountStatus {
    const Account* account = nullptr;
    std::string out;
    std::optional<index::RunHistory> history;  // empty: no archive yet, or unreadable
    std::string error;                         // why the archive could not be read
    bool never = false;                        // no archive index at `out`
    bool stale = false;                        // no successful run within stale_days
    std::optional<int64_t> success_age_days;
    std::optional<index::AccountIdentity> identity;  // the account the archive records
    bool foreign = false;  // ... which is not the one the config names: exports are refused
};

// The account the config's settings log in to, as an archive records it; empty host when a
// --provider preset supplies it (then it is not compared).
index::AccountIdentity configured_identity(const Config& config, const Account& account) {
    ConnectionArgs c;
    c.host = config.value_of(account, "host");
    c.user = config.value_of(account, "user");
    if (auto tls = config.value_of(account, "tls"); !tls.empty())
        c.tls = tls;
    if (auto port = config.value_of(account, "port"); !port.empty())
        c.port = static_cast<uint16_t>(std::strtoul(port.c_str(), nullptr, 10));
    c.account = account.name;
    return account_identity(c);
}

// "2024-01-03T10:00:00Z" -> Unix time; nullopt for anything else.
std::optional<int64_t> parse_iso8601(const std::string& iso) {
    std::tm tm{};
    const char* end = strptime(iso.c_str(), "%Y-%m-%dT%H:%M:%SZ", &tm);
    if (!end || *end)
        return std::nullopt;
    return static_cast<int64_t>(timegm(&tm));
}

AccountStatus status_of(const Config& config, const Account& account, int stale_days) {
    AccountStatus s;
    s.account = &account;
    s.out = config.value_of(account, "out");
    if (s.out.empty()) {
        s.error = "no `out` directory in the config";
        s.stale = true;
        return s;
    }
    auto history = index::read_run_history(s.out + "/" + store::kIndexFileName);
    if (!history) {
        if (history.error().kind == core::ErrorKind::NotFound)
            s.never = true;
        else
            s.error = history.error().describe();
        s.stale = true;
        return s;
    }
    s.history = std::move(*history);
    if (auto identity = index::read_account_identity(s.out + "/" + store::kIndexFileName)) {
        s.identity = std::move(*identity);
        const auto configured = configured_identity(config, account);
        s.foreign =
            s.identity && !configured.host.empty() && !index::same_account(*s.identity, configured);
    }
    if (s.history->last_success)
        if (auto when = parse_iso8601(s.history->last_success->finished_at))
            s.success_age_days = (static_cast<int64_t>(std::time(nullptr)) - *when) / 86400;
    s.stale = !s.success_age_days || *s.success_age_days >= stale_days;
    return s;
}

std::string when(const std::string& iso) {
    auto t = parse_iso8601(iso);
    return t ? local_time(*t) : iso;
}

std::string result_of(const index::RunRecord& run) {
    if (run.finished_at.empty() || !run.exit_code)
        return "unfinished";
    if (*run.exit_code == kExitOk)
        return "ok";
    if (*run.exit_code == kExitPartial)
        return "partial (exit 10)";
    if (*run.exit_code == kExitNothingSelected)
        return "no folder selected (exit 12)";
    return "failed (exit " + std::to_string(*run.exit_code) + ")";
}

// What a person should notice, or "".
std::string attention(const AccountStatus& s) {
    if (!s.error.empty())
        return "! " + s.error;
    if (s.foreign)
        return "! the archive is " + index::describe(*s.identity) +
               "'s, not this account's: exports are refused";
    if (s.never)
        return "! never backed up";
    if (!s.success_age_days)
        return "! no complete backup yet";
    if (s.stale)
        return "! last complete backup " + std::to_string(*s.success_age_days) + " days ago";
    return "";
}

void print_table(const std::vector<AccountStatus>& statuses) {
    std::vector<std::vector<std::string>> rows = {
        {"ACCOUNT", "ARCHIVE OF", "LAST RUN", "RESULT", "NEW", "ARCHIVED", "LAST SUCCESS", ""}};
    for (const auto& s : statuses) {
        const auto* last = s.history && s.history->last ? &*s.history->last : nullptr;
        const auto* success =
            s.history && s.history->last_success ? &*s.history->last_success : nullptr;
        std::string of = "-";
        if (s.identity)
            of = index::describe(
                index::AccountIdentity{s.identity->host, s.identity->port, s.identity->user, ""});
        rows.push_back({printable(s.account->name), of, last ? when(last->started_at) : "never",
                        last ? result_of(*last) : "-",
                        last && last->messages ? std::to_string(*last->messages) : "-",
                        s.history ? std::to_string(s.history->messages) : "-",
                        success ? when(success->finished_at) : "never", printable(attention(s))});
    }
    std::fputs(format_table(rows, {false, false, false, false, true, true, false, false}).c_str(),
               stdout);
}

void write_run(core::JsonWriter& w, const char* key, const index::RunRecord* run) {
    w.key(key);
    if (!run) {
        w.null();
        return;
    }
    w.begin_object();
    w.key("started_at").value(run->started_at);
    w.key("finished_at").text_or_null(run->finished_at);
    w.key("messages").value(run->messages);
    w.key("bytes").value(run->bytes);
    w.key("errors").value(run->errors);
    w.key("exit_code").value(run->exit_code);
    w.end_object();
}

void print_json(const Config& config, int stale_days, const std::vector<AccountStatus>& list) {
    core::JsonWriter w;
    w.begin_object();
    w.key("config").value(config.path);
    w.key("stale_days").value(stale_days);
    w.key("accounts").begin_array();
    for (const auto& s : list) {
        w.begin_object();
        w.key("account").value(s.account->name);
        w.key("host").value(config.value_of(*s.account, "host"));
        w.key("user").value(config.value_of(*s.account, "user"));
        w.key("out").value(s.out);
        write_identity(w, "identity", s.identity);
        w.key("identity_mismatch").value(s.foreign);
        if (s.history) {
            w.key("runs").value(s.history->runs);
            w.key("archived_messages").value(s.history->messages);
        } else {
            w.key("runs").value(0);
            w.key("archived_messages").null();
        }
        write_run(w, "last_run", s.history && s.history->last ? &*s.history->last : nullptr);
        write_run(w, "last_success",
                  s.history && s.history->last_success ? &*s.history->last_success : nullptr);
        w.key("never_backed_up").value(s.never);
        w.key("stale").value(s.stale);
        w.key("error").text_or_null(s.error);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    std::printf("%s\n", w.str().c_str());
}

int run_accounts_command(const AccountsArgs& a) {
    auto config = load_config(config_path(a.choice));
    if (!config)
        return report_error(config.error(), a.json);
    std::vector<AccountStatus> statuses;
    for (const auto& account : config->accounts)
        statuses.push_back(status_of(*config, account, a.stale_days));
    if (a.json)
        print_json(*config, a.stale_days, statuses);
    else if (statuses.empty())
        std::printf("No accounts in %s\n", config->path.c_str());
    else
        print_table(statuses);
    return kExitOk;
}

}  // namespace

void add_accounts_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<AccountsArgs>();
    auto* cmd = app.add_subcommand(
        "accounts",
        "List the accounts of the config file with the last run of each (from its archive's "
        "index): when, how many new messages, whether it succeeded. An account never backed up, "
        "or without a successful run for --stale-days, is marked with '!'. Reads only; works "
        "while a backup runs.");
    add_config_option(*cmd, args->choice.config);
    cmd->add_option("--stale-days", args->stale_days,
                    "Mark an account whose last successful run is this many days old")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Machine-readable list on stdout");
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        exit_code = run_accounts_command(*args);
    });
}

}  // namespace imapmirror::cli
