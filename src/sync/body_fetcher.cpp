#include "sync/body_fetcher.hpp"

#include <deque>

#include "core/interrupt.hpp"
#include "imap/command.hpp"
#include "imap/internal_date.hpp"
#include "mime/message_parser.hpp"
#include "store/mirror_layout.hpp"
#include "sync/folder_sync.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

BodyFetcher::BodyFetcher(imap::Client& client, SharedRun& run, const ExportOptions& options,
                         const index::FolderRecord& folder, uint32_t uidvalidity,
                         std::function<bool()> stop)
    : m_client(client),
      m_run(run),
      m_options(options),
      m_folder(folder),
      m_uidvalidity(uidvalidity),
      m_dir(options.root + "/" + folder.path),
      m_stop(std::move(stop)),
      m_batch(options.root) {}

Result<size_t> BodyFetcher::fetch(const std::vector<uint32_t>& uids) {
    if (uids.empty())
        return size_t{0};

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
    auto flushed = flush();  // keep what is complete even when the fetch failed
    if (!result)
        return std::move(result).error().with_folder(m_folder.name);
    IMM_TRY(flushed);
    return m_failed;
}

Result<void> BodyFetcher::on_fetch(const imap::FetchData& f) {
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
        m_run.add_error(std::move(e));
        ++m_failed;
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

    m_records.push_back(std::move(m));
    m_run.progress([&](Progress& p) {
        p.messages_done += 1;
        p.bytes_done += body.size;
    });
    // Stops the fetch; fetch() commits what is complete before reporting this.
    if (core::interrupted())
        return core::interrupted_error();
    if (m_stop())
        return core::make_error(ErrorKind::Cancelled, "stopped: the run is ending", Scope::Run);
    if (m_records.size() >= m_options.messages_per_commit)
        return flush();
    return {};
}

Result<void> BodyFetcher::flush() {
    if (m_records.empty())
        return {};
    IMM_TRY(m_batch.commit());
    auto indexed =
        m_run.with_index([&](index::ArchiveIndex& ix) { return ix.insert_messages(m_records); });
    if (!indexed) {
        // No row will point at these files: take them back out, the next run fetches them.
        m_batch.undo_last_commit();
        m_records.clear();
        return indexed;
    }
    // Counted once safe: a batch the disk refused is not in the summary either.
    m_run.count([&](ExportSummary& s) {
        for (const auto& m : m_records) {
            s.messages += 1;
            s.bytes += m.size;
            s.attachments += m.attachments.size();
            s.parse_errors += m.parse_error.empty() ? 0 : 1;
        }
    });
    m_records.clear();
    return {};
}

}  // namespace imapmirror::sync
