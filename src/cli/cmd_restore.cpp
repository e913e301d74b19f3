// imapmirror restore DIR: put the archive's messages back on an IMAP server (APPEND, CREATE).
// Wiring and printing only: the plan is sync/restore_plan's, the writes sync/restore_apply's.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "cli/provider_presets.hpp"
#include "cli/status_line.hpp"
#include "core/interrupt.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "run/exit_severity.hpp"
#include "sync/restore_apply.hpp"
#include "sync/restore_check.hpp"

namespace imapmirror::cli {

namespace {

struct RestoreArgs {
    sync::RestoreOptions options;         // options.root is DIR
    std::vector<std::string> folder_map;  // --folder-map OLD=NEW, parsed into options
    std::string labels_as = "folders";
    bool dry_run = false;
    bool verify = false;
    bool json = false;
    bool quiet = false;
    ConnectionArgs conn;
    AccountChoice choice;
};

// "error": the folder's error, or null.
void write_folder_error(core::JsonWriter& w, const std::optional<core::Error>& error) {
    w.key("error");
    if (error)
        write_error(w, *error);
    else
        w.null();
}

// What the options do not bind directly: --folder-map parsed, --labels-as, the target account.
core::Result<sync::RestoreOptions> options_of(const RestoreArgs& a) {
    sync::RestoreOptions o = a.options;
    IMM_ASSIGN(o.folder_map, sync::parse_folder_map(a.folder_map));
    o.labels_as = a.labels_as == "keywords" ? sync::LabelsAs::Keywords : sync::LabelsAs::Folders;
    o.target = account_identity(a.conn);
    return o;
}

void print_plan(const sync::RestorePlan& plan, bool json) {
    if (json) {
        core::JsonWriter w;
        w.begin_object().key("folders").begin_array();
        for (const auto& f : plan.folders) {
            w.begin_object();
            w.key("folder").value(f.archive_name);
            w.key("target").value(f.target_name);
            w.key("create").value(f.create);
            w.key("messages").value(static_cast<uint64_t>(f.to_check.size() + f.to_append.size()));
            w.key("check_first").value(static_cast<uint64_t>(f.to_check.size()));
            w.key("bytes").value(f.bytes);
            w.key("already_restored").value(f.already);
            w.key("labels_only").value(static_cast<uint64_t>(f.to_label.size()));
            write_folder_error(w, f.error);
            w.end_object();
        }
        w.end_array();
        w.key("messages").value(plan.messages()).key("bytes").value(plan.bytes());
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return;
    }
    std::vector<std::vector<std::string>> rows{
        {"FOLDER", "TARGET", "MESSAGES", "BYTES", "ALREADY"}};
    for (const auto& f : plan.folders)
        rows.push_back({printable(f.archive_name),
                        f.error ? "(cannot be named: see below)"
                                : printable(f.target_name) + (f.create ? " (new)" : ""),
                        std::to_string(f.to_check.size() + f.to_append.size()), human_size(f.bytes),
                        std::to_string(f.already)});
    std::printf("%s", format_table(rows, {false, false, true, true, true}).c_str());
    for (const auto& f : plan.folders)
        if (f.error)
            std::fprintf(stderr, "imapmirror: folder error: %s\n", f.error->describe().c_str());
    for (const auto& u : plan.unmatched)
        core::warn(sync::describe(u));
    std::printf("Would restore %llu messages (%s); nothing was sent\n",
                static_cast<unsigned long long>(plan.messages()), human_size(plan.bytes()).c_str());
}

int print_check(const sync::RestoreCheck& check, bool json) {
    const int code = check.clean() ? kExitOk : kExitMismatch;
    if (json) {
        core::JsonWriter w;
        w.begin_object().key("folders").begin_array();
        for (const auto& f : check.folders) {
            w.begin_object();
            w.key("folder").value(f.archive_name).key("target").value(f.target_name);
            w.key("checked").value(f.checked);
            for (const auto& [key, list] :
                 {std::pair{"missing", &f.missing}, std::pair{"extra", &f.extra},
                  std::pair{"different", &f.different}}) {
                w.key(key).begin_array();
                for (const auto& i : *list)
                    w.value(i);
                w.end_array();
            }
            write_folder_error(w, f.error);
            w.end_object();
        }
        w.end_array().key("ok").value(check.clean()).key("exit_code").value(code);
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return code;
    }
    for (const auto& f : check.folders) {
        const bool same = !f.error && f.missing.empty() && f.extra.empty() && f.different.empty();
        std::printf("%s %s -> %s: %llu messages on the target\n", same ? "OK      " : "MISMATCH",
                    printable(f.archive_name).c_str(), printable(f.target_name).c_str(),
                    static_cast<unsigned long long>(f.checked));
        if (f.error)
            std::printf("  could not be compared: %s\n", f.error->describe().c_str());
        print_list("Missing on the target", f.missing, "  ");
        print_list("On the target, not in the archive folder", f.extra, "  ");
        print_list("Different bytes under the UID the restore recorded", f.different, "  ");
    }
    std::printf("%s\n", check.clean() ? "OK: every archived message is on the target, byte-exact"
                                      : "MISMATCH: see above");
    return code;
}

void print_summary(const RestoreArgs& a, const sync::RestoreSummary& s, int code) {
    if (a.json) {
        core::JsonWriter w;
        w.begin_object();
        w.key("folders").value(static_cast<uint64_t>(s.folders));
        w.key("folders_created").value(static_cast<uint64_t>(s.folders_created));
        w.key("appended").value(s.appended).key("bytes").value(s.bytes);
        w.key("already_restored").value(s.already);
        w.key("found_on_target").value(s.found_on_target);
        w.key("refused").value(s.refused);
        w.key("labelled").value(s.labelled);
        w.key("flags_set_again").value(s.flags_set_again);
        w.key("dates_not_kept").value(s.dates_not_kept);
        w.key("seconds").value(s.seconds);
        print_json_summary_end(w, s.errors, s.fatal, code);
        return;
    }
    print_errors(s.errors, s.fatal);
    if (a.quiet && !s.fatal && s.errors.empty())
        return;
    char secs[32];
    std::snprintf(secs, sizeof secs, "%.1f", s.seconds);
    std::printf(
        "%s: %llu messages appended (%s) to %zu folders (%zu created) in %s s; %llu "
        "already there, %llu refused; %zu errors\n",
        s.fatal ? "Stopped" : "Restored", static_cast<unsigned long long>(s.appended),
        human_size(s.bytes).c_str(), s.folders, s.folders_created, secs,
        static_cast<unsigned long long>(s.already + s.found_on_target),
        static_cast<unsigned long long>(s.refused), s.errors.size() + (s.fatal ? 1 : 0));
    if (s.flags_set_again)
        std::printf(
            "The target dropped the flags of %llu messages on APPEND: set again with STORE\n",
            static_cast<unsigned long long>(s.flags_set_again));
    if (s.dates_not_kept)
        std::printf(
            "The target did not keep the arrival date of %llu messages (IMAP cannot set "
            "it after APPEND; the archive keeps it)\n",
            static_cast<unsigned long long>(s.dates_not_kept));
}

// A progress line on a terminal, at most five times a second.
class ProgressLine {
  public:
    explicit ProgressLine(bool show) : m_line(show) {}
    void update(const sync::RestoreProgress& p) {
        if (m_line.due())
            m_line.draw("restore: " + std::to_string(p.messages_done) + "/" +
                        std::to_string(p.messages_total) + " messages, " +
                        human_size(p.bytes_done) + "  " + fit(printable(p.folder), 40, false));
    }
    void clear() { m_line.clear(); }

  private:
    StatusLine m_line;
};

core::Result<int> run_restore(CLI::App& cmd, RestoreArgs& a) {
    // The account's include/exclude select its server's folders for export; here the
    // archive's folders are selected, by the command line alone.
    const auto include = a.options.include, exclude = a.options.exclude;
    IMM_TRY(apply_account(cmd, a.choice));
    IMM_TRY(apply_provider(cmd, a.conn.provider));
    a.options.include = include;
    a.options.exclude = exclude;
    a.conn.account = a.choice.account;
    IMM_TRY(require_options(cmd, {"--host", "--user"}));
    strip_trailing_slashes(a.options.root);
    IMM_ASSIGN(const auto options, options_of(a));
    const sync::ConnectFn connect = connect::lazy_connector(a.conn, terminal_prompt());
    core::install_interrupt_handler();
    if (a.dry_run) {
        IMM_ASSIGN(const auto plan, sync::preview_restore(options, connect));
        print_plan(plan, a.json);
        return kExitOk;
    }
    if (a.verify) {
        IMM_ASSIGN(const auto check, sync::check_restore(options, connect));
        return print_check(check, a.json);
    }
    ProgressLine progress(!a.json && !a.quiet && ::isatty(STDERR_FILENO) &&
                          core::log_level() < core::LogLevel::Trace);
    auto restored = sync::restore_archive(
        options, connect, [&](const sync::RestoreProgress& p) { progress.update(p); });
    progress.clear();
    IMM_ASSIGN(const auto summary, std::move(restored));
    const int code = run::exit_code_of(summary);
    print_summary(a, summary, code);
    return code;
}

}  // namespace

void add_restore_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<RestoreArgs>();
    auto* cmd = app.add_subcommand(
        "restore",
        "Put the archive in DIR back on an IMAP server (the target: connection options or "
        "--account): every archived message APPENDed byte-exact with its flags and "
        "INTERNALDATE into the same folder hierarchy, folders created where missing. Only "
        "APPEND and CREATE are sent (into Gmail: each message once into All Mail, its labels "
        "added with STORE +X-GM-LABELS; where the target dropped an appended message's flags, "
        "STORE sets them again). What was restored where is recorded in DIR's index, so a "
        "second run sends nothing twice and a killed run is completed by the next.");
    cmd->add_option("DIR", args->options.root, "Archive directory (made by export)")->required();
    add_connection_options(*cmd, args->conn);
    cmd->add_option("--include", args->options.include,
                    "Only archived folders whose decoded name matches GLOB (repeatable), as "
                    "export")
        ->type_name("GLOB");
    cmd->add_option("--exclude", args->options.exclude,
                    "Skip archived folders whose decoded name matches GLOB (repeatable)")
        ->type_name("GLOB");
    cmd->add_option("--folder-map", args->folder_map,
                    "Restore the archived folder OLD (and the folders below it) into NEW on the "
                    "target (repeatable; decoded names, NEW with the target's delimiter)")
        ->type_name("OLD=NEW");
    cmd->add_option("--into", args->options.into,
                    "Restore every folder below PREFIX on the target (INBOX too: PREFIX/INBOX); "
                    "special-use folders are then not mapped to the target's")
        ->type_name("PREFIX");
    cmd->add_option("--labels-as", args->labels_as,
                    "A Gmail archive into a server without labels: each label a folder holding "
                    "a copy (folders, the default; messages without a label go to Archive) or "
                    "an IMAP keyword on one copy (keywords). Into Gmail, labels stay labels")
        ->check(CLI::IsMember({"folders", "keywords"}))
        ->type_name("folders|keywords");
    cmd->add_option("-j,--connections", args->options.connections,
                    "IMAP connections restoring folders in parallel, one folder each (never more "
                    "than the folders with something to send); if the server refuses one, the "
                    "others go on")
        ->check(CLI::Range(1, 15))
        ->capture_default_str();
    cmd->add_flag("--include-deleted", args->options.include_deleted,
                  "Also restore messages archived as expunged (deleted on the source server)");
    cmd->add_flag("-n,--dry-run", args->dry_run,
                  "Say what would be restored, per folder (target name, messages, bytes, "
                  "already restored), without sending anything but LIST, STATUS and NAMESPACE; "
                  "the archive is only read");
    cmd->add_flag("--verify", args->verify,
                  "Instead of restoring, fetch every message of the target folders back "
                  "(BODY.PEEK[]: no flag changes) and compare their SHA-256 with the archive, "
                  "folder by folder: missing, extra and different messages. Exit 11 on any");
    cmd->add_flag("--json", args->json, "Machine-readable plan, summary or check on stdout");
    add_account_connection(*cmd, args->choice, args->conn.provider);
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        args->quiet = global.quiet;
        exit_code = exit_code_or_error(run_restore(*cmd, *args), args->json);
    });
}

}  // namespace imapmirror::cli
