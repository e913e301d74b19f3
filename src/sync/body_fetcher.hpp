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
    // `stop`: polled between messages; when it says so, the fetch ends early (Cancelled) after
    // committing what is complete.
    BodyFetcher(imap::Client& client, SharedRun& run, const ExportOptions& options,
                std::function<bool()> stop);

    // Archives `uids` of `folder`, which must be the examined folder, in epoch `uidvalidity`.
    // A message the server will not send properly is recorded in the summary and skipped (the
    // returned count says how many); other errors end the fetch, after committing what is
    // complete, so a retry fetches only the rest.
    core::Result<size_t> fetch(const index::FolderRecord& folder, uint32_t uidvalidity,
                               const std::vector<uint32_t>& uids);

  private:
    core::Result<void> on_fetch(const imap::FetchData& f);
    core::Result<void> flush();

    imap::Client& m_client;
    SharedRun& m_run;
    const ExportOptions& m_options;
    std::function<bool()> m_stop;
    // The fetch under way.
    const index::FolderRecord* m_folder = nullptr;
    std::string m_dir;
    uint32_t m_uidvalidity = 0;
    size_t m_failed = 0;
    MessageSink m_sink;
    store::DurableBatch m_batch;
    std::vector<index::MessageRecord> m_records;
};

}  // namespace imapmirror::sync
