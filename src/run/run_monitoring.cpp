#include "run/run_monitoring.hpp"

#include <ctime>

#include "core/exit_code.hpp"
#include "core/log.hpp"
#include "run/run_health.hpp"
#include "sync/archive.hpp"

extern char** environ;

namespace imapmirror::run {

RunMetrics metrics_of(const std::string& account, int code, const sync::ExportSummary* summary,
                      const index::RunHistory* history, int64_t now) {
    RunMetrics m;
    m.account = account;
    m.finished_at = now;
    m.exit_code = code;
    if (summary) {
        m.messages = summary->messages;
        m.bytes = summary->bytes;
        m.seconds = summary->seconds;
        m.errors = summary->errors.size() + (summary->fatal ? 1 : 0);
        m.quirks = summary->quirks.size();
    } else {
        m.errors = 1;
    }
    if (history) {
        if (history->last_success)
            m.last_success = parse_iso8601(history->last_success->finished_at);
        m.failed_runs_in_row = history->failing.runs;
    }
    if (code == core::kExitOk && !m.last_success)
        m.last_success = m.finished_at;
    return m;
}

FailureReport failure_report_of(const MonitoringOptions& options, int code,
                                const core::Error* error) {
    FailureReport report;
    report.account = options.account;
    report.exit_code = code;
    report.archive = options.archive;
    if (error) {
        report.error_kind = core::to_string(error->kind);
        report.message = error->describe();
        report.server_reply = core::one_line(error->server_reply);
    }
    return report;
}

namespace {

void write_metrics(const MonitoringOptions& o, int code, const sync::ExportSummary* summary) {
    auto history = index::read_run_history(sync::index_path(o.archive));
    const auto m = metrics_of(o.account, code, summary, history ? &*history : nullptr,
                              static_cast<int64_t>(std::time(nullptr)));
    if (auto written = write_metrics_file(o.metrics_file, m); !written)
        core::warn("the metrics file was not written: " + written.error().describe());
}

void run_failure_hook(const MonitoringOptions& o, int code, const core::Error* error) {
    std::vector<std::string> inherited;
    for (char** e = environ; *e; ++e)
        inherited.emplace_back(*e);
    auto ran =
        run_hook(o.on_failure,
                 hook_environment(inherited, o.secret_names, failure_report_of(o, code, error)),
                 std::chrono::seconds(o.on_failure_timeout));
    if (!ran)
        core::warn(ran.error().describe());
}

}  // namespace

int tell_monitoring(const MonitoringOptions& options, int code, const core::Error* error,
                    const sync::ExportSummary* summary) {
    if (!options.metrics_file.empty())
        write_metrics(options, code, summary);
    if (code != core::kExitOk && !options.on_failure.empty())
        run_failure_hook(options, code, error);
    return code;
}

}  // namespace imapmirror::run
