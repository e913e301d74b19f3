// What an export tells the monitoring: the metrics' figures from the summary and the run
// history, what the failure hook is told, and the exit code a summary stands for.

#include "run/run_monitoring.hpp"

#include <catch2/catch.hpp>

#include "core/exit_code.hpp"
#include "run/exit_severity.hpp"
#include "run/run_health.hpp"

using namespace imapmirror;

namespace {

index::RunRecord finished(const std::string& at, int64_t code) {
    index::RunRecord r;
    r.started_at = r.finished_at = at;
    r.exit_code = code;
    return r;
}

}  // namespace

TEST_CASE(
    "monitoring: a run's metrics count its summary and take the last success from the history",
    "[run]") {
    sync::ExportSummary s;
    s.messages = 12;
    s.bytes = 3456;
    s.seconds = 7.5;
    s.errors.push_back(core::make_error(core::ErrorKind::Protocol, "one message"));
    s.quirks = {"a", "b"};
    index::RunHistory h;
    h.last_success = finished("2027-01-15T08:00:00Z", 0);
    h.failing.runs = 2;
    const auto m = run::metrics_of("work", core::kExitPartial, &s, &h, 1'800'000'000);
    CHECK(m.account == "work");
    CHECK(m.finished_at == 1'800'000'000);
    CHECK(m.exit_code == core::kExitPartial);
    CHECK(m.messages == 12);
    CHECK(m.bytes == 3456);
    CHECK(m.seconds == 7.5);
    CHECK(m.errors == 1);
    CHECK(m.quirks == 2);
    CHECK(m.failed_runs_in_row == 2);
    REQUIRE(m.last_success);
    CHECK(*m.last_success == *run::parse_iso8601("2027-01-15T08:00:00Z"));
}

TEST_CASE("monitoring: a run that ended before its summary counts one error, its fatal one too",
          "[run]") {
    const auto none = run::metrics_of("work", core::kExitAuth, nullptr, nullptr, 100);
    CHECK(none.errors == 1);
    CHECK(none.messages == 0);
    CHECK_FALSE(none.last_success);  // never succeeded: the file says 0
    sync::ExportSummary s;
    s.fatal = core::make_error(core::ErrorKind::Network, "gone");
    s.errors.push_back(core::make_error(core::ErrorKind::Protocol, "one message"));
    CHECK(run::metrics_of("work", core::kExitNetwork, &s, nullptr, 100).errors == 2);
}

TEST_CASE("monitoring: a successful run is its own last success when the history lacks it",
          "[run]") {
    sync::ExportSummary s;
    const auto unread = run::metrics_of("work", core::kExitOk, &s, nullptr, 1234);
    REQUIRE(unread.last_success);
    CHECK(*unread.last_success == 1234);
    index::RunHistory older;  // the index could not record this run
    older.last_success = finished("2001-09-09T01:46:40Z", 0);
    CHECK(*run::metrics_of("work", core::kExitOk, &s, &older, 1234).last_success == 1'000'000'000);
}

TEST_CASE("monitoring: the hook is told the account, the code, and the error on one line",
          "[run]") {
    run::MonitoringOptions o;
    o.account = "work";
    o.archive = "/srv/mail/work";
    auto e = core::make_error(core::ErrorKind::Auth, "the server refused the login");
    e.server_reply = "a NO [AUTHENTICATIONFAILED] bad\r\nsecond line";
    const auto r = run::failure_report_of(o, core::kExitAuth, &e);
    CHECK(r.account == "work");
    CHECK(r.archive == "/srv/mail/work");
    CHECK(r.exit_code == core::kExitAuth);
    CHECK(r.error_kind == core::to_string(core::ErrorKind::Auth));
    CHECK(r.message == e.describe());
    CHECK(r.server_reply.find('\n') == std::string::npos);
    CHECK(r.server_reply.find("AUTHENTICATIONFAILED") != std::string::npos);
    const auto bare = run::failure_report_of(o, core::kExitPartial, nullptr);
    CHECK(bare.error_kind.empty());
    CHECK(bare.message.empty());
    CHECK(bare.server_reply.empty());
}

TEST_CASE("exit code of a summary: the fatal error's, else partial when anything failed, else 0",
          "[run]") {
    sync::ExportSummary s;
    CHECK(run::exit_code_of(s) == core::kExitOk);
    s.errors.push_back(core::make_error(core::ErrorKind::Protocol, "one message"));
    CHECK(run::exit_code_of(s) == core::kExitPartial);
    s.fatal = core::make_error(core::ErrorKind::DiskFull, "full");
    CHECK(run::exit_code_of(s) == core::exit_code_for(core::ErrorKind::DiskFull));
    sync::RestoreSummary r;
    CHECK(run::exit_code_of(r) == core::kExitOk);
    r.errors.push_back(core::make_error(core::ErrorKind::Protocol, "refused"));
    CHECK(run::exit_code_of(r) == core::kExitPartial);
}
