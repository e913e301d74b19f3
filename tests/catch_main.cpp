#define CATCH_CONFIG_RUNNER
#include <catch2/catch.hpp>

#include "extract/sandbox.hpp"

// The test binaries are not beside imapmirror-extract, the program the attachment-text sandbox
// starts (extract/sandbox.hpp): they name the one the build made.
int main(int argc, char** argv) {
    imapmirror::extract::use_extractor_program(IMM_EXTRACTOR);
    return Catch::Session().run(argc, argv);
}
