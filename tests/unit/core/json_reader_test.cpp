#include "core/json_reader.hpp"

#include <catch2/catch.hpp>

using namespace imapmirror::core;

TEST_CASE("json reader: what the writer writes reads back, and writes again the same", "[core]") {
    JsonWriter w;
    w.begin_object().key("out").value("/a \"b\"\n\xC3\xA4").key("messages").value(uint64_t{12});
    w.key("neg").value(int64_t{-3}).key("seconds").value(1.25).key("ok").value(true);
    w.key("none").null().key("errors").begin_array();
    w.begin_object().key("message").value("x").end_object().end_array().end_object();
    auto v = parse_json(w.str());
    REQUIRE(v);
    REQUIRE(v->type() == JsonValue::Type::Object);
    CHECK(*v->find("out")->as_string() == "/a \"b\"\n\xC3\xA4");
    CHECK(v->find("messages")->as_uint() == 12u);
    CHECK(v->find("neg")->as_int() == -3);
    CHECK_FALSE(v->find("neg")->as_uint());
    CHECK(v->find("seconds")->as_double() == 1.25);
    CHECK_FALSE(v->find("seconds")->as_int());
    CHECK(v->find("ok")->as_bool() == true);
    CHECK(v->find("none")->type() == JsonValue::Type::Null);
    CHECK(v->find("errors")->items().size() == 1);
    CHECK(*v->find("errors")->items()[0].find("message")->as_string() == "x");
    CHECK(v->find("missing") == nullptr);
    JsonWriter again;
    write_json(again, *v);
    CHECK(again.str() == w.str());
}

TEST_CASE("json reader: escapes, including surrogate pairs, become UTF-8", "[core]") {
    auto v = parse_json(R"( ["\u00e4\/\t", "\ud83d\ude00", "\ud800x"] )");
    REQUIRE(v);
    CHECK(*v->items()[0].as_string() == "\xC3\xA4/\t");
    CHECK(*v->items()[1].as_string() == "\xF0\x9F\x98\x80");
    CHECK(*v->items()[2].as_string() == "\xEF\xBF\xBDx");  // a lone surrogate is U+FFFD
}

TEST_CASE("json reader: malformed input is a Parse error with its offset", "[core]") {
    for (const char* bad : {"", "{", "{\"a\" 1}", "[1,]", "01", "1.", "-", "\"a", "\"\x01\"", "tru",
                            "{} x", "{\"a\":1,}", "\"\\x\"", "\"\\u12g4\""}) {
        INFO(bad);
        auto v = parse_json(bad);
        REQUIRE_FALSE(v);
        CHECK(v.error().kind == ErrorKind::Parse);
        CHECK(v.error().message.find("invalid JSON at byte") == 0);
    }
}

TEST_CASE("json reader: nesting deeper than 64 is refused, 64 is read", "[core]") {
    CHECK(parse_json(std::string(64, '[') + std::string(64, ']')));
    auto v = parse_json(std::string(66, '[') + std::string(66, ']'));
    REQUIRE_FALSE(v);
    CHECK(v.error().message.find("nested deeper than 64") != std::string::npos);
}

TEST_CASE("json reader: integers beyond 64 bits are numbers, not wrapped integers", "[core]") {
    auto v = parse_json("[18446744073709551615, 18446744073709551616, -9223372036854775809]");
    REQUIRE(v);
    CHECK(v->items()[0].as_uint() == UINT64_MAX);
    CHECK_FALSE(v->items()[1].as_uint());
    CHECK_FALSE(v->items()[2].as_int());
    CHECK(v->items()[1].as_double() > 1.8e19);
}
