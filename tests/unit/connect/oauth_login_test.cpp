// `auth login`'s decisions from the settings: which endpoints and flow, and the grant kept.

#include "connect/oauth_login.hpp"

#include <catch2/catch.hpp>

using namespace imapmirror;
using auth::LoginFlow;

namespace {

connect::ConnectionSettings with_provider(const std::string& provider) {
    connect::ConnectionSettings s;
    s.user = "me@example.org";
    s.provider = provider;
    s.oauth.client_id = "app-id";
    return s;
}

}  // namespace

TEST_CASE("auth login: a preset's provider gives the endpoints and the flow", "[connect]") {
    CHECK(connect::oauth_provider_name("gmail") == "google");
    CHECK(connect::oauth_provider_name("microsoft") == "microsoft");
    CHECK(connect::oauth_provider_name("custom-thing") == "custom-thing");
    auto google = connect::login_endpoints(with_provider("gmail"));
    REQUIRE(google);
    CHECK(google->flow == LoginFlow::Loopback);
    CHECK(google->endpoints.token_url == "https://oauth2.googleapis.com/token");
    CHECK(google->endpoints.client_id == "app-id");
    auto s = with_provider("microsoft");
    s.oauth.tenant = "contoso";
    auto microsoft = connect::login_endpoints(s);
    REQUIRE(microsoft);
    CHECK(microsoft->flow == LoginFlow::Device);
    CHECK(microsoft->endpoints.device_url.find("/contoso/") != std::string::npos);
}

TEST_CASE(
    "auth login: each URL given replaces the provider's, a device URL makes it the device flow",
    "[connect]") {
    auto s = with_provider("google");
    s.oauth.token_url = "http://127.0.0.1:9/token";
    s.oauth.scope = "mail";
    s.oauth.device_url = "http://127.0.0.1:9/device";
    auto e = connect::login_endpoints(s);
    REQUIRE(e);
    CHECK(e->flow == LoginFlow::Device);
    CHECK(e->endpoints.token_url == "http://127.0.0.1:9/token");
    CHECK(e->endpoints.scope == "mail");
    CHECK(e->endpoints.authorize_url == "https://accounts.google.com/o/oauth2/v2/auth");
    auto custom = with_provider("");
    custom.oauth.token_url = "http://127.0.0.1:9/token";
    custom.oauth.authorize_url = "http://127.0.0.1:9/authorize";
    auto c = connect::login_endpoints(custom);
    REQUIRE(c);
    CHECK(c->flow == LoginFlow::Loopback);
}

TEST_CASE("auth login: no OAuth2 provider, no URLs or no client id is a usage error with a hint",
          "[connect]") {
    for (const auto& settings : {with_provider("fastmail"), with_provider(""), [] {
                                     auto s = with_provider("microsoft");
                                     s.oauth.client_id.clear();
                                     return s;
                                 }()}) {
        auto e = connect::login_endpoints(settings);
        REQUIRE_FALSE(e);
        CHECK(e.error().kind == core::ErrorKind::Usage);
        CHECK_FALSE(e.error().hint.empty());
    }
}

TEST_CASE("auth login: the grant keeps the refresh token, and none is an auth error", "[connect]") {
    auto s = with_provider("gmail");
    auth::Endpoints e;
    e.client_id = "app-id";
    e.token_url = "https://oauth2.googleapis.com/token";
    e.scope = "https://mail.google.com/";
    auth::Tokens t{"access", "refresh", 5000};
    auto g = connect::grant_of(s, e, t, 1000);
    REQUIRE(g);
    CHECK(g->provider == "google");
    CHECK(g->user == "me@example.org");
    CHECK(g->refresh_token == "refresh");
    CHECK(g->access_expires_at == 5000);
    CHECK(g->obtained_at == 1000);
    CHECK(connect::grant_of(with_provider(""), e, t, 1000)->provider == "custom");
    t.refresh_token.clear();
    auto none = connect::grant_of(s, e, t, 1000);
    REQUIRE_FALSE(none);
    CHECK(none.error().kind == core::ErrorKind::Auth);
}
