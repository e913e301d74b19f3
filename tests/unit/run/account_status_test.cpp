// `accounts`' view of one account: its archive's run history, whose archive it is, and whether
// it is stale, read from an index made here.

#include "run/account_status.hpp"

#include <catch2/catch.hpp>

#include "index/account_identity.hpp"
#include "index/archive_index.hpp"
#include "run/run_health.hpp"
#include "unit/index/temp_index.hpp"

using namespace imapmirror;
using test::TempIndex;

namespace {

// A run that started and finished at `at` (ISO 8601) with exit code `code`.
void add_run(index::ArchiveIndex& ix, const std::string& at, int code, const std::string& why) {
    auto id = ix.begin_run("export");
    REQUIRE(id);
    REQUIRE(ix.finish_run(*id, index::RunCounts{}, index::RunOutcome{code, "", why, ""}));
    auto st = ix.db().prepare("UPDATE runs SET started_at = ?1, finished_at = ?1 WHERE id = ?2");
    REQUIRE(st);
    st->bind(1, at).bind(2, *id);
    REQUIRE(st->run());
}

const index::AccountIdentity kWork{"imap.example.org", 993, "me@example.org", "work"};

int64_t at(const char* iso) {
    return *run::parse_iso8601(iso);
}

}  // namespace

TEST_CASE("account status: no out directory, or no archive in it, is stale and says why", "[run]") {
    const auto none = run::account_status("", kWork, 7, 0);
    CHECK(none.stale);
    CHECK(none.error == "no `out` directory in the config");
    CHECK_FALSE(none.history);
    TempIndex t;  // an empty directory: no index yet
    const auto never = run::account_status(t.dir, kWork, 7, 0);
    CHECK(never.never);
    CHECK(never.stale);
    CHECK(never.error.empty());
    CHECK(run::too_old(never, 0, 86400));
}

TEST_CASE("account status: the last success's age, and stale from stale_days on", "[run]") {
    TempIndex t;
    {
        auto ix = index::ArchiveIndex::open(t.path());
        REQUIRE(ix);
        add_run(*ix, "2027-01-10T03:00:00Z", 0, "");
        add_run(*ix, "2027-01-11T03:00:00Z", 6, "the server rejected the login");
        add_run(*ix, "2027-01-12T03:00:00Z", 6, "the server rejected the login");
    }
    const auto fresh = run::account_status(t.dir, kWork, 7, at("2027-01-12T09:00:00Z"));
    REQUIRE(fresh.history);
    CHECK_FALSE(fresh.never);
    CHECK_FALSE(fresh.stale);
    CHECK(fresh.success_age_seconds == 54 * 3600);
    CHECK(fresh.success_age_days == 2);
    CHECK(fresh.failure == "failed 2 nights in a row: the server rejected the login");
    CHECK_FALSE(run::too_old(fresh, at("2027-01-12T09:00:00Z"), 60 * 3600));
    CHECK(run::too_old(fresh, at("2027-01-12T09:00:00Z"), 36 * 3600));
    const auto old = run::account_status(t.dir, kWork, 7, at("2027-01-17T03:00:00Z"));
    CHECK(old.success_age_days == 7);
    CHECK(old.stale);
}

TEST_CASE("account status: an archive of another account is foreign, unless no host is configured",
          "[run]") {
    TempIndex t;
    {
        auto ix = index::ArchiveIndex::open(t.path());
        REQUIRE(ix);
        add_run(*ix, "2027-01-10T03:00:00Z", 0, "");
        REQUIRE(index::write_account_identity(ix->db(), kWork));
    }
    const int64_t now = at("2027-01-10T04:00:00Z");
    const auto same = run::account_status(t.dir, kWork, 7, now);
    REQUIRE(same.identity);
    CHECK(same.identity->user == "me@example.org");
    CHECK_FALSE(same.foreign);
    auto other = kWork;
    other.user = "someone@example.org";
    CHECK(run::account_status(t.dir, other, 7, now).foreign);
    other.host.clear();  // a --provider preset gives the host: nothing to compare
    CHECK_FALSE(run::account_status(t.dir, other, 7, now).foreign);
}
