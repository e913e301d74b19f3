#include <catch2/catch.hpp>

#include "mime/header_text.hpp"

using namespace imapmirror::mime;

TEST_CASE("header text: RFC 2047 words, also split across folded lines", "[mime]") {
    CHECK(decode_header_text("=?UTF-8?B?SGVsbG8g4pyT?=") == "Hello \xE2\x9C\x93");
    CHECK(decode_header_text("=?ISO-8859-1?Q?J=F6rg?= Schmidt") == "J\xC3\xB6rg Schmidt");
    CHECK(decode_header_text("=?utf-8?q?caf=C3?=\r\n =?utf-8?q?=A9?=") == "caf\xC3\xA9");
    CHECK(decode_header_text("plain text") == "plain text");
}

TEST_CASE("parameters: RFC 2231 charset, continuations, and RFC 2047 in quotes", "[mime]") {
    CHECK(decode_parameter({{"filename*", "utf-8''R%C3%A9sum%C3%A9.pdf"}}, "filename") ==
          "R\xC3\xA9sum\xC3\xA9.pdf");
    CHECK(decode_parameter({{"filename*0*", "utf-8''long%20"}, {"filename*1", "name.txt"}},
                           "filename") == "long name.txt");
    CHECK(decode_parameter({{"name", "=?utf-8?B?w6TDtsO8LnR4dA==?="}}, "name") ==
          "\xC3\xA4\xC3\xB6\xC3\xBC.txt");
    CHECK(decode_parameter({{"name", "a \"quoted\" name.txt"}}, "name") == "a \"quoted\" name.txt");
    CHECK(decode_parameter({{"charset", "utf-8"}}, "name").empty());
}

TEST_CASE("header block: unfolds continuation lines and stops at the blank line", "[mime]") {
    auto h = parse_header_block(
        "List-Unsubscribe: <mailto:u@x>,\r\n <https://x/u>\r\nX: y\r\n\r\nBody: no\r\n");
    REQUIRE(h.size() == 2);
    CHECK(header_value(h, "list-unsubscribe") == "<mailto:u@x>, <https://x/u>");
    CHECK(header_value(h, "Body").empty());
}
