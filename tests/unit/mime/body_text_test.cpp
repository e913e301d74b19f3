#include <catch2/catch.hpp>

#include <fstream>

#include <filesystem>
#include <string>

#include "core/utf8.hpp"
#include "corpora.hpp"
#include "mime/body_text.hpp"
#include "mime/message_parser.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;
using namespace imapmirror::mime;

namespace {

std::string data(const std::string& name) {
    return std::string(IMM_TEST_DATA) + "/" + name;
}

BodyText body_of(const std::string& path, TextFor reader = TextFor::Reader) {
    auto r = read_body_text(path, reader);
    REQUIRE(r);
    return *r;
}

bool contains(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// Valid UTF-8 whose only control character is '\n'.
bool clean_text(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        const auto c = static_cast<unsigned char>(s[i]);
        if (c < 0x20 && c != '\n')
            return false;
        const size_t n = core::utf8_sequence_length(s, i);
        if (n == 0)
            return false;
        i += n;
    }
    return true;
}

struct Discard : AttachmentOutput {
    core::Result<void> begin(const AttachmentMeta&) override { return {}; }
    core::Result<void> write(std::string_view) override { return {}; }
    core::Result<void> end() override { return {}; }
};

}  // namespace

TEST_CASE("body text: HTML keeps blocks, lists, tables and links, drops head, script, style",
          "[mime]") {
    const auto t = html_to_text(
        "<html><head><title>T</title><style>p{}</style></head><body>"
        "<h1>Title</h1><p>One<br>two</p><ul><li>a</li><li>b</li></ul>"
        "<ol><li>x</li><li>y</li></ol>"
        "<table><tr><td>k</td><td>v</td></tr><tr><td>k2</td><td>v2</td></tr></table>"
        "<p>See <a href=\"https://e.example/x\">the page</a> and "
        "<a href=\"https://e.example/y\">https://e.example/y</a>.</p>"
        "<script>alert(1)</script></body></html>");
    CHECK(t.origin == BodyOrigin::Html);
    CHECK(t.text ==
          "Title\n\nOne\ntwo\n\n- a\n- b\n\n1. x\n2. y\n\nk  v\nk2  v2\n\n"
          "See the page <https://e.example/x> and https://e.example/y.");
}

TEST_CASE("body text: HTML entities decoded, white space collapsed except in pre", "[mime]") {
    CHECK(html_to_text("<p>Caf&eacute;   &amp;\n  tea&nbsp;&#x2615;</p>").text ==
          "Café & tea\xC2\xA0\xE2\x98\x95");
    CHECK(html_to_text("<pre>a  b\n  c</pre>").text == "a  b\n  c");
}

TEST_CASE("body text: hidden HTML content is dropped", "[mime]") {
    const auto t = html_to_text(
        "<div style=\"DISPLAY : none\">pre</div><span hidden>h</span>"
        "<p aria-hidden=\"true\">aria</p><p style=\"visibility:hidden\">v</p><p>shown</p>"
        "<noscript>ns</noscript><template>tpl</template>");
    CHECK(t.text == "shown");
}

TEST_CASE("body text: javascript links and anchors are not written as targets", "[mime]") {
    CHECK(html_to_text("<a href=\"javascript:x()\">go</a> <a href=\"#top\">up</a>").text ==
          "go up");
    CHECK(html_to_text("<a href=\"mailto:a@b.example\">a@b.example</a>").text == "a@b.example");
}

TEST_CASE("body text: HTML text is cut at the cap on a character boundary", "[mime]") {
    std::string html = "<p>";
    for (int i = 0; i < 1000; ++i)
        html += "é";
    html += "</p>";
    const auto t = html_to_text(html, 101);
    CHECK(t.truncated);
    CHECK(t.text.size() <= 101);
    CHECK(clean_text(t.text));
}

TEST_CASE("body text: HTML nested deeper than 256 levels is read up to that depth, quickly",
          "[mime]") {
    std::string html = "<p>shallow</p>";
    for (int i = 0; i < 100000; ++i)
        html += "<div><span>";
    html += "deep";
    const auto t = html_to_text(html);
    CHECK(t.truncated);
    CHECK(t.text == "shallow");
    CHECK_FALSE(html_to_text("<div><b>x</b></div>").truncated);
}

TEST_CASE("body text: an HTML-only message is converted, its charset decoded", "[mime]") {
    const auto t = body_of(data("bodies/html-only.eml"));
    CHECK(t.origin == BodyOrigin::Html);
    CHECK(contains(t.text, "Order shipped\n\nDear Alice,\nyour parcel with the periwinkle teapot"));
    CHECK(contains(t.text, "- Teapot\n- Cups & saucers"));
    CHECK(contains(t.text, "1. Unpack\n2. Enjoy"));
    CHECK(contains(t.text, "Teapot  12 €"));  // windows-1252's euro sign, as mail means it
    CHECK(contains(t.text, "Track it here <https://track.example.com/p/42>"));
    CHECK(contains(t.text, "Grüße, Müller"));
    CHECK_FALSE(contains(t.text, "zebracorn"));
    CHECK_FALSE(contains(t.text, "marmalade"));
    CHECK_FALSE(contains(t.text, "Ignored title"));
}

TEST_CASE("body text: multipart/alternative prefers the plain part", "[mime]") {
    const auto t = body_of(data("seed/02-newsletter.eml"));
    CHECK(t.origin == BodyOrigin::Plain);
    CHECK(t.text == "Cafés of the week.");
}

TEST_CASE("body text: a Latin-1 plain body is decoded to UTF-8", "[mime]") {
    const auto t = body_of(data("bodies/latin1-plain.eml"));
    CHECK(t.origin == BodyOrigin::Plain);
    CHECK(t.text == "Grüße aus Köln, quokka.");
}

TEST_CASE("body text: an unknown charset is read as UTF-8, attachments are not body", "[mime]") {
    const auto t = body_of(data("bodies/unknown-charset.eml"));
    CHECK(t.text == "Plain words about a narwhal.");
    CHECK_FALSE(contains(t.text, "wombat"));
}

TEST_CASE("body text: plain text keeps its lines, CRLF becomes LF", "[mime]") {
    const auto t = body_of(data("seed/01-welcome.eml"));
    CHECK(t.text == "Hello Bob,\n\nthis is the first message of the sample account.");
    CHECK(t.origin == BodyOrigin::Plain);
}

TEST_CASE("body text: a plain body is cut at max_text", "[mime]") {
    BodyLimits limits;
    limits.max_text = 10;
    auto r = read_body_text(data("seed/01-welcome.eml"), TextFor::Reader, limits);
    REQUIRE(r);
    CHECK(r->truncated);
    CHECK(r->text == "Hello Bob,");
}

TEST_CASE("body text: parse_message_file gives the same text when asked, none otherwise",
          "[mime]") {
    Discard out;
    ParseLimits limits;
    limits.body_text = true;
    auto with = parse_message_file(data("bodies/html-only.eml"), out, limits);
    REQUIRE(with);
    CHECK(with->body.text == body_of(data("bodies/html-only.eml")).text);
    auto without = parse_message_file(data("bodies/html-only.eml"), out);
    REQUIRE(without);
    CHECK(without->body.text.empty());
    CHECK(without->body.origin == BodyOrigin::None);
}

TEST_CASE("body text: the raw HTML part of a message, for show --html", "[mime]") {
    auto html = read_html_part(data("bodies/html-only.eml"));
    REQUIRE(html);
    CHECK(html->charset == "iso-8859-1");
    CHECK(contains(html->html, "<h1>Order shipped</h1>"));
    auto none = read_html_part(data("seed/01-welcome.eml"));
    REQUIRE_FALSE(none);
    CHECK(none.error().kind == core::ErrorKind::NotFound);
}

TEST_CASE("body text: every corpus message gives clean text within the cap", "[mime][corpus]") {
    IMM_SKIP_WITHOUT_CORPORA(corpora);
    size_t files = 0, with_text = 0, from_html = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(corpora)) {
        if (!e.is_regular_file() || e.file_size() > (4 << 20))
            continue;
        auto ext = e.path().extension();
        if (ext != ".eml" && ext != ".msg" &&
            e.path().string().find("spamassassin/t/data/") == std::string::npos)
            continue;
        ++files;
        auto r = read_body_text(e.path().string(), TextFor::Index);
        REQUIRE(r);
        INFO(e.path().string());
        CHECK(clean_text(r->text));
        CHECK(r->text.size() <= BodyLimits{}.max_text);
        with_text += r->text.empty() ? 0 : 1;
        from_html += r->origin == BodyOrigin::Html ? 1 : 0;
    }
    CHECK(files > 100);
    CHECK(with_text > files / 2);  // most real messages have a readable body
    CHECK(from_html > 0);
}

namespace {
// The body text of a message made of `text` (headers, blank line, body; "\n" line ends).
BodyText body_of_message(const std::string& text, TextFor reader = TextFor::Reader) {
    test::TempDir dir;
    const std::string path = dir.path + "/m.eml";
    std::ofstream(path, std::ios::binary) << text;
    return body_of(path, reader);
}
}  // namespace

TEST_CASE("body text: a text part with a file name is the body when it is the first text",
          "[mime][body]") {
    const auto t = body_of_message(
        "From: a@example.org\nMIME-Version: 1.0\n"
        "Content-Type: text/plain; charset=utf-8; name=\"note.txt\"\n\nthe only words\n");
    CHECK(t.text == "the only words");
    // Inline with a file name, after other text, it stays an attachment; declared an
    // attachment it is never the body.
    const auto mixed = body_of_message(
        "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
        "Content-Type: text/plain; name=\"first.txt\"\n\nfirst words\n--b\n"
        "Content-Type: text/plain; name=\"second.txt\"\n\nsecond words\n--b--\n");
    CHECK(mixed.text == "first words");
    CHECK(body_of_message("MIME-Version: 1.0\nContent-Type: text/plain\n"
                          "Content-Disposition: attachment; filename=a.txt\n\nattached\n")
              .text.empty());
}

TEST_CASE("body text: Content-Type text without a subtype is text/plain", "[mime][body]") {
    CHECK(body_of_message("MIME-Version: 1.0\nContent-Type: text\n\nbare text type\n").text ==
          "bare text type");
    CHECK(body_of_message("MIME-Version: 1.0\nContent-Type: text; charset=iso-8859-1\n\n"
                          "M\xFCller\n")
              .text == "Müller");
}

TEST_CASE("body text: an empty plain alternative falls back to the HTML one", "[mime][body]") {
    const auto t = body_of_message(
        "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\n"
        "Content-Type: text/plain\n\n\n--b\nContent-Type: text/html\n\n"
        "<p>only in <b>html</b></p>\n--b--\n");
    CHECK(t.text == "only in html");
    CHECK(t.origin == BodyOrigin::Html);
}

TEST_CASE(
    "body text for the index: the HTML alternative's lines with words the plain one "
    "lacks follow it, and a reader sees the plain one alone",
    "[mime][body]") {
    const std::string message =
        "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\n"
        "Content-Type: text/plain\n\nView this newsletter in your browser.\n--b\n"
        "Content-Type: text/html\n\n<p>View this newsletter in your browser.</p>"
        "<p>Spring <b>sale</b> on periwinkle paint</p><p>this newsletter</p>\n--b--\n";
    const auto indexed = body_of_message(message, TextFor::Index);
    CHECK(indexed.text ==
          "View this newsletter in your browser.\n\nSpring sale on periwinkle paint");
    CHECK(indexed.origin == BodyOrigin::Html);
    const auto read = body_of_message(message, TextFor::Reader);
    CHECK(read.text == "View this newsletter in your browser.");
    CHECK(read.origin == BodyOrigin::Plain);
    // The same words in both: nothing added, and the origin stays plain.
    const auto same = body_of_message(
        "MIME-Version: 1.0\nContent-Type: multipart/alternative; boundary=b\n\n--b\n"
        "Content-Type: text/plain\n\nsame words\n--b\nContent-Type: text/html\n\n"
        "<p>Same <i>words</i></p>\n--b--\n",
        TextFor::Index);
    CHECK(same.text == "same words");
    CHECK(same.origin == BodyOrigin::Plain);
}

namespace {
const char* const kForward =
    "MIME-Version: 1.0\nContent-Type: multipart/mixed; boundary=b\n\n--b\n"
    "Content-Type: text/plain\n\nsee below\n--b\nContent-Type: message/rfc822\n\n"
    "From: Inner Sender <inner@example.org>\nSubject: =?utf-8?q?Gr=C3=BC=C3=9Fe?=\n"
    "Date: Tue, 2 Jan 2024 10:00:00 +0000\n"
    "MIME-Version: 1.0\nContent-Type: text/plain; name=\"inner.txt\"\n\n"
    "forwarded words\n--b--\n";
}  // namespace

TEST_CASE(
    "body text for the index: an attached message adds its header values and body, with "
    "no banner, label or date",
    "[mime][body]") {
    CHECK(body_of_message(kForward, TextFor::Index).text ==
          "see below\n\nInner Sender <inner@example.org>\nGrüße\n\nforwarded words");
}

TEST_CASE(
    "body text for a reader: an attached message is announced and its header fields "
    "labelled",
    "[mime][body]") {
    const auto t = body_of_message(kForward, TextFor::Reader);
    CHECK(t.text ==
          "see below\n\n---------- Attached message ----------\n"
          "From: Inner Sender <inner@example.org>\nDate: 2024-01-02T10:00:00Z\n"
          "Subject: Grüße\n\nforwarded words");
}

TEST_CASE("body text: a space to collapse after text of only spaces reads nothing before it",
          "[mime][body]") {
    // Found by scripts/fuzz (html_text): a <pre>'s tabs, then an alt text and a space; the
    // collapsing loop popped every space and read before the start (UBSan).
    const std::string html(
        "<d`v><b<pem a=\042v\042<b "
        "ii\011\011\011rtc\011\011\367\214\232\223\232\234\213\306<opti\000\000dl><pre>"
        "\011\011\011\011<img alt=\242x\042>\042display:none\042g\001\012\000\011\011\011\011pt",
        94);
    const auto text = mime::html_to_text(html);
    CHECK(text.text.find("pt") != std::string::npos);
}
