#include "run/metrics_file.hpp"

#include <cstdio>

#include "core/atomic_file.hpp"

namespace imapmirror::run {

namespace {

// A label value as the exposition format quotes it: backslash, double quote and line feed
// escaped.
std::string label_value(const std::string& v) {
    std::string out;
    for (char c : v) {
        if (c == '\\')
            out += "\\\\";
        else if (c == '"')
            out += "\\\"";
        else if (c == '\n')
            out += "\\n";
        else
            out += c;
    }
    return out;
}

std::string number(double v) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", v);
    return buf;
}

}  // namespace

std::string format_metrics(const RunMetrics& m) {
    const std::string labels = "{account=\"" + label_value(m.account) + "\"}";
    std::string out;
    auto gauge = [&](const char* name, const char* help, const std::string& value) {
        out += std::string("# HELP ") + name + " " + help + "\n";
        out += std::string("# TYPE ") + name + " gauge\n";
        out += name + labels + " " + value + "\n";
    };
    gauge("imapmirror_last_run_timestamp_seconds", "When the account's last run ended (Unix time).",
          std::to_string(m.finished_at));
    gauge("imapmirror_last_success_timestamp_seconds",
          "When the account's last successful run (exit code 0) ended (Unix time); 0 if never.",
          std::to_string(m.last_success.value_or(0)));
    gauge("imapmirror_last_exit_code", "Exit code of the account's last run (0: success).",
          std::to_string(m.exit_code));
    gauge("imapmirror_failed_runs", "Runs that failed in a row since the last success.",
          std::to_string(m.failed_runs_in_row));
    gauge("imapmirror_fetched_messages", "Messages the last run archived.",
          std::to_string(m.messages));
    gauge("imapmirror_fetched_bytes", "Bytes of messages the last run archived.",
          std::to_string(m.bytes));
    gauge("imapmirror_run_duration_seconds", "How long the last run took.", number(m.seconds));
    gauge("imapmirror_run_errors",
          "Errors of the last run (messages, folders, the one that ended it).",
          std::to_string(m.errors));
    gauge("imapmirror_run_quirks", "Server quirks the last run worked around.",
          std::to_string(m.quirks));
    return out;
}

core::Result<void> write_metrics_file(const std::string& path, const RunMetrics& m) {
    IMM_ASSIGN(auto file, core::AtomicFile::create(core::directory_for(path)));
    IMM_TRY(file.write(format_metrics(m)));
    IMM_TRY(file.set_mode(0644));
    return file.commit(path);
}

}  // namespace imapmirror::run
