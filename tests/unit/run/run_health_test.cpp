#include <catch2/catch.hpp>

#include "run/run_health.hpp"

using namespace imapmirror::run;
using imapmirror::index::RunHistory;
using imapmirror::index::RunRecord;

namespace {

constexpr int64_t kNow = 1'800'000'000;  // 2027-01-15T08:00:00Z

RunRecord run(const std::string& finished_at, int64_t exit_code, const std::string& message = "") {
    RunRecord r;
    r.started_at = finished_at;
    r.finished_at = finished_at;
    r.exit_code = exit_code;
    r.error_message = message;
    return r;
}

}  // namespace

TEST_CASE("max-age: durations take one unit of s, m, h or d", "[run]") {
    CHECK(parse_duration("90s") == 90);
    CHECK(parse_duration("15m") == 900);
    CHECK(parse_duration("36h") == 36 * 3600);
    CHECK(parse_duration("2d") == 2 * 86400);
    CHECK_FALSE(parse_duration(""));
    CHECK_FALSE(parse_duration("36"));
    CHECK_FALSE(parse_duration("h"));
    CHECK_FALSE(parse_duration("0h"));
    CHECK_FALSE(parse_duration("1.5d"));
    CHECK_FALSE(parse_duration("-1d"));
    CHECK_FALSE(parse_duration("2w"));
    CHECK_FALSE(parse_duration("2 d"));
    CHECK_FALSE(parse_duration("36H"));
    CHECK_FALSE(parse_duration("99999999999999999999d"));
    CHECK_FALSE(parse_duration("999999999999999d"));
}

TEST_CASE("max-age: never backed up, no success, or a success too long ago is too old", "[run]") {
    CHECK(too_old(nullptr, kNow, 86400));  // no archive at all

    RunHistory failed_only;
    failed_only.last = run("2027-01-15T07:00:00Z", 6, "login refused");
    CHECK(too_old(&failed_only, kNow, 86400));

    RunHistory recent;
    recent.last_success = run("2027-01-14T20:00:00Z", 0);  // 12 h ago
    CHECK(success_age(recent, kNow) == 12 * 3600);
    CHECK_FALSE(too_old(&recent, kNow, 36 * 3600));
    CHECK(too_old(&recent, kNow, 11 * 3600));
    CHECK_FALSE(too_old(&recent, kNow, 12 * 3600));  // exactly max-age is still fresh

    RunHistory unreadable;
    unreadable.last_success = run("yesterday", 0);
    CHECK(too_old(&unreadable, kNow, 36 * 3600));
}

TEST_CASE("accounts: the reason of a failing account counts nights and gives the last message",
          "[run]") {
    RunHistory h;
    CHECK(failure_reason(h) == "");

    h.failing = {1, 1, "2027-01-15T03:00:00Z"};
    h.last_failure = run("2027-01-15T03:00:00Z", 6,
                         "the server rejected the login (server said: [AUTHENTICATIONFAILED] "
                         "Authentication failed.)");
    CHECK(failure_reason(h) ==
          "failed 1 night: the server rejected the login (server said: [AUTHENTICATIONFAILED] "
          "Authentication failed.)");

    h.failing = {3, 3, "2027-01-13T03:00:00Z"};
    CHECK(failure_reason(h).rfind("failed 3 nights in a row: the server rejected", 0) == 0);

    h.failing = {4, 2, "2027-01-14T03:00:00Z"};
    CHECK(failure_reason(h).rfind("failed 4 runs on 2 nights in a row: ", 0) == 0);

    // Recorded by an imapmirror before schema 010: the exit code is all there is.
    h.last_failure = run("2027-01-15T03:00:00Z", 3);
    CHECK(failure_reason(h) == "failed 4 runs on 2 nights in a row: exit 3");
}

TEST_CASE("accounts: ages are shown in their largest whole unit", "[run]") {
    CHECK(format_age(0) == "0 s");
    CHECK(format_age(59) == "59 s");
    CHECK(format_age(60) == "1 min");
    CHECK(format_age(3599) == "59 min");
    CHECK(format_age(3600) == "1 h");
    CHECK(format_age(47 * 3600) == "47 h");
    CHECK(format_age(2 * 86400) == "2 d");
    CHECK(format_age(-5) == "0 s");  // a clock that went back
}
