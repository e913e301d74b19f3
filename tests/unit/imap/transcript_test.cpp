// Whole server transcripts (tests/data/transcripts), fed byte by byte and in random splits:
// the parse must not depend on how the bytes arrive.

#include <catch2/catch.hpp>

#include <fstream>
#include <sstream>

#include "imap/fetch.hpp"
#include "imap/responses.hpp"
#include "parse_helpers.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;

namespace {
std::string read_transcript(const std::string& name) {
    std::ifstream in(std::string(IMM_TEST_DATA) + "/transcripts/" + name, std::ios::binary);
    REQUIRE(in);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

struct Parsed {
    std::vector<Response> responses;
    std::vector<std::string> bodies;  // streamed BODY[] literals, in order
};

Parsed parse_streaming(const std::string& wire, test::Split split, unsigned seed) {
    ResponseParser parser;
    test::CollectingSink sink;
    parser.set_literal_router([&](const LiteralContext& ctx) -> LiteralSink* {
        return ctx.response.numbered_name() == "FETCH" && iequals(ctx.item, "BODY[]") ? &sink
                                                                                      : nullptr;
    });
    auto out = test::parse_all(parser, wire, split, seed);
    REQUIRE_FALSE(out.error);
    REQUIRE(parser.idle());
    return Parsed{std::move(out.responses), std::move(sink.literals)};
}
}  // namespace

TEST_CASE(
    "transcript dovecot: EXISTS and EXPUNGE between FETCH responses and bodies with protocol-like "
    "lines",
    "[imap][dovecot]") {
    const auto wire = read_transcript("dovecot_examine_fetch.txt");
    for (auto split : test::kAllSplits) {
        for (unsigned seed = 1; seed <= (split == test::Split::Random ? 20u : 1u); ++seed) {
            auto p = parse_streaming(wire, split, seed);
            MailboxState st;
            std::vector<FetchData> fetches;
            size_t exists_updates = 0, expunges = 0;
            for (const auto& r : p.responses) {
                st.absorb(r);
                if (r.numbered_name() == "EXISTS")
                    ++exists_updates;
                if (r.numbered_name() == "EXPUNGE")
                    ++expunges;
                if (is_fetch(r))
                    fetches.push_back(*parse_fetch(r));
            }
            CHECK(*st.uidvalidity == 1732240000u);
            CHECK(st.exists == 4);  // the unsolicited EXISTS updated it
            CHECK(exists_updates == 2);
            CHECK(expunges == 1);
            REQUIRE(fetches.size() == 3);
            CHECK(*fetches[2].uid == 3);
            CHECK(*fetches[2].size == 5);
            REQUIRE(p.bodies.size() == 3);
            CHECK(p.bodies[0].find(
                      "A3 OK FETCH completed.\r\n* 3 FETCH (UID 1)\r\n{12}\r\n+ continue") !=
                  std::string::npos);
            CHECK(p.bodies[0].size() == *fetches[0].size);
            CHECK(p.bodies[1].empty());
            CHECK(p.bodies[2] == "hello");
            CHECK(p.responses.back().tag == "A3");
        }
    }
}

TEST_CASE("transcript gmail: LIST-STATUS pairs with a Noselect Gmail parent and X-GM items",
          "[imap][gmail]") {
    const auto wire = read_transcript("gmail_list_status_fetch.txt");
    for (auto split : test::kAllSplits) {
        auto p = parse_streaming(wire, split, 7);
        std::vector<ListEntry> lists;
        std::vector<MailboxStatus> statuses;
        for (const auto& r : p.responses) {
            if (r.data_name() == "LIST")
                lists.push_back(*parse_list(r));
            if (r.data_name() == "STATUS")
                statuses.push_back(*parse_status(r));
            if (r.data_name() == "CAPABILITY")
                CHECK(parse_capability(r)->has("X-GM-EXT-1"));
        }
        REQUIRE(lists.size() == 4);
        CHECK_FALSE(lists[1].selectable());
        CHECK(lists[2].special_use() == "\\All");
        CHECK(lists[3].name == "[Gmail]/Sent Mail");
        REQUIRE(statuses.size() == 3);
        CHECK(*statuses[1].messages == 5);
        auto f = parse_fetch(p.responses[p.responses.size() - 2]);
        REQUIRE(f);
        CHECK(*f->uid == 8);
        CHECK(*f->modseq == 4416);
        REQUIRE(p.bodies.size() == 1);
        CHECK(p.bodies[0] == "Subject: labels\r\n\r\nhi\r\n");
    }
}

TEST_CASE("transcript m365: greeting code, BODYSTRUCTURE with language, throttling NO, BYE",
          "[imap][m365]") {
    const auto wire = read_transcript("m365_throttle_bye.txt");
    for (auto split : test::kAllSplits) {
        auto p = parse_streaming(wire, split, 3);
        REQUIRE(p.responses.size() == 7);
        CHECK(p.responses[0].status == "OK");
        auto f = parse_fetch(p.responses[3]);
        REQUIRE(f);
        auto atts = attachment_parts(*f->body_structure);
        REQUIRE(atts.size() == 1);
        CHECK(BodyPart::param(atts[0]->disposition_params, "filename") ==
              "=?utf-8?B?w6TDtsO8LnR4dA==?=");
        CHECK(p.responses[5].status == "NO");
        CHECK(p.responses[5].text.find("Suggested Backoff Time") != std::string::npos);
        CHECK(p.responses[6].status == "BYE");
    }
}
