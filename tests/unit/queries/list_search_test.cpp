// `list --header` and `list --since/--before/--unseen/--from/--subject`: the header names
// checked and asked for, the UID SEARCH built, its answer paged, and the fallback a server's
// [BADCHARSET] asks for, over canned server answers.

#include <catch2/catch.hpp>

#include "queries/message_listing.hpp"
#include "queries/search_criteria.hpp"
#include "unit/sync/scripted_mailbox.hpp"

using namespace imapmirror;
using test::ScriptedMailbox;

namespace {

const std::string kHeaders =
    "To: =?UTF-8?Q?J=C3=BCrgen?= <j@example.org>, bob@example.org\r\n"
    "Cc: carol@example.org\r\n"
    "Date: Wed, 03 Jan 2024 11:00:00 +0100\r\n"
    "X-Mailer: =?UTF-8?B?R3LDvMOfZQ==?= 1.0\r\n"
    "Received: from a\r\n"
    "Received: from b\r\n\r\n";

// A FETCH answer for UID `uid` (sequence number uid - 100) whose subject is "Grüße <uid>".
std::string summary_line(uint32_t uid) {
    const std::string n = std::to_string(uid);
    return "* " + std::to_string(uid - 100) + " FETCH (UID " + n +
           " FLAGS () INTERNALDATE \"01-Mar-2024 10:00:00 +0000\" RFC822.SIZE 20 ENVELOPE "
           "(NIL \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe_" +
           n + "?=\" ((\"Ann\" NIL \"ann\" \"example.org\")) NIL NIL NIL NIL NIL NIL \"<m" + n +
           "@x>\") BODY[HEADER.FIELDS (TO CC DATE)] {" + std::to_string(kHeaders.size()) + "}\r\n" +
           kHeaders + ")\r\n";
}

// A folder of five messages (UIDs 101 to 105) whose UID FETCH answers every UID asked for and
// whose SEARCH answers `search` (a whole answer, tag added).
ScriptedMailbox searchable(std::string search) {
    ScriptedMailbox server;
    server.answers = {{"EXAMINE", "* 5 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n"}};
    server.custom = [search](const std::string& command, const std::string& tag) -> std::string {
        if (command.rfind("UID SEARCH ", 0) == 0)
            return search + "\r\n" + tag + " OK done\r\n";
        if (command.rfind("UID FETCH ", 0) != 0)
            return "";
        std::string out;
        for (uint32_t uid : test::uids_in(command.substr(10, command.find(' ', 10) - 10)))
            out += summary_line(uid);
        return out + tag + " OK done\r\n";
    };
    return server;
}

queries::SearchDate day(int y, int m, int d) {
    return queries::SearchDate{y, m, d};
}

}  // namespace

TEST_CASE(
    "list --since/--before/--unseen/--from/--subject: ASCII criteria are one UID SEARCH "
    "line with RFC 3501 dates and quoted strings",
    "[queries][search]") {
    queries::SearchCriteria c;
    c.since = day(2024, 3, 1);
    c.before = day(2024, 12, 31);
    c.unseen = true;
    c.from = "ann@example.org";
    c.subject = "re: meeting \"10:30\"";
    auto args = queries::search_arguments(c, queries::SearchCharset::Utf8,
                                          imap::LiteralForm::Synchronizing);
    REQUIRE(args);
    CHECK(*args ==
          "SINCE 1-Mar-2024 BEFORE 31-Dec-2024 UNSEEN FROM ann@example.org "
          "SUBJECT \"re: meeting \\\"10:30\\\"\"");
    CHECK(queries::search_arguments(queries::SearchCriteria{}, queries::SearchCharset::Utf8,
                                    imap::LiteralForm::Synchronizing)
              .value() == "ALL");
}

TEST_CASE("list --from with non-ASCII text: CHARSET UTF-8 first and the text as a literal",
          "[queries][search]") {
    queries::SearchCriteria c;
    c.from = "Müller";
    c.subject = "plan";
    CHECK(
        queries::search_arguments(c, queries::SearchCharset::Utf8, imap::LiteralForm::Synchronizing)
            .value() == "CHARSET UTF-8 FROM {7}\r\nMüller SUBJECT plan");
    CHECK(queries::search_arguments(c, queries::SearchCharset::Utf8,
                                    imap::LiteralForm::NonSynchronizing)
              .value() == "CHARSET UTF-8 FROM {7+}\r\nMüller SUBJECT plan");
    // After [BADCHARSET]: the server gets what it can take, the rest is matched locally.
    CHECK(queries::search_arguments(c, queries::SearchCharset::Ascii,
                                    imap::LiteralForm::Synchronizing)
              .value() == "SUBJECT plan");
    CHECK(queries::matches_left_out(c, "Jörg MÜLLER j@x", "anything"));
    CHECK_FALSE(queries::matches_left_out(c, "Jörg Muller j@x", "anything"));
}

TEST_CASE("list --from with a line break is a usage error, not a broken command",
          "[queries][search]") {
    queries::SearchCriteria c;
    c.from = "a\r\nX LOGOUT";
    auto args = queries::search_arguments(c, queries::SearchCharset::Utf8,
                                          imap::LiteralForm::Synchronizing);
    REQUIRE_FALSE(args);
    CHECK(args.error().kind == core::ErrorKind::Usage);
}

TEST_CASE("list --since takes calendar days as YYYY-MM-DD only", "[queries][search]") {
    auto leap = queries::parse_search_date("2024-02-29", "--since");
    REQUIRE(leap);
    CHECK(queries::imap_date(*leap) == "29-Feb-2024");
    for (const char* bad :
         {"2023-02-29", "2024-13-01", "2024-3-1", "01-Mar-2024", "2024-03-01x", "", "2024-00-10"}) {
        INFO(bad);
        auto d = queries::parse_search_date(bad, "--since");
        REQUIRE_FALSE(d);
        CHECK(d.error().kind == core::ErrorKind::Usage);
        CHECK(d.error().message.find("--since") != std::string::npos);
    }
}

TEST_CASE("list with criteria: UID SEARCH first, then the page over the matching UIDs only",
          "[queries][search]") {
    auto server = searchable("* SEARCH 104 101 103");
    auto client = server.client();
    queries::ListRequest request(queries::Page{1, 2, true});
    request.search.unseen = true;
    request.search.since = day(2024, 1, 2);
    auto listing = queries::list_folder(*client, "INBOX", request);
    INFO((listing ? std::string() : listing.error().describe()));
    REQUIRE(listing);
    CHECK(server.sent("UID SEARCH SINCE 2-Jan-2024 UNSEEN"));
    CHECK(server.sent("UID FETCH 103:104 "));
    CHECK_FALSE(server.sent("UID FETCH 101"));
    CHECK(listing->matched == 3u);
    CHECK(listing->total() == 3u);
    REQUIRE(listing->messages.size() == 2);
    CHECK(listing->messages[0].uid == 104);
    CHECK(listing->messages[1].uid == 103);
}

TEST_CASE("list with criteria that match nothing fetches nothing", "[queries][search]") {
    auto server = searchable("* SEARCH");
    auto client = server.client();
    queries::ListRequest request;
    request.search.subject = "nothing";
    auto listing = queries::list_folder(*client, "INBOX", request);
    REQUIRE(listing);
    CHECK(listing->matched == 0u);
    CHECK(listing->messages.empty());
    CHECK_FALSE(server.sent("FETCH"));
}

TEST_CASE(
    "list --subject with non-ASCII text on a server that answers [BADCHARSET]: the "
    "ASCII criteria on the server, the subject matched on the decoded envelope",
    "[queries][search]") {
    ScriptedMailbox server = searchable("");
    auto inner = server.custom;
    server.custom = [inner](const std::string& command, const std::string& tag) -> std::string {
        if (command.find("CHARSET UTF-8") != std::string::npos)
            return tag + " NO [BADCHARSET (US-ASCII)] only ASCII here\r\n";
        if (command == "UID SEARCH UNSEEN")
            return "* SEARCH 101 102 103\r\n" + tag + " OK done\r\n";
        return inner(command, tag);
    };
    auto client = server.client();
    queries::ListRequest request;
    request.search.unseen = true;
    request.search.subject = "GRÜSSE 102";  // case folding: ß matches SS
    auto listing = queries::list_folder(*client, "INBOX", request);
    INFO((listing ? std::string() : listing.error().describe()));
    REQUIRE(listing);
    CHECK(server.sent("UID FETCH 101:103 (UID ENVELOPE)"));
    CHECK(listing->matched == 1u);
    REQUIRE(listing->messages.size() == 1);
    CHECK(listing->messages[0].uid == 102);
}

TEST_CASE("list --header: names checked as RFC 5322 field names", "[queries][list]") {
    for (const char* good : {"X-Mailer", "Auto-Submitted", "X]odd", "x_y!"})
        CHECK(queries::check_header_name(good));
    for (const char* bad : {"", "X Mailer", "X-Mailer:", "Grüße", "X\r\nY", "A\tB"}) {
        INFO(bad);
        auto checked = queries::check_header_name(bad);
        REQUIRE_FALSE(checked);
        CHECK(checked.error().kind == core::ErrorKind::Usage);
    }
}

TEST_CASE(
    "list --header: extra fields join the one HEADER.FIELDS section, once each, and no "
    "body is fetched",
    "[queries][list]") {
    auto items = queries::summary_items({"X-Mailer", "x-mailer", "to", "X]odd"});
    REQUIRE(items);
    CHECK(*items ==
          "(UID FLAGS INTERNALDATE RFC822.SIZE ENVELOPE BODY.PEEK[HEADER.FIELDS (TO CC "
          "DATE LIST-UNSUBSCRIBE LIST-UNSUBSCRIBE-POST X-Mailer \"X]odd\")])");
    CHECK_FALSE(queries::summary_items({"bad name"}));
}

TEST_CASE(
    "list --header and --json: extra fields decoded in message order, To, Cc and Date "
    "read as the index reads them",
    "[queries][list]") {
    auto server = searchable("* SEARCH 102");
    auto client = server.client();
    queries::ListRequest request;
    request.search.from = "ann";
    request.headers = {"X-Mailer", "received", "X-Absent"};
    auto listing = queries::list_folder(*client, "INBOX", request);
    INFO((listing ? std::string() : listing.error().describe()));
    REQUIRE(listing);
    REQUIRE(listing->messages.size() == 1);
    const auto& m = listing->messages[0];
    CHECK(m.to == "Jürgen <j@example.org>, bob@example.org");
    CHECK(m.cc == "carol@example.org");
    CHECK(m.date == "2024-01-03T10:00:00Z");
    REQUIRE(m.extra_headers.size() == 3);
    CHECK(m.extra_headers[0].name == "X-Mailer");
    CHECK(m.extra_headers[0].values == std::vector<std::string>{"Grüße 1.0"});
    CHECK(m.extra_headers[1].values == std::vector<std::string>{"from a", "from b"});
    CHECK(m.extra_headers[2].values.empty());
}
