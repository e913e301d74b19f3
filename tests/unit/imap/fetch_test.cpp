#include <catch2/catch.hpp>

#include "imap/fetch.hpp"
#include "imap/internal_date.hpp"
#include "parse_helpers.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;

TEST_CASE("fetch: UID, FLAGS, INTERNALDATE, RFC822.SIZE, MODSEQ and ENVELOPE", "[imap]") {
    const std::string wire =
        "* 12 FETCH (FLAGS (\\Seen $Forwarded) INTERNALDATE \"17-Jul-1996 02:44:25 -0700\" "
        "RFC822.SIZE 4286 MODSEQ (12121231000) ENVELOPE (\"Wed, 17 Jul 1996 02:23:25 -0700 (PDT)\" "
        "\"IMAP4rev1 WG mtg summary and minutes\" ((\"Terry Gray\" NIL \"gray\" "
        "\"cac.washington.edu\")) "
        "((\"Terry Gray\" NIL \"gray\" \"cac.washington.edu\")) ((\"Terry Gray\" NIL \"gray\" "
        "\"cac.washington.edu\")) ((NIL NIL \"imap\" \"cac.washington.edu\")) ((NIL NIL "
        "\"minutes\" "
        "\"CNRI.Reston.VA.US\") (\"John Klensin\" NIL \"KLENSIN\" \"MIT.EDU\")) NIL NIL "
        "\"<B27397-0100000@cac.washington.edu>\") UID 4827313)\r\n";
    for (auto split : test::kAllSplits) {
        auto out = test::parse_all(wire, split);
        REQUIRE_FALSE(out.error);
        auto f = parse_fetch(out.responses.at(0));
        REQUIRE(f);
        CHECK(f->seq == 12);
        CHECK(*f->uid == 4827313);
        CHECK(*f->flags == std::vector<std::string>{"\\Seen", "$Forwarded"});
        CHECK(*f->size == 4286);
        CHECK(*f->modseq == 12121231000ull);
        CHECK(iso8601_utc(*parse_internal_date(*f->internal_date)) == "1996-07-17T09:44:25Z");
        REQUIRE(f->envelope);
        CHECK(f->envelope->subject == "IMAP4rev1 WG mtg summary and minutes");
        CHECK(f->envelope->from.at(0).email() == "gray@cac.washington.edu");
        CHECK(f->envelope->from.at(0).name == "Terry Gray");
        CHECK(f->envelope->cc.size() == 2);
        CHECK(f->envelope->message_id == "<B27397-0100000@cac.washington.edu>");
    }
}

TEST_CASE("fetch: Gmail X-GM items and labels are accepted", "[imap][gmail]") {
    auto out = test::parse_all(
        "* 1 FETCH (X-GM-THRID 1278455344230334865 X-GM-MSGID 1278455344230334865 "
        "X-GM-LABELS (\\Inbox \\Sent Important \"Muy Importante\") UID 4 FLAGS (\\Seen))\r\n",
        test::Split::ByteAtATime);
    REQUIRE_FALSE(out.error);
    auto f = parse_fetch(out.responses.at(0));
    REQUIRE(f);
    CHECK(*f->gm_msgid == 1278455344230334865ull);
    CHECK(*f->gm_thrid == 1278455344230334865ull);
    CHECK(*f->uid == 4);
}

TEST_CASE(
    "fetch: Gmail X-GM-LABELS keeps system labels, decodes modified UTF-7, quoted and "
    "literal names",
    "[imap][gmail]") {
    // Label syntax as https://developers.google.com/gmail/imap/imap-extensions shows it: atoms
    // and quoted strings, system labels with a backslash (quoted, it is escaped).
    const std::string wire =
        "* 7 FETCH (UID 3 X-GM-LABELS (\\Inbox \"\\\\Important\" Important \"Muy Importante\" "
        "\"&AOQ-rger\" {8}\r\nWork/Q&1 \"[Gmail]/Sent Mail\"))\r\n"
        "* 8 FETCH (UID 4 X-GM-LABELS ())\r\n";
    for (auto split : test::kAllSplits) {
        auto out = test::parse_all(wire, split);
        REQUIRE_FALSE(out.error);
        auto f = parse_fetch(out.responses.at(0));
        REQUIRE(f);
        REQUIRE(f->gm_labels);
        CHECK(*f->gm_labels == std::vector<std::string>{"\\Inbox", "\\Important", "Important",
                                                        "Muy Importante", "\u00e4rger", "Work/Q&1",
                                                        "[Gmail]/Sent Mail"});
        auto empty = parse_fetch(out.responses.at(1));
        REQUIRE(empty);
        REQUIRE(empty->gm_labels);
        CHECK(empty->gm_labels->empty());
    }
    for (const char* bad : {"* 1 FETCH (UID 1 X-GM-LABELS NIL)\r\n",
                            "* 1 FETCH (UID 1 X-GM-LABELS (\\Inbox (nested)))\r\n"}) {
        INFO(bad);
        auto out = test::parse_all(bad, test::Split::Whole);
        REQUIRE_FALSE(out.error);
        auto f = parse_fetch(out.responses.at(0));
        REQUIRE_FALSE(f);
        CHECK(f.error().kind == core::ErrorKind::Parse);
    }
}

TEST_CASE("fetch: body sections keep their names and a NIL body is reported as NIL", "[imap]") {
    auto out = test::parse_all(
        "* 3 FETCH (UID 9 BODY[HEADER.FIELDS (LIST-UNSUBSCRIBE)] {34}\r\n"
        "List-Unsubscribe: <mailto:u@x>\r\n\r\n BODY[] NIL)\r\n",
        test::Split::Random);
    REQUIRE_FALSE(out.error);
    auto f = parse_fetch(out.responses.at(0));
    REQUIRE(f);
    REQUIRE(f->sections.size() == 2);
    CHECK(f->section("body[header.fields (list-unsubscribe)]")->value->text ==
          "List-Unsubscribe: <mailto:u@x>\r\n\r\n");
    CHECK(f->section("BODY[]")->value->is_nil());
}

TEST_CASE("fetch: malformed items are Parse errors naming the item", "[imap]") {
    const char* bad[] = {
        "* 1 FETCH (UID abc)\r\n",     "* 1 FETCH (UID 0)\r\n", "* 1 FETCH (FLAGS \\Seen)\r\n",
        "* 1 FETCH (UID 1 FLAGS)\r\n", "* 0 FETCH (UID 1)\r\n", "* 1 FETCH (ENVELOPE (NIL))\r\n",
    };
    for (const char* wire : bad) {
        INFO(wire);
        auto out = test::parse_all(wire, test::Split::Whole);
        REQUIRE_FALSE(out.error);
        auto f = parse_fetch(out.responses.at(0));
        REQUIRE_FALSE(f);
        CHECK(f.error().kind == core::ErrorKind::Parse);
    }
}

TEST_CASE("internal date: zones, space-padded days and garbage", "[imap]") {
    CHECK(iso8601_utc(*parse_internal_date(" 1-Jan-2024 00:30:00 +0100")) ==
          "2023-12-31T23:30:00Z");
    CHECK(iso8601_utc(*parse_internal_date("29-Feb-2024 12:00:00 -0000")) ==
          "2024-02-29T12:00:00Z");
    CHECK_FALSE(parse_internal_date("yesterday"));
    CHECK_FALSE(parse_internal_date("17-Foo-1996 02:44:25 -0700"));
}

TEST_CASE("fetch: at most kMaxGmLabels Gmail labels are kept per message, the first ones",
          "[imap][gmail]") {
    // 300,000 labels on one message were all held until its batch committed (48 MB).
    std::string wire = "* 1 FETCH (UID 9 X-GM-LABELS (";
    for (size_t i = 0; i < kMaxGmLabels + 100; ++i)
        wire += (i ? " L" : "L") + std::to_string(i);
    wire += "))\r\n";
    auto out = test::parse_all(wire, test::Split::Whole);
    REQUIRE_FALSE(out.error);
    auto f = parse_fetch(out.responses.at(0));
    REQUIRE(f);
    REQUIRE(f->gm_labels);
    CHECK(f->gm_labels->size() == kMaxGmLabels);
    CHECK(f->gm_labels->front() == "L0");
    CHECK(f->gm_labels_cut);
    auto few = test::parse_all("* 1 FETCH (UID 9 X-GM-LABELS (a b))\r\n", test::Split::Whole);
    auto g = parse_fetch(few.responses.at(0));
    REQUIRE(g);
    CHECK_FALSE(g->gm_labels_cut);
}
