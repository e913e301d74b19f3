#include <catch2/catch.hpp>

#include "parse_helpers.hpp"

using namespace imapmirror;
using imap::LiteralContext;
using imap::LiteralSink;
using imap::ParserLimits;
using imap::Response;
using imap::ResponseParser;
using imap::Value;
using test::parse_all;
using test::Split;

TEST_CASE("parser: status responses carry tag, status, response code and free text", "[imap]") {
    for (Split split : test::kAllSplits) {
        INFO(test::split_name(split));
        auto out = parse_all(
            "* OK [UIDVALIDITY 3857529045] UIDs valid (don't \"panic\"\r\n"
            "A001 NO [TRYCREATE] no such mailbox {5}\r\n"
            "* BYE Logging out\r\n",
            split);
        REQUIRE_FALSE(out.error);
        REQUIRE(out.responses.size() == 3);
        const auto& a = out.responses[0];
        CHECK(a.kind == imap::ResponseKind::Untagged);
        CHECK(a.status == "OK");
        REQUIRE(a.code);
        CHECK(a.code->name == "UIDVALIDITY");
        CHECK(a.code->args == "3857529045");
        CHECK(a.text == "UIDs valid (don't \"panic\"");
        const auto& b = out.responses[1];
        CHECK(b.kind == imap::ResponseKind::Tagged);
        CHECK(b.tag == "A001");
        CHECK(b.status == "NO");
        CHECK(b.code->name == "TRYCREATE");
        CHECK(b.text == "no such mailbox {5}");  // text, not a literal
        CHECK(out.responses[2].status == "BYE");
    }
}

TEST_CASE("parser: nested lists, quoted strings with escapes, NIL and bracketed atoms", "[imap]") {
    for (Split split : test::kAllSplits) {
        INFO(test::split_name(split));
        auto out = parse_all(
            "* 12 FETCH (UID 7 FLAGS (\\Seen $Junk) BODY[HEADER.FIELDS (FROM TO)]<0> "
            "\"a \\\"q\\\" \\\\ b\" X NIL)\r\n",
            split);
        REQUIRE_FALSE(out.error);
        REQUIRE(out.responses.size() == 1);
        const auto& r = out.responses[0];
        CHECK(r.numbered_name() == "FETCH");
        CHECK(*r.number() == 12);
        const auto& items = r.data[2].items;
        REQUIRE(items.size() == 8);
        CHECK(items[1].text == "7");
        CHECK(items[3].items[1].text == "$Junk");
        CHECK(items[4].text == "BODY[HEADER.FIELDS (FROM TO)]<0>");
        CHECK(items[5].is_string());
        CHECK(items[5].text == "a \"q\" \\ b");
        CHECK(items[7].is_nil());
    }
}

TEST_CASE("parser: literal bytes that look like protocol lines stay inside the literal", "[imap]") {
    const std::string body =
        "A001 OK done\r\n* 3 FETCH (UID 1)\r\n{12}\r\n+ go ahead\r\n) ( \" unbalanced\r\n";
    const std::string wire = "* 1 FETCH (UID 5 BODY[] {" + std::to_string(body.size()) + "}\r\n" +
                             body + " FLAGS (\\Seen))\r\nA001 OK FETCH completed\r\n";
    for (Split split : test::kAllSplits) {
        INFO(test::split_name(split));
        SECTION(std::string("kept in memory, ") + test::split_name(split)) {
            auto out = parse_all(wire, split);
            REQUIRE_FALSE(out.error);
            REQUIRE(out.responses.size() == 2);
            const auto& items = out.responses[0].data[2].items;
            REQUIRE(items.size() == 6);
            CHECK(items[3].is_string());
            CHECK(items[3].text == body);
            CHECK(items[5].items[0].text == "\\Seen");
            CHECK(out.responses[1].tag == "A001");
        }
        SECTION(std::string("streamed to a sink, ") + test::split_name(split)) {
            imap::ResponseParser parser;
            test::CollectingSink sink;
            std::string item_seen;
            parser.set_literal_router([&](const imap::LiteralContext& ctx) -> imap::LiteralSink* {
                item_seen = std::string(ctx.item);
                CHECK(ctx.size == body.size());
                CHECK(ctx.response.data.size() == 2);  // "1" "FETCH" so far
                return &sink;
            });
            auto out = parse_all(parser, wire, split);
            REQUIRE_FALSE(out.error);
            REQUIRE(sink.literals.size() == 1);
            CHECK(sink.literals[0] == body);
            CHECK(item_seen == "BODY[]");
            const auto& items = out.responses[0].data[2].items;
            CHECK(items[3].type == Value::Type::Streamed);
            CHECK(items[3].literal_size == body.size());
            if (split == Split::ByteAtATime)
                CHECK(sink.chunks == body.size());
        }
    }
}

TEST_CASE("parser: empty literal and literal at end of line before more tokens", "[imap]") {
    for (Split split : test::kAllSplits) {
        auto out = parse_all("* 2 FETCH (BODY[] {0}\r\n UID 9)\r\n", split);
        REQUIRE_FALSE(out.error);
        REQUIRE(out.responses.size() == 1);
        const auto& items = out.responses[0].data[2].items;
        CHECK(items[1].is_string());
        CHECK(items[1].text.empty());
        CHECK(items[3].text == "9");
    }
}

TEST_CASE("parser: a 40 KB line parses within the default limit", "[imap]") {
    std::string flags;
    for (int i = 0; i < 4000; ++i)
        flags += " $Keyword" + std::to_string(i);
    std::string wire = "* FLAGS (" + flags.substr(1) + ")\r\n";
    REQUIRE(wire.size() > 40000);
    for (Split split : test::kAllSplits) {
        auto out = parse_all(wire, split);
        REQUIRE_FALSE(out.error);
        REQUIRE(out.responses.size() == 1);
        CHECK(out.responses[0].data[1].items.size() == 4000);
    }
}

TEST_CASE("parser: a line longer than max_line is a Limit error", "[imap][limits]") {
    imap::ParserLimits limits;
    limits.max_line = 100;
    auto out = parse_all("* OK " + std::string(200, 'x') + "\r\n", Split::ByteAtATime, limits);
    REQUIRE(out.error);
    CHECK(out.error->kind == core::ErrorKind::Limit);
    auto fine = parse_all("* OK " + std::string(90, 'x') + "\r\n", Split::Whole, limits);
    CHECK_FALSE(fine.error);
}

TEST_CASE("parser: nesting deeper than max_depth is a Limit error", "[imap][limits]") {
    imap::ParserLimits limits;
    limits.max_depth = 10;
    auto deep = parse_all("* X " + std::string(11, '(') + std::string(11, ')') + "\r\n",
                          Split::Whole, limits);
    REQUIRE(deep.error);
    CHECK(deep.error->kind == core::ErrorKind::Limit);
    auto ok = parse_all("* X " + std::string(10, '(') + std::string(10, ')') + "\r\n", Split::Whole,
                        limits);
    CHECK_FALSE(ok.error);
}

TEST_CASE("parser: too many tokens in one response is a Limit error", "[imap][limits]") {
    imap::ParserLimits limits;
    limits.max_values = 50;
    std::string many;
    for (int i = 0; i < 60; ++i)
        many += " a";
    auto out = parse_all("* SEARCH" + many + "\r\n", Split::Whole, limits);
    REQUIRE(out.error);
    CHECK(out.error->kind == core::ErrorKind::Limit);
}

TEST_CASE("parser: literal sizes over the limit or overflowing 64 bits are refused",
          "[imap][limits]") {
    imap::ParserLimits limits;
    limits.max_literal = 1000;
    auto big = parse_all("* 1 FETCH (BODY[] {1001}\r\n", Split::Whole, limits);
    REQUIRE(big.error);
    CHECK(big.error->kind == core::ErrorKind::Limit);
    auto overflow = parse_all("* 1 FETCH (BODY[] {99999999999999999999999}\r\n", Split::Whole);
    REQUIRE(overflow.error);
    CHECK(overflow.error->kind == core::ErrorKind::Limit);
}

TEST_CASE("parser: an unrouted literal larger than max_kept_literal is refused", "[imap][limits]") {
    imap::ParserLimits limits;
    limits.max_kept_literal = 10;
    auto out = parse_all("* 1 FETCH (BODY[] {11}\r\nhello world)\r\n", Split::Whole, limits);
    REQUIRE(out.error);
    CHECK(out.error->kind == core::ErrorKind::Limit);
}

TEST_CASE("parser: malformed input is a Parse error and the parser stays dead", "[imap]") {
    const char* bad[] = {
        "* 1 FETCH (UID 1\r\n",    // unbalanced
        "* X )\r\n",               // stray close
        "* X \"unterminated\r\n",  // quote
        "* X {12\r\n",             // literal spec
        "* X {5} trailing\r\n",    // literal not at end of line
        "A1 FETCH (UID 1)\r\n",    // tagged but not a status
        "\r\n",                    // empty line
        "* X BODY[unclosed\r\n",   // bracket
    };
    for (const char* wire : bad) {
        INFO(wire);
        imap::ResponseParser parser;
        auto out = parse_all(parser, wire, Split::Whole);
        REQUIRE(out.error);
        CHECK(out.error->kind == core::ErrorKind::Parse);
        auto again = test::parse_all(parser, "* OK fine\r\n", Split::Whole);
        CHECK(again.error);
    }
}

TEST_CASE("parser: continuation requests and bare LF line ends", "[imap]") {
    auto out = parse_all("+ Ready for literal data\n+\r\n* OK still fine\n", Split::ByteAtATime);
    REQUIRE_FALSE(out.error);
    REQUIRE(out.responses.size() == 3);
    CHECK(out.responses[0].kind == imap::ResponseKind::Continuation);
    CHECK(out.responses[0].text == "Ready for literal data");
    CHECK(out.responses[1].text.empty());
    CHECK(out.responses[2].text == "still fine");
}

TEST_CASE("parser: a sink error stops the parse and is reported", "[imap]") {
    struct FailingSink : imap::LiteralSink {
        core::Result<void> write(std::string_view) override {
            return core::make_error(core::ErrorKind::DiskFull, "disk full");
        }
        core::Result<void> finish() override { return {}; }
    } sink;
    imap::ResponseParser parser;
    parser.set_literal_router([&](const imap::LiteralContext&) { return &sink; });
    auto out = parse_all(parser, "* 1 FETCH (BODY[] {3}\r\nabc)\r\n", Split::Whole);
    REQUIRE(out.error);
    CHECK(out.error->kind == core::ErrorKind::DiskFull);
}

TEST_CASE("parser: withdrawing the router mid-literal never touches the old sink again",
          "[imap][lifetime]") {
    // BodyFetcher's shape: its sink dies with it, then the rest of the body arrives.
    ResponseParser parser;
    auto sink = std::make_unique<test::CollectingSink>();
    test::CollectingSink* raw = sink.get();
    parser.set_literal_router([raw](const LiteralContext&) -> LiteralSink* { return raw; });
    std::vector<Response> got;
    auto on = [&](Response&& r) -> core::Result<void> {
        got.push_back(std::move(r));
        return {};
    };
    REQUIRE(parser.feed("* 1 FETCH (UID 9 BODY[] {10}\r\n01234", on));
    CHECK(sink->current == "01234");
    parser.set_literal_router(nullptr);
    sink.reset();
    REQUIRE(parser.feed("56789)\r\n* 2 EXISTS\r\n", on));
    REQUIRE(got.size() == 2);
    CHECK(got[0].numbered_name() == "FETCH");
    CHECK(got[1].numbered_name() == "EXISTS");
}

TEST_CASE("limits: a LIST name sent as a 5 MB literal is not kept in memory", "[imap][limits]") {
    std::string wire = "* LIST () \"/\" {5000000}\r\n" + std::string(5'000'000, 'x') + "\r\n";
    auto out = test::parse_all(wire, test::Split::Whole);
    REQUIRE(out.error);
    CHECK(out.error->kind == core::ErrorKind::Limit);
}

TEST_CASE("limits: one response may not hold more than max_response_bytes", "[imap][limits]") {
    ParserLimits limits;
    limits.max_response_bytes = 10'000;
    // Lines joined by empty literals: each line is short, the response is not.
    std::string wire = "* LIST () \"/\" (";
    for (int i = 0; i < 100; ++i)
        wire += std::string(150, 'a') + " {0}\r\n";
    wire += ")\r\n";
    auto out = test::parse_all(wire, test::Split::Random, limits);
    REQUIRE(out.error);
    CHECK(out.error->kind == core::ErrorKind::Limit);
    limits.max_response_bytes = 100'000;
    CHECK_FALSE(test::parse_all(wire, test::Split::Whole, limits).error);
}
