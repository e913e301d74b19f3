#pragma once
// The export: walks the account's folders and archives every message not yet in the index
// into the mirror tree, extracting attachments and indexing as it goes.
//
// Order of durability, per batch of messages: files written under temporary names -> one
// syncfs -> renamed to their final names -> index rows committed. A crash at any point leaves
// at worst temporary files (removed next run) or final files without rows (fetched again next
// run, to the same names); never a row without its file.

#include <functional>
#include <memory>
#include <string>

#include "core/error.hpp"
#include "imap/client.hpp"
#include "index/account_identity.hpp"
#include "index/archive_index.hpp"
#include "store/archive_root.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

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

}  // namespace imapmirror::sync
