// `imapmirror --version`: what a bug report needs to know about the binary and its libraries.

#include <curl/curl.h>
#include <gmime/gmime.h>
#include <sqlite3.h>
#include <toml++/toml.h>
#include <catch2/catch.hpp>

#include <sstream>
#include <string>
#include <vector>

#include "cli/version.hpp"

namespace {

std::vector<std::string> lines_of(const std::string& text) {
    std::vector<std::string> lines;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        lines.push_back(line);
    return lines;
}

}  // namespace

// The tests run against the libraries they were built with, so the runtime versions the binary
// reports must equal the headers' versions here; a hard-coded or compile-time string would pass
// only by accident after a library upgrade, which this cannot show, but a missing or wrong
// library line fails.
TEST_CASE("version: the project version, then libcurl, GMime and SQLite as loaded, then toml++") {
    auto lines = lines_of(imapmirror::cli::version_text());
    REQUIRE(lines.size() == 5);
    CHECK(lines[0] == std::string("imapmirror ") + IMAPMIRROR_VERSION);
    CHECK(lines[1].rfind(std::string("libcurl ") + LIBCURL_VERSION, 0) == 0);
    CHECK(lines[2] == "GMime " + std::to_string(GMIME_MAJOR_VERSION) + "." +
                          std::to_string(GMIME_MINOR_VERSION) + "." +
                          std::to_string(GMIME_MICRO_VERSION));
    CHECK(lines[3] == std::string("SQLite ") + SQLITE_VERSION);
    CHECK(lines[4] == "toml++ " + std::to_string(TOML_LIB_MAJOR) + "." +
                          std::to_string(TOML_LIB_MINOR) + "." + std::to_string(TOML_LIB_PATCH) +
                          " (at build time)");
}

TEST_CASE("version: the text ends without a newline, as CLI11 adds one") {
    auto text = imapmirror::cli::version_text();
    REQUIRE_FALSE(text.empty());
    CHECK(text.back() != '\n');
}
