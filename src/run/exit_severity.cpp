#include "run/exit_severity.hpp"

#include <algorithm>
#include <iterator>

#include "core/exit_code.hpp"

namespace imapmirror::run {

namespace {
// Least severe first; a code not listed ranks as kExitInternal.
// kExitMismatch comes from `verify`, never from the `export` a backup runs; listed all the
// same, beside partial, so that no documented code ranks as internal.
// kExitNothingSelected is a config error (patterns that select nothing), beside usage.
// kExitLocked: the night before is still running (or a reindex); it passes by itself, like a
// network failure, but the archive missed a night.
constexpr int kOrder[] = {core::kExitOk,       core::kExitPartial,         core::kExitMismatch,
                          core::kExitLocked,   core::kExitNetwork,         core::kExitTimeout,
                          core::kExitProtocol, core::kExitNotFound,        core::kExitTls,
                          core::kExitAuth,     core::kExitNothingSelected, core::kExitUsage,
                          core::kExitLocalIo,  core::kExitInternal,        core::kExitInterrupted};

int documented(int code) {
    return std::find(std::begin(kOrder), std::end(kOrder), code) != std::end(kOrder)
               ? code
               : core::kExitInternal;
}

long rank(int code) {
    return std::distance(std::begin(kOrder),
                         std::find(std::begin(kOrder), std::end(kOrder), documented(code)));
}
}  // namespace

int worst_exit_code(const std::vector<int>& codes) {
    int worst = core::kExitOk;
    for (int code : codes)
        if (rank(code) > rank(worst))
            worst = documented(code);
    return worst;
}

namespace {
template <typename Summary>
int code_of(const Summary& s) {
    if (s.fatal)
        return core::exit_code_for(*s.fatal);
    return s.errors.empty() ? core::kExitOk : core::kExitPartial;
}
}  // namespace

int exit_code_of(const sync::ExportSummary& summary) {
    return code_of(summary);
}

int exit_code_of(const sync::RestoreSummary& summary) {
    return code_of(summary);
}

}  // namespace imapmirror::run
