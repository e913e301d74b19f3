// imapmirror list FOLDER: message summaries without downloading bodies.

#include <algorithm>
#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "imap/internal_date.hpp"
#include "queries/message_listing.hpp"

namespace imapmirror::cli {

namespace {

struct ListArgs {
    ConnectionArgs conn;
    AccountChoice choice;
    std::string folder;
    queries::ListRequest request;
    std::string since, before;
    bool recursive = false;
    bool long_format = false;
    bool json = false;
};

using queries::FolderListing;

void print_human(const FolderListing& l, const queries::Page& a, bool long_format, bool header) {
    if (header)
        std::printf("== %s (%llu messages)\n", printable(l.folder).c_str(),
                    static_cast<unsigned long long>(l.exists));
    if (l.matched)
        std::printf("%llu of %llu messages match\n", static_cast<unsigned long long>(*l.matched),
                    static_cast<unsigned long long>(l.exists));
    if (l.messages.empty()) {
        std::printf(l.total() ? "(page %u is past the last message)\n" : "(no messages)\n", a.page);
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
        if (long_format) {
            if (!m.message_id.empty())
                std::printf("%15sMessage-ID: %s\n", "", printable(m.message_id).c_str());
            if (!m.list_unsubscribe.empty())
                std::printf("%15sList-Unsubscribe: %s\n", "",
                            printable(m.list_unsubscribe).c_str());
        }
        // A server (and a sender) controls these: printable() escapes them.
        for (const auto& h : m.extra_headers)
            for (const auto& v : h.values)
                std::printf("%15s%s: %s\n", "", printable(h.name).c_str(), printable(v).c_str());
    }
    if (!a.paged()) {
        std::printf("%zu messages, %s first\n", l.messages.size(),
                    a.newest_first ? "newest" : "oldest");
        return;
    }
    uint64_t pages = a.count(l.total());
    std::printf("page %u of %llu, %zu shown, %s first\n", a.page,
                static_cast<unsigned long long>(pages), l.messages.size(),
                a.newest_first ? "newest" : "oldest");
}

void write_json(core::JsonWriter& w, const FolderListing& l, const queries::Page& a) {
    w.begin_object();
    w.key("folder").value(l.folder);
    w.key("exists").value(l.exists);
    w.key("uidvalidity").value(l.uidvalidity);
    if (l.matched)
        w.key("matched").value(*l.matched);
    else
        w.key("matched").null();
    if (a.paged()) {
        w.key("page").value(a.page);
        w.key("page_size").value(a.page_size);
    } else {
        w.key("page").null();
        w.key("page_size").null();
    }
    w.key("order").value(a.newest_first ? "newest-first" : "oldest-first");
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
        w.key("to").value(m.to);
        w.key("cc").value(m.cc);
        w.key("date").value(m.date);
        w.key("headers").begin_object();
        for (const auto& h : m.extra_headers) {
            w.key(h.name).begin_array();
            for (const auto& v : h.values)
                w.value(v);
            w.end_array();
        }
        w.end_object();
        w.end_object();
    }
    w.end_array();
    w.end_object();
}

// The options the server never sees checked before connecting: a usage error costs no login.
core::Result<void> check_list_request(ListArgs& a) {
    for (const auto& name : a.request.headers)
        IMM_TRY(queries::check_header_name(name));
    if (!a.since.empty()) {
        IMM_ASSIGN(a.request.search.since, queries::parse_search_date(a.since, "--since"));
    }
    if (!a.before.empty()) {
        IMM_ASSIGN(a.request.search.before, queries::parse_search_date(a.before, "--before"));
    }
    return {};
}

core::Result<int> run_list(CLI::App& cmd, const CLI::Option& page, ListArgs& a) {
    IMM_TRY(use_account_connection(cmd, a.choice, a.conn.account, a.conn.provider));
    if (page.count() > 0 && !a.request.page.paged())
        a.request.page.page_size = 50;
    IMM_TRY(check_list_request(a));
    IMM_ASSIGN(auto client, connect_client(a.conn));
    std::vector<FolderListing> listings;
    auto listed = [&]() -> core::Result<void> {
        IMM_ASSIGN(const auto names, queries::folders_to_list(*client, a.folder, a.recursive));
        for (const auto& name : names) {
            IMM_ASSIGN(auto l, queries::list_folder(*client, name, a.request));
            listings.push_back(std::move(l));
        }
        return {};
    }();
    client->logout();
    IMM_TRY(listed);
    if (a.json) {
        core::JsonWriter w;
        if (a.recursive) {
            w.begin_object().key("folders").begin_array();
            for (const auto& l : listings)
                write_json(w, l, a.request.page);
            w.end_array().end_object();
        } else {
            write_json(w, listings[0], a.request.page);
        }
        std::printf("%s\n", w.str().c_str());
    } else {
        for (const auto& l : listings)
            print_human(l, a.request.page, a.long_format, a.recursive);
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
    add_account_connection(*cmd, args->choice, args->conn.provider);
    cmd->add_option("FOLDER", args->folder, "Folder name, decoded (e.g. INBOX, \"Entwürfe\")")
        ->required();
    auto* page = cmd->add_option("--page", args->request.page.page,
                                 "Show only page N (from 1) of --page-size messages (default "
                                 "size 50); without it and --page-size, every message is listed")
                     ->check(CLI::Range(1u, 1u << 31));
    cmd->add_option("--page-size", args->request.page.page_size,
                    "Messages per page (turns paging on)")
        ->check(CLI::Range(1u, 100000u));
    cmd->add_flag("--desc", args->request.page.newest_first,
                  "Newest first (highest sequence numbers on page 1)");
    cmd->add_option("--header", args->request.headers,
                    "Also fetch and show header field NAME (repeatable; e.g. X-Mailer); "
                    "--json has them under \"headers\"")
        ->type_name("NAME");
    cmd->add_option("--since", args->since,
                    "Only messages that arrived on or after DATE (YYYY-MM-DD; IMAP SEARCH SINCE)")
        ->type_name("DATE");
    cmd->add_option("--before", args->before,
                    "Only messages that arrived before DATE (YYYY-MM-DD; IMAP SEARCH BEFORE)")
        ->type_name("DATE");
    cmd->add_flag("--unseen", args->request.search.unseen, "Only messages without \\Seen");
    cmd->add_option("--from", args->request.search.from,
                    "Only messages whose From contains TEXT (the server's SEARCH FROM)")
        ->type_name("TEXT");
    cmd->add_option("--subject", args->request.search.subject,
                    "Only messages whose Subject contains TEXT (the server's SEARCH SUBJECT)")
        ->type_name("TEXT");
    cmd->add_flag("-r,--recursive", args->recursive, "Also list every folder below FOLDER");
    cmd->add_flag("-l,--long", args->long_format, "Also print Message-ID and List-Unsubscribe");
    cmd->add_flag("--json", args->json, "Machine-readable output (always has every field)");
    cmd->callback([cmd, args, page, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_list(*cmd, *page, *args), args->json);
    });
}

}  // namespace imapmirror::cli
