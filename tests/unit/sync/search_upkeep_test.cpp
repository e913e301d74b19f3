#include <catch2/catch.hpp>

#include "sync/search_upkeep.hpp"

using imapmirror::sync::worth_merging_search_index;

TEST_CASE("search upkeep: a first backup merges the full-text index, a nightly run does not",
          "[sync]") {
    CHECK(worth_merging_search_index(200'000, 0));            // the first backup of a large account
    CHECK(worth_merging_search_index(20'000, 200'000));       // a tenth more
    CHECK_FALSE(worth_merging_search_index(2'000, 200'000));  // 1%: a night's mail
    CHECK_FALSE(worth_merging_search_index(500, 0));  // a small account: few segments anyway
}
