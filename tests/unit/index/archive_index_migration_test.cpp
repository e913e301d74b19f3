#include <catch2/catch.hpp>

#include <unistd.h>

#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "index/archive_index.hpp"
#include "temp_index.hpp"

namespace {
// The schema version an index has after every migration: one per schema/NNN_*.sql file, in
// file order (a number left free for another change is no version of its own).
int64_t count_migrations() {
    int64_t n = 0;
    for (const auto& e :
         std::filesystem::directory_iterator(std::string(IMM_SOURCE_DIR) + "/schema")) {
        const std::string name = e.path().filename().string();
        n += name.size() > 4 && name.compare(name.size() - 4, 4, ".sql") == 0 &&
             std::isdigit(static_cast<unsigned char>(name[0]));
    }
    return n;
}
const int64_t kNewest = count_migrations();
}  // namespace

using namespace imapmirror;
using namespace imapmirror::index;
using test::TempIndex;

namespace {

std::string read_text(const std::string& path) {
    std::ifstream in(path);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// An index as an older imapmirror left it: `first` as its 001, then the shipped 002.. up to
// `version`.
void make_index(const std::string& path, const std::string& first, int version) {
    auto db = Database::open(path);
    REQUIRE(db);
    REQUIRE(db->exec(first));
    const char* later[] = {"002_size_announced.sql", "003_examine_refused.sql"};
    for (int v = 2; v <= version; ++v)
        REQUIRE(db->exec(read_text(std::string(IMM_SOURCE_DIR) + "/schema/" + later[v - 2])));
    REQUIRE(db->exec("PRAGMA user_version = " + std::to_string(version)));
}

int64_t scalar(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    REQUIRE(st);
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    return st->column_int(0);
}

const std::string kOld001 =
    std::string(IMM_TEST_DATA) + "/schema/001_initial_before_header_sha256.sql";
const std::string kNew001 = std::string(IMM_SOURCE_DIR) + "/schema/001_initial.sql";

}  // namespace

TEST_CASE("index: an archive made before 001 had header_sha256 gets the column at any version",
          "[index]") {
    for (int version = 1; version <= 3; ++version) {
        INFO("created at version " << version);
        TempIndex t;
        make_index(t.path(), read_text(kOld001), version);
        {
            auto db = Database::open(t.path());
            REQUIRE(db);
            REQUIRE(scalar(*db,
                           "SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name = "
                           "'header_sha256'") == 0);
        }
        auto ix = ArchiveIndex::open(t.path());
        REQUIRE(ix);
        auto& db = ix->db();
        CHECK(scalar(db, "PRAGMA user_version") == kNewest);
        CHECK(scalar(db,
                     "SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name = "
                     "'header_sha256'") == 1);
        // The UNIQUE constraint's index serves look-ups by UID; no second copy (005).
        CHECK(scalar(db,
                     "SELECT COUNT(*) FROM sqlite_schema WHERE type = 'index' AND name = "
                     "'messages_folder_uid'") == 0);

        // Usable: written by insert_messages, read back by re-mapping.
        FolderRecord inbox;
        inbox.name = inbox.raw_name = inbox.path = "INBOX";
        auto folder = ix->upsert_folder(inbox);
        REQUIRE(folder);
        MessageRecord m;
        m.folder_id = *folder;
        m.uidvalidity = 1;
        m.uid = 1;
        m.path = "INBOX/1-1.eml";
        m.sha256 = "aa";
        m.header_sha256 = "bb";
        m.size = 10;
        REQUIRE(ix->insert_messages({m}));
        auto candidates = ix->other_epoch_messages(*folder, 2);
        REQUIRE(candidates);
        REQUIRE(candidates->size() == 1);
        CHECK(candidates->front().header_sha256 == "bb");
    }
}

TEST_CASE("index: an archive that already has header_sha256 migrates without error", "[index]") {
    for (int version = 1; version <= 3; ++version) {
        INFO("created at version " << version);
        TempIndex t;
        make_index(t.path(), read_text(kNew001), version);
        auto ix = ArchiveIndex::open(t.path());
        REQUIRE(ix);
        CHECK(scalar(ix->db(), "PRAGMA user_version") == kNewest);
        CHECK(scalar(ix->db(),
                     "SELECT COUNT(*) FROM pragma_table_info('messages') WHERE name = "
                     "'header_sha256'") == 1);
    }
    TempIndex fresh;
    REQUIRE(ArchiveIndex::open(fresh.path()));
    auto again = ArchiveIndex::open(fresh.path());
    REQUIRE(again);
    CHECK(scalar(again->db(), "PRAGMA user_version") == kNewest);
}

TEST_CASE("index: open_read_only reads an older archive as it is, without migrating it",
          "[index]") {
    TempIndex t;
    make_index(t.path(), read_text(kNew001), 3);
    {
        auto ix = ArchiveIndex::open_read_only(t.path());
        REQUIRE(ix);
        CHECK(ix->folders());
        CHECK(scalar(ix->db(), "PRAGMA user_version") == 3);
    }
    auto db = Database::open(t.path());
    REQUIRE(db);
    CHECK(scalar(*db, "PRAGMA user_version") == 3);
}

TEST_CASE("index: open_read_only refuses an archive too old to read, saying to export once",
          "[index]") {
    TempIndex t;
    make_index(t.path(), read_text(kNew001), 2);
    auto ix = ArchiveIndex::open_read_only(t.path());
    REQUIRE_FALSE(ix);
    CHECK(ix.error().kind == core::ErrorKind::Usage);
    CHECK(ix.error().hint.find("without --dry-run") != std::string::npos);
}

TEST_CASE(
    "migration: a new index's write-ahead log holds one migration's pages at a time, not all "
    "of them",
    "[index]") {
    // On a nearly full disk the first run must still be able to create its index: the log of
    // all eighteen migrations at once took 370 KB (beside a 4 KB database), one at a time 66 KB.
    TempIndex t;
    auto ix = ArchiveIndex::open(t.path());
    REQUIRE(ix);
    const auto wal = std::filesystem::file_size(t.path() + "-wal");
    const auto db = std::filesystem::file_size(t.path());
    INFO("log " << wal << " bytes, database " << db << " bytes");
    CHECK(wal < db);
}
