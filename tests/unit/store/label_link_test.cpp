// Gmail label directories: a second name for an archived message, never a second copy unless
// the file system leaves no choice, and never over another file.

#include "store/label_link.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "unit/core/faulty_file_system.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

struct Archive {
    Archive() {
        std::string pattern = fs::temp_directory_path().string() + "/imm-link-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()));
        path = pattern;
        fs::create_directories(path + "/All Mail");
        std::ofstream(path + "/All Mail/1-1.eml", std::ios::binary) << "Subject: x\r\n\r\nbody\r\n";
        auto opened = store::ArchiveRoot::open(path);
        REQUIRE(opened);
        root.emplace(std::move(*opened));
    }
    ~Archive() { fs::remove_all(path); }
    std::string path;
    std::optional<store::ArchiveRoot> root;
};

ino_t inode(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_ino;
}

std::string text(const std::string& p) {
    std::ifstream in(p, std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A file system whose hard links fail with `err`.
test::FaultyFileSystem refusing(int err) {
    test::FaultyFileSystem refuses;
    refuses.refuse_links(err);
    return refuses;
}

}  // namespace

TEST_CASE("label link: a hard link shares the inode, and a second run adopts it",
          "[store][gmail]") {
    Archive a;
    auto made = store::link_or_copy(*a.root, "All Mail/1-1.eml", "Work/Q1/1-1.eml");
    REQUIRE(made);
    CHECK(made->made == store::LinkMade::Linked);
    CHECK(inode(a.path + "/Work/Q1/1-1.eml") == inode(a.path + "/All Mail/1-1.eml"));
    auto again = store::link_or_copy(*a.root, "All Mail/1-1.eml", "Work/Q1/1-1.eml");
    REQUIRE(again);
    CHECK(again->made == store::LinkMade::Present);
}

TEST_CASE("label link: where hard links are refused (EXDEV, EPERM, EMLINK), a copy of the bytes",
          "[store][gmail]") {
    for (int err : {EXDEV, EPERM, EMLINK}) {
        Archive a;
        auto refuses = refusing(err);
        auto made = store::link_or_copy(*a.root, "All Mail/1-1.eml", "INBOX/1-1.eml", refuses);
        REQUIRE(made);
        CHECK(made->made == store::LinkMade::Copied);
        CHECK(made->refused_errno != 0);
        CHECK(inode(a.path + "/INBOX/1-1.eml") != inode(a.path + "/All Mail/1-1.eml"));
        CHECK(text(a.path + "/INBOX/1-1.eml") == text(a.path + "/All Mail/1-1.eml"));
        // A copy already there (a run that died before recording it) is taken over.
        auto again = store::link_or_copy(*a.root, "All Mail/1-1.eml", "INBOX/1-1.eml", refuses);
        REQUIRE(again);
        CHECK(again->made == store::LinkMade::Present);
    }
}

TEST_CASE("label link: another file at the name is kept, and other errors are not copied around",
          "[store][gmail]") {
    Archive a;
    fs::create_directories(a.path + "/INBOX");
    std::ofstream(a.path + "/INBOX/1-1.eml") << "someone else's";
    auto made = store::link_or_copy(*a.root, "All Mail/1-1.eml", "INBOX/1-1.eml");
    REQUIRE_FALSE(made);
    CHECK(made.error().scope == core::Scope::Message);
    CHECK(text(a.path + "/INBOX/1-1.eml") == "someone else's");
    fs::create_symlink(a.path + "/All Mail/1-1.eml", a.path + "/INBOX/link.eml");
    auto planted = store::link_or_copy(*a.root, "All Mail/1-1.eml", "INBOX/link.eml");
    REQUIRE_FALSE(planted);
    CHECK(planted.error().scope == core::Scope::Message);
    CHECK(fs::is_symlink(a.path + "/INBOX/link.eml"));
    auto eio = refusing(EIO);
    auto denied = store::link_or_copy(*a.root, "All Mail/1-1.eml", "Work/1-1.eml", eio);
    REQUIRE_FALSE(denied);
    CHECK_FALSE(fs::exists(a.path + "/Work/1-1.eml"));
}

TEST_CASE("label link: a label directory planted as a symbolic link is refused, not followed",
          "[store][gmail]") {
    Archive a;
    const std::string outside = a.path + "-outside";
    fs::create_directories(outside);
    fs::create_directory_symlink(outside, a.path + "/Work");
    auto made = store::link_or_copy(*a.root, "All Mail/1-1.eml", "Work/1-1.eml");
    CHECK_FALSE(made);
    CHECK(fs::is_empty(outside));
    fs::remove_all(outside);
}

TEST_CASE("label link: removing a link leaves the message, and a name already gone is fine",
          "[store][gmail]") {
    Archive a;
    REQUIRE(store::link_or_copy(*a.root, "All Mail/1-1.eml", "Work/1-1.eml"));
    REQUIRE(store::remove_link(*a.root, "Work/1-1.eml"));
    CHECK_FALSE(fs::exists(a.path + "/Work/1-1.eml"));
    CHECK(fs::exists(a.path + "/All Mail/1-1.eml"));
    CHECK(store::remove_link(*a.root, "Work/1-1.eml"));
}

TEST_CASE("label link: with copies refused, a refused hard link makes nothing", "[store][gmail]") {
    Archive a;
    auto refuses = refusing(EMLINK);
    auto made = store::link_or_copy(*a.root, "All Mail/1-1.eml", "Work/1-1.eml", refuses,
                                    store::Copies::Refused);
    REQUIRE(made);
    CHECK(made->made == store::LinkMade::NotMade);
    CHECK(made->refused_errno == EMLINK);
    CHECK_FALSE(fs::exists(a.path + "/Work/1-1.eml"));
}
