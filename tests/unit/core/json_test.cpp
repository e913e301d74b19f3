#include <catch2/catch.hpp>

#include "core/json.hpp"

using imapmirror::core::JsonWriter;

TEST_CASE("json: nested objects and arrays get commas only between elements", "[core]") {
    JsonWriter w;
    w.begin_object()
        .key("a")
        .value(1)
        .key("b")
        .begin_array()
        .value("x")
        .value(true)
        .null()
        .end_array();
    w.key("c").begin_object().end_object().end_object();
    CHECK(w.str() == R"({"a":1,"b":["x",true,null],"c":{}})");
}

TEST_CASE("json: control characters, quotes and invalid UTF-8 are escaped or replaced", "[core]") {
    JsonWriter w;
    w.value(std::string("q\"\\\n\x01\x7f \xC3\xA4 \xFF end"));
    CHECK(w.str() == "\"q\\\"\\\\\\n\\u0001\\u007f \xC3\xA4 \xEF\xBF\xBD end\"");
}

TEST_CASE("json: overlong encodings and surrogates are not passed through", "[core]") {
    JsonWriter w;
    w.value(std::string("\xC0\xAF|\xED\xA0\x80"));
    CHECK(w.str() == "\"\xEF\xBF\xBD\xEF\xBF\xBD|\xEF\xBF\xBD\xEF\xBF\xBD\xEF\xBF\xBD\"");
}

TEST_CASE("json: a missing optional and an empty text_or_null are null, present ones values",
          "[core]") {
    JsonWriter w;
    w.begin_object();
    w.key("a").value(std::optional<uint64_t>{});
    w.key("b").value(std::optional<uint64_t>{7});
    w.key("c").text_or_null("");
    w.key("d").text_or_null("x");
    w.end_object();
    CHECK(w.str() == R"({"a":null,"b":7,"c":null,"d":"x"})");
}
