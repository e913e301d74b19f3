// imapmirror reindex DIR: body text and full-text index from the archive's .eml files.

#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/interrupt.hpp"
#include "core/json.hpp"
#include "sync/reindexer.hpp"

namespace imapmirror::cli {

namespace {

struct ReindexArgs {
    std::string dir;
    AccountChoice choice;
    bool all = false;
    bool json = false;
    bool quiet = false;
};

core::Result<int> run_reindex(ReindexArgs& a) {
    IMM_TRY(resolve_archive_dir(a.choice, a.dir));
    core::install_interrupt_handler();
    sync::ReindexOptions options;
    options.root = a.dir;
    options.all = a.all;
    // Progress on a terminal only, at most five times a second.
    const bool show = !a.json && !a.quiet && ::isatty(STDERR_FILENO);
    auto last = std::chrono::steady_clock::time_point{};
    auto progress = [&](const sync::ReindexProgress& p) {
        const auto now = std::chrono::steady_clock::now();
        if (!show || (now - last < std::chrono::milliseconds(200) && p.done < p.total))
            return;
        last = now;
        std::fprintf(stderr, "\r\033[Kreindex: %llu/%llu messages",
                     static_cast<unsigned long long>(p.done),
                     static_cast<unsigned long long>(p.total));
        std::fflush(stderr);
    };
    auto reindexed = sync::reindex(options, progress);
    if (show)
        std::fprintf(stderr, "\r\033[K");
    IMM_ASSIGN(const auto summary, std::move(reindexed));
    const int code = summary.missing ? kExitPartial : kExitOk;
    if (a.json) {
        core::JsonWriter w;
        w.begin_object()
            .key("read")
            .value(summary.read)
            .key("from_html")
            .value(summary.html)
            .key("truncated")
            .value(summary.truncated)
            .key("unreadable")
            .value(summary.missing)
            .key("attachment_texts")
            .value(summary.attachments)
            .key("attachment_texts_failed")
            .value(summary.attachments_failed)
            .key("exit_code")
            .value(code)
            .end_object();
        std::printf("%s\n", w.str().c_str());
    } else if (!a.quiet) {
        std::printf("reindexed %llu message%s (%llu from HTML, %llu cut at the size cap)",
                    static_cast<unsigned long long>(summary.read), summary.read == 1 ? "" : "s",
                    static_cast<unsigned long long>(summary.html),
                    static_cast<unsigned long long>(summary.truncated));
        if (summary.missing)
            std::printf(
                "; %llu .eml file%s could not be read (see above; `imapmirror verify` "
                "checks the archive)",
                static_cast<unsigned long long>(summary.missing), summary.missing == 1 ? "" : "s");
        std::printf("\n");
        if (summary.attachments)
            std::printf(
                "read the text of %llu attachment%s (%llu unreadable: `imapmirror show` "
                "says why)\n",
                static_cast<unsigned long long>(summary.attachments),
                summary.attachments == 1 ? "" : "s",
                static_cast<unsigned long long>(summary.attachments_failed));
    }
    return code;
}

}  // namespace

void add_reindex_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<ReindexArgs>();
    auto* cmd = app.add_subcommand(
        "reindex",
        "Read the body text of archived messages, and the text of their attachments, from their "
        ".eml files into the search index, without contacting the server. Upgrades an archive made "
        "by an older imapmirror (or "
        "exported with --no-bodies) so that `search` finds words in bodies. Only messages "
        "without body text, and attachments without text, are read: an interrupted run goes on "
        "where it stopped, and a second "
        "run has nothing to do.\n\n"
        "Examples:\n"
        "  imapmirror reindex ~/mail-archive\n"
        "  imapmirror reindex ~/mail-archive --all   # read every body again");
    cmd->add_option("DIR", args->dir,
                    "Archive directory (as written by `export`; with --account: its `out`)");
    cmd->add_flag("--all", args->all,
                  "Forget the body text already indexed and read every message again (after an "
                  "upgrade of imapmirror that reads bodies better)");
    cmd->add_flag("--json", args->json, "Machine-readable summary on stdout");
    add_account_options(*cmd, args->choice);
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        args->quiet = global.quiet;
        exit_code = exit_code_or_error(run_reindex(*args), args->json);
    });
}

}  // namespace imapmirror::cli
