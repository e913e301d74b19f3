#pragma once
// One folder's bookkeeping on the server side: EXAMINE, re-mapping after a UIDVALIDITY change,
// which UIDs are not archived yet, flags and expunges of those that are. Downloading the new
// bodies is the BodyFetcher's job (possibly on other connections); once they all are archived,
// record_synced() stores the state that lets the next run skip an unchanged folder.

#include <optional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "sync/shared_run.hpp"

namespace imapmirror::sync {

struct FolderPlan {
    imap::MailboxState state;        // as EXAMINE reported it
    std::vector<uint32_t> to_fetch;  // on the server, not in the index; ascending
    // The server's UIDs and the index added up to its message count. When not, what was found
    // is still fetched, but the folder is not recorded as synced: the next run looks again.
    bool reconciled = true;
    // The server refused EXAMINE again, as it did on an earlier run (a calendar or contacts
    // folder): nothing to do, nothing recorded, counted in the summary.
    bool refused_again = false;
};

// Every UID of the examined folder, from `UID FETCH 1:* (UID)`: slower than a search, but
// right on servers whose UID SEARCH is not (GNU imap4d). Sorted, unique.
core::Result<std::vector<uint32_t>> list_uids(imap::Client& client);

class FolderSync {
  public:
    // `status_uidnext`: UIDNEXT from the run's STATUS, used when EXAMINE has none (Courier).
    FolderSync(imap::Client& client, SharedRun& run, const index::FolderRecord& folder,
               std::optional<uint32_t> status_uidnext = std::nullopt);

    // Examines the folder and plans it. The UIDs to fetch are every UID from the last recorded
    // UIDNEXT on (all after a UIDVALIDITY change) that the index lacks, so a run that ended
    // halfway, or skipped a message after an error, leaves nothing behind for the next one.
    // The server's answers are cross-checked (UID SEARCH against EXISTS, UIDs found against
    // the count): when they disagree the UIDs are listed with UID FETCH instead, and a folder
    // that still does not add up is planned but not `reconciled`.
    // Errors carry the folder; message-level findings go into the summary.
    core::Result<FolderPlan> plan();

  private:
    core::Result<void> remap_epoch(uint32_t uidvalidity, std::vector<uint32_t>& server_uids);
    // Stores the flags of the archived messages (`live`) and returns which of them the server
    // expunged. `server_from`: UIDs the server has from `from` on (complete); `full`: no
    // CHANGEDSINCE.
    core::Result<std::vector<uint32_t>> refresh_flags(uint32_t uidvalidity,
                                                      const std::vector<uint32_t>& live,
                                                      uint32_t from,
                                                      const std::vector<uint32_t>& server_from,
                                                      uint64_t server_count, bool full);
    core::Result<void> apply_expunges(uint32_t uidvalidity, const std::vector<uint32_t>& gone);
    core::Result<std::vector<uint32_t>> list_uids_of_folder();
    core::Result<FolderPlan> refused(core::Error e, FolderPlan& plan);
    bool search_plausible(const std::vector<uint32_t>& found, const imap::MailboxState& state,
                          size_t live_below) const;
    // A server quirk met and worked around: said at -v, counted in the summary.
    void quirk(const std::string& what) const;
    core::Error folder_error(core::Error e) const;

    imap::Client& m_client;
    SharedRun& m_run;
    const index::FolderRecord& m_folder;
    std::optional<uint32_t> m_status_uidnext;
};

// Stores the folder's state from `plan` as its last sync (STATUS equal to it next time: the
// folder is skipped). Only when every planned message was archived.
core::Result<void> record_synced(SharedRun& run, const index::FolderRecord& folder,
                                 const FolderPlan& plan);

// Flags as stored: the server's, minus \Recent (it belongs to a session, not to a message).
std::string stored_flags(const std::vector<std::string>& flags);

}  // namespace imapmirror::sync
