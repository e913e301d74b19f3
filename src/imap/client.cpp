#include "imap/client.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include "core/log.hpp"
#include "core/utf8.hpp"
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

LiteralForm Client::literal_form(size_t size) const {
    return m_session.non_synchronizing_literal(size) ? LiteralForm::NonSynchronizing
                                                     : LiteralForm::Synchronizing;
}

namespace {
core::Error folder_error(core::Error e, const std::string& folder, std::string message) {
    e.scope = core::Scope::Folder;
    e.message = std::move(message) + ": " + e.message;
    e.folder = folder;
    return e;
}
}  // namespace

// What a listing gathers before the counts are joined to their folders.
struct Client::ListingState {
    FolderListing out;
    std::map<std::string, MailboxStatus> statuses;  // by raw name
    std::map<std::string, core::Error> failed;      // by raw name
    size_t held = 0;                                // bytes of the responses kept
    size_t max_bytes = 0;

    void keep_status(MailboxStatus st) {
        if (iequals(st.raw_name, "INBOX"))
            st.raw_name = "INBOX";
        statuses[st.raw_name] = std::move(st);
    }
    Result<void> hold(const Response& r) {
        held += r.held_bytes;
        if (held <= max_bytes)
            return {};
        return make_error(ErrorKind::Limit, "the server's folder list holds more than " +
                                                std::to_string(max_bytes) + " bytes");
    }
};

Result<FolderListing> Client::list_folder_tree(bool with_status, size_t max_bytes,
                                               bool append_limits) {
    ListingState state;
    state.max_bytes = max_bytes;
    // HIGHESTMODSEQ lets a re-run see flag changes without opening the folder (RFC 7162).
    std::string items = std::string("MESSAGES UNSEEN UIDNEXT UIDVALIDITY") +
                        (capabilities().has("CONDSTORE") ? " HIGHESTMODSEQ" : "");
    // RFC 7889 section 3.2: only a bare "APPENDLIMIT" says the limits are per folder (with =n
    // the one limit is in the capability), and Cyrus, which announces APPENDLIMIT=n, refuses
    // the whole LIST-STATUS with BAD for the item.
    if (append_limits && capabilities().has("APPENDLIMIT"))
        items += " APPENDLIMIT";
    const bool list_status = with_status && capabilities().has("LIST-STATUS");
    // Every handler below writes into this frame: the scope makes sure none outlives it.
    CommandScope scope(m_session);
    IMM_TRY(read_list(scope, state, list_status ? items : ""));
    if (with_status && !list_status)
        IMM_TRY(status_each(scope, state, items));

    for (auto& f : state.out.folders) {
        auto it = state.statuses.find(f.entry.raw_name);
        if (it != state.statuses.end()) {
            f.status = it->second;
            continue;
        }
        auto bad = state.failed.find(f.entry.raw_name);
        if (bad != state.failed.end()) {
            bad->second.folder = f.entry.name;
            f.error = bad->second;
            state.out.errors.push_back(bad->second);
        }
    }
    return std::move(state.out);
}

Result<bool> Client::enable_utf8() {
    if (m_utf8)
        return true;
    if (!capabilities().has("UTF8=ACCEPT") || !capabilities().has("ENABLE"))
        return false;
    bool enabled = false;
    IMM_ASSIGN(Completion c, m_session.run("ENABLE UTF8=ACCEPT", [&](const Response& r) {
        if (r.data_name() == "ENABLED")
            for (size_t i = 1; i < r.data.size(); ++i)
                if (r.data[i].is_atom() && iequals(r.data[i].text, "UTF8=ACCEPT"))
                    enabled = true;
        return Result<void>{};
    }));
    m_utf8 = c.ok() && enabled;
    return m_utf8;
}

namespace {
// With UTF8=ACCEPT a LIST name is UTF-8 (RFC 6855 section 3), never modified UTF-7: "A&-B"
// is those four characters. A name that is not valid UTF-8 is unreadable.
Result<ListEntry> as_utf8_name(ListEntry e, const Response& r) {
    for (size_t i = 0; i < e.raw_name.size();) {
        const size_t n = core::utf8_sequence_length(e.raw_name, i);
        if (n == 0)
            return make_error(
                ErrorKind::Parse,
                "a folder name is not UTF-8 although UTF8=ACCEPT is enabled: " + r.summary());
        i += n;
    }
    e.name = e.raw_name;
    e.name_decoded = true;
    return e;
}
}  // namespace

// LIST "" "*", with LIST-STATUS counts when `status_items` is not empty (RFC 5819).
Result<void> Client::read_list(CommandScope& scope, ListingState& state,
                               const std::string& status_items) {
    std::string cmd = "LIST \"\" \"*\"";
    if (!status_items.empty())
        cmd += std::string(" RETURN (") +
               (capabilities().has("SPECIAL-USE") ? "SPECIAL-USE " : "") + "STATUS (" +
               status_items + "))";
    else if (capabilities().has("SPECIAL-USE") && capabilities().has("LIST-EXTENDED"))
        cmd += " RETURN (SPECIAL-USE)";
    auto on_list = [&](const Response& r) -> Result<void> {
        auto name = r.data_name();
        if (name != "LIST" && name != "STATUS")
            return {};
        IMM_TRY(state.hold(r));
        if (name == "LIST") {
            auto entry = parse_list(r);
            if (entry && m_utf8)
                entry = as_utf8_name(std::move(*entry), r);
            if (!entry) {
                state.out.errors.push_back(folder_error(
                    std::move(entry).error(), "", "a folder in the server's list is unreadable"));
                return {};
            }
            state.out.folders.push_back(
                Folder{std::move(entry).value(), std::nullopt, std::nullopt});
            return {};
        }
        // RFC 5819 §2: a folder's STATUS follows its LIST entry, so the last entry names it.
        std::string listed =
            state.out.folders.empty() ? "" : state.out.folders.back().entry.raw_name;
        auto st = parse_status(r, listed);
        if (!st) {
            auto e =
                folder_error(std::move(st).error(), listed, "the folder's counts are unreadable");
            if (listed.empty())
                state.out.errors.push_back(std::move(e));
            else
                state.failed.emplace(listed, std::move(e));
            return {};
        }
        state.keep_status(std::move(st).value());
        return {};
    };
    IMM_TRY(scope.run(cmd, on_list));
    return {};
}

// Pipelined STATUS for every selectable folder: one window of round trips, not N. Returns
// only with none of them in flight.
Result<void> Client::status_each(CommandScope& scope, ListingState& state,
                                 const std::string& items) {
    std::vector<std::pair<std::string, std::string>> asked;  // raw name, tag
    for (auto& f : state.out.folders) {
        if (!f.entry.selectable())
            continue;
        const std::string& raw = f.entry.raw_name;
        auto arg = quote_astring(raw, literal_form(raw.size()), quoted_text());
        if (!arg) {
            state.failed.emplace(raw, folder_error(std::move(arg).error(), f.entry.name,
                                                   "cannot ask for the folder's counts"));
            continue;
        }
        auto on_status = [&state, raw](const Response& r) -> Result<void> {
            if (r.data_name() != "STATUS")
                return {};
            IMM_TRY(state.hold(r));
            // The name we asked for lets us read imap4d's unquoted "My Folder".
            auto st = parse_status(r, raw);
            if (!st) {
                state.failed.emplace(raw, folder_error(std::move(st).error(), raw,
                                                       "the folder's counts are unreadable"));
                return {};
            }
            state.keep_status(std::move(st).value());
            return {};
        };
        IMM_ASSIGN(std::string tag, scope.submit("STATUS " + *arg + " (" + items + ")", on_status));
        asked.emplace_back(raw, tag);
    }
    for (const auto& [raw, tag] : asked) {
        IMM_ASSIGN(Completion c, scope.wait(tag));
        if (c.ok())
            continue;
        auto e = completion_error(c, "STATUS");
        if (e.scope == core::Scope::Session) {
            // Throttled or worse: the rest would fail alike. Read them out to keep the
            // connection; if that fails too the scope closes it.
            (void)scope.drain();
            return e;
        }
        // A folder that vanished meanwhile simply has no counts.
        if (e.kind != ErrorKind::NotFound)
            state.failed.emplace(raw, folder_error(std::move(e), raw, "no counts for the folder"));
    }
    return {};
}

Result<std::vector<Folder>> Client::list_folders(bool with_status) {
    IMM_ASSIGN(auto listing, list_folder_tree(with_status));
    for (const auto& e : listing.errors)
        core::warn(e.describe());
    return std::move(listing.folders);
}

Result<MailboxState> Client::examine(const std::string& folder) {
    IMM_ASSIGN(std::string arg,
               mailbox_argument(folder, LiteralForm::Synchronizing, quoted_text()));
    MailboxState state;
    auto handler = [&](const Response& r) -> Result<void> {
        state.absorb(r);
        return {};
    };
    std::string cmd = "EXAMINE " + arg;
    if (capabilities().has("CONDSTORE"))
        cmd += " (CONDSTORE)";
    CommandScope scope(m_session);
    auto tag = scope.submit(cmd, handler);
    if (!tag)
        return std::move(tag).error();
    IMM_ASSIGN(Completion c, scope.wait(*tag));
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

bool refused_charset(const core::Error& error) {
    // completion_error writes the answer as "NO [CODE ...] text".
    return error.server_reply.rfind("NO [BADCHARSET", 0) == 0;
}

Result<std::vector<uint32_t>> Client::uid_search(const std::string& criteria) {
    const bool esearch = capabilities().has("ESEARCH");
    // A folder cannot hold more UIDs than messages; slack for mail arriving meanwhile.
    const uint64_t limit =
        m_session.exists() ? *m_session.exists() + kSearchSlack : kMaxExpandedNumbers;
    std::vector<uint32_t> uids;
    auto handler = [&](const Response& r) -> Result<void> {
        auto name = r.data_name();
        if (name != "SEARCH" && name != "ESEARCH")
            return {};
        IMM_ASSIGN(auto found, parse_search(r, limit - std::min<uint64_t>(limit, uids.size())));
        uids.insert(uids.end(), found.begin(), found.end());
        return {};
    };
    CommandScope scope(m_session);
    IMM_TRY(scope.run(esearch ? "UID SEARCH RETURN (ALL) " + criteria : "UID SEARCH " + criteria,
                      handler));
    std::sort(uids.begin(), uids.end());
    uids.erase(std::unique(uids.begin(), uids.end()), uids.end());
    return uids;
}

namespace {
std::string fetch_command(const MessageSet& messages) {
    return messages.by_uid ? "UID FETCH" : "FETCH";
}
}  // namespace

Result<void> Client::fetch(const MessageSet& messages, const std::string& items,
                           const std::function<Result<void>(const FetchData&)>& on_fetch) {
    FetchRequest request;
    request.items = items;
    request.on_message = on_fetch;
    IMM_ASSIGN(auto refused, fetch_streamed({messages}, request));
    if (!refused.empty())
        return completion_error(refused.front().answer, fetch_command(messages));
    return {};
}

Result<std::vector<FetchRefusal>> Client::fetch_streamed(const std::vector<MessageSet>& sets,
                                                         const FetchRequest& request) {
    // Set once the fetch must end; from then on answers are read but not acted on.
    std::optional<core::Error> stop;
    auto handler = [&](const Response& r) -> Result<void> {
        if (stop || !is_fetch(r))
            return {};  // EXISTS/EXPUNGE/FLAGS meanwhile: not ours to act on here
        auto data = parse_fetch(r);
        if (!data)
            stop = std::move(data).error();
        else if (auto done = request.on_message(*data); !done)
            stop = std::move(done).error();
        return {};
    };
    // The handler and router refer to this frame: the scope makes sure neither outlives it.
    CommandScope scope(m_session);
    if (request.body_sink)
        scope.set_literal_router([&](const LiteralContext& ctx) -> LiteralSink* {
            if (ctx.response.numbered_name() != "FETCH" ||
                !iequals(ctx.item, request.streamed_section))
                return nullptr;
            return stop ? &discarding_sink() : request.body_sink();
        });
    std::vector<FetchRefusal> refused;
    std::deque<std::pair<std::string, size_t>> in_flight;  // tag, index into sets
    size_t next = 0;
    for (;;) {
        while (!stop && next < sets.size() && in_flight.size() < m_session.window()) {
            const auto& set = sets[next];
            IMM_ASSIGN(
                std::string tag,
                scope.submit(fetch_command(set) + " " + set.set + " " + request.items, handler));
            in_flight.emplace_back(std::move(tag), next++);
        }
        if (in_flight.empty())
            break;
        // An error here means the session broke: nobody reads it again, nothing to drain.
        IMM_ASSIGN(Completion done, scope.wait(in_flight.front().first));
        const size_t index = in_flight.front().second;
        in_flight.pop_front();
        if (done.ok() || stop)
            continue;
        // A throttling NO too: it costs this set, which the caller retries after a pause,
        // never the connection or the sets that went through.
        if (done.status == "NO") {
            refused.push_back(FetchRefusal{index, std::move(done)});
            continue;
        }
        // BAD: the command itself is wrong for this folder.
        stop = completion_error(done, fetch_command(sets[index]));
        stop->scope = core::Scope::Folder;
    }
    if (stop)
        return std::move(*stop);
    return refused;
}

}  // namespace imapmirror::imap
