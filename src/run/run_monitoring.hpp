#pragma once
// What an `export` tells the monitoring after it ends, whatever its outcome (doc/monitoring.md):
// the account's metrics file (metrics_file.hpp) and, when the run did not succeed, the user's
// failure hook (failure_hook.hpp). Neither changes the run's exit code; either failing is a
// warning.

#include <chrono>
#include <cstdint>
#include <string>
#include <vector>

#include "core/error.hpp"
#include "index/run_history.hpp"
#include "run/failure_hook.hpp"
#include "run/metrics_file.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::run {

// The options `export` binds (--metrics-file, --on-failure, --on-failure-timeout) and what the
// command knows of the account.
struct MonitoringOptions {
    std::string metrics_file;     // "" writes none
    std::string on_failure;       // a shell command; "" runs none
    int on_failure_timeout = 60;  // seconds the hook may take
    std::string account;          // the account's config name, else USER@HOST
    std::string archive;          // DIR
    // Environment variables the hook must not see beside always_secret_variables() (the one
    // --password-env names).
    std::vector<std::string> secret_names;
};

// The metrics of a run that ended with `code` at `now` (Unix seconds): its counts from
// `summary` (null: the run ended before it had one, counted as one error), the last success
// and the failures in a row from `history` (the archive's runs after this run; null when it
// could not be read). A run that succeeded is its own last success when the history does not
// have it. Pure.
RunMetrics metrics_of(const std::string& account, int code, const sync::ExportSummary* summary,
                      const index::RunHistory* history, int64_t now);

// What the hook is told of a run that ended with `code` and `error` (null when it has none).
// Pure.
FailureReport failure_report_of(const MonitoringOptions& options, int code,
                                const core::Error* error);

// After a run: writes the metrics file when one is named (the history read from the archive's
// index now, this run's row included when the run got that far), then runs the hook when
// `code` is not 0 and a command is named, in this process's environment without the secrets.
// Each failure is a core::warn. Returns `code`.
int tell_monitoring(const MonitoringOptions& options, int code, const core::Error* error,
                    const sync::ExportSummary* summary);

}  // namespace imapmirror::run
