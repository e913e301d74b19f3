#pragma once
// The export's connections: each runs tasks from the shared WorkQueue on its own IMAP
// connection, in its own thread (the first in the caller's), so TLS, hashing and MIME work use
// every core while the server streams. A connection that breaks gives its task back and
// reconnects (exponential backoff with jitter, a budget shared by all); one that cannot
// connect at all leaves the work to the others. The run ends early only on an error no
// connection can get past (a local write failure, the budget spent by the last connection,
// an interrupt); what is complete is committed first.

#include <atomic>
#include <memory>
#include <vector>

#include "imap/client.hpp"
#include "index/archive_index.hpp"
#include "sync/folder_sync.hpp"
#include "sync/run_types.hpp"
#include "sync/shared_run.hpp"
#include "sync/work_queue.hpp"

namespace imapmirror::sync {

// One folder of the run, as the tasks see it.
struct FolderJob {
    index::FolderRecord record;
    uint64_t estimate = 0;  // new messages assumed for the progress total until it is planned
    FolderPlan plan;        // written by its Plan task, before its Fetch tasks exist
    std::optional<uint32_t> status_uidnext;  // from the run's STATUS (EXAMINE may lack it)
};

class ConnectionWorkers {
  public:
    ConnectionWorkers(ConnectFn connect, const ExportOptions& options, SharedRun& run,
                      WorkQueue& queue, std::vector<FolderJob>& folders);

    // Runs until the queue is drained or stopped, on `count` connections: `first` (already
    // logged in) and count-1 more opened as needed. Fatal errors end up in the run's summary.
    void run(std::unique_ptr<imap::Client> first, size_t count);

  private:
    class Worker;
    ConnectFn m_connect;
    const ExportOptions& m_options;
    SharedRun& m_run;
    WorkQueue& m_queue;
    std::vector<FolderJob>& m_folders;
    std::atomic<int> m_reconnects{0};  // spent from options.retries
    std::atomic<int> m_alive{0};       // connections that may still take tasks
};

}  // namespace imapmirror::sync
