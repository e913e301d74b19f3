#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <map>
#include <optional>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "index/archive_index.hpp"
#include "temp_index.hpp"

using namespace imapmirror;
using namespace imapmirror::index;
using test::TempIndex;

namespace {

MessageRecord message(int64_t folder, uint32_t uid, std::string id, std::string refs = "") {
    MessageRecord m;
    m.folder_id = folder;
    m.uidvalidity = 1;
    m.uid = uid;
    m.headers.message_id = std::move(id);
    m.headers.references = std::move(refs);
    m.headers.subject = "s" + std::to_string(uid);
    m.headers.date = "2024-01-0" + std::to_string(uid % 9 + 1) + "T00:00:00Z";
    m.path = "INBOX/1-" + std::to_string(uid) + ".eml";
    return m;
}

// An index at `t` with one folder, INBOX: the index and the folder's id.
std::pair<std::optional<ArchiveIndex>, std::optional<int64_t>> index_with_inbox(
    const TempIndex& t) {
    auto ix = ArchiveIndex::open(t.path());
    REQUIRE(ix);
    FolderRecord inbox;
    inbox.name = inbox.raw_name = inbox.path = "INBOX";
    auto folder = ix->upsert_folder(inbox);
    REQUIRE(folder);
    return {std::move(*ix), *folder};
}

// message_id -> thread id, read back with plain SQL.
std::map<std::string, int64_t> thread_ids(const std::string& path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT message_id, thread_id FROM messages", -1, &st,
                               nullptr) == SQLITE_OK);
    std::map<std::string, int64_t> out;
    while (sqlite3_step(st) == SQLITE_ROW)
        out[reinterpret_cast<const char*>(sqlite3_column_text(st, 0))] =
            sqlite3_column_int64(st, 1);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return out;
}

int64_t count(const std::string& path, const char* sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, sql, -1, &st, nullptr) == SQLITE_OK);
    REQUIRE(sqlite3_step(st) == SQLITE_ROW);
    int64_t n = sqlite3_column_int64(st, 0);
    sqlite3_finalize(st);
    sqlite3_close(db);
    return n;
}

}  // namespace

TEST_CASE("index threads: new mail keeps every thread id, merged threads keep one of theirs",
          "[index]") {
    TempIndex t;
    auto [ix, folder] = index_with_inbox(t);
    REQUIRE(ix->insert_messages({message(*folder, 1, "<a@x>"), message(*folder, 2, "<b@x>"),
                                 message(*folder, 3, "<c@x>"), message(*folder, 4, "<d@x>")}));
    REQUIRE(ix->rebuild_threads());
    auto before = thread_ids(t.path());
    REQUIRE(before.size() == 4);

    // A reply that cites both a and b joins their threads; c and d are untouched.
    REQUIRE(ix->insert_messages({message(*folder, 5, "<e@x>", "<a@x> <b@x>")}));
    REQUIRE(ix->rebuild_threads());
    auto after = thread_ids(t.path());
    CHECK(after["<c@x>"] == before["<c@x>"]);
    CHECK(after["<d@x>"] == before["<d@x>"]);
    CHECK(after["<a@x>"] == after["<b@x>"]);
    CHECK(after["<e@x>"] == after["<a@x>"]);
    CHECK((after["<a@x>"] == before["<a@x>"] || after["<a@x>"] == before["<b@x>"]));
    // The thread that lost its messages is gone; counts are right.
    CHECK(count(t.path(), "SELECT COUNT(*) FROM threads") == 3);
    CHECK(count(t.path(), "SELECT MAX(message_count) FROM threads") == 3);
    CHECK(count(t.path(), "SELECT COUNT(*) FROM messages WHERE thread_id IS NULL") == 0);
    CHECK_FALSE(*ix->needs_threading());
}

namespace {

// The threads as a partition of the message rows, independent of the thread ids.
std::set<std::set<int64_t>> partition(const std::string& path) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(path.c_str(), &db) == SQLITE_OK);
    sqlite3_stmt* st = nullptr;
    REQUIRE(sqlite3_prepare_v2(db, "SELECT id, thread_id FROM messages", -1, &st, nullptr) ==
            SQLITE_OK);
    std::map<int64_t, std::set<int64_t>> by_thread;
    while (sqlite3_step(st) == SQLITE_ROW)
        by_thread[sqlite3_column_int64(st, 1)].insert(sqlite3_column_int64(st, 0));
    sqlite3_finalize(st);
    sqlite3_close(db);
    std::set<std::set<int64_t>> out;
    for (auto& [thread, members] : by_thread)
        out.insert(std::move(members));
    return out;
}

MessageRecord with(MessageRecord m, std::string subject, std::string in_reply_to = "",
                   std::string thread_index = "", std::string gm_thrid = "") {
    m.headers.subject = std::move(subject);
    m.headers.in_reply_to = std::move(in_reply_to);
    m.headers.thread_index = std::move(thread_index);
    if (!gm_thrid.empty())
        m.gm_thrid = std::stoull(gm_thrid);
    return m;
}

}  // namespace

TEST_CASE(
    "index threads: threading new mail from the recorded keys groups as the whole-archive "
    "grouping does, batch after batch, and merges threads a message links",
    "[index]") {
    TempIndex t;
    auto [ix, folder] = index_with_inbox(t);
    // Outlook's Thread-Index: the same first 22 bytes (base64) make one conversation.
    const std::string conv_a = "AQHZ1111111111111111111111111111", conv_b = conv_a + "AAAA";
    const std::vector<std::vector<MessageRecord>> batches = {
        // A grandchild first, citing its ancestors only in References; an unrelated message.
        {message(*folder, 1, "<c@x>", "<a@x> <b@x>"), message(*folder, 2, "<z@x>")},
        // The parent arrives, then a copy of it (same ID and subject) and a reuse of its ID
        // under another subject, which is a different message.
        {message(*folder, 3, "<b@x>"), with(message(*folder, 4, "<b@x>"), "s3"),
         with(message(*folder, 5, "<b@x>"), "something else")},
        // Two Outlook messages of one conversation, a Gmail pair, messages without any ID.
        {with(message(*folder, 6, "<o1@x>"), "o", "", conv_a),
         with(message(*folder, 7, "<o2@x>"), "o", "", conv_b),
         with(message(*folder, 8, "<g1@x>"), "g", "", "", "42"),
         with(message(*folder, 9, "<g2@x>"), "g", "", "", "42"), message(*folder, 10, ""),
         message(*folder, 11, "")},
        // A reply to z and to o1 at once joins their two threads.
        {with(message(*folder, 12, "<m@x>"), "m", "<z@x>", "", ""),
         message(*folder, 13, "<n@x>", "<m@x> <o1@x>")},
    };
    for (const auto& batch : batches) {
        REQUIRE(ix->insert_messages(batch));
        auto threaded = ix->thread_new_messages();
        INFO((threaded ? "" : threaded.error().describe()));
        REQUIRE(threaded);
        CHECK_FALSE(*ix->needs_threading());
    }
    const auto incremental = partition(t.path());
    const auto threads = count(t.path(), "SELECT COUNT(*) FROM threads");
    const auto counted = count(t.path(), "SELECT SUM(message_count) FROM threads");
    REQUIRE(ix->rebuild_threads());
    CHECK(incremental == partition(t.path()));
    CHECK(threads == count(t.path(), "SELECT COUNT(*) FROM threads"));
    CHECK(counted == 13);
    // c, b and b's copy; z, m, n and the Outlook pair; the Gmail pair; the reuse of b's ID;
    // two messages without an ID.
    CHECK(incremental.size() == 6);
}

TEST_CASE(
    "index threads: an archive threaded before its keys were recorded gets them on the next "
    "new mail, which then joins the existing thread",
    "[index]") {
    TempIndex t;
    auto [ix, folder] = index_with_inbox(t);
    REQUIRE(
        ix->insert_messages({message(*folder, 1, "<a@x>"), message(*folder, 2, "<b@x>", "<a@x>")}));
    REQUIRE(ix->rebuild_threads());
    REQUIRE(ix->db().exec("DELETE FROM thread_keys"));  // as an archive made before version 19
    const auto before = thread_ids(t.path());
    REQUIRE(ix->insert_messages({message(*folder, 3, "<c@x>", "<b@x>")}));
    REQUIRE(ix->thread_new_messages());
    const auto after = thread_ids(t.path());
    CHECK(after.at("<c@x>") == before.at("<a@x>"));
    CHECK(after.at("<b@x>") == before.at("<a@x>"));
    CHECK(count(t.path(), "SELECT message_count FROM threads") == 3);
}
