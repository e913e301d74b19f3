// argv -> cli, error -> exit code. The only catch-all in the program.

#include <csignal>
#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
    // Write failures must be errors we report, not signals that kill us mid-batch: a closed
    // stdout pipe (SIGPIPE) or a file size limit (SIGXFSZ) become EPIPE / EFBIG.
    std::signal(SIGPIPE, SIG_IGN);
    std::signal(SIGXFSZ, SIG_IGN);
    try {
        return imapmirror::cli::run_cli(argc, argv);
    } catch (const std::bad_alloc&) {
        std::fputs("imapmirror: error: out of memory\n", stderr);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "imapmirror: internal error: %s (please report this)\n", e.what());
    }
    return imapmirror::cli::kExitInternal;
}
