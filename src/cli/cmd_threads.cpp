// imapmirror threads DIR: conversations from an archive's index, no server needed.

#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "index/archive_index.hpp"
#include "sync/archive.hpp"

namespace imapmirror::cli {

namespace {

struct ThreadsArgs {
    std::string dir;
    AccountChoice choice;
    std::string folder;
    size_t limit = 50;
    bool json = false;
};

// "2024-01-03T10:00:00Z" -> "2024-01-03 10:00"
std::string short_date(const std::string& iso) {
    if (iso.size() < 16)
        return iso.empty() ? "(no date)       " : iso;
    return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

core::Result<int> run_threads(ThreadsArgs& a) {
    IMM_TRY(resolve_archive_dir(a.choice, a.dir));
    IMM_ASSIGN(auto index, index::ArchiveIndex::open_existing(sync::index_path(a.dir)));
    IMM_ASSIGN(auto threads, index.threads(a.folder, a.limit));
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("threads").begin_array();
        for (const auto& t : threads) {
            w.begin_object().key("id").value(t.id).key("subject").value(t.subject);
            w.key("first_date").value(t.first_date).key("last_date").value(t.last_date);
            w.key("messages").begin_array();
            for (const auto& m : t.messages)
                w.begin_object()
                    .key("date")
                    .value(m.date)
                    .key("from")
                    .value(m.from_addr)
                    .key("subject")
                    .value(m.subject)
                    .key("folder")
                    .value(m.folder)
                    .key("message_id")
                    .value(m.message_id)
                    .key("path")
                    .value(m.path)
                    .end_object();
            w.end_array().end_object();
        }
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return kExitOk;
    }
    if (threads.empty()) {
        std::printf("no threads%s\n",
                    a.folder.empty() ? "" : (" with messages in " + a.folder).c_str());
        return kExitOk;
    }
    for (const auto& t : threads) {
        std::printf("%s  (%zu message%s)\n",
                    printable(t.subject.empty() ? "(no subject)" : t.subject).c_str(),
                    t.messages.size(), t.messages.size() == 1 ? "" : "s");
        for (const auto& m : t.messages)
            std::printf("  %s  %s %s  %s\n", short_date(m.date).c_str(),
                        fit(printable(m.from_addr), 28).c_str(),
                        fit(printable(m.folder), 14).c_str(), printable(m.subject).c_str());
    }
    return kExitOk;
}

}  // namespace

void add_threads_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<ThreadsArgs>();
    auto* cmd = app.add_subcommand(
        "threads",
        "Show conversations from an archive (DIR as written by `export`), newest activity first, "
        "each with its messages in date order across all folders.");
    cmd->add_option("DIR", args->dir, "Archive directory (with --account: its `out`)");
    cmd->add_option("--folder", args->folder,
                    "Only threads with a message in this folder (decoded name)");
    cmd->add_option("--limit", args->limit, "At most this many threads")->capture_default_str();
    cmd->add_flag("--json", args->json, "Machine-readable output");
    add_account_options(*cmd, args->choice);
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_threads(*args), args->json);
    });
}

}  // namespace imapmirror::cli
