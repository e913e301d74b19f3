// The client commands against a real, seeded Dovecot (tests/data/seed/manifest).

#include <gmime/gmime.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>

#include "scoped_temp_dir.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;

namespace {

struct SeedMessage {
    std::string folder, flags, file;
};

std::vector<SeedMessage> seed_manifest() {
    std::vector<SeedMessage> out;
    std::istringstream in(read_file(source_dir() + "/tests/data/seed/manifest"));
    std::string line;
    while (std::getline(in, line)) {
        if (line.empty() || line[0] == '#')
            continue;
        SeedMessage m;
        std::istringstream fields(line);
        std::getline(fields, m.folder, '\t');
        std::getline(fields, m.flags, '\t');
        std::getline(fields, m.file, '\t');
        if (!m.file.empty())
            out.push_back(m);
    }
    return out;
}

std::string seed_bytes(const std::string& file) {
    return read_file(source_dir() + "/tests/data/seed/" + file);
}

// Crude JSON probing is enough here: the output is ours and has a fixed key order.
size_t count_of(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
        ++n;
    return n;
}

}  // namespace

TEST_CASE("folders: every seeded folder, decoded, with counts and special use", "[integration]") {
    DovecotServer server;
    auto r = run_imapmirror(with({"folders", "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    for (const char* name : {"\"INBOX\"", "\"Sent\"", "\"Archive/2024/Q1\"",
                             "\"Folder With Spaces\"", "\"Entwürfe\"", "\"日本語\"", "\"A & B\""})
        CHECK(r.out.find(std::string("\"name\":") + name) != std::string::npos);
    CHECK(r.out.find("\"raw_name\":\"Entw&APw-rfe\"") != std::string::npos);
    CHECK(r.out.find("\"raw_name\":\"A &- B\"") != std::string::npos);
    CHECK(r.out.find(
              "\"name\":\"INBOX\",\"raw_name\":\"INBOX\",\"delimiter\":\"/\",\"selectable\":true,"
              "\"special_use\":null,") != std::string::npos);
    CHECK(r.out.find(
              "\"name\":\"Sent\",\"raw_name\":\"Sent\",\"delimiter\":\"/\",\"selectable\":true,"
              "\"special_use\":\"\\\\Sent\"") != std::string::npos);
    CHECK(r.out.find("\"name\":\"Archive\",\"raw_name\":\"Archive\",\"delimiter\":\"/"
                     "\",\"selectable\":false") != std::string::npos);
    // INBOX: 6 messages, 3 without \Seen in the manifest.
    CHECK(r.out.find("\"messages\":6,\"unseen\":3") != std::string::npos);

    auto human = run_imapmirror(with({"folders"}, server.tls_args()));
    REQUIRE(human.exit_code == 0);
    CHECK(human.out.find("Entwürfe") != std::string::npos);
    CHECK(human.out.find("12 messages") != std::string::npos);
}

TEST_CASE("folders: the same answer over STARTTLS and over plain IMAP", "[integration]") {
    DovecotServer server;
    const std::vector<std::string> common{
        "--user", "alice",     "--password-file", server.password_file(),
        "--host", "127.0.0.1", "--port",          std::to_string(server.plain_port())};
    auto starttls = run_imapmirror(
        with({"folders", "--json", "--tls", "starttls", "--ca-file", server.ca_file()}, common));
    INFO(starttls.err);
    REQUIRE(starttls.exit_code == 0);
    auto plain = run_imapmirror(with({"folders", "--json", "--tls", "none"}, common));
    REQUIRE(plain.exit_code == 0);
    // \Marked / \Unmarked change as sessions look at folders: compare all but the attributes.
    auto without_attributes = [](const std::string& s) {
        return std::regex_replace(s, std::regex(R"("attributes":\[[^\]]*\],)"), "");
    };
    CHECK(without_attributes(plain.out) == without_attributes(starttls.out));
    CHECK(count_of(plain.out, "\"name\":") == 10);
}

TEST_CASE("list: pages newest first, decoded headers, List-Unsubscribe without bodies",
          "[integration]") {
    DovecotServer server;
    auto page1 = run_imapmirror(
        with({"list", "INBOX", "--json", "--desc", "--page-size", "4"}, server.tls_args()));
    INFO(page1.err);
    REQUIRE(page1.exit_code == 0);
    CHECK(page1.out.find("\"exists\":6") != std::string::npos);
    CHECK(count_of(page1.out, "\"seq\":") == 4);
    CHECK(page1.out.find("\"seq\":6,\"uid\":6") < page1.out.find("\"seq\":3,\"uid\":3"));
    CHECK(page1.out.find("\"subject\":\"Deine Unterlagen 📎\"") != std::string::npos);
    CHECK(page1.out.find("\"from_name\":\"Jörg Müller\"") != std::string::npos);

    auto page2 = run_imapmirror(
        with({"list", "INBOX", "--json", "--desc", "--page-size", "4", "--page", "2"},
             server.tls_args()));
    REQUIRE(page2.exit_code == 0);
    CHECK(count_of(page2.out, "\"seq\":") == 2);
    CHECK(page2.out.find("\"seq\":2,\"uid\":2") < page2.out.find("\"seq\":1,\"uid\":1"));
    CHECK(page2.out.find("\"subject\":\"This week: cafés ☕\"") != std::string::npos);
    CHECK(page2.out.find(
              "\"list_unsubscribe\":\"<mailto:unsubscribe@lists.example.com?subject=unsub>, "
              "<https://lists.example.com/unsubscribe/abc123>\"") != std::string::npos);
    CHECK(page2.out.find("\"list_unsubscribe_post\":\"List-Unsubscribe=One-Click\"") !=
          std::string::npos);
    CHECK(page2.out.find("\"message_id\":\"<seed-welcome@example.org>\"") != std::string::npos);

    auto past = run_imapmirror(with({"list", "INBOX", "--json", "--page", "9"}, server.tls_args()));
    REQUIRE(past.exit_code == 0);
    CHECK(count_of(past.out, "\"seq\":") == 0);

    // Listing fetched no body: the unseen newsletter is still unseen.
    auto again = run_imapmirror(with({"list", "INBOX", "--json"}, server.tls_args()));
    CHECK(again.out.find("\"seq\":2,\"uid\":2,\"flags\":[\"\\\\Recent\"]") != std::string::npos);
}

TEST_CASE("list: every message by default, a page of 50 when --page is given", "[integration]") {
    DovecotServer server;
    std::vector<std::string> files;
    for (int i = 1; i <= 55; ++i) {
        files.push_back(server.dir() + "/big-" + std::to_string(i) + ".eml");
        std::ofstream(files.back(), std::ios::binary)
            << "From: b@example.org\r\nSubject: big " << i << "\r\n\r\nx\r\n";
    }
    load_files(server, "Big", files);
    auto all = run_imapmirror(with({"list", "Big", "--json"}, server.tls_args()));
    INFO(all.err);
    REQUIRE(all.exit_code == 0);
    CHECK(count_of(all.out, "\"seq\":") == 55);
    CHECK(all.out.find("\"page\":null,\"page_size\":null") != std::string::npos);
    auto human = run_imapmirror(with({"list", "Big"}, server.tls_args()));
    CHECK(human.out.find("55 messages, oldest first") != std::string::npos);

    auto page2 = run_imapmirror(with({"list", "Big", "--json", "--page", "2"}, server.tls_args()));
    REQUIRE(page2.exit_code == 0);
    CHECK(count_of(page2.out, "\"seq\":") == 5);
    CHECK(page2.out.find("\"page\":2,\"page_size\":50") != std::string::npos);
}

TEST_CASE("list --recursive: the folder and every selectable folder below it", "[integration]") {
    DovecotServer server;
    auto r = run_imapmirror(with({"list", "Archive", "--recursive", "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(count_of(r.out, "\"folder\":") ==
          2);  // Q1 and Q2; Archive and Archive/2024 are not selectable
    CHECK(r.out.find("\"folder\":\"Archive/2024/Q1\",\"exists\":1") != std::string::npos);
    CHECK(r.out.find("\"folder\":\"Archive/2024/Q2\",\"exists\":0") != std::string::npos);
    CHECK(r.out.find("\"subject\":\"Q1 report\"") != std::string::npos);
}

TEST_CASE("fetch: every seeded message byte-exact, by UID and by sequence number, flags untouched",
          "[integration]") {
    DovecotServer server;
    auto out = make_temp_dir();
    std::map<std::string, uint32_t> next_uid;
    for (const auto& m : seed_manifest()) {
        uint32_t uid = ++next_uid[m.folder];
        INFO(m.folder << " UID " << uid << " " << m.file);
        std::string path = out + "/" + m.file;
        auto r = run_imapmirror(
            with({"fetch", m.folder, "--uid", std::to_string(uid), "-o", path}, server.tls_args()));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        // The seed files are CRLF already, so the server's bytes equal the file's.
        CHECK(read_file(path) == seed_bytes(m.file));
        auto by_seq = run_imapmirror(
            with({"fetch", m.folder, "--seq", std::to_string(uid)}, server.tls_args()));
        REQUIRE(by_seq.exit_code == 0);
        CHECK(by_seq.out == seed_bytes(m.file));
    }
    // Several at once into a directory, named UID.eml.
    auto many = run_imapmirror(
        with({"fetch", "INBOX", "--uid", "2", "--uid", "5", "-o", out + "/many", "--json"},
             server.tls_args()));
    INFO(many.err);
    REQUIRE(many.exit_code == 0);
    CHECK(read_file(out + "/many/2.eml") == seed_bytes("02-newsletter.eml"));
    CHECK(read_file(out + "/many/5.eml") == seed_bytes("06-attachments.eml"));
    CHECK(count_of(many.out, "\"uid\":") == 2);
    // No temporary files are left behind.
    CHECK(std::system(("test -z \"$(ls -A " + out + "/many | grep -v '\\.eml$')\"").c_str()) == 0);
    std::system(("rm -rf '" + out + "'").c_str());

    // Fetching did not set \Seen (BODY.PEEK only): the server's flags are as seeded.
    auto flags = server.doveadm("-f flow fetch -u alice 'uid flags' mailbox INBOX all");
    CHECK(flags.find("uid=2 flags=\\Recent") != std::string::npos);
    CHECK(flags.find("uid=6 flags=\\Recent") != std::string::npos);
    CHECK(flags.find("uid=5 flags=\\Flagged \\Recent") != std::string::npos);
}

TEST_CASE("attachments: names, types and part numbers match the message's MIME parts",
          "[integration]") {
    DovecotServer server;
    auto r =
        run_imapmirror(with({"attachments", "INBOX", "--uid", "5", "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);

    // What GMime finds in the seed file itself.
    g_mime_init();
    std::string raw = seed_bytes("06-attachments.eml");
    GMimeStream* stream = g_mime_stream_mem_new_with_buffer(raw.data(), raw.size());
    GMimeParser* parser = g_mime_parser_new_with_stream(stream);
    GMimeMessage* msg = g_mime_parser_construct_message(parser, nullptr);
    REQUIRE(msg);
    std::vector<std::pair<std::string, std::string>> expected;  // filename, type
    GMimePartIter* it = g_mime_part_iter_new(GMIME_OBJECT(msg));
    do {
        GMimeObject* part = g_mime_part_iter_get_current(it);
        if (GMIME_IS_PART(part) && g_mime_part_is_attachment(GMIME_PART(part))) {
            char* type = g_mime_content_type_get_mime_type(g_mime_object_get_content_type(part));
            expected.emplace_back(g_mime_part_get_filename(GMIME_PART(part)), type);
            g_free(type);
        }
    } while (g_mime_part_iter_next(it));
    g_mime_part_iter_free(it);
    g_object_unref(msg);
    g_object_unref(parser);
    g_object_unref(stream);

    REQUIRE(expected.size() == 3);
    CHECK(count_of(r.out, "\"part\":") == expected.size());
    for (size_t i = 0; i < expected.size(); ++i) {
        INFO(expected[i].first);
        std::string entry = "\"part\":\"" + std::to_string(i + 2) + "\",\"filename\":\"" +
                            expected[i].first + "\",\"content_type\":\"" + expected[i].second +
                            "\"";
        CHECK(r.out.find(entry) != std::string::npos);
    }
    // The message was not downloaded: still \Flagged only, not \Seen.
    CHECK(server.doveadm("-f flow fetch -u alice 'uid flags' mailbox INBOX uid 5").find("\\Seen") ==
          std::string::npos);

    auto fwd = run_imapmirror(with({"attachments", "INBOX", "--seq", "6"}, server.tls_args()));
    REQUIRE(fwd.exit_code == 0);
    CHECK(fwd.out.find("message/rfc822") != std::string::npos);
    CHECK(fwd.out.find("Plans for Q1.eml") != std::string::npos);

    auto none = run_imapmirror(with({"attachments", "INBOX", "--uid", "1"}, server.tls_args()));
    REQUIRE(none.exit_code == 0);
    CHECK(none.out.find("no attachments") != std::string::npos);
}

TEST_CASE("fetch --format msg: Outlook files that msgconvert reads back as the seeded messages",
          "[integration]") {
    DovecotServer server;
    auto out = make_temp_dir();
    auto r = run_imapmirror(
        with({"fetch", "INBOX", "--uid", "5", "--uid", "6", "--format", "msg", "-o", out, "--json"},
             server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(count_of(r.out, ".msg\"") == 2);
    const std::string check = source_dir() + "/tests/msg/check-msg --pair ";
    const std::string seed = source_dir() + "/tests/data/seed/";
    CHECK(std::system((check + seed + "06-attachments.eml " + out + "/5.msg").c_str()) == 0);
    CHECK(std::system((check + seed + "12-forwarded.eml " + out + "/6.msg").c_str()) == 0);
    // Only the two .msg files: no .eml and no temporary file is left behind.
    CHECK(std::system(("test \"$(ls -A " + out + ")\" = \"$(printf '5.msg\\n6.msg')\"").c_str()) ==
          0);
    // A .msg cannot go to standard output.
    auto to_stdout = run_imapmirror(
        with({"fetch", "INBOX", "--uid", "5", "--format", "msg"}, server.tls_args()));
    CHECK(to_stdout.exit_code == 2);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE(
    "list against Dovecot: --unseen, --from with non-ASCII text, --subject and dates "
    "narrow the listing by UID SEARCH, --header and --json carry header fields",
    "[integration]") {
    DovecotServer server;
    auto list = [&](std::vector<std::string> args) {
        return run_imapmirror(with(with({"list", "INBOX", "--json"}, args), server.tls_args()));
    };
    // INBOX's unseen messages are UIDs 2, 5 and 6; "Plans" is in the subjects of 3, 4 and 6.
    auto unseen = list({"--unseen", "--subject", "plans"});
    INFO(unseen.err);
    REQUIRE(unseen.exit_code == 0);
    CHECK(unseen.out.find("\"matched\":1,") != std::string::npos);
    CHECK(count_of(unseen.out, "\"uid\":") == 1);
    CHECK(unseen.out.find("\"uid\":6,") != std::string::npos);

    // Jörg Müller's From is ISO-8859-1 encoded words: the server matches the decoded text.
    auto from = list({"--from", "MÜLLER", "--header", "Content-Type", "--header", "X-Absent"});
    INFO(from.err);
    REQUIRE(from.exit_code == 0);
    CHECK(count_of(from.out, "\"uid\":") == 1);
    CHECK(from.out.find("\"uid\":5,") != std::string::npos);
    CHECK(
        from.out.find("\"to\":\"alice@example.org\",\"cc\":\"\",\"date\":\"2024-01-04T13:30:00Z\","
                      "\"headers\":{\"Content-Type\":[\"multipart/mixed; "
                      "boundary=\\\"mixed-1\\\"\"],\"X-Absent\":[]}") != std::string::npos);

    // Internal dates are the time of seeding: all of them are after 2000, none before.
    auto since = list({"--since", "2000-01-01", "--subject", "Plans", "--desc"});
    REQUIRE(since.exit_code == 0);
    CHECK(since.out.find("\"matched\":3,") != std::string::npos);
    CHECK(since.out.find("\"uid\":6,") < since.out.find("\"uid\":3,"));
    auto before = list({"--before", "2000-01-01"});
    REQUIRE(before.exit_code == 0);
    CHECK(before.out.find("\"matched\":0,") != std::string::npos);

    // Plain output: the extra header under its message, and how many matched.
    auto human = run_imapmirror(
        with({"list", "INBOX", "--from", "müller", "--header", "content-type"}, server.tls_args()));
    REQUIRE(human.exit_code == 0);
    CHECK(human.out.find("1 of 6 messages match") != std::string::npos);
    CHECK(human.out.find("content-type: multipart/mixed") != std::string::npos);

    // Listing fetched no body: the unseen messages are still unseen.
    CHECK(server.doveadm("-f flow fetch -u alice 'uid flags' mailbox INBOX uid 5").find("\\Seen") ==
          std::string::npos);

    // Usage errors before any connection, exit 2.
    for (std::vector<std::string> bad : {std::vector<std::string>{"--header", "X Mailer"},
                                         {"--header", "Subject:"},
                                         {"--since", "2024-02-30"},
                                         {"--before", "yesterday"}}) {
        auto r = list(bad);
        INFO(bad[0] << " " << bad[1] << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(count_of(r.err, "\n") == 1);
    }
}

TEST_CASE(
    "attachments --part against Dovecot: each part decoded byte for byte as Python's "
    "email decodes it, the message left unread",
    "[integration]") {
    DovecotServer server;
    ScopedTempDir out;
    const std::string oracle = source_dir() + "/tests/tools/email_part.py";
    // UID 5: a UTF-8 text body, then base64 attachments (PDF, text, CSV); UID 2: a
    // quoted-printable plain part and an HTML alternative.
    const std::vector<std::tuple<std::string, std::string, std::string>> parts = {
        {"5", "06-attachments.eml", "1"}, {"5", "06-attachments.eml", "2"},
        {"5", "06-attachments.eml", "3"}, {"5", "06-attachments.eml", "4"},
        {"2", "02-newsletter.eml", "1"},  {"2", "02-newsletter.eml", "2"}};
    for (const auto& [uid, file, part] : parts) {
        INFO("UID " << uid << " part " << part);
        const std::string ours = out.path + "/" + uid + "-" + part + ".ours";
        const std::string theirs = out.path + "/" + uid + "-" + part + ".python";
        auto r = run_imapmirror(with(
            {"attachments", "INBOX", "--uid", uid, "--part", part, "-o", ours}, server.tls_args()));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        CHECK(r.out.find("saved as") != std::string::npos);
        REQUIRE(std::system(("python3 '" + oracle + "' '" + source_dir() + "/tests/data/seed/" +
                             file + "' " + part + " '" + theirs + "'")
                                .c_str()) == 0);
        CHECK(read_file(ours) == read_file(theirs));
        CHECK(!read_file(ours).empty());
    }
    // By sequence number, to standard output (not a terminal here).
    auto by_seq = run_imapmirror(
        with({"attachments", "INBOX", "--seq", "5", "--part", "3", "-o", "-"}, server.tls_args()));
    REQUIRE(by_seq.exit_code == 0);
    CHECK(by_seq.out == read_file(out.path + "/5-3.python"));
    // Only the saved files: no temporary file is left behind.
    CHECK(std::distance(std::filesystem::directory_iterator(out.path),
                        std::filesystem::directory_iterator()) == 2 * 6);

    // A part the message does not have, or a multipart: one line, exit 2, no file.
    for (const char* bad : {"9", "2.1", "0", "x"}) {
        INFO(bad);
        auto r = run_imapmirror(
            with({"attachments", "INBOX", "--uid", "5", "--part", bad, "-o", out.path + "/bad"},
                 server.tls_args()));
        CHECK(r.exit_code == 2);
        CHECK(count_of(r.err, "\n") == 1);
        CHECK_FALSE(std::filesystem::exists(out.path + "/bad"));
    }
    CHECK(server.doveadm("-f flow fetch -u alice 'uid flags' mailbox INBOX uid 5").find("\\Seen") ==
          std::string::npos);
}
