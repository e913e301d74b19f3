// backup's children: the export each account runs as, and what their outcomes add up to.

#include "run/backup_jobs.hpp"

#include <catch2/catch.hpp>

#include "core/exit_code.hpp"

using namespace imapmirror;
using Args = std::vector<std::string>;

namespace {

run::ChildOutcome ended(const std::string& name, int code, const std::string& out = "") {
    run::ChildOutcome c;
    c.name = name;
    c.started = true;
    c.exit_code = code;
    c.out = out;
    return c;
}

}  // namespace

TEST_CASE("backup jobs: one export per account, with its config, -q, -v and --dry-run passed on",
          "[run]") {
    auto jobs = run::export_jobs({"work", "home"}, "/etc/imm/config.toml", {});
    REQUIRE(jobs.size() == 2);
    CHECK(jobs[0].name == "work");
    CHECK(jobs[0].args ==
          Args{"export", "--account", "work", "--config", "/etc/imm/config.toml", "--json"});
    CHECK(jobs[1].name == "home");
    run::BackupOptions o;
    o.quiet = true;
    o.verbose = 2;
    o.dry_run = true;
    jobs = run::export_jobs({"work"}, "c.toml", o);
    CHECK(jobs.at(0).args == Args{"-q", "-v", "-v", "export", "--account", "work", "--config",
                                  "c.toml", "--json", "--dry-run"});
    CHECK(run::export_jobs({}, "c.toml", o).empty());
}

TEST_CASE("backup outcome: the worst started account's code, and how many completed", "[run]") {
    std::vector<run::ChildOutcome> outcomes = {
        ended("work", core::kExitOk, R"({"messages": 3, "bytes": 100, "errors": []})"),
        ended("home", core::kExitAuth), ended("club", core::kExitPartial)};
    run::ChildOutcome waiting;  // never started: not counted in the code
    waiting.name = "late";
    outcomes.push_back(waiting);
    const auto o = run::backup_outcome(outcomes, false);
    CHECK(o.exit_code == core::kExitAuth);
    CHECK(o.complete == 1);
    REQUIRE(o.reports.size() == 4);
    CHECK(o.reports[0].child == &outcomes[0]);
    CHECK(o.reports[0].messages == 3u);
    CHECK(o.reports[3].error == "not run: interrupted before its turn");
    CHECK(run::backup_outcome(outcomes, true).exit_code == core::kExitInterrupted);
    CHECK(run::backup_outcome({}, false).exit_code == core::kExitOk);
}
