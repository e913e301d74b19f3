// imapmirror accounts: the accounts of the config file and the last run of each, read from its
// archive's `runs` table, with the ones that need a look marked and why; with --max-age, a
// one-line monitoring check.

#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/config_keys.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "index/account_identity.hpp"
#include "index/run_history.hpp"
#include "run/account_status.hpp"
#include "run/run_health.hpp"

namespace imapmirror::cli {

namespace {

struct AccountsArgs {
    AccountChoice choice;  // only its config is used
    int stale_days = 7;
    std::string max_age;  // --max-age as given; checked by parse_duration when read
    bool json = false;
};

// An account of the config and how its archive stands.
struct AccountStatus : run::AccountStatus {
    const Account* account = nullptr;
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

AccountStatus status_of(const Config& config, const Account& account, int stale_days, int64_t now) {
    return {run::account_status(config.value_of(account, "out"),
                                configured_identity(config, account), stale_days, now),
            &account};
}

std::string when(const std::string& iso) {
    auto t = run::parse_iso8601(iso);
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
    std::string note;
    if (!s.success_age_days)
        note = "no complete backup yet";
    else if (s.stale)
        note = "last complete backup " + std::to_string(*s.success_age_days) + " days ago";
    if (!s.failure.empty())
        note += (note.empty() ? "" : "; ") + s.failure;
    return note.empty() ? "" : "! " + note;
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
                        success
                            ? when(success->finished_at) +
                                  (s.success_age_seconds
                                       ? " (" + run::format_age(*s.success_age_seconds) + " ago)"
                                       : "")
                            : "never",
                        printable(attention(s))});
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
    w.key("error_kind").text_or_null(run->error_kind);
    w.key("error_message").text_or_null(run->error_message);
    w.key("server_reply").text_or_null(run->server_reply);
    w.end_object();
}

void print_json(const Config& config, const AccountsArgs& a, std::optional<int64_t> max_age,
                int64_t now, const std::vector<AccountStatus>& list) {
    core::JsonWriter w;
    w.begin_object();
    w.key("config").value(config.path);
    w.key("stale_days").value(a.stale_days);
    w.key("max_age_seconds").value(max_age);
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
        write_run(w, "last_failure",
                  s.history && s.history->last_failure ? &*s.history->last_failure : nullptr);
        w.key("last_success_age_seconds").value(s.success_age_seconds);
        const auto* streak = s.history ? &s.history->failing : nullptr;
        w.key("failed_runs_in_row").value(streak ? streak->runs : 0);
        w.key("failed_nights_in_row").value(streak ? streak->days : 0);
        w.key("failing_since").text_or_null(streak ? streak->since : "");
        w.key("failure").text_or_null(s.failure);
        w.key("never_backed_up").value(s.never);
        w.key("stale").value(s.stale);
        if (max_age)
            w.key("too_old").value(run::too_old(s, now, *max_age));
        w.key("error").text_or_null(s.error);
        w.end_object();
    }
    w.end_array();
    w.end_object();
    std::printf("%s\n", w.str().c_str());
}

// --max-age: one line for a monitoring check (Nagios-style, as cron mails or a check reads it)
// naming every account that is too old and why; the exit code says which.
int print_age_check(const std::vector<AccountStatus>& statuses, const std::string& max_age_text,
                    int64_t max_age, int64_t now, bool json) {
    std::vector<std::string> old;
    for (const auto& s : statuses) {
        if (!run::too_old(s, now, max_age))
            continue;
        std::string why;
        if (!s.error.empty())
            why = s.error;
        else if (s.never)
            why = "never backed up";
        else if (!s.success_age_seconds)
            why = "no complete backup yet";
        else
            why = "last success " + run::format_age(*s.success_age_seconds) + " ago";
        if (!s.failure.empty())
            why += ", " + s.failure;
        old.push_back(printable(s.account->name) + " (" + printable(why) + ")");
    }
    if (!json) {
        if (old.empty())
            std::printf("OK: all %zu accounts backed up within %s\n", statuses.size(),
                        max_age_text.c_str());
        else
            std::printf("STALE: %zu of %zu accounts not backed up within %s: %s\n", old.size(),
                        statuses.size(), max_age_text.c_str(), join(old, "; ").c_str());
    }
    return old.empty() ? kExitOk : kExitStale;
}

core::Result<int> run_accounts_command(const AccountsArgs& a) {
    IMM_ASSIGN(const auto config, load_config(config_path(a.choice)));
    const auto now = static_cast<int64_t>(std::time(nullptr));
    std::optional<int64_t> max_age;
    if (!a.max_age.empty())
        max_age = run::parse_duration(a.max_age);  // checked when the option was read
    std::vector<AccountStatus> statuses;
    for (const auto& account : config.accounts)
        statuses.push_back(status_of(config, account, a.stale_days, now));
    int code = kExitOk;
    if (max_age)
        code = print_age_check(statuses, a.max_age, *max_age, now, a.json);
    if (a.json)
        print_json(config, a, max_age, now, statuses);
    else if (max_age)
        return code;
    else if (statuses.empty())
        std::printf("No accounts in %s\n", config.path.c_str());
    else
        print_table(statuses);
    return code;
}

}  // namespace

void add_accounts_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<AccountsArgs>();
    auto* cmd = app.add_subcommand(
        "accounts",
        "List the accounts of the config file with the last run of each (from its archive's "
        "index): when, how many new messages, whether it succeeded, the last success and its "
        "age. An account never backed up, failing (how many nights in a row, and why), or "
        "without a successful run for --stale-days, is marked with '!'. Reads only; works "
        "while a backup runs.");
    add_config_option(*cmd, args->choice.config);
    cmd->add_option("--stale-days", args->stale_days,
                    "Mark an account whose last successful run is this many days old")
        ->check(CLI::Range(1, 3650))
        ->capture_default_str();
    cmd->add_option("--max-age", args->max_age,
                    "Monitoring check: one line, and exit code 14 when any account's last "
                    "successful run is older than DURATION (a number and s, m, h or d: 36h, 2d); "
                    "an account never backed up counts as too old. With --json, the list with "
                    "each account's too_old")
        ->check([](const std::string& v) {
            return run::parse_duration(v) ? std::string()
                                          : "DURATION must be a positive whole number and one unit "
                                            "s, m, h or d (e.g. 36h, 2d)";
        });
    cmd->add_flag("--json", args->json, "Machine-readable list on stdout");
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_accounts_command(*args), args->json);
    });
}

}  // namespace imapmirror::cli
