#include "sync/exporter.hpp"

#include <fcntl.h>
#include <fnmatch.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>

#include "index/archive_index.hpp"
#include "store/archive_root.hpp"
#include "store/atomic_file.hpp"
#include "store/mirror_layout.hpp"
#include "sync/connection_workers.hpp"
#include "sync/shared_run.hpp"
#include "sync/work_queue.hpp"

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
    static Result<RunLock> acquire(const store::ArchiveRoot& root) {
        IMM_ASSIGN(auto fd, root.open_private_file(".imapmirror.lock"));
        if (::flock(fd.get(), LOCK_EX | LOCK_NB) != 0) {
            auto e = core::make_error(ErrorKind::Usage,
                                      "another imapmirror is already exporting into " + root.path(),
                                      Scope::Run);
            e.hint = "wait for it to finish, or use another directory";
            return e;
        }
        return RunLock(std::move(fd));
    }

  private:
    explicit RunLock(store::UniqueFd fd) : m_fd(std::move(fd)) {}
    store::UniqueFd m_fd;
};

}  // namespace

Exporter::Exporter(ConnectFn connect, ExportOptions options)
    : m_connect(std::move(connect)), m_options(std::move(options)) {}

namespace {

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

Result<ExportSummary> Exporter::run(const ExitCodePolicy& exit_code) {
    const auto start = std::chrono::steady_clock::now();
    IMM_ASSIGN(m_client, m_connect());
    IMM_ASSIGN(auto root, store::ArchiveRoot::open(m_options.root));
    IMM_ASSIGN(auto lock, RunLock::acquire(root));
    IMM_ASSIGN(auto index, index::ArchiveIndex::open(m_options.root + "/" + store::kIndexFileName));
    IMM_ASSIGN(int64_t run_id, index.begin_run("export"));

    // From here on every outcome is a summary, so the `runs` row is always finished.
    ExportSummary summary;
    if (auto exported = export_folders(root, index, summary); !exported)
        summary.fatal = std::move(exported).error();

    // Threads cover the whole archive, so they are rebuilt whenever a message lacks one: after
    // new mail, and after a run that ended (or was killed) between its batches and this step.
    // Not after a fatal error: a full disk would only fail again.
    if (!summary.fatal) {
        auto needed = index.needs_threading();
        auto threaded = !needed ? core::Result<void>(std::move(needed).error())
                        : *needed || summary.remapped > 0 ? index.rebuild_threads()
                                                          : core::Result<void>();
        if (!threaded)
            summary.fatal = std::move(threaded).error();
    }
    summary.seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    index::RunCounts counts{summary.folders, summary.messages, summary.bytes, summary.attachments,
                            summary.errors.size() + (summary.fatal ? 1 : 0)};
    // Best effort: a full disk may refuse even this row; the run's outcome is reported anyway.
    (void)index.finish_run(run_id, counts, exit_code(summary));
    return summary;
}

Result<std::vector<index::FolderRecord>> Exporter::folder_records(
    index::ArchiveIndex& index, const std::vector<imap::Folder>& folders, ExportSummary& summary) {
    // Paths already in the archive stay; new folders get fresh, collision-free ones. Folders
    // gone from the server keep their files and rows, marked deleted.
    IMM_ASSIGN(auto known, index.folders());
    store::FolderPaths paths;
    for (const auto& k : known)
        paths.reserve(k.name, k.path);
    std::map<std::string, const imap::Folder*> listed_now;
    for (const auto& f : folders)
        listed_now.emplace(f.entry.raw_name, &f);
    std::map<std::string, const index::FolderRecord*> known_by_name;
    for (const auto& k : known) {
        known_by_name.emplace(k.raw_name, &k);
        if (!listed_now.count(k.raw_name) && !k.deleted &&
            folder_selected(k.name, m_options.include, m_options.exclude)) {
            IMM_TRY(index.mark_folder_deleted(k.id));
            ++summary.folders_deleted;
        }
    }
    std::vector<index::FolderRecord> records;
    for (const auto& f : folders) {
        auto existing = known_by_name.find(f.entry.raw_name);
        index::FolderRecord r =
            existing != known_by_name.end() ? *existing->second : index::FolderRecord{};
        r.name = f.entry.name;
        r.raw_name = f.entry.raw_name;
        r.delimiter = f.entry.delimiter;
        r.selectable = f.entry.selectable();
        r.special_use = f.entry.special_use();
        if (existing == known_by_name.end())
            r.path = paths.assign(r.name, r.delimiter);
        IMM_ASSIGN(r.id, index.upsert_folder(r));
        records.push_back(std::move(r));
    }
    return records;
}

Result<void> Exporter::export_folders(const store::ArchiveRoot& root, index::ArchiveIndex& index,
                                      ExportSummary& summary) {
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
    IMM_ASSIGN(auto records, folder_records(index, folders, summary));

    std::vector<FolderJob> jobs;
    for (size_t i = 0; i < records.size(); ++i) {
        const auto& status = folders[i].status;
        jobs.push_back(
            FolderJob{std::move(records[i]), 0, {}, status ? status->uidnext : std::nullopt});
    }
    SharedRun shared(index, m_on_progress);
    WorkQueue queue(jobs.size());
    uint64_t estimated = 0;
    size_t skipped = 0;
    for (size_t i = 0; i < jobs.size(); ++i) {
        auto& job = jobs[i];
        auto dir = root.open_directory(job.record.path, true);
        if (!dir && dir.error().scope == Scope::Folder) {
            // A link planted in the archive: this folder waits, the others go on.
            shared.add_error(std::move(dir).error().with_folder(job.record.name));
            ++skipped;
            continue;
        }
        if (!dir)
            return std::move(dir).error();
        if (!job.record.selectable || unchanged(job.record, folders[i].status)) {
            summary.folders_unchanged += job.record.selectable ? 1 : 0;
            ++skipped;
            continue;
        }
        store::remove_stale_temps(dir->get());  // a run that ended here may have left some
        if (folders[i].status && folders[i].status->messages) {
            IMM_ASSIGN(uint64_t archived, index.message_count(job.record.id));
            uint64_t on_server = *folders[i].status->messages;
            job.estimate = on_server > archived ? on_server - archived : 0;
            estimated += job.estimate;
        }
        queue.push(Task{Task::Kind::Plan, i, {}});
    }
    shared.count([&](ExportSummary& s) {
        s.folders = skipped;
        s.folders_unchanged = summary.folders_unchanged;
        s.folders_deleted = summary.folders_deleted;
    });
    shared.progress([&](Progress& p) {
        p.folders_total = jobs.size();
        p.folders_done = skipped;
        p.messages_total = estimated;
    });
    // More connections than folders to plan would only sit idle, unless one folder is big.
    const size_t connections = std::clamp<size_t>(
        std::max<size_t>(estimated / std::max<size_t>(1, m_options.uids_per_task),
                         jobs.size() - skipped),
        1, std::max<size_t>(1, m_options.connections));
    ConnectionWorkers workers(m_connect, m_options, shared, queue, jobs);
    workers.run(std::move(m_client), connections);
    auto fatal = std::move(shared.summary().fatal);
    shared.summary().fatal.reset();
    summary = std::move(shared.summary());
    if (fatal)
        return std::move(*fatal);
    return {};
}

}  // namespace imapmirror::sync
