#include <catch2/catch.hpp>

#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/utf8.hpp"
#include "corpora.hpp"
#include "mime/message_parser.hpp"
#include "store/sha256.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;
using namespace imapmirror::mime;

namespace {

struct Collected : AttachmentOutput {
    std::vector<AttachmentMeta> metas;
    std::vector<std::string> bodies;
    core::Result<void> begin(const AttachmentMeta& m) override {
        metas.push_back(m);
        bodies.emplace_back();
        return {};
    }
    core::Result<void> write(std::string_view d) override {
        bodies.back().append(d);
        return {};
    }
    core::Result<void> end() override { return {}; }
};

std::string write_temp(const std::string& content) {
    std::string path = "/tmp/imapmirror-unit-XXXXXX";
    int fd = ::mkstemp(path.data());
    REQUIRE(fd >= 0);
    REQUIRE(::write(fd, content.data(), content.size()) == static_cast<ssize_t>(content.size()));
    ::close(fd);
    return path;
}

}  // namespace

TEST_CASE("message parser: header fields decoded, identifiers kept as written", "[mime]") {
    Collected out;
    auto r = parse_message_file(std::string(IMM_TEST_DATA) + "/seed/05-thread-reply-sent.eml", out);
    REQUIRE(r);
    CHECK(r->parse_error.empty());
    CHECK(r->info.message_id == "<seed-thread-3@example.org>");
    CHECK(r->info.in_reply_to == "<seed-thread-2@example.org>");
    CHECK(r->info.references == "<seed-thread-1@example.org> <seed-thread-2@example.org>");
    CHECK(r->info.subject == "Re: Re: Plans for Q1");
    CHECK(r->info.from == "Alice Example <alice@example.org>");
    CHECK(r->info.date == "2024-01-03T12:00:00Z");
    CHECK(out.metas.empty());
}

TEST_CASE(
    "message parser: attachments decoded, with RFC 2231 and RFC 2047 names and IMAP part numbers",
    "[mime]") {
    Collected out;
    auto r = parse_message_file(std::string(IMM_TEST_DATA) + "/seed/06-attachments.eml", out);
    REQUIRE(r);
    CHECK(r->info.subject == "Deine Unterlagen 📎");
    CHECK(r->info.from == "Jörg Müller <joerg@example.de>");
    REQUIRE(out.metas.size() == 3);
    CHECK(out.metas[0].part == "2");
    CHECK(out.metas[0].filename == "Résumé.pdf");
    CHECK(out.metas[0].content_type == "application/pdf");
    CHECK(out.bodies[0].rfind("%PDF-1.4\n", 0) == 0);
    CHECK(out.metas[1].filename == "Grüße.txt");
    CHECK(out.bodies[1] == "Grüße aus Köln\n");
    CHECK(out.metas[2].filename == "Quartalsbericht für das erste Quartal 2024.csv");
    CHECK(out.bodies[2] == "quarter,revenue\nQ1,100\n");
}

TEST_CASE("message parser: a file with no header block is kept with a parse error", "[mime]") {
    Collected out;
    auto path = write_temp("just some text\r\nwithout any header\r\n");
    auto r = parse_message_file(path, out);
    ::unlink(path.c_str());
    REQUIRE(r);
    CHECK_FALSE(r->parse_error.empty());
    CHECK(out.metas.empty());
}

TEST_CASE("message parser: a folded header is stored the same whether GMime parsed it or not",
          "[mime]") {
    // Folded with tabs, runs of spaces and CRLF; the second file starts with a line GMime
    // refuses (Outlook's export writes such a line), so only the plain header scan reads it.
    const std::string headers =
        "From: Alice Example <alice@example.org>\r\n"
        "To: bob@example.org,\r\n\t  carol@example.org\r\n"
        "Subject: =?UTF-8?Q?caf=C3=A9?=\r\n  order\r\n"
        "Date: Tue, 09 Jan 2024 12:00:00 +0100\r\n"
        "Message-ID: <m3@example.org>\r\n"
        "In-Reply-To:\r\n\t<m2@example.org>\r\n"
        "References: <m0@example.org>  <m1@example.org>\r\n   <m2@example.org>\t\r\n"
        "List-Unsubscribe: <mailto:leave@example.org>,  <https://example.org/u?id=1>,\r\n"
        "\t\t<https://example.org/u?id=2>\r\n"
        "List-Unsubscribe-Post: List-Unsubscribe=One-Click\r\n"
        "\r\n"
        "body\r\n";
    auto parsed_path = write_temp(headers);
    auto scanned_path = write_temp("Microsoft Mail Internet Headers Version 2.0\r\n" + headers);
    Collected out;
    auto parsed = parse_message_file(parsed_path, out);
    auto scanned = parse_message_file(scanned_path, out);
    ::unlink(parsed_path.c_str());
    ::unlink(scanned_path.c_str());
    REQUIRE(parsed);
    REQUIRE(scanned);
    REQUIRE(parsed->parse_error.empty());
    REQUIRE(scanned->parse_error == "GMime could not parse the message");

    CHECK(parsed->info.in_reply_to == "<m2@example.org>");
    CHECK(parsed->info.references == "<m0@example.org> <m1@example.org> <m2@example.org>");
    CHECK(parsed->info.list_unsubscribe ==
          "<mailto:leave@example.org>, <https://example.org/u?id=1>, <https://example.org/u?id=2>");
    auto a = parsed->info.text_fields();
    auto b = scanned->info.text_fields();
    for (size_t i = 0; i < a.size(); ++i) {
        INFO(core::kHeaderFields[i].header);
        CHECK(*a[i] == *b[i]);
    }
}

TEST_CASE("message parser: a MIME nesting bomb stops at the depth limit", "[mime][limits]") {
    std::string msg = "Subject: bomb\r\nMIME-Version: 1.0\r\n";
    const int depth = 150;
    for (int i = 0; i < depth; ++i)
        msg += "Content-Type: multipart/mixed; boundary=\"b" + std::to_string(i) + "\"\r\n\r\n--b" +
               std::to_string(i) + "\r\n";
    msg +=
        "Content-Type: application/octet-stream\r\nContent-Disposition: attachment; "
        "filename=deep.bin\r\n\r\nx\r\n";
    for (int i = depth - 1; i >= 0; --i)
        msg += "--b" + std::to_string(i) + "--\r\n";
    auto path = write_temp(msg);
    Collected out;
    ParseLimits limits;
    limits.max_depth = 64;
    auto r = parse_message_file(path, out, limits);
    ::unlink(path.c_str());
    REQUIRE(r);
    CHECK(r->parse_error.find("nesting deeper than 64") != std::string::npos);
    CHECK(out.metas.empty());
    CHECK(r->info.subject == "bomb");
}

namespace {
// Valid UTF-8 with no control character: what every MessageHeaders/AttachmentMeta string must be.
bool valid_text(const std::string& s) {
    for (size_t i = 0; i < s.size();) {
        size_t n = core::utf8_sequence_length(s, i);
        if (n == 0 || static_cast<unsigned char>(s[i]) < 0x20 || s[i] == 0x7F)
            return false;
        i += n;
    }
    return true;
}

std::vector<std::string> parts_of(const Collected& out) {
    std::vector<std::string> v;
    for (const auto& m : out.metas)
        v.push_back(m.part);
    return v;
}

std::vector<std::string> names_of(const Collected& out) {
    std::vector<std::string> v;
    for (const auto& m : out.metas)
        v.push_back(m.filename);
    return v;
}

const std::string kFffd = "\xEF\xBF\xBD";
}  // namespace

TEST_CASE("message parser: every field is valid UTF-8 whatever bytes the headers hold", "[mime]") {
    const std::string bad = "\x8a\xFF\x01\x1B";
    std::string msg = "Message-ID: <id" + bad + "@x>\r\nIn-Reply-To: <r" + bad +
                      "@x>\r\nReferences: <a" + bad + "@x>\r\nSubject: s" + bad +
                      " =?UTF-8?Q?q=00w?=\r\nFrom: F" + bad + " <f@x>\r\nTo: T" + bad +
                      " <t@x>\r\nCc: C" + bad + " <c@x>\r\nList-Unsubscribe: <mailto:u" + bad +
                      "@x>\r\nList-Unsubscribe-Post: L" + bad + "\r\nThread-Index: T" + bad +
                      "\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
                      "--b\r\nContent-Type: text/plain\r\n\r\nx\r\n"
                      "--b\r\nContent-Type: application/x-" +
                      bad +
                      "; name*=iso-2022-jp''Dij%8a%00at.bin\r\n"
                      "Content-Disposition: attachment; filename*=UTF-8''nul%00byte.txt\r\n\r\n"
                      "data\r\n--b--\r\n";
    auto path = write_temp(msg);
    Collected out;
    auto r = parse_message_file(path, out);
    ::unlink(path.c_str());
    REQUIRE(r);
    for (std::string* field : r->info.text_fields()) {
        INFO(*field);
        CHECK(valid_text(*field));
    }
    CHECK(r->info.subject.find("q" + kFffd + "w") != std::string::npos);
    CHECK(r->info.message_id.rfind("<id\xC5\xA0", 0) == 0);
    REQUIRE(out.metas.size() == 1);
    for (std::string* field : out.metas[0].text_fields()) {
        INFO(*field);
        CHECK(valid_text(*field));
    }
    CHECK(out.metas[0].filename == "nul" + kFffd + "byte.txt");
    CHECK(out.bodies[0] == "data");
}

TEST_CASE("message parser: an attached message takes its name from Content-Type name", "[mime]") {
    Collected out;
    auto r = parse_message_file(
        std::string(IMM_TEST_DATA) + "/mime/nested-with-attached-multipart.eml", out);
    REQUIRE(r);
    REQUIRE(out.metas.size() == 3);
    CHECK(out.metas[1].content_type == "message/rfc822");
    CHECK(out.metas[1].filename == "Fwd: inner.eml");
}

TEST_CASE("message parser: an attached message is extracted as the bytes it has in the file",
          "[mime]") {
    Collected out;
    auto r = parse_message_file(std::string(IMM_TEST_DATA) + "/seed/12-forwarded.eml", out);
    REQUIRE(r);
    CHECK(r->parse_error.empty());
    REQUIRE(out.metas.size() == 1);
    CHECK(out.metas[0].content_type == "message/rfc822");
    // CRLF kept (GMime's serialization wrote LF headers); the CRLF before --fw-- is the
    // delimiter's.
    CHECK(out.bodies[0] ==
          "From: Alice Example <alice@example.org>\r\nSubject: Plans for Q1\r\n"
          "Message-ID: <seed-thread-1@example.org>\r\n\r\nShall we meet on Friday?");
}

TEST_CASE("message parser: an attached message reusing an enclosing boundary is still extracted",
          "[mime]") {
    // GMime reads the inner --b lines as the inner multipart's: the file cannot be cut by
    // delimiter lines, so GMime's serialization of the message is written.
    auto path = write_temp(
        "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: message/rfc822\r\n\r\n"
        "Subject: inner\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\ninner text\r\n--b--\r\n"
        "\r\n--b--\r\n");
    Collected out;
    auto r = parse_message_file(path, out);
    ::unlink(path.c_str());
    REQUIRE(r);
    REQUIRE(out.metas.size() == 1);
    CHECK(out.metas[0].content_type == "message/rfc822");
    CHECK(out.bodies[0].find("Subject: inner") == 0);
    CHECK(out.bodies[0].find("inner text") != std::string::npos);
}

namespace {

// kB from a /proc/self/status line ("VmHWM:   1234 kB").
long status_kb(const char* key) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line))
        if (line.rfind(key, 0) == 0)
            return std::atol(line.c_str() + std::strlen(key));
    return -1;
}

struct Hashing : AttachmentOutput {
    store::Sha256 sha;
    uint64_t size = 0;
    size_t count = 0;
    core::Result<void> begin(const AttachmentMeta&) override {
        ++count;
        return {};
    }
    core::Result<void> write(std::string_view d) override {
        sha.update(d);
        size += d.size();
        return {};
    }
    core::Result<void> end() override { return {}; }
};

}  // namespace

TEST_CASE("message parser: a 32 MB attached message is extracted whole in bounded memory",
          "[mime][limits]") {
    // The inner message holds a 32 MB base64 part; its bytes are written as generated.
    const std::string path = write_temp("");
    std::string expected_sha;
    uint64_t expected_size = 0;
    {
        std::ofstream file(path, std::ios::binary);
        store::Sha256 sha;
        auto inner = [&](const std::string& bytes) {
            file << bytes;
            sha.update(bytes);
            expected_size += bytes.size();
        };
        file << "From: a@example.org\r\nSubject: big\r\nMIME-Version: 1.0\r\n"
                "Content-Type: multipart/mixed; boundary=\"outer\"\r\n\r\n--outer\r\n"
                "Content-Type: text/plain\r\n\r\nsee attached\r\n--outer\r\n"
                "Content-Type: message/rfc822\r\n"
                "Content-Disposition: attachment; filename=\"big.eml\"\r\n\r\n";
        inner(
            "From: b@example.org\r\nSubject: inner\r\nMIME-Version: 1.0\r\n"
            "Content-Type: multipart/mixed; boundary=\"inner\"\r\n\r\n--inner\r\n"
            "Content-Type: application/octet-stream\r\nContent-Transfer-Encoding: base64\r\n"
            "\r\n");
        const char* b64 = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
        uint32_t x = 12345;
        std::string line(76, ' ');
        line += "\r\n";
        for (int i = 0; i < (32 << 20) / 78; ++i) {
            for (size_t k = 0; k < 76; ++k) {
                x = x * 1103515245u + 12345u;
                line[k] = b64[(x >> 16) & 63];
            }
            inner(line);
        }
        inner("--inner--");
        file << "\r\n--outer--\r\n";
        expected_sha = sha.hex();
    }
    REQUIRE(expected_size > (30u << 20));

    // Parsed in a child, so its peak memory is its own.
    int fds[2];
    REQUIRE(::pipe(fds) == 0);
    const pid_t child = ::fork();
    REQUIRE(child >= 0);
    if (child == 0) {
        const long before = status_kb("VmRSS:");
        Hashing out;
        auto r = parse_message_file(path, out);
        const long growth = status_kb("VmHWM:") - before;
        std::string report = std::to_string(r && r->parse_error.empty() ? out.count : 99) + " " +
                             std::to_string(out.size) + " " + out.sha.hex() + " " +
                             std::to_string(growth);
        (void)!::write(fds[1], report.data(), report.size());
        ::_exit(0);
    }
    ::close(fds[1]);
    std::string report;
    char buf[256];
    for (ssize_t n; (n = ::read(fds[0], buf, sizeof buf)) > 0;)
        report.append(buf, static_cast<size_t>(n));
    ::close(fds[0]);
    int status = 0;
    ::waitpid(child, &status, 0);
    ::unlink(path.c_str());
    INFO(report);
    std::istringstream in(report);
    size_t count = 0;
    uint64_t size = 0;
    std::string sha;
    long growth_kb = -1;
    in >> count >> size >> sha >> growth_kb;
    CHECK(count == 1);
    CHECK(size == expected_size);
    CHECK(sha == expected_sha);
    CHECK(growth_kb >= 0);
    CHECK(growth_kb < 16 * 1024);
}

TEST_CASE("message parser: part numbers are the ones Dovecot's BODYSTRUCTURE gives", "[mime]") {
    // Numbers read from Dovecot 2.3.19's BODYSTRUCTURE of the same files (and BODY[n.MIME]).
    SECTION("nested multipart and an attached message holding a multipart") {
        Collected out;
        auto r = parse_message_file(
            std::string(IMM_TEST_DATA) + "/mime/nested-with-attached-multipart.eml", out);
        REQUIRE(r);
        CHECK(parts_of(out) == std::vector<std::string>{"1.2.2", "2", "3"});
        CHECK(names_of(out) == std::vector<std::string>{"logo.png", "Fwd: inner.eml", "last.bin"});
    }
    SECTION("an empty part and empty multiparts count") {
        Collected out;
        auto r = parse_message_file(std::string(IMM_TEST_DATA) + "/mime/empty-parts.eml", out);
        REQUIRE(r);
        CHECK(parts_of(out) == std::vector<std::string>{"4"});
        CHECK(names_of(out) == std::vector<std::string>{"after.bin"});
    }
}

TEST_CASE("message parser: the ruby-mail corpus, raw 8-bit RFC 2231 name", "[mime][corpus]") {
    IMM_SKIP_WITHOUT_CORPORA(corpora);
    const std::string dir = corpora + "/ruby-mail/spec/fixtures/emails/";
    for (const char* file :
         {"attachment_emails/attachment_with_encoded_name.eml", "plain_emails/raw_email8.eml"}) {
        INFO(file);
        Collected out;
        auto r = parse_message_file(dir + file, out);
        REQUIRE(r);
        bool found = false;
        for (const auto& m : out.metas) {
            CHECK(valid_text(m.filename));
            if (m.filename.find("Quien Te Dij") != std::string::npos) {
                found = true;
                CHECK(m.filename ==
                      "01 Quien Te Dij\xC5\xA0"
                      "at. Pitbull.mp3");
            }
        }
        CHECK(found);
        for (std::string* field : r->info.text_fields())
            CHECK(valid_text(*field));
    }
}

TEST_CASE("message parser: every corpus message gives valid UTF-8 text", "[mime][corpus]") {
    IMM_SKIP_WITHOUT_CORPORA(corpora);
    size_t files = 0;
    for (const auto& e : std::filesystem::recursive_directory_iterator(corpora)) {
        if (!e.is_regular_file() || e.file_size() > (4 << 20))
            continue;
        auto ext = e.path().extension();
        if (ext != ".eml" && ext != ".msg" &&
            e.path().string().find("spamassassin/t/data/") == std::string::npos)
            continue;
        ++files;
        Collected out;
        auto r = parse_message_file(e.path().string(), out);
        REQUIRE(r);
        for (std::string* field : r->info.text_fields()) {
            INFO(e.path().string() << ": " << *field);
            CHECK(valid_text(*field));
        }
        for (auto& m : out.metas)
            for (std::string* field : m.text_fields()) {
                INFO(e.path().string() << ": " << *field);
                CHECK(valid_text(*field));
            }
    }
    CHECK(files > 200);
}

namespace {
// The header fields of a message made of `headers` and a one-line body.
core::MessageHeaders headers_of(const std::string& headers) {
    test::TempDir dir;
    const std::string path = dir.path + "/m.eml";
    std::ofstream(path, std::ios::binary) << headers << "\r\nbody\r\n";
    Collected out;
    auto r = parse_message_file(path, out);
    REQUIRE(r);
    return r->info;
}
}  // namespace

TEST_CASE("message parser: the sender is kept whatever the From syntax", "[mime][sender]") {
    // A bare name, an unclosed angle address, a group: what Python's email shows.
    CHECK(headers_of("From: Joe Bloggs\r\n").from == "Joe Bloggs");
    CHECK(headers_of("From: \"Joe\" <joe@x.org\r\n").from == "Joe <joe@x.org>");
    CHECK(headers_of("From: =?utf-8?q?J=C3=B6rg?=\r\n").from == "Jörg");
    // No From, or an empty one: Sender (RFC 5322 3.6.2).
    CHECK(headers_of("Sender: list@example.org\r\n").from == "list@example.org");
    CHECK(headers_of("From: \r\nSender: Bob <bob@example.org>\r\n").from ==
          "Bob <bob@example.org>");
    CHECK(headers_of("From: a@example.org\r\nSender: b@example.org\r\n").from == "a@example.org");
}

TEST_CASE("message parser: a numeric zone of fewer than four digits is kept", "[mime][date]") {
    CHECK(headers_of("Date: Mon, 1 Jan 2024 10:00:00 -600\r\n").date == "2024-01-01T16:00:00Z");
    CHECK(headers_of("Date: Mon, 1 Jan 2024 10:00:00 +530\r\n").date == "2024-01-01T04:30:00Z");
    CHECK(headers_of("Date: Mon, 1 Jan 2024 10:00:00 -0600\r\n").date == "2024-01-01T16:00:00Z");
    CHECK(headers_of("Date: Mon, 1 Jan 2024 10:00:00 EST\r\n").date == "2024-01-01T15:00:00Z");
}

TEST_CASE("message parser: IDN domains in addresses are shown in Unicode", "[mime][idn]") {
    const auto h = headers_of(
        "From: Jo <jo@xn--bcher-kva.de>\r\nTo: a@xn--mller-kva.example, b@example.org\r\n"
        "Cc: c@bücher.de\r\n");
    CHECK(h.from == "Jo <jo@bücher.de>");
    CHECK(h.to == "a@müller.example, b@example.org");
    CHECK(h.cc == "c@bücher.de");
}
