// `attachments --part N`: the part found in BODYSTRUCTURE, fetched alone with BODY.PEEK[N] and
// decoded as it streams, over canned server answers.

#include <catch2/catch.hpp>

#include "queries/part_download.hpp"
#include "unit/sync/scripted_mailbox.hpp"

using namespace imapmirror;
using test::ScriptedMailbox;

namespace {

const std::string kStructure =
    "* 3 FETCH (UID 7 BODYSTRUCTURE ((\"TEXT\" \"PLAIN\" (\"CHARSET\" \"utf-8\") NIL NIL "
    "\"QUOTED-PRINTABLE\" 14 1 NIL NIL NIL NIL)(\"APPLICATION\" \"PDF\" (\"NAME\" \"a.pdf\") NIL "
    "NIL \"BASE64\" 14 NIL (\"ATTACHMENT\" (\"FILENAME\" \"a.pdf\")) NIL NIL) \"MIXED\" "
    "(\"BOUNDARY\" \"b\") NIL NIL NIL))\r\n";

ScriptedMailbox one_message() {
    ScriptedMailbox server;
    server.answers = {
        {"BODYSTRUCTURE", kStructure},
        {"BODY.PEEK[2]", "* 3 FETCH (UID 7 BODY[2] {14}\r\nR3LDvMOf\r\nZQ==)\r\n"},
        {"BODY.PEEK[1]", "* 3 FETCH (UID 7 BODY[1] \"Gr=C3=BC=C3=9Fe=\")\r\n"},
    };
    return server;
}

struct Collected {
    std::string bytes;
    std::function<core::Result<void>(std::string_view)> writer() {
        return [this](std::string_view b) -> core::Result<void> {
            bytes += b;
            return {};
        };
    }
};

}  // namespace

TEST_CASE("attachments --part: the part alone with BODY.PEEK of its number, base64 decoded",
          "[queries][attachments]") {
    auto server = one_message();
    auto client = server.client();
    Collected got;
    auto r = queries::download_part(*client, false, 3, "2", got.writer());
    INFO((r ? std::string() : r.error().describe()));
    REQUIRE(r);
    CHECK(server.sent("FETCH 3 (UID BODYSTRUCTURE)"));
    CHECK(server.sent("UID FETCH 7 (UID BODY.PEEK[2])"));
    CHECK_FALSE(server.sent("BODY.PEEK[]"));
    CHECK(r->uid == 7u);
    CHECK(r->part.filename == "a.pdf");
    CHECK(got.bytes == "Grüße");
    CHECK(r->decoded_bytes == got.bytes.size());
}

TEST_CASE("attachments --part: a part sent as a quoted string is decoded too",
          "[queries][attachments]") {
    auto server = one_message();
    auto client = server.client();
    Collected got;
    auto r = queries::download_part(*client, true, 7, "1", got.writer());
    REQUIRE(r);
    CHECK(got.bytes == "Grüße");
}

TEST_CASE(
    "attachments --part: a part the message does not have is a usage error naming the "
    "parts it has, and nothing is fetched",
    "[queries][attachments]") {
    auto server = one_message();
    auto client = server.client();
    Collected got;
    auto r = queries::download_part(*client, true, 7, "3", got.writer());
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Usage);
    CHECK(r.error().message == "the message has no part 3");
    CHECK(r.error().hint.find("1, 2") != std::string::npos);
    CHECK_FALSE(server.sent("BODY.PEEK"));
    CHECK(got.bytes.empty());
}

TEST_CASE("attachments --part: part numbers are numbers from 1 joined by dots",
          "[queries][attachments]") {
    for (const char* good : {"1", "2.1", "10.3.2"})
        CHECK(queries::check_part_number(good));
    for (const char* bad : {"", "0", "1.", ".1", "1..2", "02", "HEADER", "1.TEXT", "1 2"}) {
        INFO(bad);
        auto r = queries::check_part_number(bad);
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == core::ErrorKind::Usage);
    }
}

TEST_CASE(
    "attachments --part: a writer that fails stops the download with its error and "
    "the connection stays usable",
    "[queries][attachments]") {
    auto server = one_message();
    auto client = server.client();
    auto r =
        queries::download_part(*client, true, 7, "2", [](std::string_view) -> core::Result<void> {
            return core::make_error(core::ErrorKind::DiskFull, "disk full");
        });
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::DiskFull);
    Collected got;
    CHECK(queries::download_part(*client, true, 7, "1", got.writer()));
}
