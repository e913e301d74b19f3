// A damaged file set aside by `verify --repair` gets a reserved name that is never another
// file's, and is recognised as such by verify.

#include <fcntl.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "store/archive_root.hpp"
#include "store/damaged_copy.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

struct TempDir {
    TempDir() {
        std::string pattern = fs::temp_directory_path().string() + "/imm-damaged-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()));
        path = pattern;
    }
    ~TempDir() { fs::remove_all(path); }
    std::string path;
};

std::string contents(const std::string& path) {
    std::ifstream f(path, std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(f), {});
}

constexpr std::time_t kWhen = 1796596800;  // 2026-12-06 22:40:00 UTC

}  // namespace

TEST_CASE("a damaged copy is named NAME.damaged-<UTC time>, -N for a second copy in that second") {
    CHECK(store::damaged_name("1-2.eml", kWhen) == "1-2.eml.damaged-20261206T224000Z");
    CHECK(store::damaged_name("1-2.eml", kWhen, 3) == "1-2.eml.damaged-20261206T224000Z-3");
}

TEST_CASE("only names damaged_name makes are recognised as damaged copies") {
    CHECK(store::is_damaged_copy(store::damaged_name("a.pdf", kWhen)));
    CHECK(store::is_damaged_copy(store::damaged_name("1-2.attachments", kWhen, 2)));
    CHECK_FALSE(store::is_damaged_copy("1-2.eml"));
    CHECK_FALSE(store::is_damaged_copy(".damaged-20261206T224000Z"));  // no name before it
    CHECK_FALSE(store::is_damaged_copy("a.damaged-2026"));
    CHECK_FALSE(store::is_damaged_copy("a.damaged-20261206T224000Zx"));
    CHECK_FALSE(store::is_damaged_copy("a.damaged-20261206T224000Z-"));
    CHECK_FALSE(store::is_damaged_copy("a.damaged-20261206X224000Z"));
}

TEST_CASE("setting a file aside keeps its bytes and never replaces an earlier copy") {
    TempDir dir;
    const int fd = ::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    REQUIRE(fd >= 0);
    store::UniqueFd owned(fd);
    std::ofstream(dir.path + "/1-2.eml") << "first damage";
    auto first = store::set_aside(fd, "1-2.eml", dir.path, kWhen);
    REQUIRE(first);
    CHECK(*first == "1-2.eml.damaged-20261206T224000Z");
    CHECK_FALSE(fs::exists(dir.path + "/1-2.eml"));

    std::ofstream(dir.path + "/1-2.eml") << "second damage";
    auto second = store::set_aside(fd, "1-2.eml", dir.path, kWhen);
    REQUIRE(second);
    CHECK(*second == "1-2.eml.damaged-20261206T224000Z-2");
    CHECK(contents(dir.path + "/" + *first) == "first damage");
    CHECK(contents(dir.path + "/" + *second) == "second damage");
}

TEST_CASE("setting aside a file that is not there is an error naming it") {
    TempDir dir;
    store::UniqueFd fd(::open(dir.path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC));
    auto r = store::set_aside(fd.get(), "gone.eml", dir.path, kWhen);
    REQUIRE_FALSE(r);
    CHECK(r.error().describe().find("gone.eml") != std::string::npos);
}
