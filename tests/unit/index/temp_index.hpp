#pragma once
// A private directory for one test's index.sqlite, removed with everything in it afterwards.

#include <catch2/catch.hpp>

#include <stdlib.h>

#include <cstdlib>
#include <string>

namespace imapmirror::test {

struct TempIndex {
    std::string dir;
    TempIndex() {
        char tmpl[] = "/tmp/imapmirror-index-XXXXXX";
        REQUIRE(::mkdtemp(tmpl) != nullptr);
        dir = tmpl;
    }
    ~TempIndex() { std::system(("rm -rf '" + dir + "'").c_str()); }
    TempIndex(const TempIndex&) = delete;
    TempIndex& operator=(const TempIndex&) = delete;
    std::string path() const { return dir + "/index.sqlite"; }
};

}  // namespace imapmirror::test
