#include <catch2/catch.hpp>

#include <optional>
#include <string>

#include "index/database.hpp"

using namespace imapmirror::index;

TEST_CASE("database: an empty optional binds NULL, a set one binds its value", "[index]") {
    auto db = Database::open(":memory:");
    REQUIRE(db);
    auto st = db->prepare("SELECT ?1, ?2, ?3, ?4");
    REQUIRE(st);
    st->bind(1, std::optional<uint64_t>{})
        .bind(2, std::optional<uint32_t>{7})
        .bind(3, std::optional<std::string>{})
        .bind(4, std::optional<std::string>{"refused"});
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    CHECK(st->column_is_null(0));
    CHECK(st->column_int(1) == 7);
    CHECK(st->column_is_null(2));
    CHECK(st->column_text(3) == "refused");
}
