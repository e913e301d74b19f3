#pragma once
// Where the shared real-world corpora are (../shared/corpora/README.md): $IMM_CORPORA, else
// <project>/../shared/corpora. A fresh clone has neither, so tests that need them report
// themselves skipped with the reason (IMM_SKIP_WITHOUT_CORPORA); ctest shows them as skipped
// (SKIP_REGULAR_EXPRESSION "SKIPPED:" in tests/CMakeLists.txt).

#include <cstdlib>
#include <filesystem>
#include <string>

namespace imapmirror::test {

struct CorporaDir {
    std::string path;         // "" when absent
    std::string why_missing;  // the reason, when path is ""
};

inline CorporaDir corpora_dir() {
    const char* env = std::getenv("IMM_CORPORA");
    std::string path = env && *env ? env : std::string(IMM_SOURCE_DIR) + "/../shared/corpora";
    std::error_code ec;
    if (std::filesystem::is_directory(path, ec))
        return {path, ""};
    return {"", "no corpora at " + path + (env && *env ? " (IMM_CORPORA)" : "") +
                    "; set IMM_CORPORA to their directory"};
}

}  // namespace imapmirror::test

// In a TEST_CASE: binds `var` to the corpora's path, or reports the test skipped and returns.
#define IMM_SKIP_WITHOUT_CORPORA(var)                         \
    const auto var##_dir = ::imapmirror::test::corpora_dir(); \
    if (var##_dir.path.empty()) {                             \
        WARN("SKIPPED: " << var##_dir.why_missing);           \
        return;                                               \
    }                                                         \
    const std::string& var = var##_dir.path
