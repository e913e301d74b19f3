// imapmirror export --out DIR: the whole account into a mirror tree with a SQLite index.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/export_options.hpp"
#include "cli/output.hpp"
#include "cli/progress_report.hpp"
#include "cli/provider_presets.hpp"
#include "cli/status_line.hpp"
#include "core/interrupt.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "core/sandbox.hpp"
#include "run/exit_severity.hpp"
#include "run/progress_lines.hpp"
#include "run/run_monitoring.hpp"
#include "store/archive_root.hpp"
#include "store/mirror_layout.hpp"
#include "sync/archive.hpp"
#include "sync/export_preview.hpp"
#include "sync/exporter.hpp"
#include "sync/label_directories.hpp"

namespace imapmirror::cli {

namespace {

// What export's command line binds to. The export's own options go straight into the struct
// the sync layer takes (export_options.hpp); the rest is the command's: connection, account,
// output, monitoring.
struct ExportCommand {
    AccountChoice choice;
    ConnectionArgs conn;
    sync::ExportOptions options;  // options.root is --out
    bool json = false;
    bool quiet = false;
    bool dry_run = false;
    std::string max_bytes_given;     // --max-bytes as written, for the summary's words
    run::MonitoringOptions monitor;  // --metrics-file, --on-failure, --on-failure-timeout
};

// One self-overwriting status line on a terminal, at most five times a second.
class ProgressLine {
  public:
    explicit ProgressLine(bool enabled)
        : m_line(enabled), m_start(std::chrono::steady_clock::now()) {}

    void update(const sync::Progress& p) {
        if (!m_line.due())
            return;
        auto now = std::chrono::steady_clock::now();
        double secs = std::chrono::duration<double>(now - m_start).count();
        double rate = secs > 0 ? static_cast<double>(p.bytes_done) / secs : 0;
        std::string eta = "";
        if (p.messages_done > 0 && p.messages_total > p.messages_done) {
            double left = secs / static_cast<double>(p.messages_done) *
                          static_cast<double>(p.messages_total - p.messages_done);
            eta = ", ETA " + std::to_string(static_cast<int>(left) / 60) + ":" +
                  (static_cast<int>(left) % 60 < 10 ? "0" : "") +
                  std::to_string(static_cast<int>(left) % 60);
        }
        std::string line =
            "[" + std::to_string(p.folders_done) + "/" + std::to_string(p.folders_total) +
            " folders] " + fit(printable(p.folder), 24, false) + "  " +
            std::to_string(p.messages_done) + "/" + std::to_string(p.messages_total) +
            " messages, " + human_size(p.bytes_done) + ", " +
            human_size(static_cast<uint64_t>(rate)) + "/s" + eta;
        m_line.draw(line);
    }
    void clear() { m_line.clear(); }

  private:
    StatusLine m_line;
    std::chrono::steady_clock::time_point m_start;
};

// What the archive's recorded account became, when this run changed it; "" when it did not
// or the change needs no word (a new archive).
std::string identity_note(const sync::ExportSummary& s, const std::string& out) {
    switch (s.identity_change) {
        case sync::IdentityChange::Adopted:
            return out +
                   " was made before archives recorded their account: it is now the "
                   "archive of " +
                   index::describe(s.identity) +
                   ", and an export of any other account into it is refused";
        case sync::IdentityChange::Repointed:
            return out + " re-pointed: it was the archive of " +
                   (s.previous_identity ? index::describe(*s.previous_identity) : "?") +
                   ", it is now the archive of " + index::describe(s.identity);
        case sync::IdentityChange::None:
        case sync::IdentityChange::Recorded:
            break;
    }
    return "";
}

void print_summary(const ExportCommand& a, const sync::ExportSummary& s, int code) {
    // On stderr with --json too: a person reads them, a script has them in the JSON. The
    // identity note is said even with --quiet: it changes what the archive accepts from now on.
    for (const auto& u : s.unmatched)
        std::fprintf(stderr, "imapmirror: warning: %s\n", sync::describe(u).c_str());
    if (auto note = identity_note(s, a.options.root); !note.empty())
        std::fprintf(stderr, "imapmirror: %s\n", note.c_str());
    // -v: what was new in each folder (on stderr, so backup shows it marked with the account).
    for (const auto& [folder, changes] : s.folder_changes)
        core::log(core::LogLevel::Verbose, describe_folder_changes(folder, changes));
    if (a.json) {
        core::JsonWriter w;
        w.begin_object();
        w.key("out").value(a.options.root);
        write_identity(w, "identity", s.identity);
        w.key("identity_change").value(sync::to_string(s.identity_change));
        if (s.previous_identity)
            write_identity(w, "previous_identity", s.previous_identity);
        w.key("folders").value(static_cast<uint64_t>(s.folders));
        w.key("messages").value(s.messages);
        w.key("bytes").value(s.bytes);
        w.key("attachments").value(s.attachments);
        w.key("msg_backfilled").value(s.msg_backfilled);
        w.key("attachments_extracted").value(s.attachments_extracted);
        w.key("attachment_texts").value(s.attachment_texts);
        w.key("attachment_texts_failed").value(s.attachment_texts_failed);
        w.key("msg_not_convertible").value(s.msg_unconvertible);
        w.key("parse_errors").value(s.parse_errors);
        w.key("flags_changed").value(s.flags_changed);
        w.key("expunged").value(s.expunged);
        w.key("remapped").value(s.remapped);
        w.key("folders_unchanged").value(static_cast<uint64_t>(s.folders_unchanged));
        w.key("folders_refused").value(static_cast<uint64_t>(s.folders_refused));
        w.key("folders_deleted").value(static_cast<uint64_t>(s.folders_deleted));
        w.key("reconnects").value(static_cast<uint64_t>(s.reconnects));
        w.key("throttled").value(s.throttled);
        if (s.connections_lowered_to)
            w.key("connections_lowered_to").value(static_cast<uint64_t>(s.connections_lowered_to));
        else
            w.key("connections_lowered_to").null();
        w.key("gmail_single_instance").value(s.gmail_single_instance);
        w.key("label_folders").value(static_cast<uint64_t>(s.label_folders));
        w.key("labels_changed").value(s.labels_changed);
        w.key("label_links_added").value(s.label_links_added);
        w.key("label_links_removed").value(s.label_links_removed);
        w.key("label_links_copied").value(s.label_links_copied);
        w.key("label_links_skipped").value(s.label_links_skipped);
        w.key("budget_reached").value(s.budget_reached);
        w.key("messages_deferred").value(s.deferred);
        w.key("seconds").value(s.seconds);
        w.key("unmatched_patterns").begin_array();
        for (const auto& u : s.unmatched) {
            w.begin_object();
            w.key("option").value(u.option);
            w.key("pattern").value(u.pattern);
            w.key("nearest").begin_array();
            for (const auto& n : u.nearest)
                w.value(n);
            w.end_array();
            w.end_object();
        }
        w.end_array();
        w.key("quirks").begin_array();
        for (const auto& q : s.quirks)
            w.value(q);
        w.end_array();
        print_json_summary_end(w, s.errors, s.fatal, code);
        return;
    }
    print_errors(s.errors, s.fatal);
    if (a.quiet && !s.fatal && s.errors.empty())
        return;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
    std::printf(
        "%s: %llu new messages (%s), %llu attachments, from %zu folders in %s s; %zu errors%s\n",
        s.fatal ? "Stopped" : "Exported", static_cast<unsigned long long>(s.messages),
        human_size(s.bytes).c_str(), static_cast<unsigned long long>(s.attachments), s.folders,
        secs, s.errors.size() + (s.fatal ? 1 : 0),
        s.parse_errors
            ? (", " + std::to_string(s.parse_errors) + " messages not fully parseable (kept)")
                  .c_str()
            : "");
    if (s.budget_reached)
        std::printf(
            "Budget of --max-bytes %s reached: %llu messages follow on the next run, which "
            "resumes where this one stopped\n",
            a.max_bytes_given.c_str(), static_cast<unsigned long long>(s.deferred));
    std::vector<std::string> changes;
    if (s.folders_unchanged)
        changes.push_back(std::to_string(s.folders_unchanged) + " folders unchanged");
    if (s.folders_refused)
        changes.push_back(std::to_string(s.folders_refused) +
                          " folders the server will not open, skipped as before");
    if (s.attachment_texts)
        changes.push_back(std::to_string(s.attachment_texts) + " attachments' text read (" +
                          std::to_string(s.attachment_texts_failed) + " unreadable)");
    if (s.msg_backfilled)
        changes.push_back(std::to_string(s.msg_backfilled) +
                          " .msg files for messages archived earlier");
    if (s.attachments_extracted)
        changes.push_back(std::to_string(s.attachments_extracted) +
                          " attachment files extracted for messages archived with --attachments "
                          "none");
    if (s.msg_unconvertible)
        changes.push_back(std::to_string(s.msg_unconvertible) +
                          " messages not convertible to .msg (recorded; not tried again)");
    if (s.flags_changed)
        changes.push_back(std::to_string(s.flags_changed) + " flag changes");
    if (s.labels_changed)
        changes.push_back(std::to_string(s.labels_changed) + " messages relabelled");
    if (s.expunged)
        changes.push_back(std::to_string(s.expunged) + " expunged on the server (kept)");
    if (s.remapped)
        changes.push_back(std::to_string(s.remapped) + " re-identified after a UIDVALIDITY change");
    if (s.folders_deleted)
        changes.push_back(std::to_string(s.folders_deleted) +
                          " folders gone from the server (kept)");
    if (s.reconnects)
        changes.push_back(std::to_string(s.reconnects) + " reconnects");
    if (s.throttled)
        changes.push_back(
            "the server asked to slow down " + std::to_string(s.throttled) +
            (s.throttled == 1 ? " time" : " times") +
            (s.connections_lowered_to
                 ? " (went on with " + std::to_string(s.connections_lowered_to) + " connections)"
                 : std::string()));
    if (!changes.empty())
        std::printf("Also: %s\n", join(changes, ", ").c_str());
    if (s.gmail_single_instance)
        std::printf(
            "Gmail: each message archived once from All Mail, Spam and Trash; %zu label "
            "folders shown as links (%llu added, %llu removed%s)\n",
            s.label_folders, static_cast<unsigned long long>(s.label_links_added),
            static_cast<unsigned long long>(s.label_links_removed),
            s.label_links_copied ? "; copies where hard links were refused" : "");
    if (s.label_links_skipped)
        std::printf(
            "Gmail: %llu label links not made: hard links refused, and those messages "
            "already have %zu copies each (the most made of one message)\n",
            static_cast<unsigned long long>(s.label_links_skipped), sync::kMaxLabelCopies);
    if (!s.quirks.empty())
        std::printf("Server quirks worked around: %s\n",
                    join(std::vector<std::string>(s.quirks.begin(), s.quirks.end()), "; ").c_str());
    std::printf("Archive: %s (index: %s/index.sqlite) of %s\n", a.options.root.c_str(),
                a.options.root.c_str(), index::describe(s.identity).c_str());
}

// A preview is partial when some folder could not be looked at.
int preview_exit_code(const sync::ExportPreview& p) {
    return p.errors.empty() ? kExitOk : kExitPartial;
}

void print_preview(const ExportCommand& a, const sync::ExportPreview& p, int code) {
    if (a.json) {
        core::JsonWriter w;
        w.begin_object();
        w.key("dry_run").value(true);
        w.key("out").value(a.options.root);
        w.key("archive_exists").value(p.archive_exists);
        w.key("folders_selected").value(static_cast<uint64_t>(p.folders_selected));
        w.key("folders_unchanged").value(static_cast<uint64_t>(p.folders_unchanged));
        w.key("gmail_single_instance").value(p.gmail_single_instance);
        w.key("label_folders").value(static_cast<uint64_t>(p.label_folders));
        w.key("identity_change").value(sync::to_string(p.identity_change));
        // "messages" and "bytes" as in export's summary: `backup --dry-run` reads them.
        w.key("messages").value(p.messages);
        w.key("bytes").value(p.bytes);
        w.key("folders").begin_array();
        for (const auto& f : p.changed) {
            w.begin_object();
            w.key("name").value(f.name);
            w.key("change").value(sync::to_string(f.change));
            w.key("messages").value(f.messages);
            w.key("bytes").value(f.bytes);
            w.key("expunged").value(f.expunged);
            w.end_object();
        }
        w.end_array();
        w.key("errors").begin_array();
        for (const auto& e : p.errors)
            write_error(w, e);
        w.end_array();
        w.key("exit_code").value(code);
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return;
    }
    for (const auto& e : p.errors)
        std::fprintf(stderr, "imapmirror: %s error: %s\n", to_string(e.scope),
                     e.describe().c_str());
    if (p.identity_change == sync::IdentityChange::Repointed && p.recorded_identity)
        std::printf("Would re-point %s from %s to %s\n", printable(a.options.root).c_str(),
                    printable(index::describe(*p.recorded_identity)).c_str(),
                    printable(index::describe(account_identity(a.conn))).c_str());
    if (!p.changed.empty()) {
        std::vector<std::vector<std::string>> rows = {
            {"FOLDER", "CHANGE", "TO FETCH", "SIZE", "EXPUNGED"}};
        for (const auto& f : p.changed) {
            const bool counted = f.change != sync::FolderPreview::Change::Vanished &&
                                 f.change != sync::FolderPreview::Change::Unreadable;
            rows.push_back({printable(f.name), sync::to_string(f.change),
                            counted ? std::to_string(f.messages) : "-",
                            counted ? human_size(f.bytes) : "-",
                            counted ? std::to_string(f.expunged) : "-"});
        }
        std::fputs(format_table(rows, {false, false, true, true, true}).c_str(), stdout);
    }
    std::printf(
        "Dry run, nothing written: %llu messages (%s) to fetch from %zu of %zu folders; "
        "%zu unchanged%s%s\n",
        static_cast<unsigned long long>(p.messages), human_size(p.bytes).c_str(), p.changed.size(),
        p.folders_selected, p.folders_unchanged,
        p.gmail_single_instance ? ("; " + std::to_string(p.label_folders) +
                                   " Gmail label folders, whose messages are All Mail's")
                                      .c_str()
                                : "",
        p.archive_exists ? "" : " (no archive in this directory yet)");
}

int run_preview(const ExportCommand& a, const sync::ConnectFn& connect,
                const sync::ExportOptions& options) {
    auto preview = sync::preview_export(connect, options);
    if (!preview)
        return report_error(preview.error(), a.json);
    const int code = preview_exit_code(*preview);
    print_preview(a, *preview, code);
    return code;
}

int run_export(const ExportCommand& a) {
    // Resolved at the first connection (the password prompt, the token store): after the archive
    // is locked and its index open, so that a password command that fails is a failed run in the
    // index like a refused login.
    const sync::ConnectFn connect = connect::lazy_connector(a.conn, terminal_prompt());
    core::install_interrupt_handler();
    if (a.dry_run)
        return run_preview(a, connect, a.options);
    sync::Exporter exporter(connect, a.options);
    ProgressLine progress(!a.json && !a.quiet && ::isatty(STDERR_FILENO) &&
                          core::log_level() < core::LogLevel::Trace);
    // A backup showing progress asks its children for progress lines (run/progress_lines.hpp).
    run::ProgressLines to_backup(std::getenv(run::kProgressEnv) != nullptr);
    exporter.set_progress([&](const sync::Progress& p) {
        progress.update(p);
        to_backup.update(p);
    });
    auto summary = exporter.run([](const sync::ExportSummary& s) { return run::exit_code_of(s); });
    progress.clear();
    to_backup.finish();
    if (!summary) {
        // Before the index could be opened (see doc/monitoring.md), or the first connection.
        const int code = report_error(summary.error(), a.json);
        return run::tell_monitoring(a.monitor, code, &summary.error(), nullptr);
    }
    int code = run::exit_code_of(*summary);
    print_summary(a, *summary, code);
    return run::tell_monitoring(a.monitor, code, sync::deciding_error(*summary), &*summary);
}

// What the command line, the account and its provider's preset say, checked, before any
// work: kExitOk, or the error.
core::Result<int> prepare(CLI::App& cmd, ExportCommand& a) {
    IMM_TRY(apply_account(cmd, a.choice));
    IMM_TRY(apply_provider(cmd, a.conn.provider));
    a.conn.account = a.choice.account;
    // The budget as the user wrote it (command line, config or preset), for the summary.
    if (const CLI::Option* budget = cmd.get_option("--max-bytes"); budget->count())
        a.max_bytes_given = budget->results().back();
    IMM_TRY(require_options(cmd, {"--host", "--user", "--out"}));
    // What the options do not say: whose archive this is, and the folders a preset skips.
    a.options.identity = account_identity(a.conn);
    if (const auto* preset = find_preset(a.conn.provider))
        a.options.preset_exclude.assign(preset->exclude.begin(), preset->exclude.end());
    strip_trailing_slashes(a.options.root);
    // What the hook and the metrics call the account: its config name, else USER@HOST.
    a.monitor.account =
        a.choice.account.empty() ? a.conn.user + "@" + a.conn.host : a.choice.account;
    a.monitor.archive = a.options.root;
    if (!a.conn.password_env.empty())
        a.monitor.secret_names = {a.conn.password_env};
    if (store::is_system_directory(a.options.root)) {
        auto e = core::make_error(core::ErrorKind::Usage,
                                  "--out " + a.options.root +
                                      " is a system or home directory; refusing to archive into it",
                                  core::Scope::Run);
        e.hint = "give the archive a directory of its own, e.g. ~/mail-archive";
        return e;
    }
    // Before any work: under a systemd sandbox, an archive outside ReadWritePaths= would fail
    // only at its first write, after the login (and a refresh token spent).
    IMM_TRY(core::check_not_read_only(a.options.root, "the archive"));
    return kExitOk;
}

}  // namespace

void add_export_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<ExportCommand>();
    auto* cmd = app.add_subcommand(
        "export",
        "Archive the whole account into DIR: one directory per folder, every message byte-exact as "
        ".eml, attachments extracted beside it, and a SQLite index (DIR/index.sqlite). Run it "
        "again "
        "to add new mail; what is archived is never fetched twice.");
    add_connection_options(*cmd, args->conn);
    add_provider_option(*cmd, args->conn.provider);
    add_oauth2_options(*cmd, args->conn.oauth);
    // Required, but they may come from the config file: checked once it has been read.
    cmd->get_option("--host")->required(false);
    cmd->get_option("--user")->required(false);
    add_export_options(*cmd, args->options);
    cmd->add_flag("--json", args->json, "Machine-readable summary on stdout");
    cmd->add_flag("-n,--dry-run", args->dry_run,
                  "Say what would be done (folders changed, messages and bytes to fetch, "
                  "expunges) without writing anything: the archive is only read, the server "
                  "only looked at");
    cmd->add_option("--on-failure", args->monitor.on_failure,
                    "After a run that did not succeed (any exit code but 0), run COMMAND with "
                    "/bin/sh -c. It learns what happened from environment variables only "
                    "(IMAPMIRROR_ACCOUNT, IMAPMIRROR_EXIT_CODE, IMAPMIRROR_ERROR_KIND, "
                    "IMAPMIRROR_MESSAGE, IMAPMIRROR_SERVER_REPLY, IMAPMIRROR_ARCHIVE), never the "
                    "password or token: the password variables are removed from its environment. "
                    "Its output goes to stderr; its failure is a warning and leaves the exit code "
                    "as it was");
    cmd->add_option("--on-failure-timeout", args->monitor.on_failure_timeout,
                    "Seconds the --on-failure command may run before it (and what it started) is "
                    "stopped")
        ->check(CLI::Range(1, 3600))
        ->capture_default_str();
    cmd->add_option("--metrics-file", args->monitor.metrics_file,
                    "After every run, write the account's figures to PATH in the Prometheus text "
                    "format node_exporter's textfile collector reads (last run and last success "
                    "times, exit code, messages and bytes fetched, duration, errors, quirks), "
                    "atomically and readable by others. Use a file per account ending in .prom, "
                    "in the collector's directory")
        ->type_name("PATH");
    add_account_options(*cmd, args->choice);
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        args->quiet = global.quiet;
        exit_code = exit_code_or_error(prepare(*cmd, *args), args->json);
        if (exit_code == kExitOk)
            exit_code = run_export(*args);
    });
}

}  // namespace imapmirror::cli
