#include "sync/exporter.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <deque>
#include <random>
#include <regex>
#include <thread>

#include "core/interrupt.hpp"
#include "core/log.hpp"

#include "imap/command.hpp"
#include "imap/internal_date.hpp"
#include "index/archive_index.hpp"
#include "mime/message_parser.hpp"
#include "store/mirror_layout.hpp"
#include "sync/export_files.hpp"
#include "sync/folder_sync.hpp"

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

}  // namespace

Exporter::Exporter(ConnectFn connect, ExportOptions options)
    : m_connect(std::move(connect)), m_options(std::move(options)) {}

namespace {

// "Suggested Backoff Time: 9000 milliseconds" (Microsoft 365) -> 9000 ms.
std::chrono::milliseconds suggested_backoff(const core::Error& e) {
    static const std::regex kHint(R"(Suggested Backoff Time: ([0-9]+))");
    std::smatch m;
    if (std::regex_search(e.server_reply, m, kHint))
        return std::chrono::milliseconds(std::stoll(m[1]));
    return std::chrono::milliseconds(0);
}

// Nothing to do: the server's STATUS equals what the last sync recorded.
bool unchanged(const index::FolderRecord& known, const std::optional<imap::MailboxStatus>& now) {
    if (!now || !known.uidvalidity || !known.uidnext || !known.server_messages)
        return false;
    if (!now->uidvalidity || !now->uidnext || !now->messages)
        return false;
    if (*now->uidvalidity != *known.uidvalidity || *now->uidnext != *known.uidnext ||
        *now->messages != *known.server_messages)
        return false;
    // Flag changes show only in HIGHESTMODSEQ; without CONDSTORE they wait for a count change.
    if (now->highestmodseq && (!known.highestmodseq || *now->highestmodseq != *known.highestmodseq))
        return false;
    return true;
}

}  // namespace

Result<void> Exporter::reconnect(const core::Error& why, int attempt, ExportSummary& summary) {
    using namespace std::chrono;
    m_client.reset();
    static std::mt19937 rng(std::random_device{}());
    auto base = m_options.retry_wait * (int64_t{1} << std::min(attempt - 1, 16));
    auto jitter =
        milliseconds(std::uniform_int_distribution<int64_t>(0, m_options.retry_wait.count())(rng));
    auto wait =
        std::min<milliseconds>(duration_cast<milliseconds>(base) + jitter, milliseconds(60'000));
    wait = std::max(wait, suggested_backoff(why));
    core::log(core::LogLevel::Normal, "connection lost (" + why.describe() + "); reconnecting in " +
                                          std::to_string(wait.count()) + " ms (attempt " +
                                          std::to_string(attempt) + " of " +
                                          std::to_string(m_options.retries) + ")");
    std::this_thread::sleep_for(wait);
    IMM_ASSIGN(m_client, m_connect());
    ++summary.reconnects;
    return {};
}

Result<ExportSummary> Exporter::run(const ExitCodePolicy& exit_code) {
    const auto start = std::chrono::steady_clock::now();
    ExportSummary summary;
    IMM_ASSIGN(m_client, m_connect());
    IMM_TRY(store::make_directories(m_options.root));
    IMM_ASSIGN(auto lock, RunLock::acquire(m_options.root));
    IMM_ASSIGN(auto index, index::ArchiveIndex::open(m_options.root + "/" + store::kIndexFileName));
    IMM_ASSIGN(int64_t run_id, index.begin_run("export"));

    // With counts: one LIST-STATUS round trip where the server has it. They decide which
    // folders need opening at all, and seed the ETA.
    IMM_ASSIGN(auto listed, m_client->list_folders(true));
    std::vector<imap::Folder> folders;
    for (auto& f : listed)
        if (folder_selected(f.entry.name, m_options.include, m_options.exclude))
            folders.push_back(std::move(f));
    std::sort(folders.begin(), folders.end(), [](const imap::Folder& a, const imap::Folder& b) {
        return a.entry.raw_name < b.entry.raw_name;
    });

    // Paths already in the archive stay; new folders get fresh, collision-free ones. Folders
    // gone from the server keep their files and rows, marked deleted.
    IMM_ASSIGN(auto known, index.folders());
    store::FolderPaths paths;
    for (const auto& k : known)
        paths.reserve(k.name, k.path);
    for (const auto& k : known) {
        bool listed_now = std::any_of(folders.begin(), folders.end(), [&](const imap::Folder& f) {
            return f.entry.raw_name == k.raw_name;
        });
        if (!listed_now && !k.deleted &&
            folder_selected(k.name, m_options.include, m_options.exclude)) {
            IMM_TRY(index.mark_folder_deleted(k.id));
            ++summary.folders_deleted;
        }
    }
    std::vector<index::FolderRecord> records;
    for (const auto& f : folders) {
        auto existing = std::find_if(known.begin(), known.end(),
                                     [&](const auto& k) { return k.raw_name == f.entry.raw_name; });
        index::FolderRecord r = existing != known.end() ? *existing : index::FolderRecord{};
        r.name = f.entry.name;
        r.raw_name = f.entry.raw_name;
        r.delimiter = f.entry.delimiter;
        r.selectable = f.entry.selectable();
        r.special_use = f.entry.special_use();
        if (existing == known.end())
            r.path = paths.assign(r.name, r.delimiter);
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
    int attempts = 0;
    for (size_t i = 0; i < records.size() && fatal;) {
        const auto& folder = records[i];
        if (core::interrupted()) {
            fatal = core::interrupted_error();
            break;
        }
        progress.folder = folder.name;
        if (m_on_progress)
            m_on_progress(progress);
        const std::string dir = m_options.root + "/" + folder.path;
        if (auto made = store::make_directories(dir); !made) {
            fatal = std::move(made).error();
            break;
        }
        store::remove_stale_temps(dir);
        if (!folder.selectable || unchanged(folder, folders[i].status)) {
            if (folder.selectable)
                ++summary.folders_unchanged;
            ++summary.folders;
            ++progress.folders_done;
            ++i;
            continue;
        }
        FolderSync job(*m_client, index, m_options, folder, summary, progress, m_on_progress);
        job.set_estimate(estimates[i]);
        estimates[i] = 0;
        auto r = job.run();
        if (!r) {
            auto e = std::move(r).error();
            if (e.scope == Scope::Folder || e.scope == Scope::Message) {
                if (e.kind == ErrorKind::NotFound)
                    e.hint = "the folder disappeared during the run";
                summary.errors.push_back(std::move(e));
            } else if (e.retryable && attempts < m_options.retries) {
                // Everything complete is committed: the retry resumes after it.
                auto again = reconnect(e, ++attempts, summary);
                while (!again && again.error().retryable && attempts < m_options.retries)
                    again = reconnect(again.error(), ++attempts, summary);
                if (!again)
                    fatal = std::move(again).error();
                continue;  // the same folder again
            } else {
                if (e.retryable)
                    e.hint = "gave up after " + std::to_string(attempts) +
                             " reconnects; run again later";
                fatal = std::move(e);
                break;
            }
        }
        ++summary.folders;
        ++progress.folders_done;
        if (m_on_progress)
            m_on_progress(progress);
        ++i;
    }
    // Threads cover the whole archive, so they are rebuilt whenever a message lacks one: after
    // new mail, and after a run that ended (or was killed) between its batches and this step.
    // Not after a fatal error: a full disk would only fail again.
    if (fatal) {
        auto needed = index.needs_threading();
        auto t = !needed                           ? core::Result<void>(std::move(needed).error())
                 : *needed || summary.remapped > 0 ? index.rebuild_threads()
                                                   : core::Result<void>();
        if (!t)
            fatal = std::move(t).error();
    }
    if (!fatal)
        summary.fatal = std::move(fatal).error();
    if (m_client && !summary.fatal)
        m_client->logout();
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    index::RunCounts counts{summary.folders, summary.messages, summary.bytes, summary.attachments,
                            summary.errors.size() + (summary.fatal ? 1 : 0)};
    // Best effort: a full disk may refuse even this row; the run's outcome is reported anyway.
    (void)index.finish_run(run_id, counts, exit_code(summary));
    return summary;
}

}  // namespace imapmirror::sync
