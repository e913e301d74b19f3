#pragma once
// Downloads message bodies on one connection: pipelined UID FETCH batches, each body streamed
// to a temporary file (hashed on the way), its MIME parsed from that file for attachments,
// then per batch: one syncfs, renames, index rows (see exporter.hpp for the durability order).

#include <functional>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "store/atomic_file.hpp"
#include "sync/export_files.hpp"
#include "sync/exporter.hpp"
#include "sync/shared_run.hpp"

namespace imapmirror::sync {

class BodyFetcher {
  public:
    // For `folder`, which must be the examined folder, in epoch `uidvalidity`. `stop`: polled
    // between messages; when it says so, the fetch ends early (Cancelled) after committing
    // what is complete.
    BodyFetcher(imap::Client& client, SharedRun& run, const ExportOptions& options,
                const index::FolderRecord& folder, uint32_t uidvalidity,
                std::function<bool()> stop);

    // Archives `uids`. A message the server will not send properly is recorded in the summary
    // and skipped (the returned count says how many); other errors end the fetch, after
    // committing what is complete, so a retry fetches only the rest.
    core::Result<size_t> fetch(const std::vector<uint32_t>& uids);

  private:
    core::Result<void> on_fetch(const imap::FetchData& f);
    core::Result<void> flush();

    imap::Client& m_client;
    SharedRun& m_run;
    const ExportOptions& m_options;
    const index::FolderRecord& m_folder;
    const uint32_t m_uidvalidity;
    const std::string m_dir;  // the folder's directory
    std::function<bool()> m_stop;
    size_t m_failed = 0;
    MessageSink m_sink;
    store::DurableBatch m_batch;
    std::vector<index::MessageRecord> m_records;
};

}  // namespace imapmirror::sync
