#pragma once
// The one planner: what a run would do in each folder, decided without writing anything.
// `export` applies the decision (folder_sync.hpp: apply_plan), `export --dry-run` and
// `backup --dry-run` report it (export_preview.hpp), so a dry run and the export that follows
// agree by construction. Restore and repair build on the same types.
//
// Deciding is read-only: against the server it sends EXAMINE, UID SEARCH and UID FETCH of
// UIDs, flags, labels and headers (never a body, never a command that changes the server);
// against the index it only reads (live UIDs, rows of older UIDVALIDITY epochs).
// Every type here is plain data: no handles, no callbacks, copyable.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "sync/folder_selection.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

// An archived message's flags as the server has them now (stored_flags: without \Recent).
struct FlagUpdate {
    uint32_t uid = 0;
    std::string flags;
};

// An archived message's Gmail labels as the server has them now (X-GM-EXT-1).
struct LabelUpdate {
    uint32_t uid = 0;
    std::vector<std::string> labels;
};

// After a UIDVALIDITY change: the archived row `row_id` (of an older epoch) is the server's
// message `uid` (same RFC822.SIZE and header block); its row moves, its files stay.
struct Remap {
    int64_t row_id = 0;
    uint32_t uid = 0;
};

// What to do in one folder the server opened. UIDs are of the epoch `state.uidvalidity`.
// Archived messages whose flags (and labels) one FETCH of a refresh asks for.
inline constexpr size_t kFlagWindow = 10000;

struct FolderPlan {
    imap::MailboxState state;        // as EXAMINE reported it (UIDNEXT from STATUS if it had none)
    std::vector<uint32_t> to_fetch;  // on the server, not in the index; ascending
    // Flags (and labels) of the archived messages that differ from the index's (all of them
    // asked for, or with CONDSTORE those changed since the last sync, kFlagWindow at a time):
    // what a refresh holds grows with the changes, not with the folder.
    std::vector<FlagUpdate> flags;
    std::vector<LabelUpdate> labels;
    std::vector<uint32_t> expunged;      // archived UIDs the server no longer has; ascending
    std::vector<Remap> remapped;         // re-identified after a UIDVALIDITY change
    std::vector<int64_t> expunged_rows;  // rows of older epochs that matched no message
    // The server's UIDs and the index added up to its message count. When not, what was found
    // is still fetched, but the folder is not recorded as synced: the next run looks again.
    bool reconciled = true;
    // Not reconciled even after listing every UID: the Folder error the run reports.
    std::optional<core::Error> discrepancy;
    // The folder opened although an earlier run recorded a refusal: the record is cleared.
    bool clear_refusal = false;
    std::vector<std::string> quirks;  // server quirks met and worked around
};

// Why a folder needs no work in this run.
enum class SkipReason {
    NotSelectable,  // \Noselect: a name in the hierarchy, no messages
    Unchanged,      // STATUS equals what the last complete sync recorded
    GmailLabel,     // Gmail single-instance mode: a label folder, its messages are All Mail's
    RefusedAgain,   // the server refuses EXAMINE, as it did on an earlier run (not a mail folder)
};

// The decision for one folder.
struct FolderDecision {
    enum class Kind {
        Skip,      // nothing to do; see `skip`
        Vanished,  // archived, no longer listed by the server: its files and rows are kept
        Error,     // the folder cannot be planned in this run; see `error` (the run goes on)
        Plan,      // see `plan`
    };
    Kind kind = Kind::Plan;
    SkipReason skip = SkipReason::Unchanged;  // Skip
    std::optional<core::Error> error;         // Error: scope Folder, names the folder
    // Error: the first refusal of EXAMINE by the server; applying records it, so that later
    // runs skip the folder (RefusedAgain) until it opens again.
    bool remember_refusal = false;
    FolderPlan plan;  // Plan
};

// The index as the planner reads it. Implementations may lock (the export's connections share
// one index) but must not write.
class PlanReads {
  public:
    virtual ~PlanReads() = default;
    // As index::ArchiveIndex::live_uids and other_epoch_messages.
    virtual core::Result<std::vector<uint32_t>> live_uids(int64_t folder_id,
                                                          uint32_t uidvalidity) = 0;
    virtual core::Result<std::vector<index::EpochCandidate>> other_epoch_messages(
        int64_t folder_id, uint32_t uidvalidity) = 0;
    // As index::ArchiveIndex::stored_states: what a flag refresh compares the server's with.
    virtual core::Result<std::vector<index::StoredState>> stored_states(int64_t folder_id,
                                                                        uint32_t uidvalidity,
                                                                        uint32_t lo,
                                                                        uint32_t hi) = 0;
};

// Reads an index the caller alone uses; without one (no archive yet) the index is empty.
class IndexReads final : public PlanReads {
  public:
    explicit IndexReads(index::ArchiveIndex* index) : m_index(index) {}
    core::Result<std::vector<uint32_t>> live_uids(int64_t folder_id, uint32_t uidvalidity) override;
    core::Result<std::vector<index::EpochCandidate>> other_epoch_messages(
        int64_t folder_id, uint32_t uidvalidity) override;
    core::Result<std::vector<index::StoredState>> stored_states(int64_t folder_id,
                                                                uint32_t uidvalidity, uint32_t lo,
                                                                uint32_t hi) override;

  private:
    index::ArchiveIndex* m_index;
};

// Gmail single-instance mode: the server has X-GM-EXT-1, --gmail-labels-as-folders is off, and
// its \All folder (All Mail) is among the selected ones. Then only \All, \Junk and \Trash are
// downloaded (label_directories.hpp: archived_once) and the labels become links.
bool gmail_single_instance(const imap::Capabilities& caps, const ExportOptions& options,
                           bool all_mail_selected);

// True when there is nothing to do in a folder: the server's STATUS (`now`) equals what the
// last complete sync recorded in `known`.
bool folder_unchanged(const index::FolderRecord& known,
                      const std::optional<imap::MailboxStatus>& now);

// True when the archive's folder `known` is selected by `options`' include/exclude but no
// longer listed by the server (`still_listed` false), and not yet marked deleted.
bool folder_vanished(const index::FolderRecord& known, bool still_listed,
                     const ExportOptions& options);

// Whether a listed folder needs a connection at all, from the listing alone (no round trip):
// a skip reason, or nullopt when it must be planned. `known`: its archive row, if any.
// `gmail_single_instance`: see exporter.hpp.
std::optional<SkipReason> skip_from_listing(const imap::Folder& listed,
                                            const index::FolderRecord* known,
                                            bool gmail_single_instance);

// Plans `folder` (its row; id 0 and no state when the archive does not have it yet) on
// `client`, which it EXAMINEs. `status_uidnext`: UIDNEXT from the run's STATUS, used when
// EXAMINE has none (Courier).
// The UIDs to fetch are every UID from the last recorded UIDNEXT on (all after a UIDVALIDITY
// change) that the index lacks, so a run that ended halfway, or skipped a message after an
// error, leaves nothing behind for the next one. The server's answers are cross-checked (UID
// SEARCH against EXISTS, UIDs found against the count): when they disagree the UIDs are listed
// from UID 1 with UID FETCH instead (reconciliation), and a folder that still does not add up is
// planned but not `reconciled`.
// Returns Skip (RefusedAgain), Error (a Folder- or Message-scope failure: the server refused
// or answered this folder oddly) or Plan. An error returned is not the folder's: the session
// or the index failed, and nothing can be said about the folder.
core::Result<FolderDecision> plan_folder(imap::Client& client, PlanReads& index,
                                         const index::FolderRecord& folder,
                                         std::optional<uint32_t> status_uidnext);

// Every UID of the examined folder, from `UID FETCH 1:* (UID)`: slower than a search, but
// right on servers whose UID SEARCH is not (GNU imap4d). Sorted, unique.
core::Result<std::vector<uint32_t>> list_uids(imap::Client& client);

// Flags as stored: the server's, minus \Recent (it belongs to a session, not to a message).
std::string stored_flags(const std::vector<std::string>& flags);

}  // namespace imapmirror::sync
