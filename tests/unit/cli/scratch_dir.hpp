#pragma once
// A private directory for one test, removed with everything in it afterwards (also when a
// REQUIRE fails).

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <filesystem>
#include <string>

namespace imapmirror::test {

struct ScratchDir {
    std::filesystem::path path;
    ScratchDir() {
        std::string tmpl = "/tmp/imapmirror-test-XXXXXX";
        REQUIRE(::mkdtemp(tmpl.data()) != nullptr);
        path = tmpl;
    }
    ~ScratchDir() { std::filesystem::remove_all(path); }
    ScratchDir(const ScratchDir&) = delete;
    ScratchDir& operator=(const ScratchDir&) = delete;
};

}  // namespace imapmirror::test
