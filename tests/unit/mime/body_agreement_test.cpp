// Body text where GMime alone loses it and Python's email finds it: a header block cut short by
// a line that is no header field (Python reads the rest as the body,
// MissingHeaderBodySeparatorDefect; mime4j's malformedHeader*, hdr-fakeout, obsolete.msg), and
// a multipart whose boundary GMime does not match (very-very-long-boundary.msg).

#include <catch2/catch.hpp>
#include <fstream>

#include "mime/body_text.hpp"
#include "mime/message_parser.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;

namespace {

struct NoAttachments : mime::AttachmentOutput {
    core::Result<void> begin(const mime::AttachmentMeta&) override { return {}; }
    core::Result<void> write(std::string_view) override { return {}; }
    core::Result<void> end() override { return {}; }
};

std::string body_of(const std::string& message) {
    test::TempDir dir;
    const std::string path = dir.path + "/m.eml";
    std::ofstream(path, std::ios::binary) << message;
    NoAttachments none;
    mime::ParseLimits limits;
    limits.body_text = true;
    auto parsed = mime::parse_message_file(path, none, limits);
    REQUIRE(parsed);
    auto alone = mime::read_body_text(path, mime::TextFor::Index);
    REQUIRE(alone);
    CHECK(alone->text == parsed->body.text);  // one rule for both readers
    return parsed->body.text;
}

}  // namespace

TEST_CASE("stray header line: where Python's email ends the header block", "[mime][body]") {
    CHECK_FALSE(mime::stray_body_start("Subject: a\r\n folded\r\nX-Y: b\r\n\r\nnot: a header\r\n"));
    CHECK_FALSE(mime::stray_body_start("From someone Mon Jan 1\nSubject: a\n\nbody\n"));
    CHECK(mime::stray_body_start("Subject: a\r\nThis is no header\r\n\r\nBody") == 12u);
    CHECK(mime::stray_body_start("No headers at all.\r\nJust text.\r\n") == 0u);
    // RFC 5322's obsolete space before the colon is no header field to Python.
    CHECK(mime::stray_body_start("Date: x\nSubject :y\n\nz\n") == 8u);
    // A line of one space continues the field before it; the next line is no field.
    CHECK(mime::stray_body_start("To: a\r\n \r\nThe header is not terminated\r\n") == 10u);
}

TEST_CASE(
    "stray header line: the text from that line on is the body, decoded as the fields "
    "before it declare",
    "[mime][body]") {
    CHECK(body_of("Subject: x\r\nContent-Type: text/plain; charset=iso-8859-1\r\n"
                  "Content-Transfer-Encoding: quoted-printable\r\n"
                  "K=F6ln is where this starts\r\nAnother: line\r\n\r\nand the rest\r\n") ==
          "Köln is where this starts\nAnother: line\n\nand the rest");
    CHECK(body_of("This is a simple message not having headers.\r\nThe whole text is body.\r\n") ==
          "This is a simple message not having headers.\nThe whole text is body.");
    // A Content-Type after the stray line: the MIME structure it declares is read, not text.
    CHECK(body_of("Subject: x\r\nquite Delivered-To: y\r\nContent-Type: text/plain\r\n\r\n"
                  "real body\r\n") == "real body");
    // A proper header block is read as before.
    CHECK(body_of("Subject: x\r\n\r\nJust the body\r\n") == "Just the body");
}

TEST_CASE(
    "unsplit multipart: a 7000-character boundary that GMime does not match still gives each "
    "part's text",
    "[mime][body]") {
    const std::string boundary(7000, 'b');
    CHECK(body_of("Subject: x\r\nContent-Type: multipart/mixed; boundary=\"" + boundary +
                  "\"\r\n\r\npreamble\r\n--" + boundary +
                  "\r\nContent-Type: text/plain\r\n\r\nText body\r\n--" + boundary + "--\r\n") ==
          "Text body");
}
