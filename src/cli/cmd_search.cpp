// imapmirror search DIR QUERY: full-text search of an archive, no server needed.

#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <memory>
#include <vector>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "index/archive_search.hpp"
#include "sync/archive.hpp"

namespace imapmirror::cli {

namespace {

struct SearchArgs {
    std::string dir;
    std::vector<std::string> words;  // the query as typed, maybe over several arguments
    index::SearchFilters filters;    // --from, --folder, --unread ...: query prefixes
    bool utc = false;
    AccountChoice choice;
    index::SearchQuery query;
    std::string sort = "date";
    bool json = false;
};

constexpr char kOpen = '\x02', kClose = '\x03';  // the marks the index puts around a match

// A snippet for output: matches between `open` and `close`, line breaks as spaces, and no
// control character from the message reaching the terminal.
std::string render_snippet(const std::string& snippet, const std::string& open,
                           const std::string& close) {
    std::string out, piece;
    auto flush = [&] {
        out += printable(piece);
        piece.clear();
    };
    for (char c : snippet) {
        if (c == kOpen || c == kClose) {
            flush();
            out += c == kOpen ? open : close;
        } else {
            piece += c == '\n' ? ' ' : c;
        }
    }
    flush();
    return out;
}

core::Result<int> run_search(SearchArgs& a) {
    // With --account the first positional is DIR only when it holds an archive; else it is
    // the query's first word.
    if (!a.choice.account.empty() && !a.dir.empty() &&
        !std::filesystem::exists(sync::index_path(a.dir))) {
        a.words.insert(a.words.begin(), a.dir);
        a.dir.clear();
    }
    IMM_TRY(resolve_archive_dir(a.choice, a.dir));
    std::string typed;
    for (const auto& w : a.words)
        typed += (typed.empty() ? "" : " ") + w;
    const auto zone = a.utc ? index::QueryZone::Utc : index::QueryZone::Local;
    for (const std::string& text : {typed, index::filters_as_query(a.filters)})
        IMM_TRY(index::parse_search_query(text, zone, a.query));
    a.query.by_relevance = a.sort == "relevance";
    IMM_ASSIGN(auto search, index::ArchiveSearch::open(sync::index_path(a.dir)));
    IMM_ASSIGN(const auto found, search.search(a.query));
    const auto& hits = found.hits;
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("total").value(found.total).key("hits").begin_array();
        for (const auto& h : hits) {
            w.begin_object()
                .key("id")
                .value(h.id)
                .key("date")
                .value(h.date)
                .key("from")
                .value(h.from_addr)
                .key("folder")
                .value(h.folder)
                .key("subject")
                .value(h.subject)
                .key("snippet")
                .value(render_snippet(h.snippet, "**", "**"))
                .key("path")
                .value(h.path)
                .key("expunged")
                .value(h.expunged)
                .key("rank")
                .value(h.rank)
                .key("matched_attachments")
                .begin_array();
            for (const auto& name : h.matched_attachments)
                w.value(name);
            w.end_array().end_object();
        }
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return kExitOk;
    }
    if (hits.empty()) {
        std::printf("no messages match\n");
        return kExitOk;
    }
    std::printf("%lld message%s match; times in %s\n", static_cast<long long>(found.total),
                found.total == 1 ? "" : "s", zone_statement(a.utc).c_str());
    const bool tty = ::isatty(STDOUT_FILENO);
    const std::string open = tty ? "\033[1m" : "**", close = tty ? "\033[0m" : "**";
    for (const auto& h : hits) {
        std::printf("%-6lld %s  %s  %s%s\n", static_cast<long long>(h.id),
                    shown_date(h.date, a.utc).c_str(), fit(printable(h.from_addr), 30).c_str(),
                    printable(h.folder).c_str(), h.expunged ? " (expunged on the server)" : "");
        std::printf("       %s\n",
                    printable(h.subject.empty() ? "(no subject)" : h.subject).c_str());
        std::printf("       %s\n", render_snippet(h.snippet, open, close).c_str());
        for (const auto& name : h.matched_attachments)
            std::printf("       in attachment: %s\n", printable(name).c_str());
    }
    if (static_cast<int64_t>(hits.size()) < found.total)
        std::printf("(the first %zu of %lld; --limit shows more)\n", hits.size(),
                    static_cast<long long>(found.total));
    return kExitOk;
}

}  // namespace

void add_search_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<SearchArgs>();
    auto* cmd = app.add_subcommand(
        "search",
        "Find archived messages by the words in their subject, addresses, body text and "
        "attachment names, newest first; each hit with its id (for `show`), date, sender, "
        "folder, subject and the matching words in context, and the number of hits in all. "
        "Reads the archive only.\n\n"
        "QUERY is what you would type into a mail client's search box: words (all must occur; "
        "punctuation is fine: alice@example.org, e-mail, C++, 10:30), \"a phrase\", prefix*, "
        "upper-case AND, OR, NOT, ( ), NEAR(a b), and the prefixes from: to: cc: subject: "
        "filename: body: folder: label: has:attachment is:unread is:read is:flagged "
        "after:YYYY-MM-DD before:YYYY-MM-DD. Case and accents do not matter. Filters alone are "
        "a query. Times are local unless --utc; see SEARCH QUERIES in `man imapmirror`.\n\n"
        "Examples:\n"
        "  imapmirror search ~/mail-archive invoice\n"
        "  imapmirror search ~/mail-archive 'from:alice@example.org re: meeting'\n"
        "  imapmirror search ~/mail-archive '\"annual report\" NOT draft after:2024-01-01'\n"
        "  imapmirror search ~/mail-archive 'filename:pdf folder:INBOX is:unread'\n"
        "  imapmirror search ~/mail-archive --from muller --sort relevance --json");
    cmd->add_option("DIR", args->dir,
                    "Archive directory (as written by `export`; with --account: its `out`)");
    cmd->add_option("QUERY", args->words,
                    "Search query (several arguments are one query); none: every message the "
                    "filters pass");
    cmd->add_option("--from", args->filters.from,
                    "Only messages whose From has words beginning so "
                    "(as from:TEXT)");
    cmd->add_option("--to", args->filters.to,
                    "Only messages whose To or Cc has words beginning so "
                    "(as to:TEXT)");
    cmd->add_option("--folder", args->filters.folder,
                    "Only messages in this folder (decoded name, e.g. 'Archive/2024', or its "
                    "directory in the archive; case-insensitive; as folder:NAME)");
    cmd->add_option("--label", args->filters.label,
                    "Only messages with this Gmail label (as label:NAME)");
    cmd->add_option("--after", args->filters.after,
                    "Only messages dated on or after DATE (YYYY-MM-DD, midnight local time or "
                    "UTC with --utc; as after:DATE)");
    cmd->add_option("--before", args->filters.before,
                    "Only messages dated before DATE (YYYY-MM-DD; as before:DATE)");
    cmd->add_flag("--has-attachment", args->filters.has_attachment,
                  "Only messages with an attachment (as has:attachment)");
    cmd->add_flag("--unread", args->filters.unread,
                  "Only messages without the \\Seen flag (as is:unread)");
    cmd->add_flag("--flagged", args->filters.flagged,
                  "Only messages with the \\Flagged flag (as is:flagged)");
    cmd->add_flag("--utc", args->utc,
                  "Show times, and read after:/before: dates, in UTC rather than local time");
    cmd->add_option("--limit", args->query.limit, "At most this many hits")
        ->check(CLI::Range(1, 1000000))
        ->capture_default_str();
    cmd->add_option("--sort", args->sort, "date: newest first; relevance: best match first (bm25)")
        ->check(CLI::IsMember({"date", "relevance"}))
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Machine-readable output (matches marked **like this**)");
    add_account_options(*cmd, args->choice);
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_search(*args), args->json);
    });
}

}  // namespace imapmirror::cli
