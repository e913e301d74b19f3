#include "run/exit_severity.hpp"

#include <catch2/catch.hpp>

#include "core/exit_code.hpp"

using namespace imapmirror::core;
using namespace imapmirror::run;

TEST_CASE("exit severity: the account that most needs a person decides backup's exit code",
          "[run]") {
    CHECK(worst_exit_code({}) == kExitOk);
    CHECK(worst_exit_code({kExitOk, kExitOk}) == kExitOk);
    CHECK(worst_exit_code({kExitOk, kExitPartial}) == kExitPartial);
    CHECK(worst_exit_code({kExitPartial, kExitNetwork, kExitOk}) == kExitNetwork);
    CHECK(worst_exit_code({kExitMismatch, kExitPartial}) == kExitMismatch);
    CHECK(worst_exit_code({kExitMismatch, kExitNetwork}) == kExitNetwork);
    CHECK(worst_exit_code({kExitAuth, kExitNetwork, kExitTimeout}) == kExitAuth);
    CHECK(worst_exit_code({kExitAuth, kExitTls}) == kExitAuth);
    CHECK(worst_exit_code({kExitUsage, kExitAuth}) == kExitUsage);
    CHECK(worst_exit_code({kExitLocalIo, kExitUsage}) == kExitLocalIo);
    CHECK(worst_exit_code({kExitInterrupted, kExitInternal}) == kExitInterrupted);
}

TEST_CASE("exit severity: an empty selection is a config error, above a failed login, below usage",
          "[run]") {
    CHECK(worst_exit_code({kExitOk, kExitNothingSelected}) == kExitNothingSelected);
    CHECK(worst_exit_code({kExitAuth, kExitNothingSelected, kExitNetwork}) == kExitNothingSelected);
    CHECK(worst_exit_code({kExitNothingSelected, kExitUsage}) == kExitUsage);
}

TEST_CASE("exit severity: a locked archive ranks above partial, below a network failure", "[run]") {
    CHECK(worst_exit_code({kExitOk, kExitLocked}) == kExitLocked);
    CHECK(worst_exit_code({kExitLocked, kExitPartial}) == kExitLocked);
    CHECK(worst_exit_code({kExitLocked, kExitNetwork}) == kExitNetwork);
}

TEST_CASE("exit severity: a code that is not documented counts, and reads, as internal", "[run]") {
    // 137: a child killed by SIGKILL (say, the OOM killer).
    CHECK(worst_exit_code({kExitOk, 137}) == kExitInternal);
    CHECK(worst_exit_code({137, kExitLocalIo}) == kExitInternal);
    CHECK(worst_exit_code({137, kExitInterrupted}) == kExitInterrupted);
}
