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

namespace {
const std::string kFffd = "\xEF\xBF\xBD";
}

TEST_CASE("parameters: an encoded NUL in an RFC 2231 name is shown, not the end of the name",
          "[mime]") {
    CHECK(decode_parameter({{"filename*", "UTF-8''nul%00byte.txt"}}, "filename") ==
          "nul" + kFffd + "byte.txt");
    CHECK(decode_parameter({{"filename*0*", "UTF-8''a%00"}, {"filename*1", "b.txt"}}, "filename") ==
          "a" + kFffd + "b.txt");
    CHECK(decode_parameter({{"name", std::string("raw\0nul.txt", 11)}}, "name") ==
          "raw" + kFffd + "nul.txt");
    CHECK(decode_parameter({{"name", "=?UTF-8?Q?q=00word.txt?="}}, "name") ==
          "q" + kFffd + "word.txt");
}

TEST_CASE("parameters: raw 8-bit bytes the declared charset does not explain become UTF-8",
          "[mime]") {
    // The shape of ruby-mail's attachment_with_encoded_name.eml: %8a is not ISO-2022-JP.
    std::string name = decode_parameter(
        {{"name*", "iso-2022-jp'ja'01%20Quien%20Te%20Dij%8aat.%20Pitbull.mp3"}}, "name");
    CHECK(name ==
          "01 Quien Te Dij\xC5\xA0"
          "at. Pitbull.mp3");
    CHECK(decode_parameter({{"filename",
                             "Gr\xFC\xDF"
                             "e.txt"}},
                           "filename") ==
          "Gr\xC3\xBC\xC3\x9F"
          "e.txt");
}

TEST_CASE("header text: encoded NUL, raw 8-bit and control characters give valid UTF-8", "[mime]") {
    CHECK(decode_header_text("=?UTF-8?Q?before=00after?=") == "before" + kFffd + "after");
    CHECK(decode_header_text("x=00y") == "x=00y");
    CHECK(decode_header_text("a\x1B[2Jb") == "a" + kFffd + "[2Jb");
    CHECK(decode_header_text("Gr\xFC\xDF"
                             "e \x8a") ==
          "Gr\xC3\xBC\xC3\x9F"
          "e \xC5\xA0");
}

TEST_CASE("parameters: read from a raw header value, quotes and continuations included", "[mime]") {
    auto p = parse_parameters(
        "attachment;\r\n filename*0*=UTF-8''a%20;\r\n filename*1=\"b \\\"c\\\".txt\"; size=10");
    REQUIRE(p.size() == 3);
    CHECK(p[0] == std::pair<std::string, std::string>{"filename*0*", "UTF-8''a%20"});
    CHECK(p[1] == std::pair<std::string, std::string>{"filename*1", "b \"c\".txt"});
    CHECK(p[2] == std::pair<std::string, std::string>{"size", "10"});
    CHECK(decode_parameter(p, "filename") == "a b \"c\".txt");
    CHECK(parse_parameters("inline").empty());
    CHECK(parse_parameters("text/plain; CharSet=utf-8").at(0).first == "charset");
}

TEST_CASE("part name: Content-Disposition filename first, else Content-Type name", "[mime]") {
    CHECK(part_file_name({{"filename", "d.pdf"}}, {{"name", "t.pdf"}}) == "d.pdf");
    CHECK(part_file_name({}, {{"name", "Fwd: hello"}}) == "Fwd: hello");
    CHECK(part_file_name({{"size", "1"}}, {{"charset", "utf-8"}}).empty());
}

// The crafted cases of issue 24, each as Python's email (policy.default) reads it.
TEST_CASE("header text: adjacent base64 words with padding are each decoded (GMime bug 133)",
          "[mime][rfc2047]") {
    CHECK(decode_header_text("=?UTF-8?B?R3LDvMOfZSA=?= =?UTF-8?B?S8O2bG4gYW0=?=") ==
          "Grüße Köln am");
    CHECK(decode_header_text("=?UTF-8?B?YQ==?= =?UTF-8?B?Yg==?=\r\n =?UTF-8?B?Yw==?=") == "abc");
}

TEST_CASE("header text: a character split across two encoded words comes out whole",
          "[mime][rfc2047]") {
    CHECK(decode_header_text("=?UTF-8?Q?Gr=C3?= =?UTF-8?Q?=BC=C3=9Fe?=") == "Grüße");
    // A split 3-byte character in base64 words of one charset, names in any case.
    CHECK(decode_header_text("=?utf-8?b?4oI=?= =?UTF-8?b?rA==?=") == "€");
}

TEST_CASE("header text: white space between encoded words goes, around plain text it stays",
          "[mime][rfc2047]") {
    CHECK(decode_header_text("a =?UTF-8?Q?b?= c") == "a b c");
    CHECK(decode_header_text("=?utf-8?q?a_b?=\r\n =?utf-8?q?c?=") == "a bc");
    CHECK(decode_header_text("=?UTF-8?B?w7w=?=  =?ISO-8859-1?Q?=FC?= x") == "üü x");
    CHECK(decode_header_text("foo=?utf-8?q?x?=bar") == "fooxbar");
    CHECK(decode_header_text("=?utf-8?q?a?==?utf-8?q?b?=") == "ab");
}

TEST_CASE("header text: charsets with a language, aliases, and unknown names", "[mime][rfc2047]") {
    CHECK(decode_header_text("=?utf-8*en?q?hi?=") == "hi");
    CHECK(decode_header_text("=?ks_c_5601-1987?B?x9GxuQ==?=") == "한국");
    CHECK(decode_header_text("=?ISO-2022-JP?B?GyRCJEskWyRzGyhC?=") == "にほん");
    // Unknown charset: the bytes as UTF-8, else windows-1252.
    CHECK(decode_header_text("=?x-unknown?q?caf=C3=A9?=") == "café");
    // Not an encoded word: kept as written.
    CHECK(decode_header_text("=?utf-8?x?abc?=") == "=?utf-8?x?abc?=");
    CHECK(decode_header_text("a =? b ?= c") == "a =? b ?= c");
}

TEST_CASE("addresses: IDNA domains are shown in Unicode, others as written", "[mime][idn]") {
    CHECK(unicode_domains("Jo <jo@xn--bcher-kva.de>") == "Jo <jo@bücher.de>");
    CHECK(unicode_domains("jo@XN--BCHER-KVA.de, b@example.org") == "jo@bücher.de, b@example.org");
    CHECK(unicode_domains("a@example.org") == "a@example.org");
    CHECK(unicode_domains("bad@xn--zz-.invalid") == "bad@xn--zz-.invalid");  // refused: kept
    CHECK(unicode_domains("no address") == "no address");
}
