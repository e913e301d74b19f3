#include <catch2/catch.hpp>

#include "cli/output.hpp"

using namespace imapmirror::cli;

TEST_CASE("size option: units are powers of 1024, as human_size shows them", "[cli]") {
    CHECK(parse_size("1048576") == uint64_t{1048576});
    CHECK(parse_size("500K") == uint64_t{500} * 1024);
    CHECK(parse_size("500M") == uint64_t{500} * 1024 * 1024);
    CHECK(parse_size("2G") == uint64_t{2} * 1024 * 1024 * 1024);
    CHECK(parse_size("2g") == uint64_t{2} * 1024 * 1024 * 1024);
    CHECK(parse_size("2GB") == uint64_t{2} * 1024 * 1024 * 1024);
    CHECK(parse_size("1T") == uint64_t{1} << 40);
    CHECK(parse_size("10B") == uint64_t{10});
}

TEST_CASE("size option: empty, zero, fractions, unknown units and overflow are refused", "[cli]") {
    CHECK_FALSE(parse_size(""));
    CHECK_FALSE(parse_size("G"));
    CHECK_FALSE(parse_size("0"));
    CHECK_FALSE(parse_size("0G"));
    CHECK_FALSE(parse_size("1.5G"));
    CHECK_FALSE(parse_size("-1"));
    CHECK_FALSE(parse_size("2X"));
    CHECK_FALSE(parse_size("2 G"));
    CHECK_FALSE(parse_size("2BB"));
    CHECK_FALSE(parse_size("18446744073709551616"));
    CHECK_FALSE(parse_size("17179869184G"));
}
