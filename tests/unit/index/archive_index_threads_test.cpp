#include <catch2/catch.hpp>

#include <sqlite3.h>
#include <unistd.h>

#include <cstdlib>
#include <map>

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
    auto ix = ArchiveIndex::open(t.path());
    REQUIRE(ix);
    FolderRecord inbox;
    inbox.name = inbox.raw_name = inbox.path = "INBOX";
    auto folder = ix->upsert_folder(inbox);
    REQUIRE(folder);
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
