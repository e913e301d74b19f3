// imapmirror list FOLDER: message summaries without downloading bodies.

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "imap/internal_date.hpp"
#include "mime/header_text.hpp"

namespace imapmirror::cli {

namespace {

struct ListArgs {
    ConnectionArgs conn;
    std::string folder;
    uint32_t page = 1;
    uint32_t page_size = 0;  // 0: every message (no paging)
    bool paged() const { return page_size > 0; }
    bool desc = false;
    bool recursive = false;
    bool long_format = false;
    bool json = false;
};

struct Summary {
    uint32_t seq = 0, uid = 0;
    std::vector<std::string> flags;
    uint64_t size = 0;
    std::optional<int64_t> internal_date;
    std::string from_name, from_email, subject, message_id, list_unsubscribe, list_unsubscribe_post;
};

struct FolderListing {
    std::string folder;
    uint64_t exists = 0;
    std::optional<uint32_t> uidvalidity;
    std::vector<Summary> messages;
};

const char* kItems =
    "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE "
    "BODY.PEEK[HEADER.FIELDS (LIST-UNSUBSCRIBE LIST-UNSUBSCRIBE-POST)])";

Summary summarize(const imap::FetchData& f) {
    Summary s;
    s.seq = f.seq;
    s.uid = f.uid.value_or(0);
    if (f.flags)
        s.flags = *f.flags;
    s.size = f.size.value_or(0);
    if (f.internal_date)
        s.internal_date = imap::parse_internal_date(*f.internal_date);
    if (f.envelope) {
        s.subject = mime::decode_header_text(f.envelope->subject);
        s.message_id = f.envelope->message_id;
        if (!f.envelope->from.empty()) {
            s.from_name = mime::decode_header_text(f.envelope->from[0].name);
            s.from_email = f.envelope->from[0].email();
        }
    }
    for (const auto& sec : f.sections) {
        if (!imap::iequals(sec.name.substr(0, 18), "BODY[HEADER.FIELDS") || !sec.value->is_string())
            continue;
        auto headers = mime::parse_header_block(sec.value->text);
        s.list_unsubscribe = mime::header_value(headers, "List-Unsubscribe");
        s.list_unsubscribe_post = mime::header_value(headers, "List-Unsubscribe-Post");
    }
    return s;
}

core::Result<FolderListing> list_folder(imap::Client& client, const std::string& folder,
                                        const ListArgs& a) {
    FolderListing out;
    out.folder = folder;
    auto state = client.examine(folder);
    if (!state)
        return std::move(state).error();
    out.exists = state->exists;
    out.uidvalidity = state->uidvalidity;
    // Pages over sequence numbers: the server keeps them in UID (arrival) order, so the
    // newest messages have the highest numbers.
    uint64_t n = out.exists, k = a.paged() ? a.page_size : n, skip = uint64_t{a.page - 1} * k;
    if (skip >= n)
        return out;
    uint64_t lo, hi;
    if (a.desc) {
        hi = n - skip;
        lo = hi >= k ? hi - k + 1 : 1;
    } else {
        lo = skip + 1;
        hi = std::min(n, skip + k);
    }
    // In batches: one answer for a whole large folder would be held at once.
    constexpr uint64_t kBatch = 2000;
    for (uint64_t from = lo; from <= hi; from += kBatch) {
        const uint64_t to = std::min(hi, from + kBatch - 1);
        imap::MessageSet set{false, std::to_string(from) + ":" + std::to_string(to)};
        auto fetched =
            client.fetch(set, kItems, [&](const imap::FetchData& f) -> core::Result<void> {
                if (f.seq >= from && f.seq <= to && f.uid)
                    out.messages.push_back(summarize(f));
                return {};
            });
        if (!fetched)
            return std::move(fetched).error().with_folder(folder);
    }
    std::sort(out.messages.begin(), out.messages.end(), [&](const Summary& x, const Summary& y) {
        return a.desc ? x.seq > y.seq : x.seq < y.seq;
    });
    return out;
}

void print_human(const FolderListing& l, const ListArgs& a, bool header) {
    if (header)
        std::printf("== %s (%llu messages)\n", printable(l.folder).c_str(),
                    static_cast<unsigned long long>(l.exists));
    if (l.messages.empty()) {
        std::printf(l.exists ? "(page %u is past the last message)\n" : "(no messages)\n", a.page);
        return;
    }
    std::printf("%6s %7s  %-16s %6s  %-14s %s %s\n", "SEQ", "UID", "DATE", "SIZE", "FLAGS",
                fit("FROM", 24).c_str(), "SUBJECT");
    for (const auto& m : l.messages) {
        std::string from = m.from_name.empty() ? m.from_email : m.from_name;
        std::printf("%6u %7u  %-16s %6s  %s %s %s\n", m.seq, m.uid,
                    m.internal_date ? local_time(*m.internal_date).c_str() : "?",
                    human_size(m.size).c_str(), fit(printable(join(m.flags, " ")), 14).c_str(),
                    fit(printable(from), 24).c_str(), printable(m.subject).c_str());
        if (a.long_format) {
            if (!m.message_id.empty())
                std::printf("%15sMessage-ID: %s\n", "", printable(m.message_id).c_str());
            if (!m.list_unsubscribe.empty())
                std::printf("%15sList-Unsubscribe: %s\n", "",
                            printable(m.list_unsubscribe).c_str());
        }
    }
    if (!a.paged()) {
        std::printf("%zu messages, %s first\n", l.messages.size(), a.desc ? "newest" : "oldest");
        return;
    }
    uint64_t pages = (l.exists + a.page_size - 1) / a.page_size;
    std::printf("page %u of %llu, %zu shown, %s first\n", a.page,
                static_cast<unsigned long long>(pages), l.messages.size(),
                a.desc ? "newest" : "oldest");
}

void write_json(core::JsonWriter& w, const FolderListing& l, const ListArgs& a) {
    w.begin_object();
    w.key("folder").value(l.folder);
    w.key("exists").value(l.exists);
    w.key("uidvalidity").value(l.uidvalidity);
    if (a.paged()) {
        w.key("page").value(a.page);
        w.key("page_size").value(a.page_size);
    } else {
        w.key("page").null();
        w.key("page_size").null();
    }
    w.key("order").value(a.desc ? "newest-first" : "oldest-first");
    w.key("messages").begin_array();
    for (const auto& m : l.messages) {
        w.begin_object();
        w.key("seq").value(m.seq);
        w.key("uid").value(m.uid);
        w.key("flags").begin_array();
        for (const auto& f : m.flags)
            w.value(f);
        w.end_array();
        w.key("size").value(m.size);
        if (m.internal_date)
            w.key("internal_date").value(imap::iso8601_utc(*m.internal_date));
        else
            w.key("internal_date").null();
        w.key("from_name").value(m.from_name);
        w.key("from").value(m.from_email);
        w.key("subject").value(m.subject);
        w.key("message_id").value(m.message_id);
        w.key("list_unsubscribe").value(m.list_unsubscribe);
        w.key("list_unsubscribe_post").value(m.list_unsubscribe_post);
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

// FOLDER itself plus, with --recursive, every selectable folder below it.
core::Result<std::vector<std::string>> folders_to_list(imap::Client& client, const ListArgs& a) {
    if (!a.recursive)
        return std::vector<std::string>{a.folder};
    IMM_ASSIGN(auto all, client.list_folders(false));
    std::vector<std::string> out;
    bool found = false;
    for (const auto& f : all) {
        const auto& name = f.entry.name;
        bool self = name == a.folder || (imap::iequals(a.folder, "INBOX") && name == "INBOX");
        bool below = f.entry.delimiter && name.size() > a.folder.size() &&
                     name.compare(0, a.folder.size(), a.folder) == 0 &&
                     name[a.folder.size()] == *f.entry.delimiter;
        if (self)
            found = true;
        if ((self || below) && f.entry.selectable())
            out.push_back(name);
        if (below)
            found = true;
    }
    if (!found) {
        auto e = core::make_error(core::ErrorKind::NotFound, "no folder \"" + a.folder + "\"");
        e.hint = "list the folders with `imapmirror folders`";
        return e;
    }
    return out;
}

int run_list(const ListArgs& a) {
    auto client = connect_client(a.conn);
    if (!client)
        return report_error(client.error(), a.json);
    auto names = folders_to_list(**client, a);
    if (!names)
        return report_error(names.error(), a.json);
    std::vector<FolderListing> listings;
    for (const auto& name : *names) {
        auto l = list_folder(**client, name, a);
        if (!l) {
            (*client)->logout();
            return report_error(l.error(), a.json);
        }
        listings.push_back(std::move(l).value());
    }
    (*client)->logout();
    if (a.json) {
        core::JsonWriter w;
        if (a.recursive) {
            w.begin_object().key("folders").begin_array();
            for (const auto& l : listings)
                write_json(w, l, a);
            w.end_array().end_object();
        } else {
            write_json(w, listings[0], a);
        }
        std::printf("%s\n", w.str().c_str());
    } else {
        for (const auto& l : listings)
            print_human(l, a, a.recursive);
    }
    return kExitOk;
}

}  // namespace

void add_list_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<ListArgs>();
    auto* cmd = app.add_subcommand(
        "list",
        "List the messages of FOLDER: sequence number, UID, date, size, flags, From, Subject "
        "(--long adds Message-ID and List-Unsubscribe). Only headers are fetched.");
    add_connection_options(*cmd, args->conn);
    cmd->add_option("FOLDER", args->folder, "Folder name, decoded (e.g. INBOX, \"Entwürfe\")")
        ->required();
    auto* page = cmd->add_option("--page", args->page,
                                 "Show only page N (from 1) of --page-size messages (default "
                                 "size 50); without it and --page-size, every message is listed")
                     ->check(CLI::Range(1u, 1u << 31));
    cmd->add_option("--page-size", args->page_size, "Messages per page (turns paging on)")
        ->check(CLI::Range(1u, 100000u));
    cmd->add_flag("--desc", args->desc, "Newest first (highest sequence numbers on page 1)");
    cmd->add_flag("-r,--recursive", args->recursive, "Also list every folder below FOLDER");
    cmd->add_flag("-l,--long", args->long_format, "Also print Message-ID and List-Unsubscribe");
    cmd->add_flag("--json", args->json, "Machine-readable output (always has every field)");
    cmd->callback([args, page, &global, &exit_code] {
        global.apply();
        if (page->count() > 0 && !args->paged())
            args->page_size = 50;
        exit_code = run_list(*args);
    });
}

}  // namespace imapmirror::cli
