#include "sync/exporter.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>

#include "imap/command.hpp"
#include "imap/internal_date.hpp"
#include "index/archive_index.hpp"
#include "mime/message_parser.hpp"
#include "store/mirror_layout.hpp"
#include "sync/export_files.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

bool folder_selected(const std::string& name, const std::vector<std::string>& include,
                     const std::vector<std::string>& exclude) {
    auto matches = [&](const std::vector<std::string>& globs) {
        return std::any_of(globs.begin(), globs.end(), [&](const std::string& g) {
            return ::fnmatch(g.c_str(), name.c_str(), 0) == 0;
        });
    };
    if (!include.empty() && !matches(include))
        return false;
    return !matches(exclude);
}

std::optional<Scope> ExportSummary::worst_scope() const {
    std::optional<Scope> worst;
    for (const auto& e : errors)
        if (!worst || static_cast<int>(e.scope) > static_cast<int>(*worst))
            worst = e.scope;
    return worst;
}

namespace {

// Holds an exclusive lock on DIR/.imapmirror.lock while alive. The kernel drops it when the
// process dies, so a crashed run never leaves the archive locked.
class RunLock {
  public:
    static Result<RunLock> acquire(const std::string& root) {
        std::string path = root + "/.imapmirror.lock";
        int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0644);
        if (fd < 0)
            return store::file_error(errno, "cannot create", path);
        if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
            ::close(fd);
            auto e = core::make_error(ErrorKind::Usage,
                                      "another imapmirror is already exporting into " + root,
                                      Scope::Run);
            e.hint = "wait for it to finish, or use another directory";
            return e;
        }
        return RunLock(fd);
    }
    RunLock(RunLock&& o) noexcept : m_fd(o.m_fd) { o.m_fd = -1; }
    ~RunLock() {
        if (m_fd >= 0)
            ::close(m_fd);
    }

  private:
    explicit RunLock(int fd) : m_fd(fd) {}
    int m_fd;
};

std::string join_flags(const std::vector<std::string>& flags) {
    std::string out;
    for (const auto& f : flags)
        out += (out.empty() ? "" : " ") + f;
    return out;
}

// One folder's export: owns the sink, the pending batch and the records not yet indexed.
class FolderExport {
  public:
    FolderExport(imap::Client& client, index::ArchiveIndex& index, const ExportOptions& options,
                 const index::FolderRecord& folder, ExportSummary& summary, Progress& progress,
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

    // How many new messages the progress total assumed for this folder.
    void set_estimate(uint64_t estimate) { m_estimate = estimate; }

    Result<void> run() {
        auto state = m_client.examine(m_folder.name);
        if (!state)
            return std::move(state).error().with_folder(m_folder.name);
        if (!state->uidvalidity)
            return folder_error(ErrorKind::Protocol,
                                "the server gave no UIDVALIDITY for the folder");
        m_uidvalidity = *state->uidvalidity;
        index::FolderRecord sync = m_folder;
        sync.uidvalidity = state->uidvalidity;
        sync.uidnext = state->uidnext;
        sync.highestmodseq = state->highestmodseq;
        sync.server_messages = state->exists;
        if (state->exists > 0)
            IMM_TRY(fetch_new());
        IMM_TRY(flush());
        return m_index.record_folder_sync(m_folder.id, sync);
    }

    // Commits whatever is complete; called on success and after an error.
    Result<void> flush() {
        if (m_records.empty())
            return {};
        IMM_TRY(m_batch.commit());
        IMM_TRY(m_index.insert_messages(m_records));
        m_records.clear();
        return {};
    }

  private:
    core::Error folder_error(ErrorKind kind, std::string message) {
        auto e = core::make_error(kind, std::move(message), Scope::Folder);
        e.folder = m_folder.name;
        return e;
    }

    Result<std::vector<uint32_t>> new_uids() {
        IMM_ASSIGN(uint32_t archived, m_index.max_uid(m_folder.id, m_uidvalidity));
        const bool esearch = m_client.capabilities().has("ESEARCH");
        std::vector<uint32_t> uids;
        auto handler = [&](const imap::Response& r) -> Result<void> {
            auto name = r.data_name();
            if (name != "SEARCH" && name != "ESEARCH")
                return {};
            IMM_ASSIGN(auto found, imap::parse_search(r));
            uids.insert(uids.end(), found.begin(), found.end());
            return {};
        };
        std::string range = std::to_string(archived + 1) + ":*";
        IMM_TRY(m_client.session().run(
            esearch ? "UID SEARCH RETURN (ALL) UID " + range : "UID SEARCH UID " + range, handler));
        // "N:*" matches the last message even when its UID is below N (RFC 3501 §6.4.8).
        uids.erase(
            std::remove_if(uids.begin(), uids.end(), [&](uint32_t u) { return u <= archived; }),
            uids.end());
        std::sort(uids.begin(), uids.end());
        return uids;
    }

    Result<void> fetch_new() {
        IMM_ASSIGN(auto uids, new_uids());
        // Replace this folder's share of the up-front estimate with the exact count.
        m_progress.messages_total -= std::min(m_progress.messages_total, m_estimate);
        m_progress.messages_total += uids.size();
        m_estimate = 0;
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

    Result<void> on_fetch(const imap::FetchData& f) {
        if (!f.section("BODY[]"))
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
        if (f.section("BODY[]")->value->is_nil() || !m_sink.has_body())
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
        IMM_ASSIGN(auto parsed, mime::parse_message_file(body.temp_path, attachments));
        m_batch.add(body.temp_path, m_dir + "/" + base + ".eml");
        if (auto temp_dir = attachments.release_temp_dir(); !temp_dir.empty())
            m_batch.add(temp_dir, m_dir + "/" + base + ".attachments");

        index::MessageRecord m;
        m.folder_id = m_folder.id;
        m.uidvalidity = m_uidvalidity;
        m.uid = *f.uid;
        const auto& info = parsed.info;
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
        m.flags = f.flags ? join_flags(*f.flags) : "";
        m.size = body.size;
        m.path = relative + ".eml";
        m.sha256 = body.sha256;
        m.parse_error = parsed.parse_error;
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
        if (m_records.size() >= m_options.messages_per_commit)
            return flush();
        return {};
    }

    imap::Client& m_client;
    index::ArchiveIndex& m_index;
    const ExportOptions& m_options;
    const index::FolderRecord& m_folder;
    ExportSummary& m_summary;
    Progress& m_progress;
    const std::function<void(const Progress&)>& m_on_progress;
    std::string m_dir;
    uint32_t m_uidvalidity = 0;
    uint64_t m_estimate = 0;
    MessageSink m_sink;
    store::DurableBatch m_batch;
    std::vector<index::MessageRecord> m_records;
};

}  // namespace

Exporter::Exporter(imap::Client& client, ExportOptions options)
    : m_client(client), m_options(std::move(options)) {}

Result<ExportSummary> Exporter::run(const ExitCodePolicy& exit_code) {
    const auto start = std::chrono::steady_clock::now();
    ExportSummary summary;
    IMM_TRY(store::make_directories(m_options.root));
    IMM_ASSIGN(auto lock, RunLock::acquire(m_options.root));
    IMM_ASSIGN(auto index, index::ArchiveIndex::open(m_options.root + "/" + store::kIndexFileName));
    IMM_ASSIGN(int64_t run_id, index.begin_run("export"));

    // With counts: one LIST-STATUS round trip where the server has it; they seed the ETA.
    IMM_ASSIGN(auto listed, m_client.list_folders(true));
    std::vector<imap::Folder> folders;
    for (auto& f : listed)
        if (folder_selected(f.entry.name, m_options.include, m_options.exclude))
            folders.push_back(std::move(f));
    std::sort(folders.begin(), folders.end(), [](const imap::Folder& a, const imap::Folder& b) {
        return a.entry.raw_name < b.entry.raw_name;
    });

    // Paths already in the archive stay; new folders get fresh, collision-free ones.
    IMM_ASSIGN(auto known, index.folders());
    store::FolderPaths paths;
    for (const auto& k : known)
        paths.reserve(k.name, k.path);
    std::vector<index::FolderRecord> records;
    for (const auto& f : folders) {
        index::FolderRecord r;
        r.name = f.entry.name;
        r.raw_name = f.entry.raw_name;
        r.delimiter = f.entry.delimiter;
        r.selectable = f.entry.selectable();
        r.special_use = f.entry.special_use();
        auto existing = std::find_if(known.begin(), known.end(),
                                     [&](const auto& k) { return k.raw_name == r.raw_name; });
        r.path = existing != known.end() ? existing->path : paths.assign(r.name, r.delimiter);
        IMM_ASSIGN(r.id, index.upsert_folder(r));
        records.push_back(std::move(r));
    }

    Progress progress;
    progress.folders_total = records.size();
    std::vector<uint64_t> estimates(records.size(), 0);
    for (size_t i = 0; i < records.size(); ++i) {
        if (!folders[i].status || !folders[i].status->messages)
            continue;
        IMM_ASSIGN(uint64_t archived, index.message_count(records[i].id));
        uint64_t on_server = *folders[i].status->messages;
        estimates[i] = on_server > archived ? on_server - archived : 0;
        progress.messages_total += estimates[i];
    }
    core::Result<void> fatal;
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& folder = records[i];
        progress.folder = folder.name;
        if (m_on_progress)
            m_on_progress(progress);
        const std::string dir = m_options.root + "/" + folder.path;
        if (auto made = store::make_directories(dir); !made) {
            fatal = std::move(made).error();
            break;
        }
        store::remove_stale_temps(dir);
        ++summary.folders;
        if (folder.selectable) {
            FolderExport job(m_client, index, m_options, folder, summary, progress, m_on_progress);
            job.set_estimate(estimates[i]);
            auto r = job.run();
            if (!r) {
                auto e = std::move(r).error();
                // Keep what is complete before deciding what the error means for the run.
                auto flushed = job.flush();
                if (e.scope == Scope::Folder || e.scope == Scope::Message) {
                    if (e.kind == ErrorKind::NotFound)
                        e.hint = "the folder disappeared during the run";
                    summary.errors.push_back(std::move(e));
                } else {
                    fatal = std::move(e);
                }
                if (!flushed && fatal)
                    summary.errors.push_back(std::move(flushed).error());
                if (!flushed && !fatal)
                    fatal = std::move(flushed).error();
                if (!fatal) {
                    ++progress.folders_done;
                    continue;
                }
                break;
            }
        }
        ++progress.folders_done;
        if (m_on_progress)
            m_on_progress(progress);
    }
    if (summary.messages > 0) {
        if (auto t = index.rebuild_threads(); !t && fatal)
            summary.errors.push_back(std::move(t).error());
        else if (!t)
            fatal = std::move(t).error();
    }
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    if (!fatal)
        summary.fatal = std::move(fatal).error();
    index::RunCounts counts{summary.folders, summary.messages, summary.bytes, summary.attachments,
                            summary.errors.size() + (summary.fatal ? 1 : 0)};
    // Best effort: a full disk may refuse even this row; the run's outcome is reported anyway.
    (void)index.finish_run(run_id, counts, exit_code(summary));
    return summary;
}

}  // namespace imapmirror::sync
