// --provider: a preset's values fill only what nothing else set.

#include "cli/provider_presets.hpp"

#include <catch2/catch.hpp>

#include "cli/connection_options.hpp"

using namespace imapmirror::cli;

namespace {

struct Command {
    CLI::App app;
    ConnectionArgs conn;
    size_t connections = 4;
    std::vector<std::string> exclude;
    std::string max_bytes;

    explicit Command(std::vector<std::string> args) {
        add_connection_options(app, conn);
        app.get_option("--host")->required(false);
        app.get_option("--user")->required(false);
        add_provider_option(app, conn.provider);
        app.add_option("-j,--connections", connections)->check(CLI::Range(1, 15));
        app.add_option("--exclude", exclude);
        app.add_option("--max-bytes", max_bytes);
        args.insert(args.begin(), "imapmirror");
        std::vector<const char*> argv;
        for (const auto& a : args)
            argv.push_back(a.c_str());
        app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
    }
};

}  // namespace

TEST_CASE(
    "provider: microsoft sets host, port, TLS, connections, OAuth2 and skips the "
    "non-mail folders",
    "[cli]") {
    Command c({"--provider", "microsoft", "--user", "me@example.com"});
    REQUIRE(apply_provider(c.app, c.conn.provider));
    CHECK(c.conn.host == "outlook.office365.com");
    CHECK(c.conn.port == 993);
    CHECK(c.conn.tls == "implicit");
    CHECK(c.conn.oauth2);
    CHECK(c.connections == 4);
    CHECK(std::count(c.exclude.begin(), c.exclude.end(), "Calendar/*") == 1);
    CHECK(std::count(c.exclude.begin(), c.exclude.end(), "Sync Issues") == 1);
}

TEST_CASE("provider: every value given on the command line wins over the preset", "[cli]") {
    Command c({"--provider", "gmail", "--host", "127.0.0.1", "--port", "1993", "-j", "2",
               "--exclude", "Spam", "--password-file", "/dev/null"});
    REQUIRE(apply_provider(c.app, c.conn.provider));
    CHECK(c.conn.host == "127.0.0.1");
    CHECK(c.conn.port == 1993);
    CHECK(c.connections == 2);
    CHECK(c.exclude == std::vector<std::string>{"Spam"});
    CHECK(!c.conn.oauth2);  // a password source given: no OAuth2
}

TEST_CASE("provider: the app-password providers do not turn OAuth2 on", "[cli]") {
    for (const char* name : {"icloud", "fastmail", "yahoo"}) {
        Command c({"--provider", name});
        REQUIRE(apply_provider(c.app, c.conn.provider));
        CHECK(!c.conn.host.empty());
        CHECK(!c.conn.oauth2);
    }
}

TEST_CASE("provider: each preset keeps its connections under the provider's limit", "[cli]") {
    for (const auto& p : provider_presets()) {
        INFO(p.name);
        CHECK(p.connections >= 1);
        if (p.max_connections)
            CHECK(p.connections < p.max_connections);
    }
}

TEST_CASE("provider: gmail sets a daily byte budget under Gmail's limit, a given one wins",
          "[cli]") {
    Command gmail({"--provider", "gmail"});
    REQUIRE(apply_provider(gmail.app, gmail.conn.provider));
    CHECK(gmail.max_bytes == "2000M");
    Command given({"--provider", "gmail", "--max-bytes", "500M"});
    REQUIRE(apply_provider(given.app, given.conn.provider));
    CHECK(given.max_bytes == "500M");
    Command microsoft({"--provider", "microsoft"});
    REQUIRE(apply_provider(microsoft.app, microsoft.conn.provider));
    CHECK(microsoft.max_bytes.empty());
}

TEST_CASE("provider: google, as auth login names it, is gmail for export", "[cli]") {
    Command c({"--provider", "google"});
    REQUIRE(apply_provider(c.app, c.conn.provider));
    CHECK(c.conn.host == "imap.gmail.com");
    CHECK(c.conn.oauth2);
}
