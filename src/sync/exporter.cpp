#include "sync/exporter.hpp"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/log.hpp"
#include "extract/sandbox.hpp"
#include "index/archive_index.hpp"
#include "store/archive_root.hpp"
#include "store/atomic_file.hpp"
#include "store/mirror_layout.hpp"
#include "sync/archive.hpp"
#include "sync/archive_lock.hpp"
#include "sync/attachment_backfill.hpp"
#include "sync/attachment_texts.hpp"
#include "sync/connection_workers.hpp"
#include "sync/identity_decision.hpp"
#include "sync/label_directories.hpp"
#include "sync/msg_backfill.hpp"
#include "sync/run_plan.hpp"
#include "sync/search_upkeep.hpp"
#include "sync/shared_run.hpp"
#include "sync/stale_temporaries.hpp"
#include "sync/work_queue.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

const core::Error* deciding_error(const ExportSummary& summary) {
    if (summary.fatal)
        return &*summary.fatal;
    return summary.errors.empty() ? nullptr : &summary.errors.front();
}

const char* to_string(IdentityChange change) {
    switch (change) {
        case IdentityChange::None:
            return "none";
        case IdentityChange::Recorded:
            return "recorded";
        case IdentityChange::Adopted:
            return "adopted";
        case IdentityChange::Repointed:
            return "repointed";
    }
    return "?";
}

namespace {

// One selected folder as it goes through the phases: what the server listed (entry, STATUS,
// or why it has no STATUS) and, once paths are assigned, its index row.
struct SelectedFolder {
    imap::Folder listed;
    index::FolderRecord record;
};
// By raw name: each folder once, in the order new folders are given paths (FolderPaths wants
// a deterministic order).
using SelectedFolders = std::map<std::string, SelectedFolder>;

// Phase "select folders": the listed folders that --include/--exclude keep. A name listed
// twice is one folder (its first entry): two tasks must never archive the same folder.
SelectedFolders select_folders(std::vector<imap::Folder> listed, const ExportOptions& options) {
    SelectedFolders selected;
    for (auto& f : listed)
        if (folder_selected(f.entry.name, options.include, options.exclude)) {
            std::string raw_name = f.entry.raw_name;
            selected.emplace(std::move(raw_name), SelectedFolder{std::move(f), {}});
        }
    return selected;
}

// A selection that leaves no folder: an error of its own, never an empty success.
core::Error nothing_selected(const ExportOptions& options, size_t listed) {
    auto e = core::make_error(ErrorKind::NothingSelected,
                              "no folder selected: --include/--exclude leave none of the " +
                                  std::to_string(listed) + " folders on the server",
                              Scope::Run);
    e.hint = options.include.empty() && options.exclude.empty()
                 ? "the server lists no folder at all"
                 : "check the patterns (INBOX matches in any case, others as written; "
                   "`imapmirror folders` lists the names)";
    return e;
}

// Phase "vanished folders": selected folders the archive knows but the server no longer lists
// keep their files and rows, marked deleted.
Result<void> mark_vanished(index::ArchiveIndex& index,
                           const std::vector<index::FolderRecord>& known,
                           const SelectedFolders& listed, const ExportOptions& options,
                           ExportSummary& summary) {
    for (const auto& k : known) {
        if (!folder_vanished(k, listed.count(k.raw_name) > 0, options))
            continue;
        IMM_TRY(index.mark_folder_deleted(k.id));
        ++summary.folders_deleted;
    }
    return {};
}

// Phase "assign paths": each selected folder's index row, inserted or updated from its LIST
// entry. Paths already in the archive stay; new folders get fresh, collision-free ones.
Result<void> assign_paths(index::ArchiveIndex& index, const std::vector<index::FolderRecord>& known,
                          SelectedFolders& folders) {
    store::FolderPaths paths;
    for (const auto& k : known)
        paths.reserve(k.name, k.path);
    for (const auto& k : known)
        if (auto it = folders.find(k.raw_name); it != folders.end())
            it->second.record = k;
    for (auto& [raw_name, f] : folders) {
        auto& r = f.record;
        const auto& entry = f.listed.entry;
        r.name = entry.name;
        r.raw_name = raw_name;
        r.delimiter = entry.delimiter;
        r.selectable = entry.selectable();
        r.special_use = entry.special_use();
        if (r.id == 0)  // not in the archive yet
            r.path = paths.assign(r.name, r.delimiter);
        IMM_ASSIGN(r.id, index.upsert_folder(r));
    }
    return {};
}

// The folders the connections plan and fetch, and what the progress starts from.
struct Work {
    std::vector<FolderJob> jobs;  // one Plan task each; Task::folder is the position here
    size_t skipped = 0;           // selected folders with nothing to do in this run
    uint64_t estimated = 0;       // new messages expected, from STATUS against the index
};

// Phase "plan work": which folders need a connection at all. A folder waits for a later run
// (an error in the summary) when its name or counts are unusable or its directory is a planted
// link; it is skipped quietly when not selectable or unchanged since the last sync. An error
// returned (its directory cannot be made) ends the run.
// In Gmail single-instance mode (`gmail`) only archived_once() folders are downloaded; the
// other folders show labels, and get their directory (for link_label_directories) and nothing
// else.
Result<Work> plan_work(const store::ArchiveRoot& root, index::ArchiveIndex& index,
                       SelectedFolders& folders, SharedRun& shared, ExportSummary& summary,
                       bool gmail) {
    Work work;
    for (auto& named : folders) {
        auto& f = named.second;
        auto& record = f.record;
        const auto& status = f.listed.status;
        if (f.listed.error) {
            // Its name cannot be sent or the server's answer about it is unreadable: it waits
            // for a later run (it stays in the index, not taken for deleted); the others go on.
            auto e = std::move(*f.listed.error);
            e.hint = "the folder is skipped in this run; the next run tries it again";
            shared.add_error(std::move(e).with_folder(record.name));
            ++work.skipped;
            continue;
        }
        auto dir = root.open_directory(record.path, true);
        if (!dir && dir.error().scope == Scope::Folder) {
            // A link planted in the archive: this folder waits, the others go on.
            shared.add_error(std::move(dir).error().with_folder(record.name));
            ++work.skipped;
            continue;
        }
        if (!dir)
            return std::move(dir).error();
        if (auto skip = skip_from_listing(f.listed, &record, gmail)) {
            if (*skip == SkipReason::GmailLabel)
                summary.label_folders += record.selectable ? 1 : 0;
            if (*skip == SkipReason::Unchanged)
                ++summary.folders_unchanged;
            ++work.skipped;
            continue;
        }
        uint64_t estimate = 0;
        if (status && status->messages) {
            IMM_ASSIGN(uint64_t archived, index.message_count(record.id));
            estimate = *status->messages > archived ? *status->messages - archived : 0;
            work.estimated += estimate;
        }
        auto uidnext = status ? status->uidnext : std::nullopt;
        work.jobs.push_back(FolderJob{std::move(record), estimate, {}, uidnext});
    }
    return work;
}

// Phase "run workers": a Plan task per folder in `work`, done by as many connections as there
// is work for; `first` is already logged in. Returns when all is done or the run ended early
// (the summary's `fatal`).
void run_workers(const ConnectFn& connect, const ExportOptions& options,
                 std::unique_ptr<imap::Client> first, Work& work, SharedRun& shared) {
    WorkQueue queue(work.jobs.size());
    for (size_t i = 0; i < work.jobs.size(); ++i)
        queue.push(Task{Task::Kind::Plan, i, {}});
    // More connections than folders to plan would only sit idle, unless one folder is big.
    const size_t connections = std::clamp<size_t>(
        std::max<size_t>(work.estimated / std::max<size_t>(1, options.uids_per_task),
                         work.jobs.size()),
        1, std::max<size_t>(1, options.connections));
    ConnectionWorkers workers(connect, options, shared, queue, work.jobs);
    workers.run(std::move(first), connections);
}

// Phase "threads": messages without a thread (new mail, or a run that ended or was killed
// between its batches and this step) join theirs from the recorded keys; a re-mapping, which
// moves rows between epochs, regroups the whole archive.
Result<void> thread_messages(index::ArchiveIndex& index, const ExportSummary& summary) {
    if (summary.remapped > 0)
        return index.rebuild_threads();
    IMM_ASSIGN(bool needed, index.needs_threading());
    if (needed)
        return index.thread_new_messages();
    return {};
}

// Phase "search index": merged after a run that added a large share of the archive
// (sync/search_upkeep.hpp).
Result<void> merge_search_index(index::ArchiveIndex& index, int64_t archived_before,
                                const ExportSummary& summary) {
    if (!worth_merging_search_index(summary.messages, static_cast<uint64_t>(archived_before)))
        return {};
    return index.merge_search_index();
}

// Phase "attachment text": every attachment without a text row (this run's, and earlier
// ones') is read from its .eml, documents in the sandbox; no connection is held meanwhile.
Result<void> read_attachment_texts(index::ArchiveIndex& index, const ExportOptions& options,
                                   ExportSummary& summary) {
    if (!options.attachment_text)
        return {};
    // A missing reader is an installation's fault, not the documents': nothing is recorded
    // for them (a run after reinstalling reads them), and this run says so and is partial.
    if (const std::string why = extract::extractor_unavailable(); !why.empty()) {
        auto e = core::make_error(
            ErrorKind::Io, "attachment text: cannot start the extractor: " + why, core::Scope::Run);
        e.hint = "the mail is archived; the next run reads the attachments' text";
        summary.errors.push_back(std::move(e));
        return {};
    }
    AttachmentTextOptions texts;
    texts.root = options.root;
    IMM_ASSIGN(auto done, index_attachment_texts(index, texts, [](const auto&) {}));
    summary.attachment_texts += done.attachments;
    summary.attachment_texts_failed += done.failed;
    return {};
}

// Phase "earlier .msg": with --msg, messages archived before this run without a .msg get one
// from their .eml (this run's new messages got theirs, or their error, from the workers).
Result<void> backfill_msg(index::ArchiveIndex& index, const ExportOptions& options,
                          int64_t archived_before, ExportSummary& summary) {
    if (!options.msg || archived_before == 0)
        return {};
    IMM_ASSIGN(auto done, backfill_msg_files(index, options.root, archived_before,
                                             options.messages_per_commit));
    summary.msg_backfilled += done.written;
    summary.msg_unconvertible += done.unconvertible;
    for (auto& e : done.errors)
        summary.errors.push_back(std::move(e));
    return {};
}

// Phase "earlier attachments": with --attachments files (the default), attachments an earlier
// run with --attachments none only indexed get their files from the .eml.
Result<void> backfill_attachments(index::ArchiveIndex& index, const ExportOptions& options,
                                  ExportSummary& summary) {
    if (options.attachments != AttachmentFiles::Files)
        return {};
    IMM_ASSIGN(auto done,
               backfill_attachment_files(index, options.root, options.messages_per_commit));
    summary.attachments_extracted += done.written;
    for (auto& e : done.errors)
        summary.errors.push_back(std::move(e));
    return {};
}

// Phase "record run": finishes the `runs` row with the exit code and the error that decided
// it. Best effort: a full disk may refuse even this row; the run's outcome is reported anyway.
void record_run(index::ArchiveIndex& index, int64_t run_id, const ExportSummary& summary,
                int exit_code) {
    index::RunCounts counts{summary.folders, summary.messages, summary.bytes, summary.attachments,
                            summary.errors.size() + (summary.fatal ? 1 : 0)};
    index::RunOutcome outcome{exit_code, {}, {}, {}};
    if (const core::Error* e = exit_code != 0 ? deciding_error(summary) : nullptr) {
        outcome.error_kind = core::to_string(e->kind);
        outcome.error_message = e->describe();
        outcome.server_reply = core::one_line(e->server_reply);
    }
    (void)index.finish_run(run_id, counts, outcome);
}

// Phase "record identity": writes what decide_identity decided (and a changed account name or
// spelling of the same account, silently).
Result<void> record_identity(index::ArchiveIndex& index,
                             const std::optional<index::AccountIdentity>& recorded,
                             IdentityChange change, ExportSummary& summary) {
    const auto& current = summary.identity;
    const bool same_words = recorded && recorded->host == current.host &&
                            recorded->user == current.user && recorded->port == current.port &&
                            recorded->account == current.account;
    if (change == IdentityChange::None && same_words)
        return {};
    IMM_TRY(index::write_account_identity(index.db(), current));
    summary.identity_change = change;
    if (change == IdentityChange::Repointed)
        summary.previous_identity = recorded;
    return {};
}

}  // namespace

Exporter::Exporter(ConnectFn connect, ExportOptions options)
    : m_connect(std::move(connect)), m_options(std::move(options)) {}

Result<ExportSummary> Exporter::run(const ExitCodePolicy& exit_code) {
    const auto start = std::chrono::steady_clock::now();
    IMM_ASSIGN(auto archive, open_for_writing(m_options.root, IndexOpen::Create));
    index::ArchiveIndex& index = archive.index;
    // Phase "sweep": what a killed run left under temporary names, in every folder (those
    // this run will not open too: a killed .msg backfill or relabel wrote in unchanged ones).
    IMM_ASSIGN(size_t swept, remove_stale_temporaries(archive.root, index));
    if (swept > 0)
        core::log(core::LogLevel::Verbose, "removed " + std::to_string(swept) +
                                               " temporary files left by an interrupted run");
    // Rows above this id are this run's own messages.
    IMM_ASSIGN(int64_t archived_before, index.max_message_id());
    // Another account's archive is refused before a connection or a `runs` row: that
    // account's history stays its own.
    IMM_ASSIGN(auto recorded, index::read_account_identity(index.db()));
    IMM_ASSIGN(auto known_folders, index.folders());
    IMM_ASSIGN(auto identity_change,
               decide_identity(recorded, m_options.identity, m_options.repoint_archive,
                               archived_before > 0 || !known_folders.empty(), m_options.root));
    IMM_ASSIGN(int64_t run_id, index.begin_run("export"));

    // From here on every outcome is recorded, so the `runs` row is always finished: a login
    // that fails night after night shows in `accounts` as failed runs, not as silence.
    ExportSummary summary;
    summary.identity = m_options.identity;
    auto finish = [&] {
        summary.seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
        record_run(index, run_id, summary, exit_code(summary));
    };
    auto client = m_connect();
    if (!client) {
        summary.fatal = client.error();
        finish();
        return std::move(client).error();
    }
    // Recorded once the server took the login: a mistyped host never claims the archive.
    if (auto kept = record_identity(index, recorded, identity_change, summary); !kept) {
        summary.fatal = std::move(kept).error();
        finish();
        return summary;
    }
    if (auto exported = export_folders(std::move(*client), archive.root, index, summary); !exported)
        summary.fatal = std::move(exported).error();
    // Not after a fatal error: a full disk would only fail again.
    if (!summary.fatal) {
        if (auto backfilled = backfill_msg(index, m_options, archived_before, summary); !backfilled)
            summary.fatal = std::move(backfilled).error();
    }
    if (!summary.fatal) {
        if (auto extracted = backfill_attachments(index, m_options, summary); !extracted)
            summary.fatal = std::move(extracted).error();
    }
    if (!summary.fatal) {
        if (auto texts = read_attachment_texts(index, m_options, summary); !texts)
            summary.fatal = std::move(texts).error();
    }
    if (!summary.fatal) {
        if (auto threaded = thread_messages(index, summary); !threaded)
            summary.fatal = std::move(threaded).error();
    }
    if (!summary.fatal) {
        if (auto merged = merge_search_index(index, archived_before, summary); !merged)
            summary.fatal = std::move(merged).error();
    }
    finish();
    return summary;
}

Result<void> Exporter::export_folders(std::unique_ptr<imap::Client> client,
                                      const store::ArchiveRoot& root, index::ArchiveIndex& index,
                                      ExportSummary& summary) {
    // Phase "list": with counts, in one LIST-STATUS round trip where the server has it. They
    // decide which folders need opening at all, and seed the ETA.
    IMM_ASSIGN(auto listing, client->list_folder_tree(true));
    std::vector<std::string> names;
    for (const auto& f : listing.folders)
        names.push_back(f.entry.name);
    summary.unmatched =
        unmatched_patterns(names, m_options.include, m_options.exclude, m_options.preset_exclude);
    auto folders = select_folders(std::move(listing.folders), m_options);
    if (folders.empty())
        return nothing_selected(m_options, names.size());
    IMM_ASSIGN(auto known, index.folders());
    IMM_TRY(mark_vanished(index, known, folders, m_options, summary));
    IMM_TRY(assign_paths(index, known, folders));

    // Gmail shows each label as a folder: with its \All folder selected, every message is
    // downloaded once from there (and \Junk, \Trash) and labels become links.
    summary.gmail_single_instance = gmail_single_instance(
        client->capabilities(), m_options,
        std::any_of(folders.begin(), folders.end(),
                    [](const auto& f) { return f.second.record.special_use == "\\All"; }));

    SharedRun shared(index, summary, m_on_progress, m_options.max_bytes);
    // LIST entries that did not parse name no folder: each is an error of its own. The
    // folders whose counts failed are errors of plan_work.
    for (auto& e : listing.errors)
        if (e.folder.empty())
            shared.add_error(std::move(e));
    IMM_ASSIGN(auto work,
               plan_work(root, index, folders, shared, summary, summary.gmail_single_instance));

    shared.count([&](ExportSummary& s) { s.folders = work.skipped; });
    shared.progress([&](Progress& p) {
        p.folders_total = folders.size();
        p.folders_done = work.skipped;
        p.messages_total = work.estimated;
    });
    run_workers(m_connect, m_options, std::move(client), work, shared);

    // The error that ended the connections' work is returned as one (run() records it).
    if (summary.fatal) {
        auto fatal = std::move(*summary.fatal);
        summary.fatal.reset();
        return fatal;
    }
    if (summary.gmail_single_instance)
        return link_label_directories(root, index, summary);
    return {};
}

}  // namespace imapmirror::sync
