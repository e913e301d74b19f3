// What a server can do to a Session: leave commands in flight behind a caller that returned,
// ask for literals, trickle bytes, and throttle. Each test names the crash or hang it pins.

#include <catch2/catch.hpp>

#include <chrono>
#include <memory>

#include "imap/command.hpp"
#include "imap/session.hpp"
#include "parse_helpers.hpp"
#include "wire_server.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;
using test::tag_of;
using test::WireServer;

TEST_CASE("session: a scope left with commands in flight closes the connection",
          "[imap][lifetime]") {
    WireServer server([](const std::string& sent) {
        std::string tag = tag_of(sent);
        if (sent.find("UID FETCH 1 ") != std::string::npos)
            return tag + " NO [UNAVAILABLE] not now\r\n";
        if (sent.find("UID FETCH 2 ") != std::string::npos)
            return "* 2 FETCH (UID 2 BODY[] {4}\r\nbody)\r\n" + tag + " OK\r\n";
        return tag + " OK\r\n";
    });
    Session s(server);
    auto seen = std::make_unique<std::vector<std::string>>();
    auto sink = std::make_unique<test::CollectingSink>();
    auto calls = std::make_shared<int>(0);  // outlives the scope, unlike `seen`
    {
        CommandScope scope(s);
        auto* sp = sink.get();
        scope.set_literal_router([sp](const LiteralContext&) -> LiteralSink* { return sp; });
        auto* v = seen.get();
        auto record = [v, calls](const Response& r) -> core::Result<void> {
            ++*calls;
            v->push_back(r.summary());
            return {};
        };
        auto t1 = scope.submit("UID FETCH 1 (BODY.PEEK[])", record);
        auto t2 = scope.submit("UID FETCH 2 (BODY.PEEK[])", record);
        REQUIRE(t1);
        REQUIRE(t2);
        auto c1 = scope.wait(*t1);
        REQUIRE(c1);
        CHECK(c1->status == "NO");
        CHECK(scope.in_flight() == 1);
        // The caller gives up on the batch and returns.
    }
    seen.reset();
    sink.reset();
    CHECK_FALSE(s.usable());
    auto r = s.run("NOOP");
    REQUIRE_FALSE(r);
    CHECK(r.error().scope == core::Scope::Session);
    CHECK(r.error().retryable);
    s.logout();  // sends nothing on a broken session
    CHECK(server.sends.size() == 2);
    CHECK(*calls == 0);  // UID 2's FETCH, still unread, never reached the dead handler
}

TEST_CASE("session: a scope that drains keeps the connection and drops the bodies",
          "[imap][lifetime]") {
    WireServer server([](const std::string& sent) {
        std::string tag = tag_of(sent);
        if (sent.find("UID FETCH 1 ") != std::string::npos)
            return tag + " NO [UNAVAILABLE] not now\r\n";
        if (sent.find("UID FETCH 2 ") != std::string::npos)
            return "* 2 FETCH (UID 2 BODY[] {4}\r\nbody)\r\n" + tag + " OK\r\n";
        return tag + " OK\r\n";
    });
    Session s(server);
    test::CollectingSink sink;
    std::vector<std::string> seen;
    {
        CommandScope scope(s);
        scope.set_literal_router([&](const LiteralContext&) -> LiteralSink* { return &sink; });
        auto record = [&](const Response& r) -> core::Result<void> {
            seen.push_back(r.summary());
            return {};
        };
        auto t1 = scope.submit("UID FETCH 1 (BODY.PEEK[])", record);
        auto t2 = scope.submit("UID FETCH 2 (BODY.PEEK[])", record);
        REQUIRE(scope.wait(*t1));
        REQUIRE(scope.drain());
        CHECK(scope.in_flight() == 0);
    }
    CHECK(seen.empty());
    CHECK(sink.literals.empty());
    CHECK(s.usable());
    CHECK(s.run("NOOP"));
}

TEST_CASE("session: a handler's error is returned once, then the session is broken",
          "[imap][lifetime]") {
    WireServer server(
        [](const std::string& sent) { return "* 1 FETCH (UID 1)\r\n" + tag_of(sent) + " OK\r\n"; });
    Session s(server);
    auto r = s.run("UID FETCH 1 (UID)", [](const Response&) -> core::Result<void> {
        return core::make_error(core::ErrorKind::Io, "disk", core::Scope::Folder);
    });
    REQUIRE_FALSE(r);
    CHECK(r.error().scope == core::Scope::Folder);
    auto next = s.run("NOOP");
    REQUIRE_FALSE(next);
    CHECK(next.error().scope == core::Scope::Session);
    CHECK(next.error().retryable);
}

TEST_CASE("session: a synchronizing literal waits for the server's continuation",
          "[imap][literal]") {
    WireServer server([](const std::string& sent) -> std::string {
        if (sent.size() >= 5 && sent.compare(sent.size() - 5, 5, "{4}\r\n") == 0)
            return "+ ready\r\n";
        if (sent == "a\r\nb (MESSAGES)\r\n")
            return "A1 OK\r\n";
        return "A1 BAD unexpected\r\n";
    });
    Session s(server);
    auto arg = quote_astring("a\r\nb");
    REQUIRE(arg);
    REQUIRE(s.run("STATUS " + *arg + " (MESSAGES)"));
    REQUIRE(server.sends.size() == 2);
    CHECK(server.sends[0] == "A1 STATUS {4}\r\n");
    CHECK(server.sends[1] == "a\r\nb (MESSAGES)\r\n");
    // The bytes went only after reading the "+".
    CHECK(server.events[0] == "send");
    CHECK(server.events[1] == "recv");
}

TEST_CASE("session: LITERAL+ sends the literal without waiting", "[imap][literal]") {
    WireServer server([](const std::string& sent) { return tag_of(sent) + " OK\r\n"; });
    Session s(server);
    auto arg = quote_astring("caf\xC3\xA9", LiteralForm::NonSynchronizing);
    REQUIRE(arg);
    CHECK(*arg == "{5+}\r\ncaf\xC3\xA9");
    REQUIRE(s.run("STATUS " + *arg + " (MESSAGES)"));
    REQUIRE(server.sends.size() == 1);
    CHECK(server.sends[0] == "A1 STATUS {5+}\r\ncaf\xC3\xA9 (MESSAGES)\r\n");
}

TEST_CASE("session: a server that refuses a literal with NO completes the command",
          "[imap][literal]") {
    WireServer server([](const std::string& sent) { return tag_of(sent) + " NO too long\r\n"; });
    Session s(server);
    auto arg = quote_astring("x\ny");
    REQUIRE(arg);
    auto r = s.run("STATUS " + *arg + " (MESSAGES)");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Protocol);
    CHECK(server.sends.size() == 1);
    CHECK(s.usable());
}

TEST_CASE("limits: a command whose answers are consumed as they come is not bounded in total",
          "[imap][limits]") {
    // A flags sync of a million-message folder is one command: its handler keeps nothing.
    WireServer server([](const std::string& sent) {
        std::string out;
        for (int i = 1; i <= 20'000; ++i)
            out += "* " + std::to_string(i) + " FETCH (UID " + std::to_string(i) +
                   " FLAGS (\\Seen))\r\n";
        return out + tag_of(sent) + " OK\r\n";
    });
    server.piece = 64 * 1024;
    ParserLimits small;
    small.max_response_bytes = 4096;  // per response only
    Session::Options opts;
    opts.limits = small;
    Session s(server, opts);
    size_t seen = 0;
    REQUIRE(s.run("UID FETCH 1:* (FLAGS)", [&](const Response&) -> core::Result<void> {
        ++seen;
        return {};
    }));
    CHECK(seen == 20'000u);
}

TEST_CASE("session: a literal trickled below the minimum rate times out", "[imap][rate]") {
    WireServer server([](const std::string& sent) {
        return "* 1 FETCH (UID 1 BODY[] {100000}\r\n" + std::string(100'000, 'x') + ")\r\n" +
               tag_of(sent) + " OK\r\n";
    });
    server.piece = 64;  // 64 bytes per read, one read per fake second
    auto t = std::chrono::steady_clock::time_point{};
    Session::Options opts;
    opts.min_rate.bytes_per_second = 1024;
    opts.min_rate.window = std::chrono::seconds(30);
    opts.clock = [&t] {
        t += std::chrono::seconds(1);
        return t;
    };
    Session s(server, opts);
    auto r = s.run("UID FETCH 1 (BODY.PEEK[])");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Timeout);
    CHECK(r.error().scope == core::Scope::Session);
    // Found out after about one window, not after the whole body.
    CHECK(t < std::chrono::steady_clock::time_point{} + std::chrono::seconds(40));
}

TEST_CASE("session: progress lines and a transfer above the minimum rate pass", "[imap][rate]") {
    WireServer server([](const std::string& sent) {
        std::string out;
        for (int i = 0; i < 100; ++i)
            out += "* OK still searching\r\n";
        return out + "* 1 FETCH (UID 1 BODY[] {100000}\r\n" + std::string(100'000, 'x') + ")\r\n" +
               tag_of(sent) + " OK\r\n";
    });
    server.piece = 4096;
    auto t = std::chrono::steady_clock::time_point{};
    Session::Options opts;
    opts.min_rate.window = std::chrono::seconds(30);
    opts.clock = [&t] {
        t += std::chrono::seconds(1);
        return t;
    };
    Session s(server, opts);
    CHECK(s.run("UID FETCH 1 (BODY.PEEK[])"));
}

TEST_CASE("session: servers that throttle are told apart from servers that fail",
          "[imap][throttle]") {
    auto answer = [](std::string line) {
        return [line](const std::string& sent) { return tag_of(sent) + " " + line + "\r\n"; };
    };
    SECTION("an OK with [THROTTLED] is recorded on the completion") {
        WireServer server(answer("OK [THROTTLED] slow down"));
        Session s(server);
        auto c = s.run("NOOP");
        REQUIRE(c);
        CHECK(c->throttled);
    }
    for (const char* line :
         {"NO [OVERQUOTA] Account exceeded command or bandwidth limits", "NO [THROTTLED] Too fast",
          "NO Too many simultaneous connections. (Failure)", "NO Service temporarily unavailable",
          "NO Request is throttled. Suggested Backoff Time: 9000 milliseconds"}) {
        DYNAMIC_SECTION(line) {
            WireServer server(answer(line));
            Session s(server);
            auto r = s.run("EXAMINE INBOX");
            REQUIRE_FALSE(r);
            CHECK(r.error().throttled);
            CHECK(r.error().retryable);
            CHECK(r.error().scope == core::Scope::Session);
        }
    }
    SECTION("a plain NO is not throttling") {
        WireServer server(answer("NO [NONEXISTENT] no such folder"));
        Session s(server);
        auto r = s.run("EXAMINE Nope");
        REQUIRE_FALSE(r);
        CHECK_FALSE(r.error().throttled);
    }
}

TEST_CASE("session: NO UNAVAILABLE to a UID FETCH costs those messages, not the session",
          "[imap][throttle]") {
    WireServer server([](const std::string& sent) {
        if (sent.find("UID FETCH") != std::string::npos)
            return tag_of(sent) + " NO [UNAVAILABLE] Some messages could not be FETCHed\r\n";
        return tag_of(sent) + " OK\r\n";
    });
    Session s(server);
    auto r = s.run("UID FETCH 1:5 (BODY.PEEK[])");
    REQUIRE_FALSE(r);
    CHECK(r.error().scope == core::Scope::Folder);
    CHECK(r.error().retryable);
    CHECK_FALSE(r.error().throttled);
    CHECK(s.usable());
    CHECK(s.run("NOOP"));
}
