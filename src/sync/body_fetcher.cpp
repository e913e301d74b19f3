#include "sync/body_fetcher.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <filesystem>

#include "core/interrupt.hpp"
#include "core/log.hpp"
#include "imap/command.hpp"
#include "imap/internal_date.hpp"
#include "mime/message_parser.hpp"
#include "store/mirror_layout.hpp"
#include "store/sha256.hpp"
#include "sync/backoff.hpp"
#include "sync/folder_sync.hpp"
#include "sync/msg_file.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

BodyFetcher::BodyFetcher(imap::Client& client, SharedRun& run, const ExportOptions& options,
                         const index::FolderRecord& folder, uint32_t uidvalidity,
                         std::function<bool()> stop, core::FileSystem& fs)
    : m_client(client),
      m_run(run),
      m_options(options),
      m_folder(folder),
      m_uidvalidity(uidvalidity),
      m_dir(options.root + "/" + folder.path),
      m_stop(std::move(stop)),
      m_fs(fs),
      m_sink(MessageSink::into_directory(m_dir, fs)),
      m_batch(options.root, fs) {}

namespace {

// UID sets of at most `max_uids`, each short enough for any server's command line (sparse
// sets are halved until they fit).
void add_chunks(std::vector<std::vector<uint32_t>>& out, std::vector<uint32_t> uids,
                size_t max_uids) {
    constexpr size_t kMaxSetChars = 1000;
    if (uids.size() > max_uids || (uids.size() > 1 && imap::uid_set(uids).size() > kMaxSetChars)) {
        const size_t half = uids.size() > max_uids ? max_uids : uids.size() / 2;
        add_chunks(out, {uids.begin(), uids.begin() + static_cast<std::ptrdiff_t>(half)}, max_uids);
        add_chunks(out, {uids.begin() + static_cast<std::ptrdiff_t>(half), uids.end()}, max_uids);
        return;
    }
    out.push_back(std::move(uids));
}

enum class Existing { Absent, Same, Different };

// Whether `path` holds bytes with `sha256`. A link or anything but a plain file is Different:
// never followed, never replaced.
Result<Existing> compare_existing(const std::string& path, const std::string& sha256) {
    int fd = ::open(path.c_str(), O_RDONLY | O_NOFOLLOW | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT)
            return Existing::Absent;
        if (errno == ELOOP)
            return Existing::Different;
        return store::file_error(errno, "cannot read", path);
    }
    store::Sha256 hash;
    std::string buf(256 * 1024, '\0');
    for (;;) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR)
            continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return store::file_error(err, "cannot read", path);
        }
        if (n == 0)
            break;
        hash.update(std::string_view(buf.data(), static_cast<size_t>(n)));
    }
    ::close(fd);
    return hash.hex() == sha256 ? Existing::Same : Existing::Different;
}

// The server refused a chunk with NO: fetching halves of it, then single messages, finds the
// ones it will not send without giving up the rest. At most this many extra commands per
// fetch; past it, what is left is recorded as failed in one go.
constexpr size_t kNarrowingBudget = 256;

// What a record holds beyond its fixed size: its body text and its labels (with a string's
// own size for each).
size_t held_bytes(const index::MessageRecord& m) {
    size_t held = m.body ? m.body->text.size() : 0;
    if (m.gm_labels)
        for (const auto& l : *m.gm_labels)
            held += sizeof l + l.size();
    return held;
}

// A chunk refused for now ([UNAVAILABLE], a throttle) is asked for again after a pause, at
// most this many times per fetch (and never more than --retries).
constexpr int kRetriesForNow = 3;

}  // namespace

Result<std::vector<MessageSize>> message_sizes(imap::Client& client,
                                               const std::vector<uint32_t>& uids) {
    std::vector<MessageSize> sizes;
    sizes.reserve(uids.size());
    for (uint32_t uid : uids)
        sizes.push_back(MessageSize{uid, 0});
    if (uids.empty())  // no set to send: an empty UID set is not valid IMAP
        return sizes;
    imap::FetchRequest request;
    request.items = "(UID RFC822.SIZE)";
    request.on_message = [&](const imap::FetchData& f) -> Result<void> {
        if (!f.uid || !f.size)
            return {};
        auto it = std::lower_bound(sizes.begin(), sizes.end(), *f.uid,
                                   [](const MessageSize& m, uint32_t uid) { return m.uid < uid; });
        if (it != sizes.end() && it->uid == *f.uid)
            it->size = *f.size;
        return {};
    };
    std::vector<std::vector<uint32_t>> chunks;
    add_chunks(chunks, uids, 1000);
    std::vector<imap::MessageSet> sets;
    for (const auto& chunk : chunks)
        sets.push_back(imap::MessageSet{true, imap::uid_set(chunk)});
    // A refused or missing size counts as 0: the body fetch then reports that message.
    IMM_TRY(client.fetch_streamed(sets, request));
    return sizes;
}

Result<std::vector<uint32_t>> BodyFetcher::within_budget(const std::vector<uint32_t>& uids) {
    std::vector<MessageSize> sizes;
    if (!m_run.budget().spent()) {
        auto measured = message_sizes(m_client, uids);
        if (!measured)
            return std::move(measured).error().with_folder(m_folder.name);
        sizes = std::move(*measured);
    } else {
        for (uint32_t uid : uids)
            sizes.push_back(MessageSize{uid, 0});
    }
    size_t fits = 0;
    while (fits < uids.size() && m_run.budget().reserve(sizes[fits].size))
        ++fits;
    m_deferred = uids.size() - fits;
    if (m_deferred > 0)
        m_run.count([&](ExportSummary& s) {
            s.budget_reached = true;
            s.deferred += m_deferred;
        });
    return std::vector<uint32_t>(uids.begin(), uids.begin() + static_cast<std::ptrdiff_t>(fits));
}

Result<size_t> BodyFetcher::fetch(const std::vector<uint32_t>& all_uids) {
    m_deferred = 0;
    std::vector<uint32_t> uids = all_uids;
    if (m_options.max_bytes && !uids.empty()) {
        IMM_ASSIGN(uids, within_budget(all_uids));
    }
    if (uids.empty())
        return size_t{0};
    m_asked = AskedMessages(uids);

    imap::FetchRequest request;
    request.items = "(UID FLAGS INTERNALDATE RFC822.SIZE";
    if (m_client.capabilities().has("CONDSTORE"))
        request.items += " MODSEQ";
    if (m_client.capabilities().has("X-GM-EXT-1"))
        request.items += " X-GM-MSGID X-GM-THRID X-GM-LABELS";
    request.items += " BODY.PEEK[])";
    request.body_sink = [this]() -> imap::LiteralSink* {
        m_sink.begin();
        return &m_sink;
    };
    request.on_message = [this](const imap::FetchData& f) { return on_fetch(f); };

    std::vector<std::vector<uint32_t>> whole;
    add_chunks(whole, uids, std::max<size_t>(1, m_options.uids_per_fetch));
    std::vector<Chunk> chunks;
    for (auto& c : whole)
        chunks.push_back(Chunk{std::move(c), false});
    size_t budget = kNarrowingBudget;
    int attempt = 0;  // retries of chunks refused for now
    Result<void> result;
    while (!chunks.empty()) {
        std::vector<imap::MessageSet> sets;
        for (const auto& chunk : chunks)
            sets.push_back(imap::MessageSet{true, imap::uid_set(chunk.uids)});
        auto refused = m_client.fetch_streamed(sets, request);
        if (!refused) {
            result = std::move(refused).error();
            break;
        }
        const bool progress = refused->size() < chunks.size();
        std::vector<Chunk> next;
        std::vector<Refused> for_now;
        for (const auto& r : *refused) {
            std::vector<uint32_t> missing;
            for (uint32_t uid : chunks[r.set].uids)
                if (!m_asked.settled(uid))
                    missing.push_back(uid);
            if (missing.empty())
                continue;
            if (imap::temporary_refusal(r.answer))
                for_now.push_back(Refused{Chunk{std::move(missing), chunks[r.set].part}, r.answer});
            else
                narrow(std::move(missing), r.answer, budget, next);
        }
        if (!for_now.empty()) {
            auto retried = refused_for_now(std::move(for_now), progress, attempt, budget, next);
            if (!retried) {
                result = std::move(retried).error();
                break;
            }
        }
        chunks = std::move(next);
    }
    m_sink.discard();
    if (result) {
        // Asked for, answered OK, never sent: the message is not archived, and the folder is
        // not recorded as synced, so the next run asks again.
        for (uint32_t uid : m_asked.unsettled_uids())
            message_error(uid, "the server did not send the message", "");
    }
    auto flushed = flush();  // keep what is complete even when the fetch failed
    if (!result)
        return std::move(result).error().with_folder(m_folder.name);
    IMM_TRY(flushed);
    return m_failed;
}

void BodyFetcher::narrow(std::vector<uint32_t> missing, const imap::Completion& answer,
                         size_t& budget, std::vector<Chunk>& next) {
    if (missing.size() <= 1 || budget < 2) {
        for (uint32_t uid : missing) {
            m_asked.settle(uid);
            message_error(uid, "the server refused to send the message", "NO " + answer.text);
        }
        return;
    }
    budget -= 2;
    const auto half = static_cast<std::ptrdiff_t>(missing.size() / 2);
    next.push_back(Chunk{{missing.begin(), missing.begin() + half}, true});
    next.push_back(Chunk{{missing.begin() + half, missing.end()}, true});
}

// Refused for now: asked for again after a pause (the server said so, or is down a moment);
// once the retries are spent, split like any refusal, in case one message is the trouble. A
// split that gets nothing through says it is not: what is left is one Folder error, costing
// these messages for this run only (the folder is not recorded as synced).
Result<void> BodyFetcher::refused_for_now(std::vector<Refused> refused, bool progress, int& attempt,
                                          size_t& budget, std::vector<Chunk>& next) {
    const auto& answer = refused.front().answer;
    const std::string reply =
        "NO " + (answer.code ? "[" + answer.code->name + "] " : "") + answer.text;
    for (const auto& r : refused)
        if (r.answer.throttled) {
            m_throttled_reply = "NO " + r.answer.text;
            m_run.count([](ExportSummary& s) { ++s.throttled; });
        }
    const int retries = std::min(kRetriesForNow, std::max(0, m_options.retries));
    const bool split =
        std::any_of(refused.begin(), refused.end(), [](const Refused& r) { return r.chunk.part; });
    if (!split && attempt < retries) {
        ++attempt;
        auto wait = backoff(m_options, attempt, answer.text);
        core::log(core::LogLevel::Normal,
                  m_folder.name + ": the server refused " + std::to_string(count(refused)) +
                      " messages for now (" + core::one_line(reply) + "); asking again in " +
                      std::to_string(wait.count()) + " ms (" + std::to_string(attempt) + " of " +
                      std::to_string(retries) + ")");
        IMM_TRY(wait_or_stop(wait, m_stop));
        for (auto& r : refused)
            next.push_back(std::move(r.chunk));
        return {};
    }
    std::vector<uint32_t> given_up;
    for (auto& r : refused) {
        if (!split || progress) {
            // Single messages and the budget as for any refusal.
            narrow(std::move(r.chunk.uids), r.answer, budget, next);
            continue;
        }
        given_up.insert(given_up.end(), r.chunk.uids.begin(), r.chunk.uids.end());
    }
    if (given_up.empty())
        return {};
    for (uint32_t uid : given_up)
        m_asked.settle(uid);
    m_failed += given_up.size();
    auto e = core::make_error(
        ErrorKind::Protocol,
        "the server refused " + std::to_string(given_up.size()) + " messages for now (UIDs " +
            imap::uid_set(given_up) + ")" +
            (attempt > 0 ? " after " + std::to_string(attempt + 1) + " tries" : std::string()),
        Scope::Folder);
    e.folder = m_folder.name;
    e.server_reply = reply;
    e.hint = "the other folders went on; the next run fetches these messages";
    m_run.add_error(std::move(e));
    return {};
}

size_t BodyFetcher::count(const std::vector<Refused>& refused) {
    size_t n = 0;
    for (const auto& r : refused)
        n += r.chunk.uids.size();
    return n;
}

core::Error BodyFetcher::about(uint32_t uid, ErrorKind kind, std::string what) const {
    auto e = core::make_error(kind, std::move(what), Scope::Message);
    e.folder = m_folder.name;
    e.uid = uid;
    return e;
}

void BodyFetcher::message_error(uint32_t uid, std::string what, std::string reply) {
    auto e = about(uid, ErrorKind::Protocol, std::move(what));
    e.server_reply = std::move(reply);
    e.hint = "the next run tries it again";
    m_run.add_error(std::move(e));
    ++m_failed;
}

Result<void> BodyFetcher::on_fetch(const imap::FetchData& f) {
    const BodyReceipt receipt = receive_body(f, m_sink, m_asked);
    switch (receipt.kind) {
        case BodyReceipt::Kind::NotABody:
            return {};
        case BodyReceipt::Kind::NotAskedFor:
            m_run.add_error(about(receipt.uid, ErrorKind::Protocol,
                                  "the server sent a message that was not asked for; ignored"));
            return {};
        case BodyReceipt::Kind::Twice:
            m_run.add_error(about(receipt.uid, ErrorKind::Protocol,
                                  "the server sent the message twice; the first copy is kept"));
            return {};
        case BodyReceipt::Kind::NoBody:
            message_error(receipt.uid, "the server sent no body for the message", "");
            return {};
        case BodyReceipt::Kind::Body:
            break;
    }
    std::optional<int64_t> mtime;
    if (f.internal_date)
        mtime = imap::parse_internal_date(*f.internal_date);
    IMM_ASSIGN(auto body, m_sink.take(mtime));
    const std::optional<uint64_t> announced = receipt.announced_size;
    if (announced && !m_size_warned) {
        m_size_warned = true;
        core::log(core::LogLevel::Normal,
                  m_folder.name + ": " + size_quirk_line(*f.uid, *announced, body.size) +
                      "; the bytes sent are archived, both sizes are indexed");
        m_run.count([](ExportSummary& s) { s.quirks.insert(std::string(kSizeQuirk)); });
    }
    const std::string base = store::message_base_name(m_uidvalidity, *f.uid);
    auto placed = place_message(*f.uid, base, body);
    if (!placed) {
        store::remove_tree(body.temp_path);
        return std::move(placed).error();
    }
    const std::string relative = m_folder.path + "/" + *placed;
    if (!m_store) {
        IMM_ASSIGN(auto opened, store::AttachmentStore::open(m_options.root, m_fs));
        m_store.emplace(std::move(opened));
    }
    AttachmentWriter attachments(m_dir, relative + ".attachments", &*m_store, m_options.attachments,
                                 m_fs);
    mime::ParseLimits limits;
    limits.body_text = m_options.index_bodies;  // read in this worker thread, from the same parse
    auto parsed = mime::parse_message_file(body.temp_path, attachments, limits);
    if (!parsed) {
        store::remove_tree(body.temp_path);  // not in the batch yet: nobody else would remove it
        return std::move(parsed).error();
    }
    m_batch.add(body.temp_path, m_dir + "/" + *placed + ".eml");
    if (auto temp_dir = attachments.release_temp_dir(); !temp_dir.empty())
        m_batch.add(temp_dir, m_dir + "/" + *placed + ".attachments");
    std::optional<MsgFile> msg;
    if (m_options.msg) {
        IMM_ASSIGN(msg, write_msg(*f.uid, body.temp_path, *placed));
    }

    index::MessageRecord m;
    m.folder_id = m_folder.id;
    m.uidvalidity = m_uidvalidity;
    m.uid = *f.uid;
    m.headers = parsed->info;
    if (mtime)
        m.internal_date = imap::iso8601_utc(*mtime);
    m.flags = f.flags ? stored_flags(*f.flags) : "";
    m.size = body.size;
    m.size_announced = announced;
    m.path = relative + ".eml";
    m.sha256 = body.sha256;
    m.header_sha256 = body.header_sha256;
    m.parse_error = parsed->parse_error;
    m.modseq = f.modseq;
    m.gm_msgid = f.gm_msgid;
    m.gm_thrid = f.gm_thrid;
    m.gm_labels = f.gm_labels;
    if (f.gm_labels_cut)
        m_run.count([](ExportSummary& s) {
            s.quirks.insert("more than " + std::to_string(imap::kMaxGmLabels) +
                            " Gmail labels on a message: the first ones kept");
        });
    m.attachments = std::move(attachments.records());
    if (msg && !msg->unconvertible.empty()) {
        m.msg_unconvertible = msg->unconvertible;
    } else if (msg) {
        m.msg_path = relative + ".msg";
        m.msg_sha256 = msg->sha256;
        m.msg_size = msg->size;
    }
    if (m_options.index_bodies)
        m.body = index::BodyRecord{std::string(mime::origin_name(parsed->body.origin)),
                                   std::move(parsed->body.text), parsed->body.truncated};

    m_records.push_back(std::move(m));
    m_run.progress([&](Progress& p) {
        p.messages_done += 1;
        p.bytes_done += body.size;
    });
    // An error stops the fetch: the client reads what is in flight, then fetch() commits
    // what is complete.
    if (core::interrupted())
        return core::interrupted_error();
    if (m_stop())
        return core::make_error(ErrorKind::Cancelled, "stopped: the run is ending", Scope::Run);
    // A batch also ends at kMaxBatchHeld bytes of body text and labels: 200 messages of 1 MiB of
    // text each, or of imap::kMaxGmLabels labels each, would otherwise be held until it ends.
    constexpr size_t kMaxBatchHeld = 16u << 20;
    m_records_held += held_bytes(m_records.back());
    if (m_records.size() >= m_options.messages_per_commit || m_records_held >= kMaxBatchHeld)
        return flush();
    return {};
}

// The .msg goes into the same batch as its .eml. A message that can never be converted is
// recorded so with its row and counted as not convertible; one refused for another reason is
// a message error in the summary; either way it gets no .msg and is archived all the same. Only a
// local write failure (a DiskFull or Io error of the temporary file itself) ends the fetch.
Result<std::optional<BodyFetcher::MsgFile>> BodyFetcher::write_msg(uint32_t uid,
                                                                   const std::string& eml_temp,
                                                                   const std::string& base) {
    const std::string final_path = m_dir + "/" + base + ".msg";
    IMM_ASSIGN(auto converted, convert_to_temp(m_dir, eml_temp, final_path));
    if (converted.unconvertible()) {
        m_run.count([](ExportSummary& s) { ++s.msg_unconvertible; });
        return std::optional<MsgFile>(MsgFile{"", 0, converted.refused->message});
    }
    if (converted.refused) {
        auto e =
            about(uid, converted.refused->kind, "no .msg written: " + converted.refused->message);
        e.hint = "the .eml is archived; `imapmirror convert` says the same";
        m_run.add_error(std::move(e));
        return std::optional<MsgFile>();
    }
    m_batch.add(converted.file->temp_path, final_path);
    return std::optional<MsgFile>(MsgFile{converted.file->sha256, converted.file->size, ""});
}

// An archived .eml is never replaced. A file already at the message's name (a run that died
// between its renames and its index rows) with the same bytes is simply taken over; other
// bytes for the same identity are a conflict: both are kept, and the summary says so.
Result<std::string> BodyFetcher::place_message(uint32_t uid, const std::string& base,
                                               const MessageSink::Taken& body) {
    IMM_ASSIGN(auto existing, compare_existing(m_dir + "/" + base + ".eml", body.sha256));
    if (existing != Existing::Different)
        return base;
    const std::string renamed = base + ".conflict-" + body.sha256.substr(0, 12);
    m_run.add_error(about(uid, ErrorKind::Corrupt,
                          "the server sent other bytes for an archived message; both are kept "
                          "(the new copy as " +
                              renamed + ".eml)"));
    return renamed;
}

Result<void> BodyFetcher::flush() {
    if (m_records.empty())
        return {};
    IMM_TRY(m_batch.commit());
    if (m_store)
        for (auto& m : m_records)
            adopt_attachments(*m_store, m.attachments);
    auto indexed =
        m_run.with_index([&](index::ArchiveIndex& ix) { return ix.insert_messages(m_records); });
    if (!indexed) {
        // No row will point at these files: take them back out, the next run fetches them.
        m_batch.undo_last_commit();
        m_records.clear();
        m_records_held = 0;
        return indexed;
    }
    // Counted once safe: a batch the disk refused is not in the summary either.
    m_run.count([&](ExportSummary& s) {
        auto& changes = s.folder_changes[m_folder.name];
        for (const auto& m : m_records) {
            s.messages += 1;
            s.bytes += m.size;
            changes.messages += 1;
            changes.bytes += m.size;
            s.attachments += m.attachments.size();
            s.parse_errors += m.parse_error.empty() ? 0 : 1;
        }
    });
    m_records.clear();
    m_records_held = 0;
    return {};
}

}  // namespace imapmirror::sync
