#include "sync/folder_sync.hpp"

#include <algorithm>
#include <deque>
#include <map>

#include "core/interrupt.hpp"
#include "imap/command.hpp"
#include "imap/internal_date.hpp"
#include "mime/message_parser.hpp"
#include "store/mirror_layout.hpp"
#include "store/sha256.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

std::string stored_flags(const std::vector<std::string>& flags) {
    std::string out;
    for (const auto& f : flags) {
        if (imap::iequals(f, "\\Recent"))
            continue;
        out += (out.empty() ? "" : " ") + f;
    }
    return out;
}

FolderSync::FolderSync(imap::Client& client, index::ArchiveIndex& index,
                       const ExportOptions& options, const index::FolderRecord& folder,
                       ExportSummary& summary, Progress& progress,
                       const std::function<void(const Progress&)>& on_progress)
    : m_client(client),
      m_index(index),
      m_options(options),
      m_folder(folder),
      m_summary(summary),
      m_progress(progress),
      m_on_progress(on_progress),
      m_dir(options.root + "/" + folder.path),
      m_batch(options.root) {}

Result<void> FolderSync::run() {
    auto state = m_client.examine(m_folder.name);
    if (!state)
        return std::move(state).error().with_folder(m_folder.name);
    if (!state->uidvalidity) {
        auto e =
            core::make_error(ErrorKind::Protocol, "the server gave no UIDVALIDITY", Scope::Folder);
        e.folder = m_folder.name;
        return e;
    }
    m_uidvalidity = *state->uidvalidity;
    const bool epoch_changed = m_folder.uidvalidity && *m_folder.uidvalidity != m_uidvalidity;

    IMM_ASSIGN(uint32_t archived_max, m_index.max_uid(m_folder.id, m_uidvalidity));
    std::vector<uint32_t> to_fetch;
    if (state->exists > 0) {
        if (epoch_changed) {
            // Every UID is new to us: match what we already have, fetch only the rest.
            std::vector<uint32_t> server_uids;
            IMM_TRY(remap_epoch(server_uids));
            IMM_ASSIGN(auto live, m_index.live_uids(m_folder.id, m_uidvalidity));
            std::set_difference(server_uids.begin(), server_uids.end(), live.begin(), live.end(),
                                std::back_inserter(to_fetch));
        } else {
            IMM_ASSIGN(to_fetch,
                       m_client.uid_search("UID " + std::to_string(archived_max + 1) + ":*"));
            // "N:*" matches the last message even when its UID is below N (RFC 3501 §6.4.8).
            to_fetch.erase(std::remove_if(to_fetch.begin(), to_fetch.end(),
                                          [&](uint32_t u) { return u <= archived_max; }),
                           to_fetch.end());
        }
    }
    m_progress.messages_total -= std::min(m_progress.messages_total, m_estimate);
    m_progress.messages_total += to_fetch.size();
    m_estimate = 0;
    auto fetched = fetch_bodies(to_fetch);
    IMM_TRY(flush());  // keep what is complete even when the fetch failed
    IMM_TRY(fetched);
    // Flags and expunges of what was archived before this run (new messages came with theirs);
    // after a UIDVALIDITY change, of the re-mapped messages, whose flags are from the old epoch.
    if (epoch_changed) {
        IMM_ASSIGN(uint32_t remapped_max, m_index.max_uid(m_folder.id, m_uidvalidity));
        if (remapped_max > 0)
            IMM_TRY(refresh_flags(remapped_max, state->exists, true));
    } else if (archived_max > 0) {
        IMM_TRY(refresh_flags(archived_max, state->exists, false));
    }

    index::FolderRecord sync = m_folder;
    sync.uidvalidity = state->uidvalidity;
    sync.uidnext = state->uidnext;
    sync.highestmodseq = state->highestmodseq;
    sync.server_messages = state->exists;
    return m_index.record_folder_sync(m_folder.id, sync);
}

// After a UIDVALIDITY change the server's messages get new UIDs. Those whose size and header
// block equal an archived message of an older epoch are that message: its row moves to the
// new UID (the file stays where it is). Costs one header fetch per message, no bodies.
Result<void> FolderSync::remap_epoch(std::vector<uint32_t>& server_uids) {
    IMM_ASSIGN(auto candidates, m_index.other_epoch_messages(m_folder.id, m_uidvalidity));
    std::multimap<std::pair<uint64_t, std::string>, int64_t> by_key;
    for (const auto& c : candidates)
        if (!c.header_sha256.empty())
            by_key.emplace(std::make_pair(c.size, c.header_sha256), c.id);
    std::vector<std::pair<int64_t, uint32_t>> matched;
    auto r = m_client.fetch(imap::MessageSet{true, "1:*"}, "(UID RFC822.SIZE BODY.PEEK[HEADER])",
                            [&](const imap::FetchData& f) -> Result<void> {
                                if (!f.uid)
                                    return {};
                                server_uids.push_back(*f.uid);
                                const auto* header = f.section("BODY[HEADER]");
                                if (!header || !header->value->is_string() || !f.size)
                                    return {};
                                store::Sha256 h;
                                h.update(header->value->text);
                                auto it = by_key.find({*f.size, h.hex()});
                                if (it == by_key.end())
                                    return {};
                                matched.emplace_back(it->second, *f.uid);
                                by_key.erase(it);
                                return {};
                            });
    if (!r)
        return std::move(r).error().with_folder(m_folder.name);
    std::sort(server_uids.begin(), server_uids.end());
    server_uids.erase(std::unique(server_uids.begin(), server_uids.end()), server_uids.end());
    IMM_TRY(m_index.remap(m_uidvalidity, matched));
    m_summary.remapped += matched.size();
    // Archived messages that matched nothing are gone from the server: keep them, marked.
    std::vector<int64_t> gone;
    for (const auto& [key, id] : by_key)
        gone.push_back(id);
    for (const auto& c : candidates)
        if (c.header_sha256.empty())
            gone.push_back(c.id);
    return m_index.mark_rows_expunged(gone);
}

Result<void> FolderSync::fetch_bodies(const std::vector<uint32_t>& uids) {
    if (uids.empty())
        return {};
    std::string items = "(UID FLAGS INTERNALDATE RFC822.SIZE";
    if (m_client.capabilities().has("CONDSTORE"))
        items += " MODSEQ";
    if (m_client.capabilities().has("X-GM-EXT-1"))
        items += " X-GM-MSGID X-GM-THRID";
    items += " BODY.PEEK[])";

    auto& session = m_client.session();
    session.set_literal_router([this](const imap::LiteralContext& ctx) -> imap::LiteralSink* {
        if (ctx.response.numbered_name() != "FETCH" || !imap::iequals(ctx.item, "BODY[]"))
            return nullptr;
        m_sink.begin(m_dir);
        return &m_sink;
    });
    auto on_response = [this](const imap::Response& r) -> Result<void> {
        if (!imap::is_fetch(r))
            return {};
        IMM_ASSIGN(auto f, imap::parse_fetch(r));
        return on_fetch(f);
    };
    // Pipelined: keep `fetches_in_flight` UID FETCH commands outstanding.
    auto chunks = imap::uid_set_chunks(uids, m_options.uids_per_fetch);
    std::deque<std::string> tags;
    size_t next = 0;
    Result<void> result;
    while (result && (next < chunks.size() || !tags.empty())) {
        while (next < chunks.size() && tags.size() < m_options.fetches_in_flight) {
            auto tag = session.submit("UID FETCH " + chunks[next++] + " " + items, on_response);
            if (!tag) {
                result = std::move(tag).error();
                break;
            }
            tags.push_back(*tag);
        }
        if (!result || tags.empty())
            break;
        auto done = session.wait(tags.front());
        tags.pop_front();
        if (!done)
            result = std::move(done).error();
        else if (!done->ok())
            result = imap::completion_error(*done, "UID FETCH");
    }
    session.set_literal_router(nullptr);
    m_sink.discard();
    if (!result)
        return std::move(result).error().with_folder(m_folder.name);
    return {};
}

Result<void> FolderSync::on_fetch(const imap::FetchData& f) {
    const imap::FetchSection* body_item = f.section("BODY[]");
    if (!body_item)
        return {};  // a flag update, not our data
    if (!f.uid) {
        m_sink.discard();
        return {};
    }
    auto message_error = [&](std::string what) {
        auto e = core::make_error(ErrorKind::Protocol, std::move(what), Scope::Message);
        e.folder = m_folder.name;
        e.uid = f.uid;
        m_summary.errors.push_back(std::move(e));
        m_sink.discard();
        return Result<void>();
    };
    if (body_item->value->is_nil() || !m_sink.has_body())
        return message_error("the server sent no body for the message");
    std::optional<int64_t> mtime;
    if (f.internal_date)
        mtime = imap::parse_internal_date(*f.internal_date);
    IMM_ASSIGN(auto body, m_sink.take(mtime));
    if (f.size && *f.size != body.size) {
        store::remove_tree(body.temp_path);
        return message_error("the server sent " + std::to_string(body.size) +
                             " bytes but announced " + std::to_string(*f.size));
    }
    const std::string base = store::message_base_name(m_uidvalidity, *f.uid);
    const std::string relative = m_folder.path + "/" + base;
    AttachmentWriter attachments(m_dir, relative + ".attachments");
    auto parsed = mime::parse_message_file(body.temp_path, attachments);
    if (!parsed) {
        store::remove_tree(body.temp_path);  // not in the batch yet: nobody else would remove it
        return std::move(parsed).error();
    }
    m_batch.add(body.temp_path, m_dir + "/" + base + ".eml");
    if (auto temp_dir = attachments.release_temp_dir(); !temp_dir.empty())
        m_batch.add(temp_dir, m_dir + "/" + base + ".attachments");

    index::MessageRecord m;
    m.folder_id = m_folder.id;
    m.uidvalidity = m_uidvalidity;
    m.uid = *f.uid;
    const auto& info = parsed->info;
    m.message_id = info.message_id;
    m.in_reply_to = info.in_reply_to;
    m.refs = info.references;
    m.subject = info.subject;
    m.from_addr = info.from;
    m.to_addrs = info.to;
    m.cc_addrs = info.cc;
    m.date = info.date;
    m.list_unsubscribe = info.list_unsubscribe;
    m.list_unsubscribe_post = info.list_unsubscribe_post;
    m.thread_index = info.thread_index;
    if (mtime)
        m.internal_date = imap::iso8601_utc(*mtime);
    m.flags = f.flags ? stored_flags(*f.flags) : "";
    m.size = body.size;
    m.path = relative + ".eml";
    m.sha256 = body.sha256;
    m.header_sha256 = body.header_sha256;
    m.parse_error = parsed->parse_error;
    m.modseq = f.modseq;
    m.gm_msgid = f.gm_msgid;
    m.gm_thrid = f.gm_thrid;
    m.attachments = std::move(attachments.records());

    m_summary.messages += 1;
    m_summary.bytes += body.size;
    m_summary.attachments += m.attachments.size();
    if (!m.parse_error.empty())
        m_summary.parse_errors += 1;
    m_records.push_back(std::move(m));
    m_progress.messages_done += 1;
    m_progress.bytes_done += body.size;
    if (m_on_progress)
        m_on_progress(m_progress);
    // Stops the fetch; run() commits what is complete before reporting this.
    if (core::interrupted())
        return core::interrupted_error();
    if (m_records.size() >= m_options.messages_per_commit)
        return flush();
    return {};
}

// Flags of messages archived before this run, and which of them the server expunged. With
// CONDSTORE only what changed since the last sync travels; without it, one FLAGS fetch for
// the folder (it also lists every UID, which finds expunges for free).
Result<void> FolderSync::refresh_flags(uint32_t up_to_uid, uint64_t server_count, bool full) {
    const bool condstore =
        !full && m_client.capabilities().has("CONDSTORE") && m_folder.highestmodseq;
    std::vector<std::pair<uint32_t, std::string>> flags;
    std::vector<uint32_t> seen;
    std::string items = "(UID FLAGS)";
    if (condstore)
        items += " (CHANGEDSINCE " + std::to_string(*m_folder.highestmodseq) + ")";
    auto r = m_client.fetch(imap::MessageSet{true, "1:" + std::to_string(up_to_uid)}, items,
                            [&](const imap::FetchData& f) -> Result<void> {
                                if (!f.uid || !f.flags)
                                    return {};
                                flags.emplace_back(*f.uid, stored_flags(*f.flags));
                                seen.push_back(*f.uid);
                                return {};
                            });
    if (!r)
        return std::move(r).error().with_folder(m_folder.name);
    IMM_ASSIGN(uint64_t changed, m_index.update_flags(m_folder.id, m_uidvalidity, flags));
    m_summary.flags_changed += changed;

    IMM_ASSIGN(auto live, m_index.live_uids(m_folder.id, m_uidvalidity));
    if (condstore) {
        if (live.size() == server_count)
            return {};  // nothing can be missing
        IMM_ASSIGN(seen, m_client.uid_search("UID 1:" + std::to_string(up_to_uid)));
    }
    std::sort(seen.begin(), seen.end());
    std::vector<uint32_t> gone;
    for (uint32_t uid : live)
        if (uid <= up_to_uid && !std::binary_search(seen.begin(), seen.end(), uid))
            gone.push_back(uid);
    IMM_TRY(m_index.mark_expunged(m_folder.id, m_uidvalidity, gone));
    m_summary.expunged += gone.size();
    return {};
}

Result<void> FolderSync::flush() {
    if (m_records.empty())
        return {};
    IMM_TRY(m_batch.commit());
    auto indexed = m_index.insert_messages(m_records);
    if (!indexed) {
        // No row will point at these files: take them back out, the next run fetches them.
        m_batch.undo_last_commit();
        m_records.clear();
        return indexed;
    }
    m_records.clear();
    return {};
}

}  // namespace imapmirror::sync
