// imapmirror verify DIR: is the archive intact, and (--server) complete?

#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "sync/verifier.hpp"

namespace imapmirror::cli {

namespace {

struct VerifyArgs {
    std::string dir;
    bool server = false;
    sync::FolderFilter filter;
    ConnectionArgs conn;
    bool json = false;
};

void print_list(const char* title, const std::vector<std::string>& items) {
    if (items.empty())
        return;
    std::printf("%s (%zu):\n", title, items.size());
    size_t shown = 0;
    for (const auto& i : items) {
        if (++shown > 20) {
            std::printf("  ... and %zu more (--json lists all)\n", items.size() - 20);
            break;
        }
        std::printf("  %s\n", printable(i).c_str());
    }
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

int run_verify(const VerifyArgs& a) {
    auto report = sync::verify_files(a.dir);
    if (!report)
        return report_error(report.error(), a.json);
    if (a.server) {
        warn_other_account(a, *report);
        auto client = connect_client(a.conn);
        if (!client)
            return report_error(client.error(), a.json);
        auto r = sync::verify_against_server(a.dir, **client, a.filter, *report);
        (*client)->logout();
        if (!r)
            return report_error(r.error(), a.json);
    }
    const int code = report->clean() ? kExitOk : kExitMismatch;
    if (a.json) {
        core::JsonWriter w;
        w.begin_object();
        write_identity(w, "identity", report->identity);
        w.key("files_checked").value(report->files_checked);
        auto list = [&](const char* k, const std::vector<std::string>& v) {
            w.key(k).begin_array();
            for (const auto& s : v)
                w.value(s);
            w.end_array();
        };
        list("missing", report->missing);
        list("changed", report->changed);
        list("extra", report->extra);
        w.key("server_checked").value(report->server_checked);
        list("not_archived", report->not_archived);
        list("gone_from_server", report->gone_from_server);
        list("folders_changed", report->epoch_changed);
        list("folders_not_archived", report->folders_not_archived);
        list("folders_unchecked", report->unchecked);
        w.key("ok").value(report->clean()).key("exit_code").value(code);
        w.end_object();
        std::printf("%s\n", w.str().c_str());
        return code;
    }
    std::printf("Archive of %s\n", report->identity ? index::describe(*report->identity).c_str()
                                                    : "an account not recorded yet (its next "
                                                      "export records it)");
    print_list("Missing files (in the index, not on disk)", report->missing);
    print_list("Changed files (bytes differ from the index)", report->changed);
    print_list("Extra files (not in the index)", report->extra);
    print_list("On the server, not archived (run export)", report->not_archived);
    print_list("Archived, no longer on the server (run export to mark them)",
               report->gone_from_server);
    print_list("Folders changed on the server (run export)", report->epoch_changed);
    print_list("Folders on the server, not archived (run export, or --exclude them)",
               report->folders_not_archived);
    print_list("Folders that could not be compared with the server", report->unchecked);
    std::printf("%s: %llu files checked%s\n", report->clean() ? "OK" : "MISMATCH",
                static_cast<unsigned long long>(report->files_checked),
                report->server_checked ? ", UID sets compared with the server" : "");
    return code;
}

}  // namespace

void add_verify_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<VerifyArgs>();
    auto* cmd = app.add_subcommand(
        "verify",
        "Check an archive: re-hash every file against the index and report missing, changed and "
        "extra files. With --server, also compare each folder's UIDs with the server. Exit 11 on "
        "any difference.");
    cmd->add_option("DIR", args->dir, "Archive directory")->required();
    cmd->add_flag("--server", args->server,
                  "Also compare with the server: every selectable folder archived, and each "
                  "folder's UIDs");
    cmd->add_option("--include", args->filter.include,
                    "With --server: compare only folders matching GLOB (repeatable), as export")
        ->type_name("GLOB");
    cmd->add_option("--exclude", args->filter.exclude,
                    "With --server: skip folders matching GLOB (repeatable), as export")
        ->type_name("GLOB");
    add_connection_options(*cmd, args->conn);
    // Connection options matter only with --server.
    for (auto* opt : cmd->get_options())
        if (opt->get_group() == "Connection" && opt->get_required())
            opt->required(false);
    cmd->add_flag("--json", args->json, "Machine-readable report");
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        if (args->server && (args->conn.host.empty() || args->conn.user.empty())) {
            exit_code = report_error(
                core::make_error(core::ErrorKind::Usage, "--server needs --host and --user"),
                args->json);
            return;
        }
        exit_code = run_verify(*args);
    });
}

}  // namespace imapmirror::cli
