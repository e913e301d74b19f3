// The client commands' logic over canned server answers: list's paging and summaries, the
// folders `list --recursive` walks, attachments from BODYSTRUCTURE, the folder tree's order.

#include <catch2/catch.hpp>

#include "queries/attachment_listing.hpp"
#include "queries/folder_tree.hpp"
#include "queries/message_listing.hpp"
#include "unit/sync/scripted_mailbox.hpp"

using namespace imapmirror;
using test::ScriptedMailbox;

namespace {

const std::string kHeaders = "List-Unsubscribe: <mailto:u@x>\r\n\r\n";

std::string summary_line(uint32_t seq) {
    const std::string n = std::to_string(seq);
    return "* " + n + " FETCH (UID " + std::to_string(100 + seq) +
           " FLAGS (\\Seen) INTERNALDATE \"01-Mar-2024 10:00:00 +0000\" RFC822.SIZE 20 ENVELOPE "
           "(NIL \"=?UTF-8?Q?Gr=C3=BC=C3=9Fe_" +
           n + "?=\" ((\"Ann\" NIL \"ann\" \"example.org\")) NIL NIL NIL NIL NIL NIL \"<m" + n +
           "@x>\") BODY[HEADER.FIELDS (LIST-UNSUBSCRIBE LIST-UNSUBSCRIBE-POST)] {" +
           std::to_string(kHeaders.size()) + "}\r\n" + kHeaders + ")\r\n";
}

// A folder of five messages whose FETCH answers each sequence number asked for.
ScriptedMailbox five_messages() {
    ScriptedMailbox server;
    server.answers = {{"EXAMINE", "* 5 EXISTS\r\n* OK [UIDVALIDITY 9] ok\r\n"}};
    server.custom = [](const std::string& command, const std::string& tag) -> std::string {
        if (command.rfind("FETCH ", 0) != 0)
            return "";
        const std::string set = command.substr(6, command.find(' ', 6) - 6);
        const auto colon = set.find(':');
        const auto lo = std::stoul(set.substr(0, colon));
        const auto hi = colon == std::string::npos ? lo : std::stoul(set.substr(colon + 1));
        std::string out;
        for (auto seq = lo; seq <= hi; ++seq)
            out += summary_line(static_cast<uint32_t>(seq));
        return out + tag + " OK done\r\n";
    };
    return server;
}

}  // namespace

TEST_CASE("list: page 2 of 2, newest first, asks for sequence numbers 2 to 3 and decodes them",
          "[queries][list]") {
    auto server = five_messages();
    auto client = server.client();
    queries::Page page{2, 2, true};
    auto listing = queries::list_folder(*client, "INBOX", page);
    INFO((listing ? std::string() : listing.error().describe()));
    REQUIRE(listing);
    CHECK(server.sent("FETCH 2:3 "));
    CHECK(listing->exists == 5);
    CHECK(listing->uidvalidity == 9u);
    REQUIRE(listing->messages.size() == 2);
    CHECK(listing->messages[0].seq == 3);
    CHECK(listing->messages[1].seq == 2);
    CHECK(listing->messages[0].uid == 103);
    CHECK(listing->messages[0].subject == "Grüße 3");
    CHECK(listing->messages[0].from_name == "Ann");
    CHECK(listing->messages[0].from_email == "ann@example.org");
    CHECK(listing->messages[0].list_unsubscribe == "<mailto:u@x>");
    CHECK(page.count(listing->exists) == 3);
}

TEST_CASE("list: the last page, oldest first, holds what is left", "[queries][list]") {
    auto server = five_messages();
    auto client = server.client();
    auto listing = queries::list_folder(*client, "INBOX", queries::Page{3, 2, false});
    REQUIRE(listing);
    CHECK(server.sent("FETCH 5:5 "));
    REQUIRE(listing->messages.size() == 1);
    CHECK(listing->messages[0].seq == 5);
}

TEST_CASE("list: a page past the last message is empty and fetches nothing", "[queries][list]") {
    auto server = five_messages();
    auto client = server.client();
    auto listing = queries::list_folder(*client, "INBOX", queries::Page{4, 2, false});
    REQUIRE(listing);
    CHECK(listing->messages.empty());
    CHECK_FALSE(server.sent("FETCH"));
}

TEST_CASE("list: without paging every message is listed, oldest first", "[queries][list]") {
    auto server = five_messages();
    auto client = server.client();
    auto listing = queries::list_folder(*client, "INBOX", queries::Page{});
    REQUIRE(listing);
    CHECK(server.sent("FETCH 1:5 "));
    REQUIRE(listing->messages.size() == 5);
    CHECK(listing->messages.front().seq == 1);
}

TEST_CASE("list --recursive: the folder and the selectable folders below it, not its namesakes",
          "[queries][list]") {
    ScriptedMailbox server;
    server.answers = {{"LIST",
                       "* LIST () \".\" INBOX\r\n"
                       "* LIST () \".\" Work\r\n"
                       "* LIST (\\Noselect) \".\" Work.Old\r\n"
                       "* LIST () \".\" Work.Old.2020\r\n"
                       "* LIST () \".\" Workshop\r\n"}};
    auto client = server.client();
    auto names = queries::folders_to_list(*client, "Work", true);
    REQUIRE(names);
    CHECK(*names == std::vector<std::string>{"Work", "Work.Old.2020"});
    auto missing = queries::folders_to_list(*client, "Play", true);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == core::ErrorKind::NotFound);
    auto alone = queries::folders_to_list(*client, "Play", false);
    REQUIRE(alone);
    CHECK(*alone == std::vector<std::string>{"Play"});
}

TEST_CASE("attachments: BODYSTRUCTURE's attachment parts, named as a mail client shows them",
          "[queries][attachments]") {
    ScriptedMailbox server;
    server.answers = {
        {"BODYSTRUCTURE",
         "* 1 FETCH (UID 7 BODYSTRUCTURE ((\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL "
         "\"7bit\" 10 1 NIL NIL NIL NIL)(\"application\" \"pdf\" (\"name\" \"fallback.pdf\") NIL "
         "NIL \"base64\" 7800 NIL (\"attachment\" (\"filename*\" \"utf-8''R%C3%A9sum%C3%A9.pdf\")) "
         "NIL NIL) \"mixed\" (\"boundary\" \"b\") NIL NIL NIL))\r\n"}};
    auto client = server.client();
    auto listing = queries::list_attachments(*client, true, 7);
    REQUIRE(listing);
    CHECK(listing->uid == 7u);
    CHECK(listing->seq == 1u);
    REQUIRE(listing->attachments.size() == 1);
    const auto& a = listing->attachments[0];
    CHECK(a.part == "2");
    CHECK(a.filename == "Résumé.pdf");
    CHECK(a.content_type == "application/pdf");
    CHECK(a.disposition == "attachment");
    CHECK(a.size == 7800);
    CHECK(a.decoded_size == 7800 * 76 / 78 * 3 / 4);
}

TEST_CASE("attachments: no such message is no listing, not an error", "[queries][attachments]") {
    ScriptedMailbox server;
    server.answers = {{"BODYSTRUCTURE", ""}};
    auto client = server.client();
    auto listing = queries::list_attachments(*client, false, 3);
    REQUIRE(listing);
    CHECK_FALSE(listing->uid);
}

TEST_CASE("folders: INBOX first, then by decoded name, and totals over the counted folders",
          "[queries][folders]") {
    std::vector<imap::Folder> folders(3);
    folders[0].entry.name = folders[0].entry.raw_name = "Zeta";
    folders[1].entry.name = folders[1].entry.raw_name = "Alpha";
    folders[2].entry.name = folders[2].entry.raw_name = "INBOX";
    folders[0].status = imap::MailboxStatus{};
    folders[0].status->messages = 4;
    folders[0].status->unseen = 1;
    folders[2].status = imap::MailboxStatus{};
    folders[2].status->messages = 10;
    queries::sort_folders(folders);
    CHECK(folders[0].entry.name == "INBOX");
    CHECK(folders[1].entry.name == "Alpha");
    CHECK(folders[2].entry.name == "Zeta");
    const auto t = queries::totals(folders);
    CHECK(t.messages == 14);
    CHECK(t.unseen == 1);
}
