#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "extract/sandbox.hpp"

// The test binaries are also the attachment-text sandbox's child (extract/sandbox.hpp runs
// /proc/self/exe): that role is answered before Catch reads the command line.
int main(int argc, char** argv) {
    if (auto code = imapmirror::extract::run_child_if_asked(argc, argv))
        return *code;
    return Catch::Session().run(argc, argv);
}
