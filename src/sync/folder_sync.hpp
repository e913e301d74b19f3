#pragma once
// One folder's bookkeeping on the server side: EXAMINE, re-mapping after a UIDVALIDITY change,
// which UIDs are not archived yet, flags and expunges of those that are. Downloading the new
// bodies is the BodyFetcher's job (possibly on other connections); once they all are archived,
// record_synced() stores the state that lets the next run skip an unchanged folder.

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
};

class FolderSync {
  public:
    FolderSync(imap::Client& client, SharedRun& run, const index::FolderRecord& folder);

    // Examines the folder and plans it. The UIDs to fetch are every UID from the last recorded
    // UIDNEXT on (all after a UIDVALIDITY change) that the index lacks, so a run that ended
    // halfway, or skipped a message after an error, leaves nothing behind for the next one.
    // Errors carry the folder; message-level findings go into the summary.
    core::Result<FolderPlan> plan();

  private:
    core::Result<void> remap_epoch(uint32_t uidvalidity, std::vector<uint32_t>& server_uids);
    // Flags of the archived messages (`live`), and which of them the server expunged.
    // `server_from`: UIDs the server has from `from` on (complete); `full`: no CHANGEDSINCE.
    core::Result<void> refresh_flags(uint32_t uidvalidity, const std::vector<uint32_t>& live,
                                     uint32_t from, const std::vector<uint32_t>& server_from,
                                     uint64_t server_count, bool full);
    core::Error folder_error(core::Error e) const;

    imap::Client& m_client;
    SharedRun& m_run;
    const index::FolderRecord& m_folder;
};

// Stores the folder's state from `plan` as its last sync (STATUS equal to it next time: the
// folder is skipped). Only when every planned message was archived.
core::Result<void> record_synced(SharedRun& run, const index::FolderRecord& folder,
                                 const FolderPlan& plan);

// Flags as stored: the server's, minus \Recent (it belongs to a session, not to a message).
std::string stored_flags(const std::vector<std::string>& flags);

}  // namespace imapmirror::sync
