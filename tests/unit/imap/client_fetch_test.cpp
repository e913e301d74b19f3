// Client::fetch_streamed, the one pipelined FETCH that export and `fetch` share: bodies to the
// caller's sink, refusals handed back by set, the session's window obeyed, and an early stop
// that keeps the connection.

#include <catch2/catch.hpp>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "imap/client.hpp"
#include "wire_server.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;
using test::tag_of;
using test::WireServer;
using test::with_caps;

namespace {

// Collects each body it is given.
struct CollectingSink final : LiteralSink {
    std::vector<std::string> bodies;
    core::Result<void> write(std::string_view chunk) override {
        bodies.back().append(chunk);
        return {};
    }
    core::Result<void> finish() override { return {}; }
};

// Answers "UID FETCH n" with message n ("body of n"), "UID FETCH 2" with NO when `refuse_2`,
// SEARCH with one UID.
WireServer::Responder mailbox(bool refuse_2) {
    return with_caps("", [refuse_2](const std::string& sent) {
        const std::string tag = tag_of(sent);
        auto at = sent.find("UID FETCH ");
        if (at != std::string::npos) {
            std::string uid = sent.substr(at + 10, sent.find(' ', at + 10) - (at + 10));
            if (refuse_2 && uid == "2")
                return tag + " NO [UNAVAILABLE] cannot fetch that one\r\n";
            std::string body = "body of " + uid;
            return "* " + uid + " FETCH (UID " + uid + " BODY[] {" + std::to_string(body.size()) +
                   "}\r\n" + body + ")\r\n" + tag + " OK\r\n";
        }
        if (sent.find("UID SEARCH") != std::string::npos)
            return "* SEARCH 1\r\n" + tag + " OK\r\n";
        return tag + " OK\r\n";
    });
}

// A request for UID and body whose bodies go to `sink`, each message to `on_message`.
FetchRequest collecting(CollectingSink& sink,
                        std::function<core::Result<void>(const FetchData&)> on_message) {
    FetchRequest request;
    request.items = "(UID BODY.PEEK[])";
    request.body_sink = [&sink]() -> LiteralSink* {
        sink.bodies.emplace_back();
        return &sink;
    };
    request.on_message = std::move(on_message);
    return request;
}

std::vector<MessageSet> uid_sets(std::initializer_list<const char*> uids) {
    std::vector<MessageSet> out;
    for (const char* u : uids)
        out.push_back(MessageSet{true, u});
    return out;
}

}  // namespace

TEST_CASE("client: a streamed fetch gives each body to the sink and hands back a refused set",
          "[imap][fetch]") {
    auto client = Client::over(std::make_unique<WireServer>(mailbox(true)));
    REQUIRE(client);
    CollectingSink sink;
    std::vector<uint32_t> completed;
    auto request = collecting(sink, [&](const FetchData& f) -> core::Result<void> {
        // The body is complete when its message is.
        CHECK(sink.bodies.back() == "body of " + std::to_string(*f.uid));
        completed.push_back(*f.uid);
        return {};
    });
    auto refused = (*client)->fetch_streamed(uid_sets({"1", "2", "3"}), request);
    REQUIRE(refused);
    CHECK(completed == std::vector<uint32_t>{1, 3});
    REQUIRE(refused->size() == 1);
    CHECK((*refused)[0].set == 1);
    CHECK((*refused)[0].answer.text == "cannot fetch that one");
}

TEST_CASE("client: a streamed fetch keeps no more commands in flight than the session's window",
          "[imap][fetch]") {
    Session::Options options;
    options.window = 2;
    auto* server = new WireServer(mailbox(false));
    auto client = Client::over(std::unique_ptr<WireServer>(server), options);
    REQUIRE(client);
    server->events.clear();
    CollectingSink sink;
    auto request = collecting(sink, [](const FetchData&) -> core::Result<void> { return {}; });
    auto refused = (*client)->fetch_streamed(uid_sets({"1", "2", "3", "4", "5"}), request);
    REQUIRE(refused);
    CHECK(sink.bodies.size() == 5);
    // Two commands go out before the first answer is read, never a third.
    REQUIRE(server->events.size() >= 3);
    CHECK(server->events[0] == "send");
    CHECK(server->events[1] == "send");
    CHECK(server->events[2] == "recv");
}

TEST_CASE("client: an error from a message stops the fetch and keeps the connection usable",
          "[imap][fetch][lifetime]") {
    Session::Options options;
    options.window = 2;
    auto* server = new WireServer(mailbox(false));
    auto client = Client::over(std::unique_ptr<WireServer>(server), options);
    REQUIRE(client);
    CollectingSink sink;
    std::vector<uint32_t> completed;
    auto request = collecting(sink, [&](const FetchData& f) -> core::Result<void> {
        completed.push_back(*f.uid);
        return core::make_error(core::ErrorKind::DiskFull, "no space left");
    });
    auto refused = (*client)->fetch_streamed(uid_sets({"1", "2", "3", "4"}), request);
    REQUIRE_FALSE(refused);
    CHECK(refused.error().kind == core::ErrorKind::DiskFull);
    // Only the first message was acted on; the second, already asked for, was read and
    // dropped (not given to the sink); the rest were never asked for.
    CHECK(completed == std::vector<uint32_t>{1});
    CHECK(sink.bodies.size() == 1);
    CHECK(server->wire().find("UID FETCH 3") == std::string::npos);
    CHECK((*client)->session().usable());
    auto found = (*client)->uid_search("ALL");
    REQUIRE(found);
    CHECK(*found == std::vector<uint32_t>{1});
}
