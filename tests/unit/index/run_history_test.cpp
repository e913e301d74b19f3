#include <catch2/catch.hpp>

#include "index/archive_index.hpp"
#include "index/run_history.hpp"
#include "temp_index.hpp"

using namespace imapmirror;
using namespace imapmirror::index;
using test::TempIndex;

namespace {

// A finished run started at `started` (ISO 8601), with `outcome`.
void add_run(ArchiveIndex& ix, const std::string& started, const RunOutcome& outcome) {
    auto id = ix.begin_run("export");
    REQUIRE(id);
    REQUIRE(ix.finish_run(*id, RunCounts{}, outcome));
    auto st = ix.db().prepare("UPDATE runs SET started_at = ?1 WHERE id = ?2");
    REQUIRE(st);
    st->bind(1, started).bind(2, *id);
    REQUIRE(st->run());
}

}  // namespace

TEST_CASE("runs: a failed run keeps its exit code, error kind, message and the server's reply",
          "[index]") {
    TempIndex t;
    {
        auto ix = ArchiveIndex::open(t.path());
        REQUIRE(ix);
        add_run(*ix, "2027-01-10T03:00:00Z", RunOutcome{0, "", "", ""});
        add_run(*ix, "2027-01-11T03:00:00Z",
                RunOutcome{6, "auth", "the server rejected the login",
                           "[AUTHENTICATIONFAILED] Authentication failed."});
    }
    auto h = read_run_history(t.path());
    REQUIRE(h);
    REQUIRE(h->last);
    CHECK(h->last->exit_code == 6);
    CHECK(h->last->error_kind == "auth");
    CHECK(h->last->error_message == "the server rejected the login");
    CHECK(h->last->server_reply == "[AUTHENTICATIONFAILED] Authentication failed.");
    REQUIRE(h->last_failure);
    CHECK(h->last_failure->id == h->last->id);
    REQUIRE(h->last_success);
    CHECK(h->last_success->error_kind.empty());
    CHECK(h->last_success->error_message.empty());
}

TEST_CASE("runs: the failures since the last success are counted by run and by night", "[index]") {
    TempIndex t;
    {
        auto ix = ArchiveIndex::open(t.path());
        REQUIRE(ix);
        add_run(*ix, "2027-01-09T03:00:00Z", RunOutcome{3, "network", "old failure", ""});
        add_run(*ix, "2027-01-10T03:00:00Z", RunOutcome{0, "", "", ""});
        add_run(*ix, "2027-01-11T03:00:00Z", RunOutcome{6, "auth", "refused", ""});
        add_run(*ix, "2027-01-12T03:00:00Z", RunOutcome{6, "auth", "refused", ""});
        add_run(*ix, "2027-01-12T09:00:00Z", RunOutcome{3, "network", "no route", ""});
        // A run that never finished (killed, or running now) is not a failure.
        REQUIRE(ix->begin_run("export"));
    }
    auto h = read_run_history(t.path());
    REQUIRE(h);
    CHECK(h->failing.runs == 3);
    CHECK(h->failing.days == 2);
    CHECK(h->failing.since == "2027-01-11T03:00:00Z");
    REQUIRE(h->last_failure);
    CHECK(h->last_failure->error_message == "no route");
    CHECK(h->last->finished_at.empty());
}

TEST_CASE("runs: an index older than schema 010 is read without the outcome columns", "[index]") {
    TempIndex t;
    {
        auto ix = ArchiveIndex::open(t.path());
        REQUIRE(ix);
        add_run(*ix, "2027-01-11T03:00:00Z", RunOutcome{6, "auth", "refused", ""});
        REQUIRE(ix->db().exec("ALTER TABLE runs DROP COLUMN error_kind"));
        REQUIRE(ix->db().exec("ALTER TABLE runs DROP COLUMN error_message"));
        REQUIRE(ix->db().exec("ALTER TABLE runs DROP COLUMN server_reply"));
    }
    auto h = read_run_history(t.path());
    REQUIRE(h);
    REQUIRE(h->last_failure);
    CHECK(h->last_failure->exit_code == 6);
    CHECK(h->last_failure->error_message.empty());
    CHECK(h->failing.runs == 1);
}
