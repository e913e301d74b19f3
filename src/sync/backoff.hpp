#pragma once
// How long the export waits before asking a server again (a reconnect, a refused FETCH), and
// the wait itself, cut short by Ctrl-C or the end of the run.

#include <chrono>
#include <functional>
#include <string>

#include "core/error.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

// Before attempt `attempt` (1, 2, ...): options.retry_wait doubled each time, with jitter, at
// most 60 s; at least the "Suggested Backoff Time: N" (Microsoft 365) in `server_reply`.
std::chrono::milliseconds backoff(const ExportOptions& options, int attempt,
                                  const std::string& server_reply);

// Sleeps `wait` in slices. Cancelled (scope Run) as soon as Ctrl-C is pressed or `stop` says
// the run is ending.
core::Result<void> wait_or_stop(std::chrono::milliseconds wait, const std::function<bool()>& stop);

}  // namespace imapmirror::sync
