// The planner (sync/run_plan) on a scripted server and an index given as data: what it
// decides for the never-lose-mail rules, and that deciding sends nothing that changes the
// server (the index it cannot write: PlanReads has no writes).

#include "sync/run_plan.hpp"

#include <catch2/catch.hpp>

#include <map>

#include "scripted_mailbox.hpp"
#include "sync/header_hash.hpp"

using namespace imapmirror;
using sync::FolderDecision;
using test::examined;
using test::ScriptedMailbox;

namespace {

// The index as data: live UIDs per epoch, rows of other epochs.
struct FakeReads final : sync::PlanReads {
    std::map<uint32_t, std::vector<uint32_t>> live;  // by UIDVALIDITY
    std::vector<index::EpochCandidate> older;
    core::Result<std::vector<uint32_t>> live_uids(int64_t, uint32_t uidvalidity) override {
        return live[uidvalidity];
    }
    core::Result<std::vector<index::EpochCandidate>> other_epoch_messages(int64_t,
                                                                          uint32_t) override {
        return older;
    }
    std::vector<index::StoredState> stored;  // ascending UIDs
    std::vector<std::pair<uint32_t, uint32_t>> stored_asked;
    core::Result<std::vector<index::StoredState>> stored_states(int64_t, uint32_t, uint32_t lo,
                                                                uint32_t hi) override {
        stored_asked.emplace_back(lo, hi);
        std::vector<index::StoredState> out;
        for (const auto& s : stored)
            if (s.uid >= lo && s.uid <= hi)
                out.push_back(s);
        return out;
    }
};

index::FolderRecord synced_folder(uint32_t uidvalidity, uint32_t uidnext, uint64_t messages) {
    index::FolderRecord f;
    f.id = 1;
    f.name = f.raw_name = f.path = "INBOX";
    f.uidvalidity = uidvalidity;
    f.uidnext = uidnext;
    f.server_messages = messages;
    return f;
}

std::string flags_of(std::initializer_list<uint32_t> uids) {
    std::string out;
    for (uint32_t u : uids)
        out +=
            "* " + std::to_string(u) + " FETCH (UID " + std::to_string(u) + " FLAGS (\\Seen))\r\n";
    return out;
}

std::string uids_of(std::initializer_list<uint32_t> uids) {
    std::string out;
    for (uint32_t u : uids)
        out += "* " + std::to_string(u) + " FETCH (UID " + std::to_string(u) + ")\r\n";
    return out;
}

// Nothing the planner sends may change the server or fetch a body.
void check_read_only(const ScriptedMailbox& server) {
    for (const auto& c : *server.commands) {
        INFO(c);
        CHECK(c.find("STORE") == std::string::npos);
        CHECK(c.find("EXPUNGE") == std::string::npos);
        CHECK(c.find("SELECT") == std::string::npos);
        CHECK(c.find("BODY[]") == std::string::npos);
        CHECK(c.find("BODY.PEEK[]") == std::string::npos);
    }
}

}  // namespace

TEST_CASE("planner: messages missing below the last UIDNEXT are found by listing from UID 1",
          "[sync][plan]") {
    // The index lost UIDs 1 and 2 of a folder recorded as synced up to UIDNEXT 6; one message
    // (6) is new. The search from 6 on cannot add up to EXISTS, so the folder is re-listed.
    ScriptedMailbox server;
    server.answers = {{"EXAMINE", examined(6, 7, 7)},
                      {"UID SEARCH UID 6:*", "* SEARCH 6\r\n"},
                      {"UID FETCH 1:* (UID)", uids_of({1, 2, 3, 4, 5, 6})},
                      {"UID FETCH 1:5 (UID FLAGS)", flags_of({3, 4, 5})}};
    auto client = server.client();
    FakeReads index;
    index.live[7] = {3, 4, 5};
    auto d = sync::plan_folder(*client, index, synced_folder(7, 6, 5), std::nullopt);
    REQUIRE(d);
    REQUIRE(d->kind == FolderDecision::Kind::Plan);
    CHECK(d->plan.to_fetch == std::vector<uint32_t>{1, 2, 6});
    CHECK(d->plan.reconciled);
    CHECK(d->plan.expunged.empty());
    CHECK(d->plan.flags.size() == 3);
    CHECK_FALSE(d->plan.quirks.empty());
    check_read_only(server);
}

TEST_CASE("planner: a folder whose count still does not add up is planned, not reconciled",
          "[sync][plan]") {
    ScriptedMailbox server;
    server.answers = {{"EXAMINE", examined(5, 7, 7)},
                      {"UID SEARCH UID 6:*", "* SEARCH 6\r\n"},
                      {"UID FETCH 1:* (UID)", uids_of({3, 4, 5, 6})},
                      {"UID FETCH 1:5 (UID FLAGS)", flags_of({3, 4, 5})}};
    auto client = server.client();
    FakeReads index;
    index.live[7] = {3, 4, 5};
    auto d = sync::plan_folder(*client, index, synced_folder(7, 6, 3), std::nullopt);
    REQUIRE(d);
    REQUIRE(d->kind == FolderDecision::Kind::Plan);
    CHECK(d->plan.to_fetch == std::vector<uint32_t>{6});
    CHECK_FALSE(d->plan.reconciled);
    REQUIRE(d->plan.discrepancy);
    CHECK(d->plan.discrepancy->folder == "INBOX");
}

TEST_CASE("planner: an unchanged search plans new mail, flags and expunges from the index",
          "[sync][plan]") {
    ScriptedMailbox server;
    server.answers = {{"EXAMINE", examined(3, 7, 9)},
                      {"UID SEARCH UID 6:*", "* SEARCH 6 8\r\n"},
                      {"UID FETCH 1:5 (UID FLAGS)", flags_of({4})}};
    auto client = server.client();
    FakeReads index;
    index.live[7] = {3, 4, 5};
    auto d = sync::plan_folder(*client, index, synced_folder(7, 6, 3), std::nullopt);
    REQUIRE(d);
    REQUIRE(d->kind == FolderDecision::Kind::Plan);
    CHECK(d->plan.to_fetch == std::vector<uint32_t>{6, 8});
    CHECK(d->plan.expunged == std::vector<uint32_t>{3, 5});
    REQUIRE(d->plan.flags.size() == 1);
    CHECK(d->plan.flags[0].uid == 4);
    CHECK(d->plan.flags[0].flags == "\\Seen");
    CHECK(d->plan.reconciled);
    CHECK_FALSE(server.sent("UID FETCH 1:* (UID)"));
    check_read_only(server);
}

TEST_CASE(
    "planner: after a UIDVALIDITY change archived messages are re-mapped by size and "
    "headers, the rest fetched",
    "[sync][plan][uidvalidity]") {
    const std::string header = "From: a@example.org\r\nSubject: kept\r\n\r\n";
    ScriptedMailbox server;
    server.answers = {
        {"EXAMINE", examined(2, 9, 3)},
        {"UID FETCH 1:* (UID RFC822.SIZE BODY.PEEK[HEADER])",
         "* 1 FETCH (UID 1 RFC822.SIZE 100 BODY[HEADER] {" + std::to_string(header.size()) +
             "}\r\n" + header +
             ")\r\n* 2 FETCH (UID 2 RFC822.SIZE 50 BODY[HEADER] {5}\r\nX\r\n\r\n)\r\n"},
        {"UID FETCH 1:1 (UID FLAGS)", flags_of({1})}};
    auto client = server.client();
    FakeReads index;
    index.older = {{10, 100, sync::header_sha256(header)}, {11, 70, "gone"}};
    auto d = sync::plan_folder(*client, index, synced_folder(7, 6, 2), std::nullopt);
    REQUIRE(d);
    REQUIRE(d->kind == FolderDecision::Kind::Plan);
    REQUIRE(d->plan.remapped.size() == 1);
    CHECK(d->plan.remapped[0].row_id == 10);
    CHECK(d->plan.remapped[0].uid == 1);
    CHECK(d->plan.expunged_rows == std::vector<int64_t>{11});
    CHECK(d->plan.to_fetch == std::vector<uint32_t>{2});
    CHECK(d->plan.flags.size() == 1);  // the re-mapped message's flags are this epoch's
    CHECK(d->plan.reconciled);
    check_read_only(server);
}

TEST_CASE("planner: a first refusal of EXAMINE is an error to remember, a repeated one a skip",
          "[sync][plan]") {
    ScriptedMailbox server;
    server.answers = {{"EXAMINE", "", "NO not a mail folder"}};
    auto client = server.client();
    FakeReads index;
    auto folder = synced_folder(7, 6, 5);
    auto first = sync::plan_folder(*client, index, folder, std::nullopt);
    REQUIRE(first);
    CHECK(first->kind == FolderDecision::Kind::Error);
    CHECK(first->remember_refusal);
    REQUIRE(first->error);
    CHECK(first->error->folder == "INBOX");

    folder.examine_refused = "NO not a mail folder";
    auto again = sync::plan_folder(*client, index, folder, std::nullopt);
    REQUIRE(again);
    CHECK(again->kind == FolderDecision::Kind::Skip);
    CHECK(again->skip == sync::SkipReason::RefusedAgain);
}

TEST_CASE("planner: EXAMINE without UIDNEXT takes the one STATUS gave (Courier)", "[sync][plan]") {
    ScriptedMailbox server;
    server.answers = {{"EXAMINE", "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n"},
                      {"UID SEARCH UID 1:*", "* SEARCH 1\r\n"}};
    auto client = server.client();
    FakeReads index;
    index::FolderRecord fresh;
    fresh.name = fresh.raw_name = "INBOX";
    auto d = sync::plan_folder(*client, index, fresh, 2u);
    REQUIRE(d);
    REQUIRE(d->kind == FolderDecision::Kind::Plan);
    CHECK(d->plan.state.uidnext == 2u);
    CHECK(d->plan.to_fetch == std::vector<uint32_t>{1});
}

TEST_CASE(
    "planner: a flag refresh asks kFlagWindow archived messages per FETCH and keeps only the "
    "flags and labels that differ from the index",
    "[sync][plan][flags]") {
    // 25,000 archived messages, none new: three windows. The index has \Seen on all but UID 7;
    // the server adds \Flagged on 12345 and a label on 24000, and lists 5's labels in another
    // order than the index (no change).
    const uint32_t n = 25000;
    ScriptedMailbox server;
    server.capabilities = "X-GM-EXT-1";
    server.answers = {{"EXAMINE", examined(n, 7, n + 1)},
                      {"UID SEARCH UID 25001:*", "* SEARCH\r\n"}};
    server.custom = [](const std::string& command, const std::string& tag) -> std::string {
        const std::string prefix = "UID FETCH ";
        if (command.rfind(prefix, 0) != 0 ||
            command.find(" (UID FLAGS X-GM-LABELS)") == std::string::npos)
            return "";
        const std::string set =
            command.substr(prefix.size(), command.find(' ', prefix.size()) - prefix.size());
        std::string out;
        for (uint32_t uid : test::uids_in(set)) {
            const std::string flags = uid == 12345 ? "\\Seen \\Flagged" : "\\Seen";
            const std::string labels = uid == 5       ? "work \"\\\\Inbox\""
                                       : uid == 24000 ? "\"\\\\Inbox\" new"
                                                      : "\"\\\\Inbox\"";
            out += "* " + std::to_string(uid) + " FETCH (UID " + std::to_string(uid) + " FLAGS (" +
                   flags + ") X-GM-LABELS (" + labels + "))\r\n";
        }
        return out + tag + " OK done\r\n";
    };
    auto client = server.client();
    FakeReads index;
    for (uint32_t uid = 1; uid <= n; ++uid) {
        index.live[7].push_back(uid);
        index.stored.push_back({uid, uid == 7 ? "" : "\\Seen",
                                uid == 5 ? std::vector<std::string>{"\\Inbox", "work"}
                                         : std::vector<std::string>{"\\Inbox"}});
    }
    auto d = sync::plan_folder(*client, index, synced_folder(7, n + 1, n), std::nullopt);
    REQUIRE(d);
    REQUIRE(d->kind == FolderDecision::Kind::Plan);
    CHECK(d->plan.to_fetch.empty());
    CHECK(d->plan.expunged.empty());
    CHECK(d->plan.reconciled);
    REQUIRE(d->plan.flags.size() == 2);
    CHECK(d->plan.flags[0].uid == 7);
    CHECK(d->plan.flags[0].flags == "\\Seen");
    CHECK(d->plan.flags[1].uid == 12345);
    CHECK(d->plan.flags[1].flags == "\\Seen \\Flagged");
    REQUIRE(d->plan.labels.size() == 1);
    CHECK(d->plan.labels[0].uid == 24000);
    CHECK(d->plan.labels[0].labels == std::vector<std::string>{"\\Inbox", "new"});
    CHECK(index.stored_asked ==
          std::vector<std::pair<uint32_t, uint32_t>>{{1, 10000}, {10001, 20000}, {20001, 25000}});
    CHECK(server.sent("UID FETCH 1:10000 (UID FLAGS X-GM-LABELS)"));
    CHECK(server.sent("UID FETCH 10001:20000 (UID FLAGS X-GM-LABELS)"));
    CHECK(server.sent("UID FETCH 20001:25000 (UID FLAGS X-GM-LABELS)"));
    check_read_only(server);
}
