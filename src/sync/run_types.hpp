#pragma once
// The export run's vocabulary, shared by the exporter (which sits on top) and its helpers:
// the options a run takes, how it opens a connection, what it reports while it runs
// (Progress) and when it ends (ExportSummary, the one summary of a run).

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/account_identity.hpp"
#include "sync/folder_selection.hpp"

namespace imapmirror::sync {

// --attachments: extract each attachment to a file (Files: identical ones stored once, see
// store/attachment_store.hpp), or only index it (None: show, attachments, dump and verify
// decode it from the .eml when asked).
enum class AttachmentFiles { Files, None };

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
    AttachmentFiles attachments = AttachmentFiles::Files;
    // Read the text of attachments into the index (schema 014) in a phase after the workers
    // (sync/attachment_texts.hpp), also for messages archived before; when false
    // (--no-attachment-text), `reindex` reads it later.
    bool attachment_text = true;
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

// What a run changed in one folder (export -v: one line per folder with a change).
struct FolderChanges {
    uint64_t messages = 0, bytes = 0;  // newly archived
    uint64_t flags_changed = 0;        // archived messages whose flags changed
    uint64_t expunged = 0;             // newly marked deleted_at
};

struct ExportSummary {
    size_t folders = 0;     // folders visited (selectable or not)
    uint64_t messages = 0;  // newly archived
    uint64_t bytes = 0;
    uint64_t attachments = 0;
    uint64_t msg_backfilled = 0;  // --msg: .msg files given to messages archived earlier
    // --attachments files: attachment files extracted for messages an earlier run with
    // --attachments none only indexed
    uint64_t attachments_extracted = 0;
    // Attachments given their text row (schema 014) this run, and of those, unreadable ones
    // (status failed:..., e.g. a damaged PDF or one over the sandbox's limits).
    uint64_t attachment_texts = 0, attachment_texts_failed = 0;
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
    uint64_t expunged = 0;  // newly marked deleted_at
    // The folders this run changed, by decoded name (a folder with no change has no entry).
    std::map<std::string, FolderChanges> folder_changes;
    size_t folders_unchanged = 0;  // skipped: STATUS equal to the last sync
    size_t folders_refused = 0;    // skipped: EXAMINE refused again (SkipReason::RefusedAgain)
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

}  // namespace imapmirror::sync
