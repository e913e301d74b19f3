// imapmirror verify DIR: is the archive intact, and (--server) complete? With --repair, heal it.

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
#include "core/json.hpp"
#include "core/log.hpp"
#include "sync/repairer.hpp"
#include "sync/verifier.hpp"

namespace imapmirror::cli {

namespace {

struct VerifyArgs {
    std::string dir;
    bool server = false;
    sync::FolderFilter filter;
    ConnectionArgs conn;
    AccountChoice choice;
    bool repair = false;
    bool json = false;
    bool quiet = false;
};

// A word for a POSIX shell: as it is when plain, else in single quotes.
std::string shell_word(const std::string& s) {
    if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ"
                                          "0123456789@%+=:,./_-") == std::string::npos)
        return s;
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

// The command that repairs DIR, with the connection the user gave this run where there is one.
std::string repair_command(const VerifyArgs& a) {
    std::string cmd = "imapmirror verify " + shell_word(a.dir) + " --repair";
    if (!a.choice.account.empty())
        return cmd + " --account " + shell_word(a.choice.account);
    if (!a.conn.host.empty() && !a.conn.user.empty())
        return cmd + " --host " + shell_word(a.conn.host) + " --user " + shell_word(a.conn.user) +
               " (and the export's other connection options)";
    return cmd + " --account NAME (or the export's --host, --user and other connection options)";
}

// Progress on a terminal only, at most five times a second (as reindex).
class ProgressLine {
  public:
    explicit ProgressLine(bool show) : m_line(show) {}
    void files(const sync::VerifyProgress& p) {
        if (m_line.due(p.done >= p.total))
            m_line.draw("verify: " + std::to_string(p.done) + "/" + std::to_string(p.total) +
                        " files");
    }
    void fetch(const sync::Progress& p) {
        if (m_line.due())
            m_line.draw("verify --repair: " + std::to_string(p.messages_done) +
                        " messages fetched again");
    }
    void clear() { m_line.clear(); }

  private:
    StatusLine m_line;
};

void json_list(core::JsonWriter& w, const char* key, const std::vector<std::string>& items) {
    w.key(key).begin_array();
    for (const auto& s : items)
        w.value(s);
    w.end_array();
}

// Heals what `report` found, then verifies the files again into `report`.
core::Result<sync::RepairReport> repair(const VerifyArgs& a, sync::VerifyReport& report,
                                        ProgressLine& progress) {
    auto connector = connect::lazy_connector(a.conn, terminal_prompt());
    sync::ConnectFn connect = [&]() -> core::Result<std::unique_ptr<imap::Client>> {
        if (a.conn.host.empty() || a.conn.user.empty()) {
            auto e = core::make_error(core::ErrorKind::Usage,
                                      "verify --repair must fetch damaged messages again from "
                                      "the server but has no connection",
                                      core::Scope::Run);
            e.hint = "give --account NAME, or the export's --host, --user and password options";
            return e;
        }
        return connector();
    };
    IMM_ASSIGN(auto repaired,
               sync::repair_archive(a.dir, report, connect,
                                    [&](const sync::Progress& p) { progress.fetch(p); }));
    progress.clear();
    IMM_ASSIGN(report, sync::verify_files(
                           a.dir, [&](const sync::VerifyProgress& p) { progress.files(p); }));
    progress.clear();
    return repaired;
}

// --server with another account than the archive's would report its messages as missing. A
// warning, not a refusal: a relay or a second name of the same server is another identity too.
void warn_other_account(const VerifyArgs& a, const sync::VerifyReport& report) {
    const auto current = account_identity(a.conn);
    if (report.identity && !index::same_account(*report.identity, current))
        core::warn(a.dir + " is the archive of " + index::describe(*report.identity) +
                   ", compared here with " + index::describe(current) +
                   "; differences may be that account's, not the archive's");
}

core::Result<int> run_verify(const VerifyArgs& a) {
    ProgressLine progress(!a.json && !a.quiet && ::isatty(STDERR_FILENO));
    IMM_ASSIGN(auto report, sync::verify_files(
                                a.dir, [&](const sync::VerifyProgress& p) { progress.files(p); }));
    progress.clear();
    std::optional<sync::RepairReport> repaired;
    if (a.repair && (!report.missing.empty() || !report.changed.empty())) {
        IMM_ASSIGN(repaired, repair(a, report, progress));
    }
    if (a.server) {
        warn_other_account(a, report);
        IMM_ASSIGN(auto client, connect_client(a.conn));
        auto compared = sync::verify_against_server(a.dir, *client, a.filter, report);
        client->logout();
        IMM_TRY(compared);
    }
    const int code = report.clean() ? kExitOk : kExitMismatch;
    if (a.json) {
        core::JsonWriter w;
        w.begin_object();
        write_identity(w, "identity", report.identity);
        w.key("files_checked").value(report.files_checked);
        auto list = [&](const char* k, const std::vector<std::string>& v) { json_list(w, k, v); };
        if (repaired) {
            w.key("repair").begin_object();
            list("refetched", repaired->refetched);
            list("reextracted", repaired->reextracted);
            list("set_aside", repaired->set_aside);
            list("unrepairable", repaired->unrepairable);
            w.key("errors").begin_array();
            for (const auto& e : repaired->errors)
                w.value(e.describe());
            w.end_array().end_object();
        }
        list("missing", report.missing);
        list("changed", report.changed);
        list("extra", report.extra);
        list("kept_aside", report.kept_aside);
        w.key("server_checked").value(report.server_checked);
        list("not_archived", report.not_archived);
        list("gone_from_server", report.gone_from_server);
        list("folders_changed", report.epoch_changed);
        list("folders_not_archived", report.folders_not_archived);
        list("folders_unchecked", report.unchecked);
        w.key("ok").value(report.clean()).key("exit_code").value(code);
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return code;
    }
    std::printf("Archive of %s\n", report.identity ? index::describe(*report.identity).c_str()
                                                   : "an account not recorded yet (its next "
                                                     "export records it)");
    if (repaired) {
        print_list("Fetched again from the server", repaired->refetched);
        print_list("Attachment files extracted again", repaired->reextracted);
        print_list("Damaged copies set aside (kept; delete them when no longer needed)",
                   repaired->set_aside);
        print_list("Cannot be repaired (kept as they are)", repaired->unrepairable);
        std::vector<std::string> errors;
        for (const auto& e : repaired->errors)
            errors.push_back(e.describe());
        print_list("Errors while fetching", errors);
    }
    print_list("Missing files (in the index, not on disk)", report.missing);
    print_list("Changed files (bytes differ from the index)", report.changed);
    print_list("Extra files (not in the index)", report.extra);
    if (!repaired)
        print_list("Damaged copies kept aside by an earlier --repair", report.kept_aside);
    print_list("On the server, not archived (run export)", report.not_archived);
    print_list("Archived, no longer on the server (run export to mark them)",
               report.gone_from_server);
    print_list("Folders changed on the server (run export)", report.epoch_changed);
    print_list("Folders on the server, not archived (run export, or --exclude them)",
               report.folders_not_archived);
    print_list("Folders that could not be compared with the server", report.unchecked);
    std::printf("%s: %llu files checked%s\n", report.clean() ? "OK" : "MISMATCH",
                static_cast<unsigned long long>(report.files_checked),
                report.server_checked ? ", UID sets compared with the server" : "");
    if (!a.repair && (!report.missing.empty() || !report.changed.empty()))
        std::printf("To repair: %s\n", printable(repair_command(a)).c_str());
    return code;
}

// The account's settings, and its provider's preset (--repair and --server take the host,
// port and OAuth2 of its export), then the run.
core::Result<int> prepare_and_run(CLI::App& cmd, VerifyArgs& a) {
    IMM_TRY(apply_account(cmd, a.choice));
    IMM_TRY(apply_provider(cmd, a.conn.provider));
    a.conn.account = a.choice.account;
    IMM_TRY(resolve_archive_dir(a.choice, a.dir));
    if (a.server && (a.conn.host.empty() || a.conn.user.empty()))
        return core::make_error(core::ErrorKind::Usage, "--server needs --host and --user");
    return run_verify(a);
}

}  // namespace

void add_verify_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<VerifyArgs>();
    auto* cmd = app.add_subcommand(
        "verify",
        "Check an archive: re-hash every file against the index and report missing, changed and "
        "extra files. With --server, also compare each folder's UIDs with the server. With "
        "--repair, fetch damaged messages again and extract missing attachments. Exit 11 on "
        "any difference left.");
    cmd->add_option("DIR", args->dir, "Archive directory (with --account: its `out`)");
    cmd->add_flag("--server", args->server,
                  "Also compare with the server: every selectable folder archived, and each "
                  "folder's UIDs");
    cmd->add_option("--include", args->filter.include,
                    "With --server: compare only folders matching GLOB (repeatable), as export")
        ->type_name("GLOB");
    cmd->add_option("--exclude", args->filter.exclude,
                    "With --server: skip folders matching GLOB (repeatable), as export")
        ->type_name("GLOB");
    cmd->add_flag("--repair", args->repair,
                  "Heal what is found: fetch every message whose .eml is missing or changed "
                  "again from the server (by its UID, while the folder's UIDVALIDITY is "
                  "unchanged), extract missing or changed attachment files again from their "
                  ".eml, and set each damaged file aside as NAME.damaged-TIME instead of "
                  "deleting it. Needs the account's connection (--account, or --host and "
                  "--user) when a message must be fetched. Messages gone from the server are "
                  "reported and kept as they are");
    add_connection_options(*cmd, args->conn);
    add_account_connection(*cmd, args->choice, args->conn.provider);
    // Connection options matter only with --server or --repair.
    for (auto* opt : cmd->get_options())
        if (opt->get_group() == "Connection" && opt->get_required())
            opt->required(false);
    cmd->add_flag("--json", args->json, "Machine-readable report");
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        args->quiet = global.quiet;
        exit_code = exit_code_or_error(prepare_and_run(*cmd, *args), args->json);
    });
}

}  // namespace imapmirror::cli
