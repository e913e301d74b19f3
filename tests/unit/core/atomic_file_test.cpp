// AtomicFile under a file system that fails: a disk that fills, a write that takes part of
// the bytes, a signal, a process that dies before the rename. The final name holds the whole
// new file or what it held before, never a part.

#include "core/atomic_file.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "faulty_file_system.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> names_in(const std::string& dir) {
    std::vector<std::string> names;
    for (const auto& e : fs::directory_iterator(dir))
        names.push_back(e.path().filename().string());
    return names;
}

}  // namespace

TEST_CASE(
    "atomic file: an ENOSPC on the second write leaves no file at the final name and reports "
    "the temporary file's path as disk full",
    "[core][file-faults]") {
    test::TempDir dir;
    test::FaultyFileSystem faulty;
    faulty.fail_write(2, ENOSPC);
    const std::string final_path = dir.path + "/grant.json";
    {
        auto file = core::AtomicFile::create(dir.path, faulty);
        REQUIRE(file);
        const std::string temp = file->temp_path();
        REQUIRE(file->write("the first part, "));
        auto failed = file->write("the second part");
        REQUIRE_FALSE(failed);
        CHECK(failed.error().kind == core::ErrorKind::DiskFull);
        CHECK(failed.error().scope == core::Scope::Run);
        CHECK(failed.error().message.find(temp) != std::string::npos);
        CHECK_FALSE(failed.error().hint.empty());
    }
    CHECK_FALSE(fs::exists(final_path));
    CHECK(names_in(dir.path).empty());  // the temporary went with the object
}

TEST_CASE("atomic file: a write that takes fewer bytes than asked is completed, every byte kept",
          "[core][file-faults]") {
    test::TempDir dir;
    test::FaultyFileSystem faulty;
    faulty.short_write(1, 3);
    auto file = core::AtomicFile::create(dir.path, faulty);
    REQUIRE(file);
    REQUIRE(file->write("hello, world"));
    CHECK(faulty.writes() == 2);  // 3 bytes, then the rest
    CHECK(file->size() == 12);
    REQUIRE(file->commit(dir.path + "/out"));
    CHECK(test::file_contents(dir.path + "/out") == "hello, world");
    CHECK(names_in(dir.path) == std::vector<std::string>{"out"});
}

TEST_CASE("atomic file: a write interrupted by a signal (EINTR) is retried, not reported",
          "[core][file-faults]") {
    test::TempDir dir;
    test::FaultyFileSystem faulty;
    faulty.fail_write(1, EINTR);
    auto file = core::AtomicFile::create(dir.path, faulty);
    REQUIRE(file);
    REQUIRE(file->write("after the signal"));
    REQUIRE(file->commit(dir.path + "/out"));
    CHECK(faulty.writes() == 2);
    CHECK(test::file_contents(dir.path + "/out") == "after the signal");
}

TEST_CASE(
    "atomic file: a crash before the rename leaves the old file whole at the final name and "
    "the new bytes only under a temporary name",
    "[core][file-faults]") {
    test::TempDir dir;
    const std::string final_path = dir.path + "/grant.json";
    std::ofstream(final_path) << "the old grant";
    test::FaultyFileSystem faulty;
    faulty.crash_before_rename();
    {
        auto file = core::AtomicFile::create(dir.path, faulty);
        REQUIRE(file);
        REQUIRE(file->write("the new grant"));
        CHECK_FALSE(file->commit(final_path));
        CHECK(faulty.crashed());
        CHECK(faulty.renames() == 0);
    }  // a dead process removes nothing: the destructor's unlink fails with the disk gone
    CHECK(test::file_contents(final_path) == "the old grant");
    std::vector<std::string> temporaries;
    for (const auto& name : names_in(dir.path))
        if (name != "grant.json")
            temporaries.push_back(name);
    REQUIRE(temporaries.size() == 1);
    CHECK(temporaries[0].rfind(core::kTempPrefix, 0) == 0);  // what the next run removes
    CHECK(test::file_contents(dir.path + "/" + temporaries[0]) == "the new grant");
}
