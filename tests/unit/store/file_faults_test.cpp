// The store's writers under a file system that fails (tests/unit/core/faulty_file_system.hpp):
// TempFileAt (mbox, Maildir and label copies) and DurableBatch (the export's messages). A
// failure never leaves a part of a file at a final name, and what a crash leaves is what
// stale_temp_names finds for the next run.

#include <fcntl.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "store/archive_root.hpp"
#include "store/atomic_file.hpp"
#include "store/mirror_layout.hpp"
#include "store/temp_file_at.hpp"
#include "unit/core/faulty_file_system.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

size_t entries(const std::string& dir) {
    size_t n = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir))
        ++n;
    return n;
}

std::vector<std::string> stale_in(const std::string& dir) {
    store::UniqueFd fd(::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(fd);
    return store::stale_temp_names(fd.get());
}

}  // namespace

TEST_CASE(
    "temp file at: an ENOSPC while writing leaves no file at the final name and reports the "
    "temporary file's path as disk full",
    "[store][file-faults]") {
    test::TempDir dir;
    store::UniqueFd dir_fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dir_fd);
    test::FaultyFileSystem faulty;
    faulty.fail_write(1, ENOSPC);
    {
        auto file = store::TempFileAt::create(dir_fd.get(), dir.path, faulty);
        REQUIRE(file);
        auto written = file->write("From a@example.org\n");
        REQUIRE_FALSE(written);
        CHECK(written.error().kind == core::ErrorKind::DiskFull);
        CHECK(written.error().message.find(dir.path + "/" + store::kTempPrefix) !=
              std::string::npos);
    }
    CHECK(entries(dir.path) == 0);
}

TEST_CASE(
    "temp file at: a short write and an EINTR are carried through: the final file holds every "
    "byte",
    "[store][file-faults]") {
    test::TempDir dir;
    store::UniqueFd dir_fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dir_fd);
    test::FaultyFileSystem faulty;
    auto file = store::TempFileAt::create(dir_fd.get(), dir.path, faulty);
    REQUIRE(file);
    faulty.short_write(1, 4);
    REQUIRE(file->write("From a@example.org\n"));
    faulty.fail_write(1, EINTR);
    REQUIRE(file->write("body\n"));
    REQUIRE(file->commit(dir_fd.get(), "mbox", dir.path + "/mbox",
                         store::TempFileAt::Replace::Refused));
    CHECK(test::file_contents(dir.path + "/mbox") == "From a@example.org\nbody\n");
    CHECK(entries(dir.path) == 1);
}

TEST_CASE(
    "temp file at: a crash before the rename leaves nothing at the final name, and the temporary "
    "is what stale_temp_names lists for the next run",
    "[store][file-faults]") {
    test::TempDir dir;
    store::UniqueFd dir_fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    REQUIRE(dir_fd);
    test::FaultyFileSystem faulty;
    faulty.crash_before_rename();
    {
        auto file = store::TempFileAt::create(dir_fd.get(), dir.path, faulty);
        REQUIRE(file);
        REQUIRE(file->write("whole"));
        CHECK_FALSE(file->commit(dir_fd.get(), "cur-file", dir.path + "/cur-file",
                                 store::TempFileAt::Replace::Refused));
    }
    CHECK_FALSE(fs::exists(dir.path + "/cur-file"));
    CHECK(stale_in(dir.path).size() == 1);
    CHECK(entries(dir.path) == 1);
}

TEST_CASE(
    "durable batch: a crash before its renames leaves no file at any final name, and every "
    "temporary is what stale_temp_names lists, and removing them leaves the folder as before",
    "[store][file-faults]") {
    test::TempDir dir;
    const std::string folder = dir.path + "/INBOX";
    fs::create_directory(folder);
    std::ofstream(folder + "/7-1.eml") << "archived before";
    test::FaultyFileSystem faulty;
    faulty.crash_before_rename();
    {
        store::DurableBatch batch(dir.path, faulty);
        for (const char* name : {"7-1.eml", "7-2.eml"}) {
            auto file = core::AtomicFile::create(folder);
            REQUIRE(file);
            REQUIRE(file->write(std::string("new ") + name));
            auto temp = file->release();
            REQUIRE(temp);
            batch.add(*temp, folder + "/" + name);
        }
        auto committed = batch.commit();
        REQUIRE_FALSE(committed);
        CHECK(faulty.crashed());
    }  // a dead process discards nothing
    CHECK(test::file_contents(folder + "/7-1.eml") == "archived before");
    CHECK_FALSE(fs::exists(folder + "/7-2.eml"));
    const auto stale = stale_in(folder);
    CHECK(stale.size() == 2);
    store::UniqueFd folder_fd(::open(folder.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    for (const auto& name : stale)
        store::remove_tree_at(folder_fd.get(), name);
    CHECK(entries(folder) == 1);
}
