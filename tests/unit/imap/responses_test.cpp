#include <catch2/catch.hpp>

#include "imap/responses.hpp"
#include "parse_helpers.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;

namespace {
Response one(const std::string& wire) {
    auto out = test::parse_all(wire, test::Split::Whole);
    REQUIRE_FALSE(out.error);
    REQUIRE(out.responses.size() == 1);
    return out.responses[0];
}
}  // namespace

TEST_CASE("responses: CAPABILITY, with the iCloud trailing space", "[imap]") {
    auto caps = parse_capability(one("* CAPABILITY IMAP4rev1 condstore AUTH=PLAIN \r\n"));
    REQUIRE(caps);
    CHECK(caps->has("CONDSTORE"));
    CHECK(caps->has("auth=plain"));
    CHECK_FALSE(caps->has("QRESYNC"));
    auto from_code = parse_capability_atoms("IMAP4rev1  SASL-IR LIST-STATUS ");
    CHECK(from_code.has("LIST-STATUS"));
    CHECK(from_code.atoms.size() == 3);
}

TEST_CASE("responses: LIST with attributes, special use, NIL delimiter and encoded names",
          "[imap]") {
    auto sent = parse_list(one("* LIST (\\HasNoChildren \\Sent) \"/\" \"Sent Items\"\r\n"));
    REQUIRE(sent);
    CHECK(sent->name == "Sent Items");
    CHECK(*sent->delimiter == '/');
    CHECK(sent->special_use() == "\\Sent");
    CHECK(sent->selectable());

    auto parent = parse_list(one("* LIST (\\Noselect \\HasChildren) \".\" Entw&APw-rfe\r\n"));
    REQUIRE(parent);
    CHECK(parent->name == "Entwürfe");
    CHECK(parent->raw_name == "Entw&APw-rfe");
    CHECK_FALSE(parent->selectable());

    auto flat = parse_list(one("* LIST () NIL inbox\r\n"));
    REQUIRE(flat);
    CHECK_FALSE(flat->delimiter);
    CHECK(flat->raw_name == "INBOX");

    // A literal mailbox name (servers send one for names with odd characters).
    auto lit = parse_list(one("* LIST () \"/\" {7}\r\nA \"q\" B\r\n"));
    REQUIRE(lit);
    CHECK(lit->name == "A \"q\" B");

    auto broken = parse_list(one("* LIST () \"/\" &Jjo\r\n"));
    REQUIRE(broken);
    CHECK_FALSE(broken->name_decoded);
    CHECK(broken->name == "&Jjo");

    CHECK_FALSE(parse_list(one("* LIST \\Foo \"/\" x\r\n")));
}

TEST_CASE("responses: STATUS items in any order", "[imap]") {
    auto s =
        parse_status(one("* STATUS \"A &- B\" (UIDNEXT 44 MESSAGES 3 UNSEEN 1 UIDVALIDITY "
                         "1700000000 HIGHESTMODSEQ 9)\r\n"));
    REQUIRE(s);
    CHECK(s->raw_name == "A &- B");
    CHECK(*s->messages == 3);
    CHECK(*s->unseen == 1);
    CHECK(*s->uidnext == 44);
    CHECK(*s->uidvalidity == 1700000000);
    CHECK(*s->highestmodseq == 9);
    CHECK_FALSE(parse_status(one("* STATUS x (MESSAGES)\r\n")));
}

TEST_CASE("responses: STATUS APPENDLIMIT is a folder's limit, NIL none (RFC 7889)", "[imap]") {
    auto limited = parse_status(one("* STATUS Big (MESSAGES 2 APPENDLIMIT 500)\r\n"));
    REQUIRE(limited);
    CHECK(limited->append_limit == 500u);
    auto unlimited = parse_status(one("* STATUS Big (MESSAGES 2 APPENDLIMIT NIL)\r\n"));
    REQUIRE(unlimited);
    CHECK_FALSE(unlimited->append_limit);
    CHECK(*unlimited->messages == 2);
    // NIL is a folder without limit, not a value any other item may have.
    CHECK_FALSE(parse_status(one("* STATUS Big (MESSAGES NIL)\r\n")));
}

TEST_CASE("responses: SEARCH and ESEARCH give the same UIDs", "[imap]") {
    auto s = parse_search(one("* SEARCH 2 5 9\r\n"));
    REQUIRE(s);
    CHECK(*s == std::vector<uint32_t>{2, 5, 9});
    auto modseq = parse_search(one("* SEARCH 2 3 (MODSEQ 917)\r\n"));
    REQUIRE(modseq);
    CHECK(*modseq == std::vector<uint32_t>{2, 3});
    auto e = parse_search(one("* ESEARCH (TAG \"A5\") UID ALL 2,5:7,9\r\n"));
    REQUIRE(e);
    CHECK(*e == std::vector<uint32_t>{2, 5, 6, 7, 9});
    auto none = parse_search(one("* ESEARCH (TAG \"A5\") UID\r\n"));
    REQUIRE(none);
    CHECK(none->empty());
    CHECK_FALSE(expand_sequence_set("1:100", 10));
}

TEST_CASE("responses: EXAMINE state from untagged data and response codes", "[imap]") {
    auto out = test::parse_all(
        "* FLAGS (\\Answered \\Flagged \\Deleted \\Seen \\Draft)\r\n"
        "* OK [PERMANENTFLAGS ()] Read-only mailbox.\r\n"
        "* 172 EXISTS\r\n"
        "* OK [UIDVALIDITY 3857529045] UIDs valid\r\n"
        "* OK [UIDNEXT 4392] Predicted next UID\r\n"
        "* OK [HIGHESTMODSEQ 715194045007] Highest\r\n"
        "A2 OK [READ-ONLY] EXAMINE completed\r\n",
        test::Split::ByteAtATime);
    REQUIRE_FALSE(out.error);
    MailboxState st;
    for (const auto& r : out.responses)
        st.absorb(r);
    CHECK(st.exists == 172);
    CHECK(*st.uidvalidity == 3857529045u);
    CHECK(*st.uidnext == 4392);
    CHECK(*st.highestmodseq == 715194045007ull);
    CHECK(st.read_only);
    CHECK(st.flags.size() == 5);
}

TEST_CASE("responses: VANISHED with and without EARLIER", "[imap]") {
    auto earlier = parse_vanished(one("* VANISHED (EARLIER) 300:302,405\r\n"));
    REQUIRE(earlier);
    CHECK(earlier->earlier);
    CHECK(earlier->uids == std::vector<uint32_t>{300, 301, 302, 405});
    auto now = parse_vanished(one("* VANISHED 7\r\n"));
    REQUIRE(now);
    CHECK_FALSE(now->earlier);
    CHECK(now->uids == std::vector<uint32_t>{7});
    CHECK_FALSE(parse_vanished(one("* VANISHED (EARLIER)\r\n")));
}

TEST_CASE("limits: a 41-byte ESEARCH for fifty million UIDs is refused before expanding",
          "[imap][limits]") {
    auto out = test::parse_all("* ESEARCH (TAG \"a\") UID ALL 1:50000000\r\n", test::Split::Whole);
    REQUIRE(out.responses.size() == 1);
    auto set = parse_search_set(out.responses[0]);
    REQUIRE(set);
    CHECK(set->count() == 50'000'000u);
    CHECK(set->ranges().size() == 1);
    auto uids = parse_search(out.responses[0]);
    REQUIRE_FALSE(uids);
    CHECK(uids.error().kind == core::ErrorKind::Protocol);
    auto huge = test::parse_all("* VANISHED (EARLIER) 1:4294967295\r\n", test::Split::Whole);
    CHECK_FALSE(parse_vanished(huge.responses[0]));
}
