#include "cli/exit_severity.hpp"

#include <algorithm>
#include <iterator>

#include "cli/exit_codes.hpp"

namespace imapmirror::cli {

namespace {
// Least severe first; a code not listed ranks as kExitInternal.
// kExitMismatch comes from `verify`, never from the `export` a backup runs; listed all the
// same, beside partial, so that no documented code ranks as internal.
// kExitNothingSelected is a config error (patterns that select nothing), beside usage.
// kExitLocked: the night before is still running (or a reindex); it passes by itself, like a
// network failure, but the archive missed a night.
constexpr int kOrder[] = {kExitOk,      kExitPartial,  kExitMismatch,        kExitLocked,
                          kExitNetwork, kExitTimeout,  kExitProtocol,        kExitNotFound,
                          kExitTls,     kExitAuth,     kExitNothingSelected, kExitUsage,
                          kExitLocalIo, kExitInternal, kExitInterrupted};

int documented(int code) {
    return std::find(std::begin(kOrder), std::end(kOrder), code) != std::end(kOrder)
               ? code
               : kExitInternal;
}

long rank(int code) {
    return std::distance(std::begin(kOrder),
                         std::find(std::begin(kOrder), std::end(kOrder), documented(code)));
}
}  // namespace

int worst_exit_code(const std::vector<int>& codes) {
    int worst = kExitOk;
    for (int code : codes)
        if (rank(code) > rank(worst))
            worst = documented(code);
    return worst;
}

}  // namespace imapmirror::cli
