// imapmirror folders: the folder tree with decoded names and counts.

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "queries/folder_tree.hpp"

namespace imapmirror::cli {

namespace {

struct FoldersArgs {
    ConnectionArgs conn;
    AccountChoice choice;
    bool json = false;
    bool no_counts = false;
};

std::string count_or_dash(const std::optional<uint64_t>& n) {
    return n ? std::to_string(*n) : "-";
}

void print_human(const std::vector<imap::Folder>& folders, bool counts) {
    size_t width = 6;
    for (const auto& f : folders)
        width = std::max(width, std::min<size_t>(f.entry.name.size(), 40));
    std::printf("%s  %8s %8s  %s\n", fit("FOLDER", width).c_str(), counts ? "MESSAGES" : "",
                counts ? "UNSEEN" : "", "NOTES");
    for (const auto& f : folders) {
        std::vector<std::string> notes;
        if (!f.entry.selectable())
            notes.push_back("not selectable");
        if (auto su = f.entry.special_use(); !su.empty())
            notes.push_back(su);
        if (!f.entry.name_decoded)
            notes.push_back("undecodable name");
        std::string m = "", u = "";
        if (counts && f.status) {
            m = count_or_dash(f.status->messages);
            u = count_or_dash(f.status->unseen);
        }
        std::printf("%s  %8s %8s  %s\n", fit(printable(f.entry.name), width).c_str(), m.c_str(),
                    u.c_str(), printable(join(notes, ", ")).c_str());
    }
    if (counts) {
        const auto t = queries::totals(folders);
        std::printf("%zu folders, %llu messages, %llu unseen\n", folders.size(),
                    static_cast<unsigned long long>(t.messages),
                    static_cast<unsigned long long>(t.unseen));
    }
}

void print_json(const std::vector<imap::Folder>& folders) {
    core::JsonWriter w;
    w.begin_object().key("folders").begin_array();
    for (const auto& f : folders) {
        w.begin_object();
        w.key("name").value(f.entry.name);
        w.key("raw_name").value(f.entry.raw_name);
        if (f.entry.delimiter)
            w.key("delimiter").value(std::string(1, *f.entry.delimiter));
        else
            w.key("delimiter").null();
        w.key("selectable").value(f.entry.selectable());
        w.key("special_use").text_or_null(f.entry.special_use());
        w.key("attributes").begin_array();
        for (const auto& a : f.entry.attributes)
            w.value(a);
        w.end_array();
        const std::optional<uint64_t> none;
        w.key("messages").value(f.status ? f.status->messages : none);
        w.key("unseen").value(f.status ? f.status->unseen : none);
        w.key("uidnext").value(f.status ? f.status->uidnext : none);
        w.key("uidvalidity").value(f.status ? f.status->uidvalidity : none);
        w.end_object();
    }
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
}

core::Result<int> run_folders(CLI::App& cmd, FoldersArgs& a) {
    IMM_TRY(use_account_connection(cmd, a.choice, a.conn.account, a.conn.provider));
    IMM_ASSIGN(auto client, connect_client(a.conn));
    auto listed = client->list_folders(!a.no_counts);
    client->logout();
    IMM_ASSIGN(auto folders, std::move(listed));
    queries::sort_folders(folders);
    if (a.json)
        print_json(folders);
    else
        print_human(folders, !a.no_counts);
    return kExitOk;
}

}  // namespace

void add_folders_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<FoldersArgs>();
    auto* cmd = app.add_subcommand(
        "folders",
        "List every folder of the account with decoded names, special use (\\Sent, \\Trash...) "
        "and message / unseen counts.");
    add_connection_options(*cmd, args->conn);
    add_account_connection(*cmd, args->choice, args->conn.provider);
    cmd->add_flag("--json", args->json, "Machine-readable output");
    cmd->add_flag("--no-counts", args->no_counts, "Skip STATUS (faster on huge accounts)");
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_folders(*cmd, *args), args->json);
    });
}

}  // namespace imapmirror::cli
