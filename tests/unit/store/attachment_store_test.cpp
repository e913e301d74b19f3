// Identical attachments stored once: the content-addressed store inside the archive, hard links
// to it, and the copy that stays where the file system refuses a link.

#include "store/attachment_store.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../temp_dir.hpp"
#include "store/mirror_layout.hpp"
#include "store/name_sanitizer.hpp"
#include "store/sha256.hpp"
#include "unit/core/faulty_file_system.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

const std::string kLogo = "GIF89a a signature's logo";

std::string sha_of(const std::string& bytes) {
    store::Sha256 h;
    h.update(bytes);
    return h.hex();
}

void write_file(const std::string& path, const std::string& bytes) {
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << bytes;
}

std::string read_file(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

ino_t inode(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_ino;
}

}  // namespace

TEST_CASE("attachment store: a file given to an empty store becomes the store's file",
          "[store][attachment_store]") {
    test::TempDir dir;
    write_file(dir.path + "/INBOX/1-1.attachments/logo.gif", kLogo);
    auto st = store::AttachmentStore::open(dir.path);
    REQUIRE(st);
    auto adopted = st->adopt(sha_of(kLogo), kLogo.size(), "INBOX/1-1.attachments/logo.gif");
    REQUIRE(adopted);
    CHECK(*adopted == store::AttachmentStorage::Link);
    const std::string kept = dir.path + "/" + store::attachment_store_path(sha_of(kLogo));
    CHECK(kept.find("/.attachments-store/" + sha_of(kLogo).substr(0, 2) + "/") !=
          std::string::npos);
    CHECK(inode(kept) == inode(dir.path + "/INBOX/1-1.attachments/logo.gif"));
}

TEST_CASE("attachment store: a second copy of the same bytes becomes a link to the store's file",
          "[store][attachment_store]") {
    test::TempDir dir;
    write_file(dir.path + "/INBOX/1-1.attachments/logo.gif", kLogo);
    write_file(dir.path + "/Sent/7-3.attachments/logo.gif", kLogo);
    auto st = store::AttachmentStore::open(dir.path);
    REQUIRE(st);
    REQUIRE(st->adopt(sha_of(kLogo), kLogo.size(), "INBOX/1-1.attachments/logo.gif"));
    auto second = st->adopt(sha_of(kLogo), kLogo.size(), "Sent/7-3.attachments/logo.gif");
    REQUIRE(second);
    CHECK(*second == store::AttachmentStorage::Link);
    CHECK(inode(dir.path + "/Sent/7-3.attachments/logo.gif") ==
          inode(dir.path + "/INBOX/1-1.attachments/logo.gif"));
    CHECK(read_file(dir.path + "/Sent/7-3.attachments/logo.gif") == kLogo);
    // No temporary name is left behind in DIR.
    for (const auto& e : fs::directory_iterator(dir.path))
        CHECK(e.path().filename().string().rfind(store::kTempPrefix, 0) != 0);
}

TEST_CASE("attachment store: where hard links are refused the message keeps its own copy",
          "[store][attachment_store]") {
    test::TempDir dir;
    write_file(dir.path + "/INBOX/1-1.attachments/logo.gif", kLogo);
    test::FaultyFileSystem refuses;
    refuses.refuse_links(EMLINK);
    auto st = store::AttachmentStore::open(dir.path, refuses);
    REQUIRE(st);
    auto adopted = st->adopt(sha_of(kLogo), kLogo.size(), "INBOX/1-1.attachments/logo.gif");
    REQUIRE(adopted);
    CHECK(*adopted == store::AttachmentStorage::Copy);
    CHECK(read_file(dir.path + "/INBOX/1-1.attachments/logo.gif") == kLogo);
    CHECK_FALSE(st->link_existing(sha_of(kLogo), kLogo.size(), dir.path + "/other.gif"));
    CHECK_FALSE(fs::exists(dir.path + "/other.gif"));
}

TEST_CASE("attachment store: a store file of another size is never linked",
          "[store][attachment_store]") {
    test::TempDir dir;
    const std::string sha = sha_of(kLogo);
    write_file(dir.path + "/" + store::attachment_store_path(sha), "truncated");
    write_file(dir.path + "/INBOX/1-1.attachments/logo.gif", kLogo);
    auto st = store::AttachmentStore::open(dir.path);
    REQUIRE(st);
    CHECK_FALSE(st->link_existing(sha, kLogo.size(), dir.path + "/INBOX/new.gif"));
    auto adopted = st->adopt(sha, kLogo.size(), "INBOX/1-1.attachments/logo.gif");
    REQUIRE(adopted);
    CHECK(*adopted == store::AttachmentStorage::Copy);
    CHECK(read_file(dir.path + "/INBOX/1-1.attachments/logo.gif") == kLogo);
    CHECK(st->link_existing(sha_of("truncated"), 9, dir.path + "/x") == false);
}

TEST_CASE("attachment store: only its own names are read as store files",
          "[store][attachment_store]") {
    const std::string sha = sha_of(kLogo);
    CHECK(store::store_file_sha256(store::attachment_store_path(sha)) == sha);
    CHECK(store::store_file_sha256(".attachments-store/00/" + sha).empty());
    CHECK(store::store_file_sha256(".attachments-store/" + sha.substr(0, 2) + "/x").empty());
    CHECK(store::store_file_sha256("INBOX/1-1.eml").empty());
    CHECK(store::in_attachment_store(".attachments-store/ab/cd"));
    CHECK_FALSE(store::in_attachment_store(".attachments-storex/ab"));
}

TEST_CASE("attachment store: no IMAP folder maps onto the store's directory",
          "[store][attachment_store]") {
    store::FolderPaths paths;
    for (const char* name : {".attachments-store", ".ATTACHMENTS-STORE", "attachments-store"}) {
        const std::string path = paths.assign(name, '/');
        CHECK(store::collision_key(path) != store::collision_key(".attachments-store"));
    }
}
