#include <catch2/catch.hpp>

#include "imap/fetch.hpp"
#include "parse_helpers.hpp"

using namespace imapmirror;
using namespace imapmirror::imap;

namespace {
BodyPart structure_of(const std::string& bodystructure, test::Split split = test::Split::Whole) {
    auto out = test::parse_all("* 1 FETCH (UID 1 BODYSTRUCTURE " + bodystructure + ")\r\n", split);
    REQUIRE_FALSE(out.error);
    auto f = parse_fetch(out.responses.at(0));
    REQUIRE(f);
    REQUIRE(f->body_structure);
    return *f->body_structure;
}

std::vector<std::string> attachment_numbers(const BodyPart& root) {
    std::vector<std::string> out;
    for (const auto* p : attachment_parts(root))
        out.push_back(p->part);
    return out;
}

const std::string kText =
    "(\"text\" \"plain\" (\"charset\" \"utf-8\") NIL NIL \"7bit\" 10 1 NIL NIL NIL NIL)";
const std::string kHtml =
    "(\"text\" \"html\" (\"charset\" \"utf-8\") NIL NIL \"quoted-printable\" 20 1 NIL NIL NIL NIL)";
}  // namespace

TEST_CASE("bodystructure: a single text part is part 1 with no attachments", "[imap]") {
    auto root = structure_of(kText);
    CHECK(root.part == "1");
    CHECK(root.mime_type() == "text/plain");
    CHECK(BodyPart::param(root.params, "charset") == "utf-8");
    CHECK(attachment_parts(root).empty());
}

TEST_CASE("bodystructure: mixed with alternative body and a named attachment", "[imap]") {
    auto root = structure_of(
        "((" + kText + kHtml +
            " \"alternative\" (\"boundary\" \"b2\") NIL NIL NIL)"
            "(\"application\" \"pdf\" (\"name\" \"x.pdf\") NIL NIL \"base64\" 7800 NIL "
            "(\"attachment\" (\"filename*\" \"utf-8''R%C3%A9sum%C3%A9.pdf\")) NIL NIL)"
            " \"mixed\" (\"boundary\" \"b1\") NIL NIL NIL)",
        test::Split::ByteAtATime);
    CHECK(root.is_multipart());
    CHECK(root.subtype == "mixed");
    REQUIRE(root.children.size() == 2);
    CHECK(root.children[0].subtype == "alternative");
    CHECK(root.children[0].children[1].part == "1.2");
    const auto& pdf = root.children[1];
    CHECK(pdf.part == "2");
    CHECK(pdf.size == 7800);
    CHECK(pdf.encoding == "base64");
    CHECK(pdf.disposition == "attachment");
    CHECK(BodyPart::param(pdf.disposition_params, "filename*") == "utf-8''R%C3%A9sum%C3%A9.pdf");
    CHECK(attachment_numbers(root) == std::vector<std::string>{"2"});
}

TEST_CASE("bodystructure: inline image in related is not an attachment but an unnamed zip is",
          "[imap]") {
    auto root = structure_of("(((" + kHtml +
                             "(\"image\" \"png\" NIL \"<img1>\" NIL \"base64\" 100 NIL NIL NIL NIL)"
                             " \"related\" NIL NIL NIL)(\"application\" \"zip\" NIL NIL NIL "
                             "\"base64\" 50 NIL NIL NIL NIL)"
                             " \"mixed\" NIL NIL NIL))");
    // The outer list wraps once more here: a multipart whose only child is the mixed part.
    CHECK(attachment_numbers(root) == std::vector<std::string>{"1.2"});
}

TEST_CASE("bodystructure: an attached message counts once and numbers its insides below it",
          "[imap]") {
    auto root = structure_of("(" + kText +
                             "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 500 (NIL \"inner\" NIL "
                             "NIL NIL NIL NIL NIL NIL "
                             "NIL) (" +
                             kText + kHtml +
                             " \"alternative\" NIL NIL NIL) 12 NIL (\"attachment\" NIL) NIL NIL)"
                             " \"mixed\" NIL NIL NIL)");
    REQUIRE(root.children.size() == 2);
    const auto& msg = root.children[1];
    CHECK(msg.part == "2");
    REQUIRE(msg.children.size() == 1);
    CHECK(msg.children[0].children[0].part == "2.1");
    CHECK(msg.children[0].children[1].part == "2.2");
    CHECK(attachment_numbers(root) == std::vector<std::string>{"2"});
}

TEST_CASE("bodystructure: a message inside an attached message numbers below its parent",
          "[imap]") {
    // Found by the imap_responses fuzzer: message/rfc822 (2) holding a message/rfc822 (2.1)
    // holding text: the text is 2.1.1, not a second 2.1 (RFC 3501 6.4.5).
    const std::string env = "(NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL)";
    const std::string innermost =
        "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 100 " + env + " " + kText + " 3)";
    auto root = structure_of("(" + kText + "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 300 " +
                             env + " " + innermost + " 9) \"mixed\")");
    const auto& outer = root.children.at(1);
    CHECK(outer.part == "2");
    const auto& middle = outer.children.at(0);
    CHECK(middle.part == "2.1");
    CHECK(middle.type == "message");
    CHECK(middle.children.at(0).part == "2.1.1");
    CHECK(middle.children.at(0).type == "text");
}

TEST_CASE("bodystructure: imap4d's empty parts cost only themselves, the rest is shown", "[imap]") {
    // GNU imap4d: `()` as the body of an attached message, and an empty multipart (a subtype
    // with nothing before it) among the parts.
    const std::string env = "(NIL \"inner\" NIL NIL NIL NIL NIL NIL NIL NIL)";
    auto root =
        structure_of("(" + kText + "(\"message\" \"rfc822\" NIL NIL NIL \"7bit\" 500 " + env +
                     " () 12 NIL (\"attachment\" NIL) NIL NIL)(\"mixed\")(\"application\" \"pdf\" "
                     "(\"name\" \"a.pdf\") NIL NIL \"base64\" 100 NIL NIL NIL NIL) \"mixed\")");
    REQUIRE(root.children.size() == 4);
    CHECK(root.children[1].children.at(0).malformed);
    CHECK(root.children[2].malformed);
    CHECK(root.children[2].part == "3");
    CHECK(attachment_numbers(root) == std::vector<std::string>{"2", "4"});
    // At the top nothing can be shown: still an error.
    auto top = test::parse_all("* 1 FETCH (UID 1 BODYSTRUCTURE ())\r\n", test::Split::Whole);
    REQUIRE_FALSE(top.error);
    CHECK_FALSE(parse_fetch(top.responses.at(0)));
}

TEST_CASE("bodystructure: 300 attachments parse, in order, in every split", "[imap][limits]") {
    std::string parts;
    for (int i = 1; i <= 300; ++i)
        parts += "(\"application\" \"octet-stream\" (\"name\" \"f" + std::to_string(i) +
                 ".bin\") NIL NIL \"base64\" " + std::to_string(i) +
                 " NIL (\"attachment\" NIL) NIL NIL)";
    for (auto split : test::kAllSplits) {
        auto root = structure_of("(" + parts + " \"mixed\" NIL NIL NIL)", split);
        auto atts = attachment_parts(root);
        REQUIRE(atts.size() == 300);
        CHECK(atts[299]->part == "300");
        CHECK(BodyPart::param(atts[299]->params, "name") == "f300.bin");
    }
}

TEST_CASE("bodystructure: nesting deeper than the limit is a Limit error", "[imap][limits]") {
    std::string v = kText;
    for (int i = 0; i < 120; ++i)
        v = "(" + v + " \"mixed\" NIL NIL NIL)";
    auto out = test::parse_all("* 1 FETCH (BODYSTRUCTURE " + v + ")\r\n", test::Split::Whole);
    REQUIRE_FALSE(out.error);  // within the tokenizer's depth limit
    auto f = parse_fetch(out.responses.at(0));
    REQUIRE_FALSE(f);
    CHECK(f.error().kind == core::ErrorKind::Limit);
}

TEST_CASE("bodystructure: Microsoft 365 leaves extension fields out and it still parses",
          "[imap][m365]") {
    auto root = structure_of(
        "((\"text\" \"plain\" (\"charset\" \"us-ascii\") NIL NIL \"7bit\" 3 1)"
        "(\"application\" \"octet-stream\" (\"name\" \"a.bin\") NIL NIL \"base64\" 8) \"mixed\")");
    REQUIRE(root.children.size() == 2);
    CHECK(attachment_numbers(root) == std::vector<std::string>{"2"});
}
