// `fetch`: bodies by UID and sequence number, each saved once, byte-exact, over canned server
// answers; what did not come is named.

#include "queries/message_fetch.hpp"

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "unit/sync/scripted_mailbox.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;
using test::ScriptedMailbox;
using test::TempDir;

namespace {

// "* SEQ FETCH (UID UID RFC822.SIZE SIZE BODY[] {n}\r\nBODY)\r\n"
std::string body_line(uint32_t seq, uint32_t uid, const std::string& body, size_t announced) {
    return "* " + std::to_string(seq) + " FETCH (UID " + std::to_string(uid) + " RFC822.SIZE " +
           std::to_string(announced) + " BODY[] {" + std::to_string(body.size()) + "}\r\n" + body +
           ")\r\n";
}

// A folder whose message with UID 100 + N is sequence number N, with body "message N\r\n";
// `extra` is sent before the tagged OK of every FETCH.
ScriptedMailbox folder(std::string extra = "") {
    ScriptedMailbox server;
    server.custom = [extra](const std::string& command, const std::string& tag) -> std::string {
        const bool by_uid = command.rfind("UID FETCH ", 0) == 0;
        if (!by_uid && command.rfind("FETCH ", 0) != 0)
            return "";
        const size_t at = by_uid ? 10 : 6;
        const auto n = static_cast<uint32_t>(std::stoul(command.substr(at)));
        const uint32_t seq = by_uid ? n - 100 : n;
        const std::string body = "message " + std::to_string(seq) + "\r\n";
        return body_line(seq, seq + 100, body, body.size()) + extra + tag + " OK done\r\n";
    };
    return server;
}

std::string read(const std::filesystem::path& p) {
    std::ifstream f(p, std::ios::binary);
    std::stringstream s;
    s << f.rdbuf();
    return s.str();
}

queries::FetchDestination into(const TempDir& dir) {
    queries::FetchDestination d;
    d.kind = queries::FetchDestination::Kind::Directory;
    d.output = d.directory = dir.path;
    return d;
}

}  // namespace

TEST_CASE("fetch: each message asked for by UID or number is saved once, byte-exact, as UID.eml",
          "[queries]") {
    // Every answer also brings message 1 again, unasked or twice: it is saved once.
    auto server = folder(body_line(1, 101, "something else\r\n", 16));
    auto client = server.client();
    TempDir dir;
    std::vector<std::string> warnings;
    auto saved = queries::fetch_messages(*client, "INBOX", {101, 103}, {2}, into(dir),
                                         [&](const std::string& w) { warnings.push_back(w); });
    INFO((saved ? std::string() : saved.error().describe()));
    REQUIRE(saved);
    CHECK(server.sent("UID FETCH 101 (UID RFC822.SIZE BODY.PEEK[])"));
    CHECK(server.sent("UID FETCH 103 (UID RFC822.SIZE BODY.PEEK[])"));
    CHECK(server.sent("FETCH 2 (UID RFC822.SIZE BODY.PEEK[])"));
    REQUIRE(saved->size() == 3);
    CHECK(read(std::filesystem::path(dir.path) / "101.eml") == "message 1\r\n");
    CHECK(read(std::filesystem::path(dir.path) / "103.eml") == "message 3\r\n");
    CHECK(read(std::filesystem::path(dir.path) / "102.eml") == "message 2\r\n");
    for (const auto& s : *saved) {
        CHECK(s.path ==
              (std::filesystem::path(dir.path) / (std::to_string(s.uid) + ".eml")).string());
        CHECK(s.size == 11);
        CHECK(s.seq + 100 == s.uid);
    }
    CHECK(warnings.empty());
    CHECK_FALSE(queries::missing_message("INBOX", 3, {101, 103}, {2}, *saved));
}

TEST_CASE("fetch: a size that differs from the bytes is said once, and the bytes are saved",
          "[queries]") {
    ScriptedMailbox server;
    server.answers = {{"UID FETCH 7 ", body_line(1, 7, "short\r\n", 70)},
                      {"UID FETCH 8 ", body_line(2, 8, "short too\r\n", 80)}};
    auto client = server.client();
    TempDir dir;
    std::vector<std::string> warnings;
    auto saved = queries::fetch_messages(*client, "INBOX", {7, 8}, {}, into(dir),
                                         [&](const std::string& w) { warnings.push_back(w); });
    REQUIRE(saved);
    REQUIRE(warnings.size() == 1);
    CHECK(warnings[0].find("UID 7: 70 announced, 7 sent") != std::string::npos);
    CHECK(warnings[0].find("the bytes sent are saved") != std::string::npos);
    CHECK(read(std::filesystem::path(dir.path) / "7.eml") == "short\r\n");
}

TEST_CASE("fetch: one message into a file of its own name", "[queries]") {
    auto server = folder();
    auto client = server.client();
    TempDir dir;
    queries::FetchDestination file;
    file.kind = queries::FetchDestination::Kind::File;
    file.output = (std::filesystem::path(dir.path) / "saved.eml").string();
    file.directory = dir.path;
    auto saved = queries::fetch_messages(*client, "INBOX", {105}, {}, file, {});
    REQUIRE(saved);
    REQUIRE(saved->size() == 1);
    CHECK(saved->front().path == file.output);
    CHECK(read(file.output) == "message 5\r\n");
}

TEST_CASE("fetch: a message sent without a body, or a refused FETCH, is an error naming the folder",
          "[queries]") {
    ScriptedMailbox nil;
    nil.answers = {{"UID FETCH", "* 1 FETCH (UID 7 RFC822.SIZE 0 BODY[] NIL)\r\n"}};
    auto client = nil.client();
    TempDir dir;
    auto saved = queries::fetch_messages(*client, "Archive", {7}, {}, into(dir), {});
    REQUIRE_FALSE(saved);
    CHECK(saved.error().kind == core::ErrorKind::NotFound);
    CHECK(saved.error().uid == 7u);
    CHECK(saved.error().folder == "Archive");
    ScriptedMailbox refusing;
    refusing.answers = {{"UID FETCH", "", "NO [SERVERBUG] not now"}};
    auto other = refusing.client();
    auto refused = queries::fetch_messages(*other, "Archive", {7}, {}, into(dir), {});
    REQUIRE_FALSE(refused);
    CHECK(refused.error().folder == "Archive");
}

TEST_CASE("fetch: the first UID, then sequence number, that did not come is named", "[queries]") {
    const std::vector<queries::SavedMessage> saved = {{101, 1, 11, "a"}, {103, 3, 11, "b"}};
    auto uid = queries::missing_message("INBOX", 3, {101, 102, 104}, {3, 9}, saved);
    REQUIRE(uid);
    CHECK(uid->kind == core::ErrorKind::NotFound);
    CHECK(uid->uid == 102u);
    CHECK(uid->folder == "INBOX");
    auto seq = queries::missing_message("INBOX", 3, {101}, {3, 9}, saved);
    REQUIRE(seq);
    CHECK(seq->message == "no message with sequence number 9 (the folder has 3)");
    CHECK_FALSE(queries::missing_message("INBOX", 3, {103}, {1}, saved));
}
