// Session over a scripted in-memory server: tags, the pipelining window, completion errors,
// BYE and a dropped connection.

#include <catch2/catch.hpp>

#include <deque>
#include <functional>
#include <map>

#include "imap/session.hpp"
#include "transport/redact.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;

namespace {

// Answers each command line with scripted bytes; only hands them out on receive(), in small
// pieces, so that the client's order of sends and reads is visible in `events`.
class ScriptedServer final : public transport::Stream {
  public:
    using Responder =
        std::function<std::string(const std::string& tag, const std::string& command)>;
    explicit ScriptedServer(Responder r) : m_responder(std::move(r)) {}

    core::Result<void> send(std::string_view bytes) override {
        std::string line(bytes);
        REQUIRE(line.size() >= 2);
        REQUIRE(line.substr(line.size() - 2) == "\r\n");
        line.resize(line.size() - 2);
        auto sp = line.find(' ');
        std::string tag = line.substr(0, sp), cmd = line.substr(sp + 1);
        events.push_back("send " + tag);
        sent.push_back(line);
        m_pending += m_responder(tag, cmd);
        return {};
    }
    core::Result<size_t> receive(char* buf, size_t cap) override {
        if (m_pending.empty())
            return core::make_error(core::ErrorKind::Network, "the server closed the connection");
        events.push_back("recv");
        size_t n = std::min<size_t>({cap, m_pending.size(), 7});
        std::copy_n(m_pending.data(), n, buf);
        m_pending.erase(0, n);
        return n;
    }
    void push(const std::string& bytes) { m_pending += bytes; }

    std::vector<std::string> events, sent;

  private:
    Responder m_responder;
    std::string m_pending;
};

std::string ok(const std::string& tag) {
    return tag + " OK done\r\n";
}

}  // namespace

TEST_CASE("session: tags are unique and each wait returns its own completion", "[imap]") {
    ScriptedServer server([](const std::string& tag, const std::string& cmd) {
        if (cmd == "NOOP")
            return ok(tag);
        return tag + " NO [NONEXISTENT] Unknown Mailbox\r\n";
    });
    Session s(server);
    auto a = s.submit("NOOP");
    auto b = s.submit("EXAMINE Nope");
    REQUIRE(a);
    REQUIRE(b);
    CHECK(*a != *b);
    auto cb = s.wait(*b);
    REQUIRE(cb);
    CHECK(cb->status == "NO");
    auto ca = s.wait(*a);
    REQUIRE(ca);
    CHECK(ca->ok());
    auto err = s.run("EXAMINE Nope");
    REQUIRE_FALSE(err);
    CHECK(err.error().kind == core::ErrorKind::NotFound);
    CHECK(err.error().server_reply.find("Unknown Mailbox") != std::string::npos);
}

TEST_CASE("session: never more than `window` commands in flight", "[imap]") {
    ScriptedServer server([](const std::string& tag, const std::string&) { return ok(tag); });
    Session::Options opts;
    opts.window = 2;
    Session s(server, opts);
    std::vector<std::string> tags;
    for (int i = 0; i < 5; ++i) {
        auto t = s.submit("NOOP");
        REQUIRE(t);
        CHECK(s.in_flight() <= 2);
        tags.push_back(*t);
    }
    for (const auto& t : tags)
        REQUIRE(s.wait(t));
    // The third send came only after reading.
    auto third = std::find(server.events.begin(), server.events.end(), "send " + tags[2]);
    REQUIRE(third != server.events.end());
    CHECK(std::find(server.events.begin(), third, "recv") != third);
}

TEST_CASE("session: untagged responses go to the oldest command in flight", "[imap]") {
    ScriptedServer server([](const std::string& tag, const std::string& cmd) {
        if (cmd.rfind("UID FETCH", 0) == 0)
            return "* 1 FETCH (UID 5 FLAGS ())\r\n" + ok(tag);
        return "* 3 EXISTS\r\n" + ok(tag);
    });
    Session s(server);
    std::vector<std::string> first, second, fallback;
    s.set_default_handler([&](const Response& r) -> core::Result<void> {
        fallback.push_back(r.summary());
        return {};
    });
    auto t1 = s.submit("UID FETCH 5 (FLAGS)", [&](const Response& r) -> core::Result<void> {
        first.push_back(r.summary());
        return {};
    });
    auto t2 = s.submit("NOOP", [&](const Response& r) -> core::Result<void> {
        second.push_back(r.summary());
        return {};
    });
    REQUIRE(s.wait(*t2));
    REQUIRE(s.wait(*t1));
    CHECK(first == std::vector<std::string>{"* 1 FETCH (UID 5 FLAGS ())"});
    CHECK(second == std::vector<std::string>{"* 3 EXISTS"});
    CHECK(fallback.empty());
}

TEST_CASE("session: BYE then close is a Network error that quotes the BYE", "[imap]") {
    ScriptedServer server([](const std::string&, const std::string&) {
        return std::string("* BYE Server shutting down\r\n");
    });
    Session s(server);
    auto r = s.run("NOOP");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Network);
    CHECK(r.error().scope == core::Scope::Session);
    CHECK(r.error().server_reply == "* BYE Server shutting down");
}

TEST_CASE("session: a connection dropped mid-literal is an error, not a hang or a short body",
          "[imap]") {
    ScriptedServer server([](const std::string&, const std::string&) {
        return std::string("* 1 FETCH (UID 1 BODY[] {100}\r\nonly part of it");
    });
    Session s(server);
    auto r = s.run("UID FETCH 1 (BODY.PEEK[])");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Network);
}

TEST_CASE("session: throttling NO from Microsoft 365 is retryable", "[imap][m365]") {
    ScriptedServer server([](const std::string& tag, const std::string&) {
        return tag + " NO Request is throttled. Suggested Backoff Time: 9000 milliseconds\r\n";
    });
    Session s(server);
    auto r = s.run("UID FETCH 1:* (FLAGS)");
    REQUIRE_FALSE(r);
    CHECK(r.error().retryable);
    CHECK(r.error().kind == core::ErrorKind::Protocol);
}

TEST_CASE("session: CAPABILITY is learned from the response and from a response code", "[imap]") {
    ScriptedServer server([](const std::string& tag, const std::string& cmd) {
        if (cmd == "CAPABILITY")
            return "* CAPABILITY IMAP4rev1 CONDSTORE\r\n" + ok(tag);
        return tag + " OK [CAPABILITY IMAP4rev1 QRESYNC] ok\r\n";
    });
    Session s(server);
    REQUIRE(s.refresh_capabilities());
    CHECK(s.capabilities().has("CONDSTORE"));
    REQUIRE(s.run("NOOP"));
    CHECK(s.capabilities().has("QRESYNC"));
    CHECK_FALSE(s.capabilities().has("CONDSTORE"));
}

TEST_CASE("redact: credentials never reach the trace", "[transport]") {
    using transport::redact_client_line;
    CHECK(redact_client_line("A001 LOGIN alice s3cret\r\n") == "A001 LOGIN [redacted]");
    CHECK(redact_client_line("A001 AUTHENTICATE PLAIN AGFsaWNlAHMzY3JldA==") ==
          "A001 AUTHENTICATE [redacted]");
    CHECK(redact_client_line("AGFsaWNlAHMzY3JldA==\r\n") == "[redacted]");
    CHECK(redact_client_line("A002 CAPABILITY") == "A002 CAPABILITY");
    CHECK(redact_client_line("A003 UID FETCH 1:* (FLAGS)") == "A003 UID FETCH 1:* (FLAGS)");
}
