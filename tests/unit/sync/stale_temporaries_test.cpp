// What a killed run leaves under temporary names goes at the start of the next run, in every
// folder's directory, and nothing else does.

#include "sync/stale_temporaries.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "../index/temp_index.hpp"
#include "store/mirror_layout.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

TEST_CASE(
    "stale temporaries: removed in every folder's directory (unchanged ones too), never a "
    "file an index row names nor what a link points to",
    "[sync]") {
    test::TempIndex t;
    auto ix = index::ArchiveIndex::open(t.path());
    REQUIRE(ix);
    index::FolderRecord inbox;
    inbox.name = inbox.raw_name = "INBOX";
    inbox.path = "INBOX";
    auto inbox_id = ix->upsert_folder(inbox);
    REQUIRE(inbox_id);
    index::FolderRecord label;
    label.name = label.raw_name = label.path = "Work";
    REQUIRE(ix->upsert_folder(label));

    const std::string tmp = store::kTempPrefix;
    fs::create_directories(t.dir + "/INBOX/" + tmp + "attachments");
    std::ofstream(t.dir + "/INBOX/" + tmp + "attachments/a.pdf") << "x";
    std::ofstream(t.dir + "/INBOX/" + tmp + "abc123") << "half a .msg";
    std::ofstream(t.dir + "/INBOX/1-1.eml") << "mail";
    std::ofstream(t.dir + "/" + tmp + "root") << "x";
    fs::create_directories(t.dir + "/Work");
    std::ofstream(t.dir + "/Work/" + tmp + "copy") << "half a label copy";
    // A link among them: it goes, what it points to stays.
    test::TempIndex outside;
    const std::string elsewhere = outside.dir;
    std::ofstream(elsewhere + "/precious") << "x";
    fs::create_directory_symlink(elsewhere, t.dir + "/Work/" + tmp + "link");
    // A name an index row calls a message, however it looks, is kept.
    std::ofstream(t.dir + "/INBOX/" + tmp + "indexed") << "mail";
    index::MessageRecord m;
    m.folder_id = *inbox_id;
    m.uidvalidity = 1;
    m.uid = 2;
    m.path = "INBOX/" + tmp + "indexed";
    m.sha256 = "s";
    REQUIRE(ix->insert_messages({m}));

    auto root = store::ArchiveRoot::open(t.dir);
    REQUIRE(root);
    auto removed = sync::remove_stale_temporaries(*root, *ix);
    REQUIRE(removed);
    CHECK(*removed == 5);
    CHECK_FALSE(fs::exists(t.dir + "/INBOX/" + tmp + "attachments"));
    CHECK_FALSE(fs::exists(t.dir + "/INBOX/" + tmp + "abc123"));
    CHECK_FALSE(fs::exists(t.dir + "/" + tmp + "root"));
    CHECK_FALSE(fs::exists(t.dir + "/Work/" + tmp + "copy"));
    CHECK_FALSE(fs::exists(fs::symlink_status(t.dir + "/Work/" + tmp + "link")));
    CHECK(fs::is_regular_file(elsewhere + "/precious"));
    CHECK(fs::is_regular_file(t.dir + "/INBOX/1-1.eml"));
    CHECK(fs::is_regular_file(t.dir + "/INBOX/" + tmp + "indexed"));
    CHECK(*sync::remove_stale_temporaries(*root, *ix) == 0);
}
