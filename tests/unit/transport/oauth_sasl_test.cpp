// SASL XOAUTH2 and OAUTHBEARER: the bytes the providers document, and the exchange when the
// server refuses a token.

#include "transport/oauth_sasl.hpp"

#include <catch2/catch.hpp>

using namespace imapmirror;
using transport::OAuthMech;

namespace {

// Canned server bytes; records what the client sent.
class CannedStream : public transport::Stream {
  public:
    explicit CannedStream(std::string server) : m_server(std::move(server)) {}
    core::Result<void> send(std::string_view bytes) override {
        sent.append(bytes);
        return {};
    }
    core::Result<size_t> receive(char* buf, size_t cap) override {
        if (m_server.empty())
            return core::make_error(core::ErrorKind::Network, "closed");
        size_t n = std::min(cap, size_t{1});  // a byte at a time: lines may arrive split
        m_server.copy(buf, n);
        m_server.erase(0, n);
        return n;
    }
    std::string sent;

  private:
    std::string m_server;
};

}  // namespace

TEST_CASE("sasl: the XOAUTH2 initial response is Google's documented example", "[transport]") {
    // developers.google.com/gmail/imap/xoauth2-protocol
    CHECK(transport::oauth_initial_response(OAuthMech::XOAuth2, "someuser@example.com",
                                            "ya29.vF9dft4qmTc2Nvb3RlckBhdHRhdmlzdGEuY29tCg", "",
                                            0) ==
          "dXNlcj1zb21ldXNlckBleGFtcGxlLmNvbQFhdXRoPUJlYXJlciB5YTI5LnZGOWRmdDRxbVRjMk52YjNSbGNr"
          "QmhkSFJoZG1semRHRXVZMjl0Q2cBAQ==");
}

TEST_CASE("sasl: the OAUTHBEARER initial response is RFC 7628's example", "[transport]") {
    // RFC 7628 §4.1
    CHECK(transport::oauth_initial_response(
              OAuthMech::OAuthBearer, "user@example.com",
              "vF9dft4qmTc2Nvb3RlckBhbHRhdmlzdGEuY29tCg==", "server.example.com", 143) ==
          "bixhPXVzZXJAZXhhbXBsZS5jb20sAWhvc3Q9c2VydmVyLmV4YW1wbGUuY29tAXBvcnQ9MTQzAWF1dGg9QmVh"
          "cmVyIHZGOWRmdDRxbVRjMk52YjNSbGNrQmhiSFJoZG1semRHRXVZMjl0Q2c9PQEB");
}

TEST_CASE("sasl: auto prefers OAUTHBEARER when offered, a forced choice is kept", "[transport]") {
    using transport::choose_oauth_mech;
    CHECK(choose_oauth_mech("auto", {"PLAIN", "XOAUTH2", "OAUTHBEARER"}) == OAuthMech::OAuthBearer);
    CHECK(choose_oauth_mech("auto", {"XOAUTH2"}) == OAuthMech::XOAuth2);
    CHECK(choose_oauth_mech("auto", {}) == OAuthMech::XOAuth2);
    CHECK(choose_oauth_mech("xoauth2", {"OAUTHBEARER", "XOAUTH2"}) == OAuthMech::XOAuth2);
    CHECK(choose_oauth_mech("OAuthBearer", {"XOAUTH2"}) == OAuthMech::OAuthBearer);
}

TEST_CASE("sasl: a tagged OK after untagged lines is a login", "[transport]") {
    CannedStream s("* CAPABILITY IMAP4rev1\r\nIMMA1 OK Logged in\r\n");
    REQUIRE(transport::authenticate_oauth(s, OAuthMech::XOAuth2, "SVI="));
    CHECK(s.sent == "IMMA1 AUTHENTICATE XOAUTH2 SVI=\r\n");
}

TEST_CASE(
    "sasl: a refused token's error challenge is answered, and the NO is an Auth error "
    "with the status but not the token",
    "[transport]") {
    // {"status":"invalid_token"}
    CannedStream s(
        "+ eyJzdGF0dXMiOiJpbnZhbGlkX3Rva2VuIn0=\r\nIMMA1 NO [AUTHENTICATIONFAILED] "
        "Authentication failed.\r\n");
    auto r = transport::authenticate_oauth(s, OAuthMech::OAuthBearer, "U0VDUkVU");
    REQUIRE(!r);
    CHECK(r.error().kind == core::ErrorKind::Auth);
    CHECK(r.error().message.find("invalid_token") != std::string::npos);
    CHECK(r.error().describe().find("U0VDUkVU") == std::string::npos);
    CHECK(s.sent == "IMMA1 AUTHENTICATE OAUTHBEARER U0VDUkVU\r\nAQ==\r\n");  // RFC 7628 §3.2.3
}

TEST_CASE("sasl: XOAUTH2's error challenge gets an empty response", "[transport]") {
    CannedStream s("+ eyJzdGF0dXMiOiI0MDEifQ==\r\nIMMA1 NO failed\r\n");
    REQUIRE(!transport::authenticate_oauth(s, OAuthMech::XOAuth2, "X"));
    CHECK(s.sent == "IMMA1 AUTHENTICATE XOAUTH2 X\r\n\r\n");
}
