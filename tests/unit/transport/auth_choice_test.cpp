#include "transport/auth_choice.hpp"

#include <catch2/catch.hpp>

using namespace imapmirror::transport;
using Mechs = std::vector<std::string>;

TEST_CASE("auth choice: mechanisms are read from a CAPABILITY line or greeting, any case",
          "[transport]") {
    CHECK(
        offered_mechanisms("* CAPABILITY IMAP4rev1 AUTH=DIGEST-MD5 auth=plain AUTH=CRAM-MD5\r\n") ==
        Mechs{"DIGEST-MD5", "PLAIN", "CRAM-MD5"});
    CHECK(offered_mechanisms("* OK [CAPABILITY IMAP4rev1 SASL-IR AUTH=PLAIN] ready\r\n") ==
          Mechs{"PLAIN"});
    CHECK(offered_mechanisms("* CAPABILITY IMAP4rev1 LOGINDISABLED AUTH=\r\n").empty());
}

TEST_CASE("auth choice: auto takes PLAIN over the challenge-response mechanisms libcurl prefers",
          "[transport]") {
    // GNU imap4d's default: DIGEST-MD5 and CRAM-MD5 cannot work against system passwords.
    CHECK(*login_options_for("auto", {"DIGEST-MD5", "CRAM-MD5", "PLAIN", "LOGIN"}) == "AUTH=PLAIN");
    CHECK(*login_options_for("", {"CRAM-MD5", "LOGIN"}) == "AUTH=LOGIN");
    // Nothing we prefer: libcurl's own choice (another mechanism, or the LOGIN command).
    CHECK(login_options_for("auto", {"CRAM-MD5"})->empty());
    CHECK(login_options_for("AUTO", {})->empty());
}

TEST_CASE("auth choice: a named mechanism is used when offered and refused clearly when not",
          "[transport]") {
    CHECK(*login_options_for("cram-md5", {"PLAIN", "CRAM-MD5"}) == "AUTH=CRAM-MD5");
    auto missing = login_options_for("digest-md5", {"PLAIN", "LOGIN"});
    REQUIRE(!missing);
    CHECK(missing.error().kind == imapmirror::core::ErrorKind::Auth);
    CHECK(missing.error().message ==
          "the server does not offer the DIGEST-MD5 mechanism (it offers PLAIN, LOGIN)");
    CHECK(login_options_for("plain", {}).error().message.find("no SASL mechanism") !=
          std::string::npos);
}
