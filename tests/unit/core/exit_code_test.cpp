// The error-kind -> exit-code mapping, pinned code by code, and held together with the EXIT
// STATUS section of the man page.

#include "core/exit_code.hpp"

#include <catch2/catch.hpp>
#include <fstream>
#include <regex>
#include <set>
#include <sstream>

using namespace imapmirror::core;

TEST_CASE("exit codes: each error kind exits with its documented code", "[core]") {
    const std::pair<ErrorKind, int> expected[] = {
        {ErrorKind::Usage, 2},       {ErrorKind::Network, 3},
        {ErrorKind::Timeout, 4},     {ErrorKind::Tls, 5},
        {ErrorKind::Auth, 6},        {ErrorKind::NotFound, 7},
        {ErrorKind::Protocol, 8},    {ErrorKind::Parse, 8},
        {ErrorKind::Limit, 8},       {ErrorKind::Io, 9},
        {ErrorKind::DiskFull, 9},    {ErrorKind::Corrupt, 9},
        {ErrorKind::Cancelled, 130}, {ErrorKind::NothingSelected, 12},
        {ErrorKind::Locked, 13},
    };
    for (const auto& [kind, code] : expected) {
        INFO(to_string(kind));
        CHECK(exit_code_for(kind) == code);
        CHECK(exit_code_for(make_error(kind, "x", Scope::Run)) == code);
    }
}

TEST_CASE("exit codes: the codes that are no error kind keep their numbers", "[core]") {
    CHECK(kExitOk == 0);
    CHECK(kExitInternal == 1);
    CHECK(kExitPartial == 10);
    CHECK(kExitMismatch == 11);
    CHECK(kExitStale == 14);
}

TEST_CASE("exit codes: man imapmirror's EXIT STATUS lists exactly the codes there are", "[core]") {
    std::ifstream in(IMM_SOURCE_DIR "/doc/imapmirror.1.scd");
    REQUIRE(in);
    std::stringstream text;
    text << in.rdbuf();
    const std::string page = text.str();
    const auto at = page.find("\n# EXIT STATUS\n");
    REQUIRE(at != std::string::npos);
    const auto end = page.find("\n# ", at + 1);
    const std::string section = page.substr(at, end == std::string::npos ? end : end - at);
    std::set<int> documented;
    const std::regex item(R"(\n\*([0-9]+)\*\n)");
    for (std::sregex_iterator i(section.begin(), section.end(), item), e; i != e; ++i)
        documented.insert(std::stoi((*i)[1]));
    const std::set<int> ours = {
        kExitOk,         kExitInternal, kExitUsage,           kExitNetwork,  kExitTimeout,
        kExitTls,        kExitAuth,     kExitNotFound,        kExitProtocol, kExitLocalIo,
        kExitPartial,    kExitMismatch, kExitNothingSelected, kExitLocked,   kExitStale,
        kExitInterrupted};
    CHECK(documented == ours);
}
