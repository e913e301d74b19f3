#pragma once
// A test's temporary directory (make_temp_dir), removed with everything in it when the test
// ends, whether it passed or not.

#include <filesystem>
#include <string>
#include <system_error>

#include "test_server.hpp"

namespace imapmirror::test {

struct ScopedTempDir {
    ScopedTempDir() : path(make_temp_dir()) {}
    ~ScopedTempDir() {
        std::error_code ec;
        std::filesystem::remove_all(path, ec);
    }
    ScopedTempDir(const ScopedTempDir&) = delete;
    ScopedTempDir& operator=(const ScopedTempDir&) = delete;
    std::string path;
};

}  // namespace imapmirror::test
