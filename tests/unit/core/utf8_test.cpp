#include <catch2/catch.hpp>

#include "core/utf8.hpp"

using namespace imapmirror::core;

namespace {
const std::string kFffd(kReplacementChar);
}

TEST_CASE("to_valid_utf8: valid UTF-8 is kept as it is", "[core]") {
    CHECK(to_valid_utf8("R\xC3\xA9sum\xC3\xA9 \xF0\x9F\x93\x8E.pdf") ==
          "R\xC3\xA9sum\xC3\xA9 \xF0\x9F\x93\x8E.pdf");
    CHECK(to_valid_utf8("").empty());
}

TEST_CASE("to_valid_utf8: bytes that are not UTF-8 are read as windows-1252", "[core]") {
    // The raw byte of a real-world RFC 2231 name (ruby-mail attachment_with_encoded_name.eml).
    CHECK(to_valid_utf8("Dij\x8a"
                        "at.mp3") ==
          "Dij\xC5\xA0"
          "at.mp3");
    CHECK(to_valid_utf8("Gr\xFC\xDF"
                        "e \x80") ==
          "Gr\xC3\xBC\xC3\x9F"
          "e \xE2\x82\xAC");
    // Undefined in windows-1252, a lone continuation byte, a truncated sequence, an overlong
    // form and a surrogate: each byte decodes on its own.
    CHECK(to_valid_utf8("a\x81"
                        "b") == "a" + kFffd + "b");
    CHECK(to_valid_utf8("\xE2\x82") == "\xC3\xA2\xE2\x80\x9A");
    CHECK(to_valid_utf8("\xC0\xAF") == "\xC3\x80\xC2\xAF");
    CHECK(to_valid_utf8("\xED\xA0\x80") == "\xC3\xAD\xC2\xA0\xE2\x82\xAC");
}

TEST_CASE("to_valid_utf8: NUL and control characters are replaced, never cut the text", "[core]") {
    CHECK(to_valid_utf8(std::string("nul\0byte.txt", 12)) == "nul" + kFffd + "byte.txt");
    CHECK(to_valid_utf8("a\x01\x1B[31m\x7F") == "a" + kFffd + kFffd + "[31m" + kFffd);
    CHECK(to_valid_utf8("a\r\nb") == "a" + kFffd + kFffd + "b");
    CHECK(to_valid_utf8("tab\there") == "tab here");
    CHECK(to_valid_utf8("c1 \xC2\x85 \xC2\x9F \xC2\xA0") ==
          "c1 " + kFffd + " " + kFffd + " \xC2\xA0");
}

TEST_CASE("to_valid_utf8: the result is valid and a second pass leaves it unchanged", "[core]") {
    std::string all;
    for (int i = 0; i < 256; ++i)
        all += static_cast<char>(i);
    all += "\xF4\x90\x80\x80\xF0\x9F\x98";
    std::string once = to_valid_utf8(all);
    CHECK(to_valid_utf8(once) == once);
    for (size_t i = 0; i < once.size();) {
        size_t n = utf8_sequence_length(once, i);
        REQUIRE(n > 0);
        REQUIRE(static_cast<unsigned char>(once[i]) >= 0x20);
        i += n;
    }
}
