// Pure parts of the OAuth2 flows: PKCE (RFC 7636) and the providers' endpoints.

#include <catch2/catch.hpp>

#include "auth/loopback_login.hpp"
#include "auth/providers.hpp"

using namespace imapmirror;

TEST_CASE("pkce: the S256 challenge of RFC 7636 appendix B's verifier", "[auth]") {
    CHECK(auth::pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk") ==
          "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    CHECK(auth::base64url(std::string("\xfb\xff", 2)) == "-_8");
}

TEST_CASE("providers: Microsoft's endpoints name the tenant, organizations by default", "[auth]") {
    const auto* ms = auth::find_oauth_provider("microsoft");
    REQUIRE(ms);
    CHECK(ms->flow == auth::LoginFlow::Device);
    auto e = auth::endpoints_of(*ms, "consumers");
    CHECK(e.device_url == "https://login.microsoftonline.com/consumers/oauth2/v2.0/devicecode");
    CHECK(e.token_url == "https://login.microsoftonline.com/consumers/oauth2/v2.0/token");
    CHECK(e.scope == "https://outlook.office.com/IMAP.AccessAsUser.All offline_access");
    CHECK(auth::endpoints_of(*ms, "").token_url.find("/organizations/") != std::string::npos);
}

TEST_CASE("providers: Google uses the loopback flow with the full-mail scope", "[auth]") {
    const auto* g = auth::find_oauth_provider("google");
    REQUIRE(g);
    CHECK(g->flow == auth::LoginFlow::Loopback);
    CHECK(auth::endpoints_of(*g, "").scope == "https://mail.google.com/");
    CHECK(auth::find_oauth_provider("gmail") == nullptr);  // presets map gmail to google
}
