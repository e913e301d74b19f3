// DIR as its writers open it: locked first, then its index (sync/archive.hpp).

#include "sync/archive.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "unit/temp_dir.hpp"

using namespace imapmirror;

TEST_CASE("archive: opened for writing, DIR is created, locked and given an index",
          "[sync][archive]") {
    test::TempDir t;
    const std::string dir = t.path + "/new/archive";
    auto archive = sync::open_for_writing(dir, sync::IndexOpen::Create);
    REQUIRE(archive);
    CHECK(sync::index_path(dir) == dir + "/index.sqlite");
    CHECK(std::filesystem::exists(sync::index_path(dir)));
    CHECK(std::filesystem::exists(dir + "/" + sync::kLockFileName));

    // A second writer is refused while the first holds it, before its index is touched.
    auto second = sync::open_for_writing(dir, sync::IndexOpen::Create);
    REQUIRE_FALSE(second);
    CHECK(second.error().kind == core::ErrorKind::Locked);
}

TEST_CASE("archive: a writer that needs an existing index refuses a directory without one",
          "[sync][archive]") {
    test::TempDir t;
    auto archive = sync::open_for_writing(t.path, sync::IndexOpen::Existing);
    REQUIRE_FALSE(archive);
    CHECK_FALSE(std::filesystem::exists(sync::index_path(t.path)));
}

TEST_CASE("archive: the lock goes with the Archive, so the next writer gets in",
          "[sync][archive]") {
    test::TempDir t;
    { REQUIRE(sync::open_for_writing(t.path, sync::IndexOpen::Create)); }
    CHECK(sync::open_for_writing(t.path, sync::IndexOpen::Existing));
}
