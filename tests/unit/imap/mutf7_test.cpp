#include <catch2/catch.hpp>

#include "imap/mutf7.hpp"

using namespace imapmirror::imap;

TEST_CASE("mutf7: RFC 3501 examples and common folder names round-trip", "[imap]") {
    struct Case {
        const char* utf8;
        const char* wire;
    } cases[] = {
        {"Entwürfe", "Entw&APw-rfe"},
        {"日本語", "&ZeVnLIqe-"},
        {"A & B", "A &- B"},
        {"~peter/mail/台北/日本語", "~peter/mail/&U,BTFw-/&ZeVnLIqe-"},
        {"Gesendete Objekte", "Gesendete Objekte"},
        {"😀 emoji", "&2D3eAA- emoji"},
        {"", ""},
    };
    for (const auto& c : cases) {
        INFO(c.utf8);
        auto enc = mutf7_encode(c.utf8);
        REQUIRE(enc);
        CHECK(*enc == c.wire);
        auto dec = mutf7_decode(c.wire);
        REQUIRE(dec);
        CHECK(*dec == c.utf8);
    }
}

TEST_CASE("mutf7: malformed names are rejected, not guessed", "[imap]") {
    const char* bad[] = {
        "&AGE-",        // encodes printable 'a'
        "&Jjo",         // no terminating '-'
        "&2D3-",        // lone high surrogate
        "&3gA-",        // lone low surrogate
        "&*x-",         // not base64
        "caf\xC3\xA9",  // raw 8-bit
    };
    for (const char* b : bad) {
        INFO(b);
        CHECK_FALSE(mutf7_decode(b));
    }
    CHECK_FALSE(mutf7_encode("bad \xFF utf8"));
}
