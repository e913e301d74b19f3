#pragma once
// The metrics file (`--metrics-file PATH`, config key `metrics_file`): one account's last run in
// the Prometheus text exposition format that node_exporter's textfile collector reads, written
// atomically (a temporary file in PATH's directory, renamed), so the collector never reads half a
// file. One file per account: a backup's accounts run as separate processes, and the collector
// reads every *.prom file of its directory (`{account}` in the config key names them).

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"

namespace imapmirror::run {

// One account's figures. Times are Unix seconds.
struct RunMetrics {
    std::string account;  // the `account` label
    int64_t finished_at = 0;
    std::optional<int64_t> last_success;  // none: never succeeded (written as 0)
    int exit_code = 0;
    uint64_t messages = 0, bytes = 0;  // fetched by this run
    double seconds = 0;
    uint64_t errors = 0, quirks = 0;
    int64_t failed_runs_in_row = 0;
};

// The file's text: # HELP and # TYPE once per metric, one sample each, names as
// doc/monitoring.md lists them. Pure.
std::string format_metrics(const RunMetrics& m);

// Writes format_metrics(m) to `path` atomically, readable by others (0644: the collector runs
// as another user). Io or DiskFull errors name the path.
core::Result<void> write_metrics_file(const std::string& path, const RunMetrics& m);

}  // namespace imapmirror::run
