// APPEND and CREATE (restore's only writes): the command line byte for byte, the literal
// streamed in chunks in either form (LITERAL+, LITERAL- up to 4096 bytes, synchronizing),
// APPENDUID parsed, \Recent never sent, APPENDLIMIT read.

#include <catch2/catch.hpp>

#include <memory>
#include <string>

#include "imap/append.hpp"
#include "wire_server.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;
using test::tag_of;
using test::WireServer;
using test::with_caps;

namespace {

// A message of `size` bytes handed out at most `chunk` bytes per read, counting the reads.
class CountingSource final : public LiteralSource {
  public:
    CountingSource(std::string bytes, size_t chunk) : m_bytes(std::move(bytes)), m_chunk(chunk) {}
    uint64_t size() const override { return m_bytes.size() + m_short; }
    core::Result<size_t> read(char* buf, size_t cap) override {
        ++reads;
        size_t n = std::min({cap, m_chunk, m_bytes.size() - m_pos});
        std::copy_n(m_bytes.data() + m_pos, n, buf);
        m_pos += n;
        return n;
    }
    void claim_more(uint64_t extra) { m_short = extra; }
    size_t reads = 0;

  private:
    std::string m_bytes;
    size_t m_chunk;
    size_t m_pos = 0;
    uint64_t m_short = 0;
};

// A server that answers "+" to a synchronizing APPEND literal, and the APPEND with
// APPENDUID 7 <n> once its literal and CRLF are in.
WireServer::Responder appending_server(std::string caps, bool uidplus = true) {
    auto state = std::make_shared<std::string>();  // client bytes so far, CAPABILITY aside
    return with_caps(std::move(caps), [state, uidplus](const std::string& sent) -> std::string {
        *state += sent;
        const std::string& all = *state;
        const size_t at = all.rfind(" APPEND ");
        if (at == std::string::npos)
            return tag_of(sent) + " OK done\r\n";
        const size_t line = all.rfind('\n', at);
        const std::string tag = all.substr(line == std::string::npos ? 0 : line + 1,
                                           at - (line == std::string::npos ? 0 : line + 1));
        const size_t open = all.find('{', at);
        const size_t close = all.find('}', open);
        const bool plus = all[close - 1] == '+';
        const size_t n = std::stoul(all.substr(open + 1, close - open - 1));
        const size_t literal_start = close + 3;
        if (!plus && all.size() == literal_start)
            return "+ go ahead\r\n";
        if (all.size() < literal_start + n + 2)
            return "";
        return uidplus ? tag + " OK [APPENDUID 7 " + std::to_string(n) + "] done\r\n"
                       : tag + " OK done\r\n";
    });
}

std::unique_ptr<Client> client_over(WireServer*& raw, WireServer::Responder r) {
    auto server = std::make_unique<WireServer>(std::move(r));
    raw = server.get();
    auto c = Client::over(std::move(server));
    REQUIRE(c);
    return std::move(*c);
}

}  // namespace

TEST_CASE("append: flags keep keywords and drop Recent and non-atoms", "[imap][append]") {
    CHECK(append_flag_list("\\Seen \\Recent $Work \\Answered") == "(\\Seen $Work \\Answered)");
    CHECK(append_flag_list("") == "()");
    CHECK(append_flag_list("\\recent") == "()");
    CHECK(append_flag_list("bad(flag \\Flagged a\\b") == "(\\Flagged)");
}

TEST_CASE("append: INTERNALDATE from the index's ISO time as RFC 3501 date-time",
          "[imap][append]") {
    CHECK(append_date("2024-01-03T10:00:09Z") == "\"03-Jan-2024 10:00:09 +0000\"");
    CHECK(append_date("1996-12-31T23:59:59Z") == "\"31-Dec-1996 23:59:59 +0000\"");
    CHECK_FALSE(append_date("2024-13-03T10:00:00Z"));
    CHECK_FALSE(append_date("2024-01-03 10:00:00"));
    CHECK_FALSE(append_date(""));
}

TEST_CASE("append: APPENDUID is read from the tagged OK only", "[imap][append]") {
    Completion ok{"A1", "OK", ResponseCode{"APPENDUID", "38505 3955"}, "done", false};
    auto uid = parse_append_uid(ok);
    REQUIRE(uid);
    CHECK(uid->uidvalidity == 38505);
    CHECK(uid->uid == 3955);
    ok.code->args = "38505 3955:3957";  // MULTIAPPEND's set: not one message's
    CHECK_FALSE(parse_append_uid(ok));
    ok.code->args = "0 5";
    CHECK_FALSE(parse_append_uid(ok));
    Completion no{"A1", "NO", ResponseCode{"APPENDUID", "1 2"}, "no", false};
    CHECK_FALSE(parse_append_uid(no));
    Completion none{"A1", "OK", std::nullopt, "done", false};
    CHECK_FALSE(parse_append_uid(none));
}

TEST_CASE("append: APPENDLIMIT with a number is the server's limit", "[imap][append]") {
    CHECK(append_limit(parse_capability_atoms("IMAP4rev1 APPENDLIMIT=35651584")) == 35651584u);
    CHECK_FALSE(append_limit(parse_capability_atoms("IMAP4rev1 APPENDLIMIT")));
    CHECK_FALSE(append_limit(parse_capability_atoms("IMAP4rev1 UIDPLUS")));
}

TEST_CASE("append: the command line names folder, flags and date before the literal",
          "[imap][append]") {
    auto head = append_head("INBOX/Entw&APw-rfe", "(\\Seen)", "\"03-Jan-2024 10:00:00 +0000\"");
    REQUIRE(head);
    CHECK(*head == "APPEND INBOX/Entw&APw-rfe (\\Seen) \"03-Jan-2024 10:00:00 +0000\" ");
    auto spaced = append_head("Folder With Spaces", "()", "");
    REQUIRE(spaced);
    CHECK(*spaced == "APPEND \"Folder With Spaces\" ");
    auto bare = append_head("INBOX", "()", "");
    REQUIRE(bare);
    CHECK(*bare == "APPEND INBOX ");
    CHECK_FALSE(append_head(std::string("a\nb"), "()", ""));
}

TEST_CASE("append: with LITERAL+ the message follows its announcement without a round trip",
          "[imap][append]") {
    WireServer* server = nullptr;
    auto client = client_over(server, appending_server("LITERAL+ UIDPLUS"));
    const std::string message(200'000, 'x');
    CountingSource source(message, 10'000);
    Writer writer(*client);
    auto done = writer.append("Archive", "(\\Seen)", "", source);
    REQUIRE(done);
    CHECK(done->answer.ok());
    REQUIRE(done->appenduid);
    CHECK(done->appenduid->uid == message.size());
    const std::string wire = server->wire();
    CHECK(wire.find(" APPEND Archive (\\Seen) {200000+}\r\n" + message + "\r\n") !=
          std::string::npos);
    CHECK(source.reads >= 20);  // streamed in chunks, never read whole
}

TEST_CASE("append: without LITERAL+ the client waits for the continuation before the bytes",
          "[imap][append]") {
    WireServer* server = nullptr;
    auto client = client_over(server, appending_server("UIDPLUS"));
    CountingSource source("Subject: x\r\n\r\nbody\r\n", 1000);
    Writer writer(*client);
    auto done = writer.append("INBOX", "()", "", source);
    REQUIRE(done);
    CHECK(done->answer.ok());
    // The announcement went alone; the literal in a later send.
    bool alone = false;
    for (const auto& s : server->sends)
        alone = alone || (s.find("APPEND INBOX {20}\r\n") != std::string::npos &&
                          s.find("Subject") == std::string::npos);
    CHECK(alone);
}

TEST_CASE("append: LITERAL- allows the non-synchronizing form only up to 4096 bytes",
          "[imap][append]") {
    WireServer* server = nullptr;
    auto client = client_over(server, appending_server("LITERAL-", false));
    Writer writer(*client);
    CountingSource small(std::string(4096, 's'), 4096);
    auto a = writer.append("INBOX", "()", "", small);
    REQUIRE(a);
    CHECK_FALSE(a->appenduid);
    CHECK(server->wire().find("{4096+}\r\n") != std::string::npos);
    CountingSource big(std::string(4097, 'b'), 4097);
    auto b = writer.append("INBOX", "()", "", big);
    REQUIRE(b);
    CHECK(b->answer.ok());
    CHECK(server->wire().find("{4097}\r\n") != std::string::npos);
}

TEST_CASE("append: a refused synchronizing literal sends no bytes and keeps the connection",
          "[imap][append]") {
    WireServer* server = nullptr;
    auto client = client_over(server, with_caps("", [](const std::string& sent) -> std::string {
                                  if (sent.find(" APPEND ") != std::string::npos)
                                      return tag_of(sent) + " NO [OVERQUOTA] Quota exceeded\r\n";
                                  return tag_of(sent) + " OK\r\n";
                              }));
    CountingSource source(std::string(100, 'm'), 100);
    Writer writer(*client);
    auto done = writer.append("INBOX", "()", "", source);
    REQUIRE(done);
    CHECK(done->answer.status == "NO");
    REQUIRE(done->answer.code);
    CHECK(done->answer.code->name == "OVERQUOTA");
    CHECK(source.reads == 0);
    CHECK(client->session().usable());
}

TEST_CASE("append: a message shorter than announced breaks the connection", "[imap][append]") {
    WireServer* server = nullptr;
    auto client = client_over(server, appending_server("LITERAL+"));
    CountingSource source("short", 5);
    source.claim_more(10);
    Writer writer(*client);
    auto done = writer.append("INBOX", "()", "", source);
    REQUIRE_FALSE(done);
    CHECK_FALSE(client->session().usable());
}

TEST_CASE("append: CREATE quotes the name and an existing folder is recognised", "[imap][append]") {
    WireServer* server = nullptr;
    auto client =
        client_over(server, with_caps("", [](const std::string& sent) -> std::string {
                        if (sent.find("CREATE") != std::string::npos)
                            return tag_of(sent) + " NO [ALREADYEXISTS] Mailbox already exists\r\n";
                        return tag_of(sent) + " OK\r\n";
                    }));
    Writer writer(*client);
    auto c = writer.create("Deep/Entw&APw-rfe/x y");
    REQUIRE(c);
    CHECK(server->wire().find(" CREATE \"Deep/Entw&APw-rfe/x y\"\r\n") != std::string::npos);
    CHECK(already_exists(*c));
    Completion plain{"A1", "NO", std::nullopt, "Mailbox exists", false};
    CHECK(already_exists(plain));
    Completion other{"A1", "NO", std::nullopt, "Permission denied", false};
    CHECK_FALSE(already_exists(other));
}

TEST_CASE("append: Gmail labels as STORE sends them, system labels as atoms, others quoted",
          "[imap][append]") {
    auto list = gmail_label_list({"\\Inbox", "Work", "Projekte/Ärger", "say \"hi\\\""});
    REQUIRE(list);
    CHECK(*list == "(\\Inbox \"Work\" \"Projekte/&AMQ-rger\" \"say \\\"hi\\\\\\\"\")");
    CHECK_FALSE(gmail_label_list({"bad\r\nlabel"}));
    CHECK_FALSE(gmail_label_list({"\\In box"}));
    CHECK_FALSE(gmail_label_list({""}));
}

TEST_CASE("append: a MULTIAPPEND's APPENDUID set gives one UID per message, in order",
          "[imap][append]") {
    Completion ok;
    ok.status = "OK";
    ok.code = ResponseCode{"APPENDUID", "38505 3955:3957,3960"};
    auto uids = parse_append_uids(ok, 4);
    REQUIRE(uids.size() == 4);
    CHECK(uids[0].uidvalidity == 38505);
    CHECK(uids[0].uid == 3955);
    CHECK(uids[2].uid == 3957);
    CHECK(uids[3].uid == 3960);
    CHECK(parse_append_uids(ok, 3).empty());  // another number of UIDs than messages sent
    ok.code->args = "38505 1:4000000000";
    CHECK(parse_append_uids(ok, 2).empty());  // never expanded past the messages sent
    ok.code->args = "38505 9:4";
    CHECK(parse_append_uids(ok, 6).empty());
}
