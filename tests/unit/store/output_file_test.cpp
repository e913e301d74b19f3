// Where a command writes the bytes its user asked for: a file that appears complete or not at
// all, or standard output.

#include "store/output_file.hpp"

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "unit/temp_dir.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

TEST_CASE("output file: the file appears only at finish, with every byte written", "[store]") {
    test::TempDir dir;
    const std::string path = (fs::path(dir.path) / "part.pdf").string();
    {
        auto out = store::OutputFile::open(path);
        REQUIRE(out);
        REQUIRE(out->write("abc"));
        REQUIRE(out->write("def"));
        CHECK_FALSE(fs::exists(path));
        REQUIRE(out->finish());
    }
    std::ifstream f(path, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    CHECK(s.str() == "abcdef");
    CHECK(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator()) == 1);
}

TEST_CASE("output file: without finish nothing is left, not even the temporary file", "[store]") {
    test::TempDir dir;
    {
        auto out = store::OutputFile::open((fs::path(dir.path) / "never").string());
        REQUIRE(out);
        REQUIRE(out->write("abc"));
    }
    CHECK(fs::directory_iterator(dir.path) == fs::directory_iterator());
    CHECK_FALSE(store::OutputFile::open((fs::path(dir.path) / "missing" / "x").string()));
}

TEST_CASE("atomic file: the directory a path is committed in", "[core]") {
    CHECK(core::directory_for("x.prom") == ".");
    CHECK(core::directory_for("/x.prom") == "/");
    CHECK(core::directory_for("/var/lib/x.prom") == "/var/lib");
    CHECK(core::directory_for("out/x.msg") == "out");
}
