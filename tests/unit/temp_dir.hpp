#pragma once
// A private temporary directory for one test, removed with everything in it when the test
// ends, however it ends.

#include <stdlib.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <string>

namespace imapmirror::test {

struct TempDir {
    TempDir() {
        std::string pattern = std::filesystem::temp_directory_path().string() + "/imm-test-XXXXXX";
        REQUIRE(::mkdtemp(pattern.data()));
        path = pattern;
    }
    ~TempDir() { std::filesystem::remove_all(path); }
    TempDir(const TempDir&) = delete;
    TempDir& operator=(const TempDir&) = delete;
    std::string path;
};

}  // namespace imapmirror::test
