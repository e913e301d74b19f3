// Maildir names for `dump`: the info flags mail programs read, and a key a later dump finds
// again; and the writes, which never replace a file nor follow a link.

#include "store/maildir.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "unit/temp_dir.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

TEST_CASE("maildir flags: IMAP system flags become D F P R S T in ASCII order, each once") {
    CHECK(store::maildir_flags("") == "");
    CHECK(store::maildir_flags("\\Seen") == "S");
    CHECK(store::maildir_flags("\\Seen \\Answered \\Flagged \\Draft \\Deleted $Forwarded") ==
          "DFPRST");
    CHECK(store::maildir_flags("\\Deleted \\Seen \\seen \\SEEN") == "ST");
    CHECK(store::maildir_flags("$Important \\Recent Junk \\Seen") == "S");
}

TEST_CASE("maildir name: the archive's UIDVALIDITY and UID before the :2, info, and back") {
    const std::string name = store::maildir_name({1700000000, 42}, "\\Seen \\Flagged");
    CHECK(name == "1700000000-42.imapmirror:2,FS");
    auto key = store::parse_maildir_name(name);
    REQUIRE(key);
    CHECK(key->uidvalidity == 1700000000u);
    CHECK(key->uid == 42u);
    CHECK(store::parse_maildir_name("1-2.imapmirror:2,") == store::MaildirKey{1, 2});
    CHECK(store::parse_maildir_name("1-2.imapmirror") == store::MaildirKey{1, 2});
    CHECK_FALSE(store::parse_maildir_name("1-2.eml"));
    CHECK_FALSE(store::parse_maildir_name("1700000000.M1P2.host:2,S"));
    CHECK_FALSE(store::parse_maildir_name("x-2.imapmirror:2,S"));
    CHECK_FALSE(store::parse_maildir_name("1-99999999999.imapmirror:2,S"));
    CHECK_FALSE(store::parse_maildir_name(".imapmirror"));
}

TEST_CASE("maildir folder path: a folder named cur, new or tmp does not land in a maildir's own") {
    CHECK(store::maildir_folder_path("INBOX") == "INBOX");
    CHECK(store::maildir_folder_path("INBOX/Lists/rust") == "INBOX/Lists/rust");
    CHECK(store::maildir_folder_path("INBOX/cur") == "INBOX/_cur");
    CHECK(store::maildir_folder_path("new/tmp/x") == "_new/_tmp/x");
    CHECK(store::maildir_folder_path("current") == "current");
}

TEST_CASE("maildir writes: a hard link into cur, a rename, never over a file, never a link") {
    test::TempDir dir;
    const std::string archive = dir.path + "/archive", target = dir.path + "/dump";
    fs::create_directories(archive + "/INBOX");
    std::ofstream(archive + "/INBOX/1-1.eml", std::ios::binary) << "Subject: x\r\n\r\nbody\r\n";
    auto root = store::ArchiveRoot::open(target);
    REQUIRE(root);
    {
        auto missing = store::MaildirFolder::open(*root, "INBOX", false);
        REQUIRE(missing);
        CHECK_FALSE(*missing);
        CHECK_FALSE(fs::exists(target + "/INBOX"));
    }
    auto opened = store::MaildirFolder::open(*root, "INBOX", true);
    REQUIRE(opened);
    REQUIRE(*opened);
    auto& maildir = **opened;
    for (const char* sub : {"cur", "new", "tmp"})
        CHECK(fs::is_directory(target + "/INBOX/" + sub));
    auto source_root = store::ArchiveRoot::open(archive);
    REQUIRE(source_root);
    auto source_dir = source_root->open_directory("INBOX", false);
    REQUIRE(source_dir);
    auto placed =
        maildir.add(source_dir->get(), "1-1.eml", archive + "/INBOX/1-1.eml", "1-1.imapmirror:2,");
    REQUIRE(placed);
    CHECK(*placed == store::Placed::Linked);
    CHECK(fs::hard_link_count(archive + "/INBOX/1-1.eml") == 2);

    auto again =
        maildir.add(source_dir->get(), "1-1.eml", archive + "/INBOX/1-1.eml", "1-1.imapmirror:2,");
    REQUIRE_FALSE(again);
    CHECK(again.error().scope == core::Scope::Message);

    auto files = maildir.files();
    REQUIRE(files);
    REQUIRE(files->size() == 1);
    REQUIRE(maildir.rename(files->front(), "1-1.imapmirror:2,S"));
    CHECK(fs::exists(target + "/INBOX/cur/1-1.imapmirror:2,S"));
    std::ofstream(target + "/INBOX/cur/mine:2,") << "x";
    auto renamed = maildir.files();
    REQUIRE(renamed);
    REQUIRE(renamed->size() == 1);  // a file of another name is not ours
    CHECK_FALSE(maildir.rename(renamed->front(), "mine:2,"));
    CHECK(fs::exists(target + "/INBOX/cur/1-1.imapmirror:2,S"));
    REQUIRE(maildir.remove(renamed->front()));
    CHECK_FALSE(fs::exists(target + "/INBOX/cur/1-1.imapmirror:2,S"));
    CHECK(fs::exists(archive + "/INBOX/1-1.eml"));

    // A folder replaced by a link to elsewhere is refused, not followed.
    fs::create_directories(dir.path + "/elsewhere/cur");
    fs::create_directory_symlink(dir.path + "/elsewhere", target + "/Linked");
    auto linked = store::MaildirFolder::open(*root, "Linked", true);
    REQUIRE_FALSE(linked);
    CHECK(linked.error().scope == core::Scope::Folder);
    CHECK_FALSE(fs::exists(dir.path + "/elsewhere/new"));
}
