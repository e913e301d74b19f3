#pragma once
// One folder's sync: EXAMINE, re-mapping after a UIDVALIDITY change, new bodies, flags and
// expunges. The exporter decides which folders need it (see exporter.hpp).

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "store/atomic_file.hpp"
#include "sync/export_files.hpp"
#include "sync/exporter.hpp"

namespace imapmirror::sync {

class FolderSync {
  public:
    FolderSync(imap::Client& client, index::ArchiveIndex& index, const ExportOptions& options,
               const index::FolderRecord& folder, ExportSummary& summary, Progress& progress,
               const std::function<void(const Progress&)>& on_progress);

    // How many new messages the progress total assumed for this folder.
    void set_estimate(uint64_t estimate) { m_estimate = estimate; }

    // Syncs the folder. Message errors go into the summary; other errors are returned after
    // what is complete was committed (the caller may retry on a new connection: nothing is
    // fetched twice).
    core::Result<void> run();

  private:
    core::Result<void> remap_epoch(std::vector<uint32_t>& server_uids);

    core::Result<void> fetch_bodies(const std::vector<uint32_t>& uids);
    core::Result<void> on_fetch(const imap::FetchData& f);
    // `full`: fetch every message's flags (CHANGEDSINCE is meaningless across UIDVALIDITY epochs).
    core::Result<void> refresh_flags(uint32_t up_to_uid, uint64_t server_count, bool full);
    core::Result<void> flush();

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

// Flags as stored: the server's, minus \Recent (it belongs to a session, not to a message).
std::string stored_flags(const std::vector<std::string>& flags);

}  // namespace imapmirror::sync
