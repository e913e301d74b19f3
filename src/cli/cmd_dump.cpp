// imapmirror dump DIR --format maildir|mbox --to PATH: the archive as mail programs open it.

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "cli/status_line.hpp"
#include "core/json.hpp"
#include "sync/dumper.hpp"

namespace imapmirror::cli {

namespace {

struct DumpArgs {
    sync::DumpOptions options;
    std::string format = "maildir";
    AccountChoice choice;
    bool json = false;
    bool quiet = false;
};

void print_summary(const DumpArgs& a, const sync::DumpPlan& plan, const sync::DumpSummary& s) {
    const auto& o = a.options;
    if (a.json) {
        core::JsonWriter w;
        w.begin_object()
            .key("archive")
            .value(o.archive)
            .key("target")
            .value(o.target)
            .key("format")
            .value(a.format)
            .key("folders")
            .value(s.folders)
            .key("messages")
            .value(s.messages)
            .key("bytes")
            .value(s.bytes)
            .key("linked")
            .value(s.linked)
            .key("copied")
            .value(s.copied)
            .key("renamed")
            .value(s.renamed)
            .key("removed")
            .value(s.removed)
            .key("unchanged")
            .value(s.unchanged);
        w.key("unmatched_patterns").begin_array();
        for (const auto& u : plan.unmatched)
            w.value(sync::describe(u));
        w.end_array().key("errors").begin_array();
        for (const auto& e : s.errors) {
            w.begin_object().key("message").value(e.describe()).key("folder").value(e.folder);
            if (e.uid)
                w.key("uid").value(static_cast<uint64_t>(*e.uid));
            w.end_object();
        }
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return;
    }
    for (const auto& e : s.errors)
        std::fprintf(stderr, "imapmirror: error: %s\n", e.describe().c_str());
    if (a.quiet)
        return;
    std::string line = "dumped " + std::to_string(s.folders) + " folder" +
                       (s.folders == 1 ? "" : "s") + ", " + std::to_string(s.messages) +
                       " messages (" + human_size(s.bytes) + ") as " + a.format + " into " +
                       printable(o.target);
    if (plan.format == sync::DumpFormat::Maildir)
        line += ": " + std::to_string(s.linked + s.copied) + " added (" + std::to_string(s.copied) +
                " copied where a hard link was refused), " + std::to_string(s.renamed) +
                " renamed, " + std::to_string(s.removed) + " removed, " +
                std::to_string(s.unchanged) + " unchanged";
    std::printf("%s\n", line.c_str());
    if (!s.errors.empty())
        std::printf("%zu error%s (above); run the dump again once they are fixed\n",
                    s.errors.size(), s.errors.size() == 1 ? "" : "s");
}

core::Result<int> run_dump(CLI::App& cmd, DumpArgs& a) {
    IMM_TRY(apply_account(cmd, a.choice));
    IMM_TRY(resolve_archive_dir(a.choice, a.options.archive));
    strip_trailing_slashes(a.options.target);
    a.options.format = a.format == "mbox" ? sync::DumpFormat::Mbox : sync::DumpFormat::Maildir;
    IMM_ASSIGN(const auto plan, sync::plan_dump(a.options));
    if (!a.json)
        for (const auto& u : plan.unmatched)
            std::fprintf(stderr, "imapmirror: warning: %s\n", sync::describe(u).c_str());
    StatusLine status(!a.json && !a.quiet && ::isatty(STDERR_FILENO));
    auto dumped = sync::apply_dump(plan, a.options, [&](const sync::DumpProgress& p) {
        if (status.due(p.done == p.total))
            status.draw("dump: " + std::to_string(p.done) + "/" + std::to_string(p.total) +
                        " messages");
    });
    status.clear();
    IMM_ASSIGN(const auto summary, std::move(dumped));
    print_summary(a, plan, summary);
    return summary.errors.empty() ? kExitOk : kExitPartial;
}

}  // namespace

void add_dump_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<DumpArgs>();
    auto* cmd = app.add_subcommand(
        "dump",
        "Write the archive's live messages (DIR as written by `export`) to PATH as Maildir or "
        "mbox, for mail programs and indexers (neomutt, notmuch, mu, Thunderbird). A later "
        "dump brings PATH up to date: Maildir adds new messages, renames for changed flags "
        "and removes what was expunged; mbox rewrites each folder's file. Never writes into "
        "DIR.");
    cmd->add_option("DIR", args->options.archive,
                    "Archive directory (default with --account: the account's `out`)");
    cmd->add_option("--to", args->options.target,
                    "Dump target directory, outside DIR (created when missing)")
        ->required()
        ->type_name("PATH");
    cmd->add_option("--format", args->format,
                    "maildir: one maildir per folder, nested (cur/ new/ tmp/, flags in the "
                    ":2, suffix, each message a hard link to its .eml where possible); "
                    "mbox: one mboxrd file FOLDER.mbox per folder, LF line endings")
        ->check(CLI::IsMember({"maildir", "mbox"}))
        ->capture_default_str();
    cmd->add_option("--include", args->options.include,
                    "Only folders matching GLOB (repeatable), as export")
        ->type_name("GLOB");
    cmd->add_option("--exclude", args->options.exclude,
                    "Skip folders matching GLOB (repeatable), as export")
        ->type_name("GLOB");
    cmd->add_flag("--mozilla-status", args->options.mozilla_status,
                  "mbox: begin each message with an X-Mozilla-Status line carrying its "
                  "read, replied, flagged and forwarded state for Thunderbird's import");
    add_account_options(*cmd, args->choice);
    cmd->add_flag("--json", args->json, "Machine-readable summary");
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        args->quiet = global.quiet;
        exit_code = exit_code_or_error(run_dump(*cmd, *args), args->json);
    });
}

}  // namespace imapmirror::cli
