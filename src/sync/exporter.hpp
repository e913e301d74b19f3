#pragma once
// The export: walks the account's folders and archives every message not yet in the index
// into the mirror tree, extracting attachments and indexing as it goes.
//
// Order of durability, per batch of messages: files written under temporary names -> one
// syncfs -> renamed to their final names -> index rows committed. A crash at any point leaves
// at worst temporary files (removed next run) or final files without rows (fetched again next
// run, to the same names); never a row without its file.

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/account_identity.hpp"
#include "index/archive_index.hpp"
#include "store/archive_root.hpp"
#include "sync/folder_selection.hpp"

namespace imapmirror::sync {

struct ExportOptions {
    std::string root;                  // DIR
    std::vector<std::string> include;  // globs on decoded folder names; empty: all
    std::vector<std::string> exclude;
    size_t connections = 4;                      // IMAP connections working in parallel
    size_t uids_per_task = 500;                  // UIDs per unit of work one connection takes
    size_t uids_per_fetch = 100;                 // UIDs per UID FETCH command
    size_t messages_per_commit = 200;            // messages per durable batch / index transaction
    int retries = 5;                             // reconnects per run after a dropped connection
    std::chrono::milliseconds retry_wait{1000};  // first backoff; doubles, with jitter, max 60 s
    // Message data this run may download (--max-bytes); none: no limit. Messages are reserved
    // by their RFC822.SIZE before they are asked for, so the run downloads at most this much
    // (plus one message, when the first is larger than the whole budget); what does not fit
    // is left for the next run, which plans it again like any message not yet archived.
    std::optional<uint64_t> max_bytes;
    // On a server with X-GM-EXT-1 (Gmail), archive every folder as before instead of the \All,
    // \Junk and \Trash folders once with labels (see link_label_directories).
    bool gmail_labels_as_folders = false;
    bool msg = false;  // also an Outlook .msg beside every newly archived .eml (--msg)
    // Read each message's body text into the index (schema/006) while archiving it; when
    // false, `reindex` reads it later (the full-text index then has headers and attachment
    // names only).
    bool index_bodies = true;
    // The account being archived (schema/009). An archive that records another account is
    // refused before any connection is made, unless `repoint_archive` (--repoint-archive: the
    // server really moved) replaces the recorded one. Recorded after the first login.
    index::AccountIdentity identity;
    bool repoint_archive = false;
    // Exclude globs a --provider preset gave (folders an account may well lack): not warned
    // about when they match no folder (see unmatched_patterns).
    std::vector<std::string> preset_exclude;
};

// Opens a new logged-in connection (the exporter reconnects with it).
using ConnectFn = std::function<core::Result<std::unique_ptr<imap::Client>>()>;

struct ExportSummary;
// Maps a finished run to the exit code recorded in the runs table (the CLI's policy).
using ExitCodePolicy = std::function<int(const ExportSummary&)>;

// What the exporter reports while it runs (for the progress line).
struct Progress {
    size_t folders_total = 0, folders_done = 0;
    uint64_t messages_total = 0;  // known after each folder's search; grows as folders start
    uint64_t messages_done = 0, bytes_done = 0;
    std::string folder;  // current folder, decoded
};

// What an export did to the archive's recorded account (schema/009).
enum class IdentityChange {
    None,       // the archive already recorded this account
    Recorded,   // a new archive: this account recorded
    Adopted,    // an archive made before schema 9 took this account (said once, in the summary)
    Repointed,  // --repoint-archive replaced another account (`previous_identity`)
};
const char* to_string(IdentityChange change);

// Whether an export of `current` may go into an archive that records `recorded` (none: a new
// archive, or one made before schema 9, which `had_content` tells apart), and what it changes.
// Another account is a Usage error naming both, unless `repoint`. Pure: writes nothing.
core::Result<IdentityChange> decide_identity(const std::optional<index::AccountIdentity>& recorded,
                                             const index::AccountIdentity& current, bool repoint,
                                             bool had_content, const std::string& root);

struct ExportSummary {
    size_t folders = 0;     // folders visited (selectable or not)
    uint64_t messages = 0;  // newly archived
    uint64_t bytes = 0;
    uint64_t attachments = 0;
    uint64_t msg_backfilled = 0;  // --msg: .msg files given to messages archived earlier
    // --msg: messages recorded (once) as not convertible to .msg, this run (schema 011).
    uint64_t msg_unconvertible = 0;
    uint64_t parse_errors = 0;  // messages archived whose MIME could not be fully read
    uint64_t remapped = 0;      // re-identified after a UIDVALIDITY change, not downloaded
    uint64_t flags_changed = 0;
    uint64_t labels_changed = 0;  // Gmail: archived messages whose labels changed
    // Gmail single-instance mode: label folders not downloaded (their messages are in \All),
    // and the files made or removed in their directories.
    bool gmail_single_instance = false;
    size_t label_folders = 0;
    uint64_t label_links_added = 0, label_links_removed = 0;
    bool label_links_copied = false;  // a hard link was refused somewhere: copies were made
    // Label links not made: hard links refused and the message had sync::kMaxLabelCopies copies.
    uint64_t label_links_skipped = 0;
    uint64_t expunged = 0;         // newly marked deleted_at
    size_t folders_unchanged = 0;  // skipped: STATUS equal to the last sync
    size_t folders_refused = 0;    // skipped: EXAMINE refused again (FolderPlan::refused_again)
    // Times the server asked us to slow down ([THROTTLED], "Too many simultaneous
    // connections", ...), and the connections left afterwards (0: never lowered).
    uint64_t throttled = 0;
    size_t connections_lowered_to = 0;
    size_t folders_deleted = 0;  // gone from the server since the last run
    size_t reconnects = 0;
    // --max-bytes was reached: these messages were left for the next run (not errors).
    bool budget_reached = false;
    uint64_t deferred = 0;
    // --include/--exclude globs that matched no folder on the server (warnings: a typo would
    // otherwise back up less than meant, quietly). When nothing at all is selected the run
    // ends instead (`fatal`, ErrorKind::NothingSelected).
    std::vector<UnmatchedPattern> unmatched;
    // The account archived, and what this run changed about the archive's record of it.
    index::AccountIdentity identity;
    IdentityChange identity_change = IdentityChange::None;
    std::optional<index::AccountIdentity> previous_identity;  // Repointed: the one replaced
    std::set<std::string> quirks;                             // server quirks met and worked around
    std::vector<core::Error> errors;   // message and folder errors; the run went on
    std::optional<core::Error> fatal;  // the error that ended the run early, if any
    double seconds = 0;
};

class Exporter {
  public:
    Exporter(ConnectFn connect, ExportOptions options);
    void set_progress(std::function<void(const Progress&)> on_progress) {
        m_on_progress = std::move(on_progress);
    }

    // Runs the export. Errors of one message or folder are collected in the summary and the
    // run goes on. A dropped connection is retried on a new one (backoff with jitter, at most
    // `retries` times), resuming after the last committed message. What still ends the run
    // (a local write failure, too many drops, the folder list) is the summary's `fatal`, after
    // committing what is complete. An error returned instead of a summary means the run could
    // not start: the archive (DIR, its lock, the index, another account's archive: see
    // decide_identity) or the first connection. The archive is locked, and its account
    // checked, before any network work: an export into a locked or foreign archive never
    // connects, and records no run there.
    core::Result<ExportSummary> run(const ExitCodePolicy& exit_code);

  private:
    // The folders, their work and the connections (`client`, logged in, is the first); an
    // error returned ends the run (`fatal`).
    core::Result<void> export_folders(std::unique_ptr<imap::Client> client,
                                      const store::ArchiveRoot& root, index::ArchiveIndex& index,
                                      ExportSummary& summary);

    ConnectFn m_connect;
    ExportOptions m_options;
    std::function<void(const Progress&)> m_on_progress;
};

// The error that decides a run's outcome: the one that ended it, else the first of its message
// and folder errors; nullptr when there was none. `runs` records it, the failure hook and the
// metrics report it.
const core::Error* deciding_error(const ExportSummary& summary);

// Gmail single-instance mode: the server has X-GM-EXT-1, --gmail-labels-as-folders is off, and
// its \All folder (All Mail) is among the selected ones. Then only \All, \Junk and \Trash are
// downloaded (label_directories.hpp: archived_once) and the labels become links.
bool gmail_single_instance(const imap::Capabilities& caps, const ExportOptions& options,
                           bool all_mail_selected);

// True when there is nothing to do in a folder: the server's STATUS (`now`) equals what the
// last complete sync recorded in `known`.
bool folder_unchanged(const index::FolderRecord& known,
                      const std::optional<imap::MailboxStatus>& now);

}  // namespace imapmirror::sync
