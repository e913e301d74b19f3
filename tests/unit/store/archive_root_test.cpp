// The archive never follows a symbolic link planted inside it, and everything it creates is
// private (0700 directories, 0600 files) whatever the umask.

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "index/database.hpp"
#include "store/archive_root.hpp"
#include "store/atomic_file.hpp"
#include "store/mirror_layout.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    TempDir() {
        std::string pattern = fs::temp_directory_path().string() + "/imm-store-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()));
        path = pattern;
    }
    ~TempDir() { fs::remove_all(path); }
    std::string path;
};

struct Umask {
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
    mode_t old;
};

mode_t mode_of(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_mode & 07777;
}

bool empty_dir(const std::string& p) {
    return fs::is_empty(p);
}

void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path) << bytes;
}

}  // namespace

TEST_CASE("archive root: a folder directory that is a symbolic link is refused, naming it",
          "[store]") {
    TempDir t;
    const std::string elsewhere = t.path + "/elsewhere";
    fs::create_directory(elsewhere);
    auto root = store::ArchiveRoot::open(t.path + "/archive");
    REQUIRE(root);
    fs::create_symlink(elsewhere, t.path + "/archive/INBOX");
    fs::create_directory(t.path + "/archive/Work");
    fs::create_symlink(elsewhere, t.path + "/archive/Work/Sub");

    for (const char* relative : {"INBOX", "INBOX/Child", "Work/Sub", "Work/Sub/Deeper"}) {
        INFO(relative);
        auto dir = root->open_directory(relative, true);
        REQUIRE(!dir);
        CHECK(dir.error().scope == core::Scope::Folder);
        CHECK(dir.error().message.find("symbolic link") != std::string::npos);
        CHECK(dir.error().message.find(relative[0] == 'I' ? "archive/INBOX\"" : "Work/Sub\"") !=
              std::string::npos);
    }
    CHECK(empty_dir(elsewhere));  // nothing created through the link
    write(t.path + "/archive/file", "x");
    auto not_dir = root->open_directory("file/x", true);
    REQUIRE(!not_dir);
    CHECK(not_dir.error().scope == core::Scope::Folder);
    CHECK(!root->open_directory("../elsewhere", true));
    CHECK(root->open_directory("Work", false));
}

TEST_CASE("archive root: directories it creates are 0700 under umask 022", "[store]") {
    Umask mask(022);
    TempDir t;
    auto root = store::ArchiveRoot::open(t.path + "/new/archive");
    REQUIRE(root);
    CHECK(mode_of(t.path + "/new") == 0700);
    CHECK(mode_of(t.path + "/new/archive") == 0700);
    REQUIRE(root->open_directory("A/B/C", true));
    for (const char* d : {"/A", "/A/B", "/A/B/C"})
        CHECK(mode_of(t.path + "/new/archive" + d) == 0700);
}

TEST_CASE("archive root: the lock file is 0600 and a link in its place is refused", "[store]") {
    Umask mask(022);
    TempDir t;
    auto root = store::ArchiveRoot::open(t.path + "/archive");
    REQUIRE(root);
    REQUIRE(root->open_private_file(".imapmirror.lock"));
    CHECK(mode_of(t.path + "/archive/.imapmirror.lock") == 0600);

    ::chmod((t.path + "/archive/.imapmirror.lock").c_str(), 0644);  // an older version's
    REQUIRE(root->open_private_file(".imapmirror.lock"));
    CHECK(mode_of(t.path + "/archive/.imapmirror.lock") == 0600);

    const std::string target = t.path + "/target";
    fs::create_symlink(target, t.path + "/archive/other.lock");  // dangling: would be created
    auto linked = root->open_private_file("other.lock");
    REQUIRE(!linked);
    CHECK(linked.error().message.find("other.lock\" is a symbolic link") != std::string::npos);
    CHECK(!fs::exists(target));
}

TEST_CASE("index: the database and its -wal and -shm are 0600 under umask 022", "[store]") {
    Umask mask(022);
    TempDir t;
    const std::string db_path = t.path + "/index.sqlite";
    {
        auto db = index::Database::open(db_path);
        REQUIRE(db);
        REQUIRE(db->exec("CREATE TABLE t (x INTEGER); INSERT INTO t VALUES (1)"));
        CHECK(mode_of(db_path) == 0600);
        CHECK(mode_of(db_path + "-wal") == 0600);
        CHECK(mode_of(db_path + "-shm") == 0600);
    }
    ::chmod(db_path.c_str(), 0644);  // an archive made by an older version
    REQUIRE(index::Database::open(db_path));
    CHECK(mode_of(db_path) == 0600);
}

TEST_CASE("index: a linked index.sqlite or -wal is refused and nothing is written through it",
          "[store]") {
    TempDir t;
    fs::create_directory(t.path + "/a");
    fs::create_directory(t.path + "/b");
    const std::string target = t.path + "/target.sqlite";
    fs::create_symlink(target, t.path + "/a/index.sqlite");
    auto db = index::Database::open(t.path + "/a/index.sqlite");
    REQUIRE(!db);
    CHECK(db.error().message.find("index.sqlite\" is a symbolic link") != std::string::npos);
    CHECK(!fs::exists(target));

    fs::create_symlink(target, t.path + "/b/index.sqlite-wal");
    auto wal = index::Database::open(t.path + "/b/index.sqlite");
    REQUIRE(!wal);
    CHECK(wal.error().message.find("index.sqlite-wal\" is a symbolic link") != std::string::npos);
    CHECK(!fs::exists(target));
}

TEST_CASE("durable batch: a folder directory swapped for a link gets no final name through it",
          "[store]") {
    TempDir t;
    const std::string root = t.path + "/archive";
    const std::string elsewhere = t.path + "/elsewhere";
    fs::create_directories(root + "/INBOX");
    fs::create_directory(elsewhere);
    auto file = store::AtomicFile::create(root + "/INBOX");
    REQUIRE(file);
    REQUIRE(file->write("message"));
    auto temp = file->release();
    REQUIRE(temp);
    // Swapped after the temporary file was written: the rename must not go through the link.
    fs::rename(root + "/INBOX", t.path + "/moved");
    fs::create_symlink(elsewhere, root + "/INBOX");
    write(elsewhere + "/" + fs::path(*temp).filename().string(), "planted");
    fs::create_directory(elsewhere + "/1-1.attachments");
    write(elsewhere + "/1-1.attachments/keep", "x");
    {
        store::DurableBatch batch(root);
        batch.add(*temp, root + "/INBOX/1-1.eml");
        auto committed = batch.commit();
        REQUIRE(!committed);
        CHECK(committed.error().message.find("INBOX\" is a symbolic link") != std::string::npos);
    }
    CHECK(!fs::exists(elsewhere + "/1-1.eml"));
    CHECK(fs::exists(elsewhere + "/1-1.attachments/keep"));
}

TEST_CASE("durable batch: files and directories are renamed into place and undone", "[store]") {
    TempDir t;
    const std::string root = t.path + "/archive";
    fs::create_directories(root + "/F/Sub");
    auto file = store::AtomicFile::create(root + "/F/Sub");
    REQUIRE(file);
    REQUIRE(file->write("m"));
    auto temp = file->release();
    REQUIRE(temp);
    store::DurableBatch batch(root);
    batch.add(*temp, root + "/F/Sub/1-2.eml");
    REQUIRE(batch.commit());
    CHECK(fs::exists(root + "/F/Sub/1-2.eml"));
    batch.undo_last_commit();
    CHECK(!fs::exists(root + "/F/Sub/1-2.eml"));
}

namespace {

// A released temporary file in `dir` holding `bytes`, for a DurableBatch.
std::string temp_file(const std::string& dir, const std::string& bytes) {
    auto file = store::AtomicFile::create(dir);
    REQUIRE(file);
    REQUIRE(file->write(bytes));
    auto temp = file->release();
    REQUIRE(temp);
    return *temp;
}

}  // namespace

TEST_CASE(
    "durable batch: a commit never replaces a directory with a file (a folder named like a "
    ".msg keeps its mail)",
    "[store]") {
    TempDir t;
    const std::string root = t.path + "/archive";
    // INBOX/1-2.msg: a folder's directory (named so by an earlier version), with its mail.
    fs::create_directories(root + "/INBOX/1-2.msg");
    write(root + "/INBOX/1-2.msg/5-1.eml", "folder mail");
    store::DurableBatch batch(root);
    batch.add(temp_file(root + "/INBOX", "msg"), root + "/INBOX/1-2.msg");
    auto committed = batch.commit();
    REQUIRE(!committed);
    CHECK(committed.error().message.find("INBOX/1-2.msg\": a directory is at that name") !=
          std::string::npos);
    CHECK(fs::is_regular_file(root + "/INBOX/1-2.msg/5-1.eml"));

    // Nor by a directory, unless the name is an archive file name (an .attachments directory
    // left by an interrupted run is replaced).
    fs::create_directories(root + "/INBOX/Sub");
    write(root + "/INBOX/Sub/5-1.eml", "folder mail");
    fs::create_directories(root + "/INBOX/1-3.attachments");
    write(root + "/INBOX/1-3.attachments/old", "left over");
    const std::string temp_dir = root + "/INBOX/" + store::kTempPrefix + "dir";
    const std::string temp_dir2 = root + "/INBOX/" + store::kTempPrefix + "dir2";
    fs::create_directories(temp_dir);
    fs::create_directories(temp_dir2);
    write(temp_dir2 + "/new", "attachment");
    store::DurableBatch dirs(root);
    dirs.add(temp_dir, root + "/INBOX/Sub");
    REQUIRE(!dirs.commit());
    CHECK(fs::is_regular_file(root + "/INBOX/Sub/5-1.eml"));
    store::DurableBatch attachments(root);
    attachments.add(temp_dir2, root + "/INBOX/1-3.attachments");
    REQUIRE(attachments.commit());
    CHECK(fs::is_regular_file(root + "/INBOX/1-3.attachments/new"));
    CHECK(!fs::exists(root + "/INBOX/1-3.attachments/old"));
}

TEST_CASE("atomic file: a commit onto a directory fails, naming it, and keeps the directory",
          "[store]") {
    TempDir t;
    fs::create_directories(t.path + "/1-2.msg");
    write(t.path + "/1-2.msg/5-1.eml", "folder mail");
    auto file = store::AtomicFile::create(t.path);
    REQUIRE(file);
    REQUIRE(file->write("msg"));
    auto committed = file->commit(t.path + "/1-2.msg");
    REQUIRE(!committed);
    CHECK(committed.error().message.find("a directory is at that name") != std::string::npos);
    CHECK(fs::is_regular_file(t.path + "/1-2.msg/5-1.eml"));
}

TEST_CASE("stale temps: a link among them is removed, never what it points to", "[store]") {
    TempDir t;
    const std::string dir = t.path + "/folder";
    const std::string elsewhere = t.path + "/elsewhere";
    fs::create_directories(dir);
    fs::create_directories(elsewhere + "/inner");
    write(elsewhere + "/inner/precious", "x");
    fs::create_symlink(elsewhere, dir + "/" + store::kTempPrefix + "link");
    fs::create_directories(dir + "/" + store::kTempPrefix + "dir");
    fs::create_symlink(elsewhere, dir + "/" + store::kTempPrefix + "dir/inner-link");
    write(dir + "/1-1.eml", "kept");
    store::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY));
    for (const auto& name : store::stale_temp_names(fd.get()))
        store::remove_tree_at(fd.get(), name);
    CHECK(fs::exists(elsewhere + "/inner/precious"));
    CHECK(fs::exists(dir + "/1-1.eml"));
    CHECK(!fs::exists(fs::symlink_status(dir + "/" + store::kTempPrefix + "link")));
    CHECK(!fs::exists(dir + "/" + store::kTempPrefix + "dir"));
}

TEST_CASE("system directories: /, /usr, /etc and $HOME are refused, their subdirectories not",
          "[store]") {
    CHECK(store::is_system_directory("/"));
    CHECK(store::is_system_directory("/usr"));
    CHECK(store::is_system_directory("/usr/"));
    CHECK(store::is_system_directory("/tmp/../etc"));
    CHECK(store::is_system_directory("//"));
    CHECK(store::is_system_directory("/var/."));
    CHECK(store::is_system_directory("/usr/no-such-dir/.."));
    TempDir t;
    CHECK(!store::is_system_directory(t.path));
    CHECK(!store::is_system_directory(t.path + "/not-yet/archive"));
    CHECK(!store::is_system_directory("/var/tmp/imapmirror-archive"));
    const char* old_home = std::getenv("HOME");
    std::string saved = old_home ? old_home : "";
    ::setenv("HOME", t.path.c_str(), 1);
    CHECK(store::is_system_directory(t.path));
    CHECK(store::is_system_directory(t.path + "/"));
    CHECK(!store::is_system_directory(t.path + "/mail"));
    fs::create_symlink(t.path, t.path + "/link-to-home");
    CHECK(store::is_system_directory(t.path + "/link-to-home"));
    if (old_home)
        ::setenv("HOME", saved.c_str(), 1);
    else
        ::unsetenv("HOME");
}
