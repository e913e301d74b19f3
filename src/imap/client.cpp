#include "imap/client.hpp"

#include <algorithm>
#include <map>

#include "imap/command.hpp"
#include "transport/curl_connection.hpp"

namespace imapmirror::imap {

using core::ErrorKind;
using core::make_error;
using core::Result;

Client::Client(std::unique_ptr<transport::Stream> stream, Session::Options options)
    : m_stream(std::move(stream)), m_session(*m_stream, options) {}

Result<std::unique_ptr<Client>> Client::over(std::unique_ptr<transport::Stream> stream,
                                             Session::Options options) {
    std::unique_ptr<Client> c(new Client(std::move(stream), options));
    // Bytes that arrived with the login OK were consumed by libcurl: ask again (DESIGN.md §1).
    IMM_TRY(c->m_session.refresh_capabilities());
    return c;
}

Result<std::unique_ptr<Client>> Client::connect(const transport::ConnectOptions& options) {
    IMM_ASSIGN(auto conn, transport::CurlConnection::open(options));
    return over(std::move(conn));
}

Result<std::vector<Folder>> Client::list_folders(bool with_status) {
    std::vector<Folder> folders;
    std::map<std::string, MailboxStatus> statuses;  // by raw name
    auto on_untagged = [&](const Response& r) -> Result<void> {
        auto name = r.data_name();
        if (name == "LIST") {
            IMM_ASSIGN(auto entry, parse_list(r));
            folders.push_back(Folder{std::move(entry), std::nullopt});
        } else if (name == "STATUS") {
            IMM_ASSIGN(auto st, parse_status(r));
            if (iequals(st.raw_name, "INBOX"))
                st.raw_name = "INBOX";
            statuses[st.raw_name] = std::move(st);
        }
        return {};
    };
    // HIGHESTMODSEQ lets a re-run see flag changes without opening the folder (RFC 7162).
    const std::string kItems = std::string("MESSAGES UNSEEN UIDNEXT UIDVALIDITY") +
                               (capabilities().has("CONDSTORE") ? " HIGHESTMODSEQ" : "");
    const bool list_status = with_status && capabilities().has("LIST-STATUS");
    std::string cmd = "LIST \"\" \"*\"";
    if (list_status)
        cmd += std::string(" RETURN (") +
               (capabilities().has("SPECIAL-USE") ? "SPECIAL-USE " : "") + "STATUS (" + kItems +
               "))";
    else if (capabilities().has("SPECIAL-USE") && capabilities().has("LIST-EXTENDED"))
        cmd += " RETURN (SPECIAL-USE)";
    IMM_TRY(m_session.run(cmd, on_untagged));

    if (with_status && !list_status) {
        // Pipelined STATUS for every selectable folder: one window of round trips, not N.
        std::vector<std::string> tags;
        for (const auto& f : folders) {
            if (!f.entry.selectable())
                continue;
            IMM_ASSIGN(std::string arg, quote_astring(f.entry.raw_name));
            IMM_ASSIGN(std::string tag,
                       m_session.submit("STATUS " + arg + " (" + kItems + ")", on_untagged));
            tags.push_back(tag);
        }
        for (const auto& tag : tags) {
            IMM_ASSIGN(Completion c, m_session.wait(tag));
            (void)c;  // a folder that vanished meanwhile simply has no counts
        }
    }
    for (auto& f : folders) {
        auto it = statuses.find(f.entry.raw_name);
        if (it != statuses.end())
            f.status = it->second;
    }
    return folders;
}

Result<MailboxState> Client::examine(const std::string& folder) {
    IMM_ASSIGN(std::string arg, mailbox_argument(folder));
    MailboxState state;
    auto handler = [&](const Response& r) -> Result<void> {
        state.absorb(r);
        return {};
    };
    std::string cmd = "EXAMINE " + arg;
    if (capabilities().has("CONDSTORE"))
        cmd += " (CONDSTORE)";
    auto tag = m_session.submit(cmd, handler);
    if (!tag)
        return std::move(tag).error();
    IMM_ASSIGN(Completion c, m_session.wait(*tag));
    if (!c.ok()) {
        auto e = completion_error(c, "EXAMINE");
        // Dovecot says NO [NONEXISTENT]; others just NO "Mailbox doesn't exist".
        if (c.status == "NO")
            e.kind = ErrorKind::NotFound;
        e.message = "cannot open the folder";
        if (e.kind == ErrorKind::NotFound)
            e.hint = "list the folders with `imapmirror folders`";
        e.folder = folder;
        return e;
    }
    state.absorb(Response{ResponseKind::Tagged, c.tag, c.status, c.code, c.text, {}, 0});
    return state;
}

Result<std::vector<uint32_t>> Client::uid_search(const std::string& criteria) {
    const bool esearch = capabilities().has("ESEARCH");
    std::vector<uint32_t> uids;
    auto handler = [&](const Response& r) -> Result<void> {
        auto name = r.data_name();
        if (name != "SEARCH" && name != "ESEARCH")
            return {};
        IMM_ASSIGN(auto found, parse_search(r));
        uids.insert(uids.end(), found.begin(), found.end());
        return {};
    };
    IMM_TRY(m_session.run(
        esearch ? "UID SEARCH RETURN (ALL) " + criteria : "UID SEARCH " + criteria, handler));
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return uids;
}

Result<void> Client::fetch(const MessageSet& messages, const std::string& items,
                           const std::function<Result<void>(const FetchData&)>& on_fetch) {
    auto handler = [&](const Response& r) -> Result<void> {
        if (!is_fetch(r))
            return {};  // EXISTS/EXPUNGE/FLAGS meanwhile: not ours to act on here
        IMM_ASSIGN(auto data, parse_fetch(r));
        return on_fetch(data);
    };
    std::string cmd =
        std::string(messages.by_uid ? "UID FETCH " : "FETCH ") + messages.set + " " + items;
    IMM_TRY(m_session.run(cmd, handler));
    return {};
}

}  // namespace imapmirror::imap
