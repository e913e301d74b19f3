// imapmirror backup [ACCOUNT...]: the accounts of the config file, several at a time, each in a
// process of its own (run::run_children), then one table and the worst exit code.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <optional>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/config_keys.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "cli/progress_report.hpp"
#include "core/interrupt.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "run/account_report.hpp"
#include "run/backup_jobs.hpp"
#include "run/child_runner.hpp"
#include "run/progress_lines.hpp"

namespace imapmirror::cli {

namespace {

using run::AccountReport;
using run::ChildOutcome;

struct BackupArgs {
    std::vector<std::string> accounts;
    AccountChoice choice;  // only its config is used
    size_t parallel = 2;
    bool json = false;
    run::BackupOptions options;  // -q, -v and --dry-run, passed on to each export
};

std::string number_or_dash(const std::optional<uint64_t>& n) {
    return n ? std::to_string(*n) : "-";
}

std::string result_text(const AccountReport& r) {
    const ChildOutcome& c = *r.child;
    if (c.started && c.exit_code == kExitOk)
        return "ok";
    if (c.exit_code == kExitPartial)
        return "partial: " + r.error;
    return r.error;
}

void print_table(const std::vector<AccountReport>& reports, bool dry_run) {
    std::vector<std::vector<std::string>> rows = {
        {"ACCOUNT", dry_run ? "TO FETCH" : "NEW", "SIZE", "ERRORS", "TIME", "EXIT", "RESULT"}};
    for (const auto& r : reports) {
        const ChildOutcome& c = *r.child;
        char secs[32];
        std::snprintf(secs, sizeof secs, "%.1f s", c.seconds);
        rows.push_back({printable(c.name), number_or_dash(r.messages),
                        r.bytes ? human_size(*r.bytes) : "-", std::to_string(r.errors),
                        c.started ? secs : "-", c.started ? std::to_string(c.exit_code) : "-",
                        printable(result_text(r))});
    }
    std::fputs(format_table(rows, {false, true, true, true, true, true, false}).c_str(), stdout);
}

void print_json(const std::string& config_path, const std::vector<AccountReport>& reports,
                bool dry_run, int code) {
    core::JsonWriter w;
    w.begin_object();
    w.key("config").value(config_path);
    w.key("dry_run").value(dry_run);
    w.key("accounts").begin_array();
    for (const auto& r : reports) {
        const ChildOutcome& c = *r.child;
        w.begin_object();
        w.key("account").value(c.name);
        w.key("started").value(c.started);
        w.key("exit_code").value(c.started ? std::optional<int>(c.exit_code) : std::nullopt);
        w.key("seconds").value(c.seconds);
        w.key("messages").value(r.messages);
        w.key("bytes").value(r.bytes);
        w.key("errors").value(static_cast<uint64_t>(r.errors));
        w.key("error").text_or_null(r.error);
        w.key("summary");
        if (r.summary)
            core::write_json(w, *r.summary);
        else
            w.null();
        w.end_object();
    }
    w.end_array();
    w.key("interrupted").value(core::interrupted());
    w.key("exit_code").value(code);
    w.end_object();
    std::printf("%s\n", w.str().c_str());
}

core::Result<int> run_backup(const BackupArgs& a) {
    IMM_ASSIGN(const auto config, load_config(config_path(a.choice)));
    IMM_ASSIGN(const auto accounts, config.chosen(a.accounts));

    run::RunnerOptions options;
    options.program_name = "imapmirror";
    options.error_prefix = "imapmirror: error: ";
    options.codes = {kExitInterrupted, kExitLocalIo, kExitInternal};
    // Options of `export` that have an environment variable: the config decides.
    options.scrub_env.assign(std::begin(kOptionEnvNames), std::end(kOptionEnvNames));
    options.parallel = a.parallel;
    const auto jobs = run::export_jobs(accounts, config.path, a.options);
    // Live progress per running account, from the children's progress lines: redrawn in place
    // on a terminal, plain lines every 30 s elsewhere, none with --quiet or --json.
    const bool show_progress = !a.options.quiet && !a.json && !a.options.dry_run;
    if (show_progress)
        ::setenv(run::kProgressEnv, "1", 1);
    AccountsProgress progress(show_progress && ::isatty(STDERR_FILENO) != 0,
                              std::chrono::seconds(30));
    // Each child's warnings and errors as they come, marked with its account.
    options.on_stderr_line = [&](const std::string& account, std::string_view line) {
        if (auto p = run::parse_progress_line(line)) {
            if (show_progress)
                progress.update(account, *p);
            return;
        }
        progress.print("[" + account + "] " + std::string(line));
    };
    options.on_done = [&](const run::ChildOutcome& c) {
        progress.done(c.name);
        core::log(core::LogLevel::Verbose,
                  "[" + c.name + "] ended with exit code " + std::to_string(c.exit_code));
    };
    core::install_interrupt_handler();
    auto outcomes = run::run_children(jobs, options);

    const auto outcome = run::backup_outcome(outcomes, core::interrupted());
    const int code = outcome.exit_code;

    if (a.json) {
        print_json(config.path, outcome.reports, a.options.dry_run, code);
        return code;
    }
    if (a.options.quiet && code == kExitOk)
        return code;
    print_table(outcome.reports, a.options.dry_run);
    std::printf("%zu of %zu accounts %s%s; exit code %d\n", outcome.complete, outcomes.size(),
                a.options.dry_run ? "checked (dry run, nothing written)" : "backed up completely",
                core::interrupted() ? " (interrupted)" : "", code);
    return code;
}

}  // namespace

void add_backup_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<BackupArgs>();
    auto* cmd = app.add_subcommand(
        "backup",
        "Back up the accounts of the config file (all of them, or those named), each as `export "
        "--account NAME` in a process of its own, several at a time: one that fails (a wrong "
        "password, a server down, a full disk) does not stop or slow the others. Ends with a "
        "table; the exit code is the worst of the accounts' (man imapmirror: EXIT STATUS).");
    cmd->add_option("account", args->accounts, "Accounts to back up (default: all)");
    add_config_option(*cmd, args->choice.config);
    cmd->add_option("-p,--parallel", args->parallel, "Accounts backed up at the same time")
        ->check(CLI::Range(1, 32))
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Machine-readable summary on stdout");
    cmd->add_flag("-n,--dry-run", args->options.dry_run,
                  "Each account as `export --dry-run`: what would be fetched, nothing written");
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        args->options.quiet = global.quiet;
        args->options.verbose = global.verbose;
        exit_code = exit_code_or_error(run_backup(*args), args->json);
    });
}

}  // namespace imapmirror::cli
