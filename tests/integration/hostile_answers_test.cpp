// The client commands against answers no real server gives on demand: bytes meant for the
// terminal in flags and folder names, and a BODYSTRUCTURE that cannot be read (GNU imap4d).

#include <catch2/catch.hpp>
#include <string>

#include "scripted_imap.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;

namespace {

// An OSC sequence that sets a terminal's title, ended by BEL; and a bare ESC.
const std::string kTitle = "\x1b]0;pwned\x07";

std::string literal(const std::string& bytes) {
    return "{" + std::to_string(bytes.size()) + "}\r\n" + bytes;
}

bool starts(const std::string& s, const std::string& prefix) {
    return s.rfind(prefix, 0) == 0;
}

// Answers what the client commands ask of one folder "INBOX" holding UID 5; `fetch` answers
// the UID FETCH / FETCH lines (without the tagged OK), `list` the LIST.
std::function<void(int)> one_message_server(std::function<std::string(const std::string&)> fetch,
                                            std::string list) {
    return scripted_imap(
        [fetch, list](const std::string& tag, const std::string& cmd) -> std::string {
            if (starts(cmd, "LOGIN"))
                return tag + " OK logged in\r\n";
            if (starts(cmd, "CAPABILITY"))
                return "* CAPABILITY IMAP4rev1\r\n" + tag + " OK done\r\n";
            if (starts(cmd, "LIST"))
                return list + tag + " OK done\r\n";
            if (starts(cmd, "STATUS"))
                return "* STATUS INBOX (MESSAGES 1 UNSEEN 0 UIDNEXT 6 UIDVALIDITY 7)\r\n" + tag +
                       " OK done\r\n";
            if (starts(cmd, "EXAMINE"))
                return "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n* OK [UIDNEXT 6] ok\r\n" + tag +
                       " OK [READ-ONLY] done\r\n";
            if (starts(cmd, "UID FETCH") || starts(cmd, "FETCH"))
                return fetch(cmd) + tag + " OK done\r\n";
            if (starts(cmd, "LOGOUT"))
                return "* BYE\r\n" + tag + " OK done\r\n";
            return tag + " BAD unexpected\r\n";
        });
}

const std::string kInboxList = "* LIST (\\HasNoChildren) \"/\" INBOX\r\n";

}  // namespace

TEST_CASE("list: a flag that carries terminal escapes is printed with them replaced",
          "[integration]") {
    FakeServer server(one_message_server(
        [](const std::string&) {
            const std::string header = "Subject: hi\r\n\r\n";
            return "* 1 FETCH (UID 5 FLAGS (\\Seen $" + kTitle +
                   ") INTERNALDATE \"01-Mar-2024 10:00:00 +0000\" RFC822.SIZE 20 ENVELOPE (NIL "
                   "\"hi\" NIL NIL NIL NIL NIL NIL NIL \"<m@x>\") "
                   "BODY[HEADER.FIELDS (LIST-UNSUBSCRIBE LIST-UNSUBSCRIBE-POST)] " +
                   literal("\r\n") + ")\r\n";
        },
        kInboxList));
    auto r = run_imapmirror(with({"list", "INBOX"}, fake_args(server.port())), kFakePassword);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("$?]0;pw") != std::string::npos);  // cut to the FLAGS column
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\x07') == std::string::npos);
}

TEST_CASE("folders: a folder name that carries terminal escapes is printed with them replaced",
          "[integration]") {
    FakeServer server(one_message_server(
        [](const std::string&) { return std::string(); },
        kInboxList + "* LIST (\\HasNoChildren) \"/\" " + literal("Evil" + kTitle) + "\r\n"));
    auto r =
        run_imapmirror(with({"folders", "--no-counts"}, fake_args(server.port())), kFakePassword);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("Evil?]0;pwned?") != std::string::npos);
    CHECK(r.out.find('\x1b') == std::string::npos);
    CHECK(r.out.find('\x07') == std::string::npos);
}

TEST_CASE(
    "quirk (imap4d): attachments reads a message whose BODYSTRUCTURE cannot be parsed from the "
    "message itself, and says so",
    "[integration]") {
    const std::string message =
        "From: a@example.org\r\nSubject: report\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nsee attached\r\n"
        "--b\r\nContent-Type: application/pdf\r\n"
        "Content-Disposition: attachment; filename=report.pdf\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\naGVsbG8gd29ybGQ=\r\n--b--\r\n";
    FakeServer server(one_message_server(
        [message](const std::string& cmd) -> std::string {
            if (cmd.find("BODYSTRUCTURE") != std::string::npos)
                return "* 1 FETCH (UID 5 BODYSTRUCTURE ())\r\n";
            if (cmd.find("BODY.PEEK[]") != std::string::npos)
                return "* 1 FETCH (UID 5 BODY[] " + literal(message) + ")\r\n";
            return "* 1 FETCH (UID 5)\r\n";
        },
        kInboxList));
    auto r = run_imapmirror(
        with({"attachments", "INBOX", "--uid", "5", "--json"}, fake_args(server.port())),
        kFakePassword);
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.err.find("BODYSTRUCTURE cannot be read") != std::string::npos);
    CHECK(r.out.find("\"filename\":\"report.pdf\"") != std::string::npos);
    CHECK(r.out.find("\"content_type\":\"application/pdf\"") != std::string::npos);
    CHECK(r.out.find("\"size\":11") != std::string::npos);
}
