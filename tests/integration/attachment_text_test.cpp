// Attachment text end to end: a message with a PDF (reportlab) and a docx (python-docx)
// attachment, archived from a real Dovecot; `search` finds a word that only each document
// holds and names the attachment; `show` lists each one's text status; with
// --no-attachment-text nothing is read until `reindex`.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scoped_temp_dir.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

std::string base64_lines(const std::string& bytes) {
    static const char* k = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out, line;
    for (size_t i = 0; i < bytes.size(); i += 3) {
        uint32_t v = static_cast<unsigned char>(bytes[i]) << 16;
        if (i + 1 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 1]) << 8;
        if (i + 2 < bytes.size())
            v |= static_cast<unsigned char>(bytes[i + 2]);
        line += k[(v >> 18) & 63];
        line += k[(v >> 12) & 63];
        line += i + 1 < bytes.size() ? k[(v >> 6) & 63] : '=';
        line += i + 2 < bytes.size() ? k[v & 63] : '=';
        if (line.size() >= 76) {
            out += line + "\r\n";
            line.clear();
        }
    }
    return out + line + "\r\n";
}

std::string fixture(const std::string& name) {
    std::ifstream in(source_dir() + "/tests/data/attachments/" + name, std::ios::binary);
    REQUIRE(in);
    std::stringstream s;
    s << in.rdbuf();
    return s.str();
}

// A message whose body says nothing of the documents' words.
std::string message_with_documents() {
    std::string m =
        "From: Alice <alice@example.org>\r\nTo: bob@example.org\r\n"
        "Subject: The two documents\r\nDate: Mon, 02 Mar 2026 10:14:00 +0100\r\n"
        "Message-ID: <docs@example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n"
        "--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n";
    const std::pair<const char*, const char*> docs[] = {
        {"invoice.pdf", "application/pdf"},
        {"report.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"}};
    for (const auto& [name, type] : docs)
        m += std::string("--b\r\nContent-Type: ") + type +
             "\r\nContent-Disposition: attachment; filename=\"" + name +
             "\"\r\nContent-Transfer-Encoding: base64\r\n\r\n" + base64_lines(fixture(name));
    return m + "--b--\r\n";
}

DovecotServer& server() {
    static DovecotServer s;
    static bool loaded = false;
    if (!loaded) {
        ScopedTempDir dir;
        const std::string path = dir.path + "/docs.eml";
        std::ofstream(path, std::ios::binary) << message_with_documents();
        load_files(s, "Docs", {path});
        loaded = true;
    }
    return s;
}

std::string search(const std::string& dir, const std::string& word) {
    auto r = run_imapmirror({"search", dir, word, "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

}  // namespace

TEST_CASE(
    "attachment text: search finds a word only inside a PDF or a docx and names the "
    "attachment",
    "[integration][attachment-text]") {
    ScopedTempDir tmp;
    const std::string out = tmp.path + "/archive";
    auto r =
        run_imapmirror(with({"export", "--out", out, "--include", "Docs"}, server().tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    const std::string pdf = search(out, "pdfonlyword");
    CHECK(has(pdf, "\"total\":1"));
    CHECK(has(pdf, "\"matched_attachments\":[\"invoice.pdf\"]"));
    const std::string docx = search(out, "zanzibarite");
    CHECK(has(docx, "\"total\":1"));
    CHECK(has(docx, "\"matched_attachments\":[\"report.docx\"]"));
    // Combined with a header filter: the message and its attachments are one document.
    CHECK(has(search(out, "from:alice secondpageword"), "\"total\":1"));

    auto plain = run_imapmirror({"search", out, "zanzibarite"});
    CHECK(has(plain.out, "in attachment: report.docx"));
    auto shown = run_imapmirror({"show", out, "--message-id", "<docs@example.org>"});
    INFO(shown.err);
    CHECK(has(shown.out, "text: ok"));
}

TEST_CASE("attachment text: --no-attachment-text reads none, reindex fills it in",
          "[integration][attachment-text]") {
    ScopedTempDir tmp;
    const std::string out = tmp.path + "/archive";
    auto r =
        run_imapmirror(with({"export", "--out", out, "--include", "Docs", "--no-attachment-text"},
                            server().tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(has(search(out, "zanzibarite"), "\"total\":0"));
    auto shown = run_imapmirror({"show", out, "--message-id", "<docs@example.org>"});
    CHECK(has(shown.out, "text: not read yet"));

    auto re = run_imapmirror({"reindex", out, "--json"});
    INFO(re.err);
    REQUIRE(re.exit_code == 0);
    CHECK(has(re.out, "\"attachment_texts\":2"));
    CHECK(has(search(out, "zanzibarite"), "\"matched_attachments\":[\"report.docx\"]"));
    CHECK(has(search(out, "pdfonlyword"), "\"matched_attachments\":[\"invoice.pdf\"]"));
}

TEST_CASE(
    "attachment text: an imapmirror without its reader archives the mail, says so once and "
    "exits 10, and the run after reinstalling reads the documents",
    "[integration][attachment-text]") {
    ScopedTempDir tmp;
    const std::string out = tmp.path + "/archive";
    // A copy of the binary with no imapmirror-extract beside it, nor in ../libexec.
    const std::string alone = tmp.path + "/bin/imapmirror";
    fs::create_directories(tmp.path + "/bin");
    fs::copy_file(IMM_BINARY, alone);
    const std::vector<std::string> copied = {"/bin/sh", "-c", "shift; exec '" + alone + "' \"$@\"",
                                             "sh"};
    auto r = run_imapmirror(
        with({"export", "--out", out, "--include", "Docs"}, server().tls_args()), {}, copied);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 10);
    CHECK(
        has(r.err, "attachment text: cannot start the extractor: " + tmp.path +
                       "/bin/../libexec/imapmirror/imapmirror-extract: No such file or directory"));
    CHECK(query(out + "/index.sqlite", "SELECT COUNT(*) FROM messages")[0][0] != "0");
    CHECK(query(out + "/index.sqlite", "SELECT COUNT(*) FROM attachment_texts")[0][0] == "0");

    auto again =
        run_imapmirror(with({"export", "--out", out, "--include", "Docs"}, server().tls_args()));
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(has(search(out, "pdfonlyword"), "\"matched_attachments\":[\"invoice.pdf\"]"));
}
