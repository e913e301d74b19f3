// apply_plan: the export's writes for a folder's decision, on a temporary index. The planner
// decides (run_plan_test.cpp); here what it decided reaches the index, and nothing else does.

#include "sync/folder_sync.hpp"

#include <catch2/catch.hpp>

#include "inbox_index.hpp"

using namespace imapmirror;
using sync::FolderDecision;

namespace {

struct Index : test::InboxIndex {
    void archive(uint32_t uidvalidity, std::vector<uint32_t> uids) {
        std::vector<index::MessageRecord> rows;
        for (uint32_t uid : uids) {
            index::MessageRecord r;
            r.folder_id = folder.id;
            r.uidvalidity = uidvalidity;
            r.uid = uid;
            r.path = "INBOX/" + std::to_string(uidvalidity) + "-" + std::to_string(uid) + ".eml";
            r.sha256 = r.header_sha256 = std::to_string(uid);
            rows.push_back(std::move(r));
        }
        REQUIRE(ix->insert_messages(rows));
    }
    std::vector<uint32_t> live(uint32_t uidvalidity) {
        auto uids = ix->live_uids(folder.id, uidvalidity);
        REQUIRE(uids);
        return *uids;
    }
    index::FolderRecord reread() {
        auto all = ix->folders();
        REQUIRE(all);
        REQUIRE(all->size() == 1);
        return all->front();
    }
};

FolderDecision planned(uint32_t uidvalidity) {
    FolderDecision d;
    d.plan.state.uidvalidity = uidvalidity;
    d.plan.state.uidnext = 10;
    d.plan.state.exists = 3;
    return d;
}

}  // namespace

TEST_CASE("apply: re-maps, expunges and flags of the plan reach the index, counted",
          "[sync][apply][uidvalidity]") {
    Index t;
    t.archive(7, {1, 2, 3});
    auto d = planned(9);
    // After a UIDVALIDITY change: the rows of UIDs 1 and 2 are the server's 5 and 6; 3 is gone.
    auto rows = t.ix->other_epoch_messages(t.folder.id, 9);
    REQUIRE(rows);
    REQUIRE(rows->size() == 3);
    d.plan.remapped = {{(*rows)[0].id, 5}, {(*rows)[1].id, 6}};
    d.plan.expunged_rows = {(*rows)[2].id};
    d.plan.flags = {{5, "\\Seen"}, {6, "\\Flagged"}};
    d.plan.expunged = {6};
    d.plan.quirks = {"a quirk"};
    sync::SharedRun run(*t.ix, t.summary, nullptr);
    auto plan = sync::apply_plan(run, t.folder, d);
    REQUIRE(plan);
    CHECK(t.live(9) == std::vector<uint32_t>{5});
    CHECK(t.live(7).empty());
    CHECK(t.summary.remapped == 2);
    CHECK(t.summary.expunged == 1);
    CHECK(t.summary.flags_changed == 2);
    CHECK(t.summary.quirks.count("a quirk") == 1);
    // Nothing is recorded as synced before the bodies are archived.
    CHECK_FALSE(t.reread().uidvalidity);
    REQUIRE(sync::record_synced(run, t.folder, *plan));
    CHECK(t.reread().uidvalidity == 9u);
}

TEST_CASE(
    "apply: a first refusal is remembered, a refusal again is a counted skip, and a "
    "folder that opens again is cleared",
    "[sync][apply]") {
    Index t;
    sync::SharedRun run(*t.ix, t.summary, nullptr);
    FolderDecision refused;
    refused.kind = FolderDecision::Kind::Error;
    refused.remember_refusal = true;
    refused.error = core::make_error(core::ErrorKind::Protocol, "refused", core::Scope::Folder);
    refused.error->server_reply = "NO not a mail folder";
    auto first = sync::apply_plan(run, t.folder, refused);
    REQUIRE_FALSE(first);
    CHECK(first.error().message == "refused");
    auto folder = t.reread();
    CHECK(folder.examine_refused == std::string("NO not a mail folder"));

    FolderDecision again;
    again.kind = FolderDecision::Kind::Skip;
    again.skip = sync::SkipReason::RefusedAgain;
    auto skipped = sync::apply_plan(run, folder, again);
    REQUIRE(skipped);
    CHECK_FALSE(skipped->reconciled);  // never recorded as synced
    CHECK(skipped->to_fetch.empty());
    CHECK(t.summary.folders_refused == 1);

    auto opened = planned(7);
    opened.plan.clear_refusal = true;
    REQUIRE(sync::apply_plan(run, folder, opened));
    CHECK_FALSE(t.reread().examine_refused);
}

TEST_CASE("apply: a plan that did not reconcile reports its discrepancy and is not recorded",
          "[sync][apply]") {
    Index t;
    sync::SharedRun run(*t.ix, t.summary, nullptr);
    auto d = planned(7);
    d.plan.reconciled = false;
    d.plan.discrepancy =
        core::make_error(core::ErrorKind::Protocol, "counts differ", core::Scope::Folder);
    auto plan = sync::apply_plan(run, t.folder, d);
    REQUIRE(plan);
    REQUIRE(t.summary.errors.size() == 1);
    CHECK(t.summary.errors[0].message == "counts differ");
    REQUIRE(sync::record_synced(run, t.folder, *plan));
    CHECK_FALSE(t.reread().uidvalidity);
}
