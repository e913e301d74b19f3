#include <catch2/catch.hpp>

#include <unistd.h>

#include <cstdlib>
#include <fstream>

#include "mime/message_parser.hpp"

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
