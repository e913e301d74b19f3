// imapmirror search DIR QUERY: full-text search of an archive, no server needed.

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "index/archive_search.hpp"

namespace imapmirror::cli {

namespace {

struct SearchArgs {
    std::string dir;
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

// "2024-01-03T10:00:00Z" -> "2024-01-03 10:00"
std::string short_date(const std::string& iso) {
    if (iso.size() < 16)
        return iso.empty() ? "(no date)" : iso;
    return iso.substr(0, 10) + " " + iso.substr(11, 5);
}

// --after/--before: a date, or a longer ISO 8601 prefix of the index's form.
bool valid_date(const std::string& d) {
    if (d.empty())
        return true;
    if (d.size() < 10 || d[4] != '-' || d[7] != '-')
        return false;
    for (size_t i : {0, 1, 2, 3, 5, 6, 8, 9})
        if (d[i] < '0' || d[i] > '9')
            return false;
    return true;
}

int run_search(SearchArgs& a) {
    for (const auto* d : {&a.query.after, &a.query.before})
        if (!valid_date(*d)) {
            auto e =
                core::make_error(core::ErrorKind::Usage,
                                 "not a date: '" + *d + "' (want YYYY-MM-DD)", core::Scope::Run);
            return report_error(e, a.json);
        }
    a.query.by_relevance = a.sort == "relevance";
    auto search = index::ArchiveSearch::open(a.dir + "/index.sqlite");
    if (!search)
        return report_error(search.error(), a.json);
    auto hits = search->search(a.query);
    if (!hits)
        return report_error(hits.error(), a.json);
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("hits").begin_array();
        for (const auto& h : *hits)
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
                .end_object();
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return kExitOk;
    }
    if (hits->empty()) {
        std::printf("no messages match\n");
        return kExitOk;
    }
    const bool tty = ::isatty(STDOUT_FILENO);
    const std::string open = tty ? "\033[1m" : "**", close = tty ? "\033[0m" : "**";
    for (const auto& h : *hits) {
        std::printf("%-6lld %s  %s  %s%s\n", static_cast<long long>(h.id),
                    short_date(h.date).c_str(), fit(printable(h.from_addr), 30).c_str(),
                    printable(h.folder).c_str(), h.expunged ? " (expunged on the server)" : "");
        std::printf("       %s\n",
                    printable(h.subject.empty() ? "(no subject)" : h.subject).c_str());
        std::printf("       %s\n", render_snippet(h.snippet, open, close).c_str());
    }
    if (hits->size() == a.query.limit)
        std::printf("(the first %zu; --limit shows more)\n", a.query.limit);
    return kExitOk;
}

}  // namespace

void add_search_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<SearchArgs>();
    auto* cmd = app.add_subcommand(
        "search",
        "Find archived messages by the words in their subject, addresses, body text and "
        "attachment names, newest first; each hit with its id (for `show`), date, sender, "
        "folder, subject and the matching words in context. Reads the archive only.\n\n"
        "QUERY is FTS5 syntax: words (all must occur), \"a phrase\", prefix*, OR, NOT, "
        "NEAR(a b), and column:word for one of subject, from_addr, to_addrs, cc_addrs, body, "
        "attachment_names. Case and accents do not matter.\n\n"
        "Examples:\n"
        "  imapmirror search ~/mail-archive invoice\n"
        "  imapmirror search ~/mail-archive '\"annual report\" NOT draft' --after 2024-01-01\n"
        "  imapmirror search ~/mail-archive 'attachment_names:pdf' --from billing --folder INBOX\n"
        "  imapmirror search ~/mail-archive 'meet*' --unread --sort relevance --json");
    cmd->add_option("DIR", args->dir,
                    "Archive directory (as written by `export`; with --account: its `out`)");
    cmd->add_option("QUERY", args->query.match, "FTS5 query (required)");
    cmd->add_option("--from", args->query.from, "Only messages whose From contains TEXT");
    cmd->add_option("--to", args->query.to, "Only messages whose To or Cc contains TEXT");
    cmd->add_option("--folder", args->query.folder,
                    "Only messages in this folder (decoded name, e.g. 'Archive/2024', or its "
                    "directory in the archive)");
    cmd->add_option("--after", args->query.after,
                    "Only messages dated on or after DATE (YYYY-MM-DD, UTC)");
    cmd->add_option("--before", args->query.before,
                    "Only messages dated before DATE (YYYY-MM-DD, UTC)");
    cmd->add_flag("--has-attachment", args->query.has_attachment,
                  "Only messages with an attachment");
    cmd->add_flag("--unread", args->query.unread, "Only messages without the \\Seen flag");
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
        if (auto dir = resolve_archive_dir(args->choice, args->dir, &args->query.match, "QUERY");
            !dir) {
            exit_code = report_error(dir.error(), args->json);
            return;
        }
        exit_code = run_search(*args);
    });
}

}  // namespace imapmirror::cli
