#pragma once
// `restore`'s side effects: the plan (restore_plan.hpp) applied to the target server with
// APPEND and CREATE (imap/append.hpp; a STORE only to set again the flags a target without
// UIDPLUS dropped from a message just appended), each message streamed from its .eml, and each step
// recorded in the index (schema/012) as it happens: 'appending' before the APPEND, 'restored'
// (with APPENDUID) or 'refused' after the server's answer. A kill at any moment leaves rows
// the next run's plan checks on the target before sending again. On a Gmail target the
// folder (All Mail) is SELECTed and each message's labels are added with
// `UID STORE +X-GM-LABELS` once it is there, then recorded (schema/016); a label STORE the
// server refuses costs that message's labels (a Message error; stored again next run).
//
// What costs what:
// - a message the target refuses (NO, BAD, larger than APPENDLIMIT), or whose .eml cannot be
//   read: that message (a Message error in the summary; 'refused' is tried again next run);
// - a folder that cannot be named, created or examined: that folder (a Folder error);
// - NO [OVERQUOTA]: the run (`fatal`, ErrorKind::DiskFull: nothing more fits);
// - a broken connection, or an index that cannot be written: the run (`fatal`).

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "store/archive_root.hpp"
#include "sync/restore_plan.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

struct RestoreSummary {
    size_t folders = 0;          // folders with messages to restore, or restored before
    size_t folders_created = 0;  // CREATEd on the target
    uint64_t appended = 0, bytes = 0;
    uint64_t already = 0;          // recorded as restored by an earlier run: not sent
    uint64_t found_on_target = 0;  // looked for (Message-ID and size) and there: not sent
    uint64_t refused = 0;          // refused by the target, or unreadable here
    uint64_t labelled = 0;         // messages whose Gmail labels were stored
    // Targets that give no APPENDUID: messages found after their APPEND without flags they
    // were sent with (set again with STORE), and with another arrival date than sent (which
    // IMAP cannot change afterwards).
    uint64_t flags_set_again = 0, dates_not_kept = 0;
    std::vector<core::Error> errors;   // message and folder errors; the run went on
    std::optional<core::Error> fatal;  // what ended the run early, if anything
    double seconds = 0;
};

struct RestoreProgress {
    uint64_t messages_total = 0, messages_done = 0, bytes_done = 0;
    std::string folder;  // target folder, decoded
};
using RestoreProgressFn = std::function<void(const RestoreProgress&)>;

// Applies `plan` on `clients` (the connection it was made on, and others in the same state:
// UTF8=ACCEPT enabled where the plan's names are UTF-8), reading .eml files beneath `root` and
// recording into `index`. Each connection has a thread and takes the plan's next folder when
// it is done with one, so folders are restored in parallel, each on one connection; the
// index's writes are serialized. Returns the summary of all; its `fatal` is set when the run
// stopped early (the first connection's fatal error stops the others before their next
// message; the rows written so far stay true).
RestoreSummary apply_restore(const RestorePlan& plan, const RestoreOptions& options,
                             const std::vector<imap::Client*>& clients, index::ArchiveIndex& index,
                             const store::ArchiveRoot& root, const RestoreProgressFn& progress);
// The same on one connection.
RestoreSummary apply_restore(const RestorePlan& plan, const RestoreOptions& options,
                             imap::Client& client, index::ArchiveIndex& index,
                             const store::ArchiveRoot& root, const RestoreProgressFn& progress);

// The whole run: locks DIR (as export does), opens and migrates its index, connects, plans
// and applies on up to options.connections connections (fewer when fewer folders have work,
// or when the server refuses more: a warning). Errors before the plan (no archive, locked, login
// refused) are returned.
core::Result<RestoreSummary> restore_archive(const RestoreOptions& options,
                                             const ConnectFn& connect,
                                             const RestoreProgressFn& progress);

// `restore --dry-run`: the plan, from a read-only index and a read-only look at the target.
core::Result<RestorePlan> preview_restore(const RestoreOptions& options, const ConnectFn& connect);

}  // namespace imapmirror::sync
