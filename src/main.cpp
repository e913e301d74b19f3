// argv -> cli, error -> exit code. The only catch-all in the program.

#include <cstdio>
#include <exception>
#include <new>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"

int main(int argc, char** argv) {
    try {
        return imapmirror::cli::run_cli(argc, argv);
    } catch (const std::bad_alloc&) {
        std::fputs("imapmirror: error: out of memory\n", stderr);
    } catch (const std::exception& e) {
        std::fprintf(stderr, "imapmirror: internal error: %s (please report this)\n", e.what());
    }
    return imapmirror::cli::kExitInternal;
}
