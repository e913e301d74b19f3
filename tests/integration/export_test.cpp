// `imapmirror export` against a real Dovecot: the seed account, every message of
// ../shared/corpora, and messages with hostile names.

#include <fcntl.h>
#include <gmime/gmime.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>

#include "../corpora.hpp"
#include "scoped_temp_dir.hpp"
#include "scripted_imap.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

std::string crlf(const std::string& s) {
    std::string out;
    for (size_t i = 0; i < s.size(); ++i) {
        if (s[i] == '\n' && (i == 0 || s[i - 1] != '\r'))
            out += '\r';
        out += s[i];
    }
    return out;
}

// Every regular file under `dir`, relative.
std::vector<std::string> all_files(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.is_regular_file())
            out.push_back(fs::relative(e.path(), dir).string());
    std::sort(out.begin(), out.end());
    return out;
}

struct Corpus {
    std::string folder;
    std::vector<std::string> files;  // absolute, in load order
};

// The corpora of ../shared/corpora/README.md, each file a message (SpamAssassin's negative
// case included: it must be archived too).
std::vector<Corpus> corpora(const std::string& root) {
    struct Spec {
        const char* folder;
        const char* dir;
        const char* ext;
    } specs[] = {{"corpus/ruby-mail", "ruby-mail/spec/fixtures/emails", ".eml"},
                 {"corpus/mime4j", "mime4j/core/src/test/resources/testmsgs", ".msg"},
                 {"corpus/mimetools", "mime4j/core/src/test/resources/mimetools-testmsgs", ".msg"},
                 {"corpus/spamassassin", "spamassassin/t/data", ""}};
    std::vector<Corpus> out;
    for (const auto& s : specs) {
        Corpus c{s.folder, {}};
        for (const auto& e : fs::recursive_directory_iterator(root + "/" + s.dir)) {
            if (!e.is_regular_file())
                continue;
            std::string p = e.path().string();
            if (*s.ext && e.path().extension() != s.ext)
                continue;
            c.files.push_back(p);
        }
        std::sort(c.files.begin(), c.files.end());
        out.push_back(std::move(c));
    }
    return out;
}

std::string hostile_message() {
    auto att = [](const std::string& disposition_params, const std::string& body) {
        return "--h\r\nContent-Type: application/octet-stream\r\nContent-Disposition: "
               "attachment; " +
               disposition_params + "\r\n\r\n" + body + "\r\n";
    };
    std::string long_name(300, 'L');
    return "From: mallory@example.com\r\nSubject: hostile names\r\nMessage-ID: "
           "<hostile@example.com>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"h\"\r\n\r\n" +
           att("filename=\"../../x\"", "traversal") + att("filename=\"/etc/passwd\"", "absolute") +
           att("filename=\"CON\"", "device") + att("filename=\"" + long_name + ".pdf\"", "long") +
           att("filename=\"a\x01"
               "b\x1b[31m.txt\"",
               "control") +
           att("filename=\"same.txt\"", "one") + att("filename=\"same.txt\"", "two") +
           att("filename=\"..\"", "dotdot") +
           att("filename*=utf-8''%2E%2E%2F%2E%2E%2Fencoded", "encoded traversal") + "--h--\r\n";
}

}  // namespace

// [release]: the shipped build's own pass over the seed account (scripts/test runs the other
// integration tests under the sanitizers only).
TEST_CASE("export: the seed account, byte-exact, indexed, threaded, flags untouched, nothing twice",
          "[integration][release]") {
    DovecotServer server;
    const std::string flags_before =
        server.doveadm("-f flow fetch -u alice 'mailbox uid flags' all");
    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/archive";
    const std::string db = out + "/index.sqlite";

    auto r = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"messages\":12,") != std::string::npos);
    CHECK(r.out.find("\"attachments\":5,") != std::string::npos);

    // Every seeded message once, byte-exact (the seed files are CRLF), at its path.
    auto rows =
        query(db,
              "SELECT f.name, m.uid, m.path, m.sha256, m.size FROM messages m JOIN folders f "
              "ON f.id = m.folder_id ORDER BY f.name, m.uid");
    REQUIRE(rows.size() == 12);
    std::map<std::string, std::string> by_message_id;
    for (const auto& row : query(db, "SELECT message_id, path FROM messages"))
        by_message_id[row[0]] = row[1];
    CHECK(read_file(out + "/" + by_message_id["<seed-attachments@example.de>"]) ==
          read_file(source_dir() + "/tests/data/seed/06-attachments.eml"));
    CHECK(read_file(out + "/" + by_message_id["<seed-japanese@example.jp>"]) ==
          read_file(source_dir() + "/tests/data/seed/10-japanese.eml"));
    for (const auto& row : rows) {
        INFO(row[2]);
        std::string bytes = read_file(out + "/" + row[2]);
        CHECK(std::to_string(bytes.size()) == row[4]);
        CHECK(std::regex_match(row[2], std::regex(R"(.+/[0-9]+-[0-9]+\.eml)")));
    }

    // Index rows carry the headers, decoded where they are text.
    auto reply = query(db,
                       "SELECT subject, from_addr, in_reply_to, refs, date, flags FROM messages "
                       "WHERE message_id = '<seed-thread-3@example.org>'");
    REQUIRE(reply.size() == 1);
    CHECK(reply[0] ==
          std::vector<std::string>{"Re: Re: Plans for Q1", "Alice Example <alice@example.org>",
                                   "<seed-thread-2@example.org>",
                                   "<seed-thread-1@example.org> <seed-thread-2@example.org>",
                                   "2024-01-03T12:00:00Z", "\\Seen"});
    auto news = query(db,
                      "SELECT subject, list_unsubscribe_post FROM messages WHERE message_id = "
                      "'<seed-news-1@lists.example.com>'");
    CHECK(news.at(0) ==
          std::vector<std::string>{"This week: cafés ☕", "List-Unsubscribe=One-Click"});
    auto folders = query(db,
                         "SELECT name, raw_name, path, selectable FROM folders WHERE name IN "
                         "('Entwürfe', 'Archive') ORDER BY name");
    CHECK(folders.at(0) == std::vector<std::string>{"Archive", "Archive", "Archive", "0"});
    CHECK(folders.at(1) == std::vector<std::string>{"Entwürfe", "Entw&APw-rfe", "Entwürfe", "1"});
    CHECK(fs::is_directory(out + "/Archive/2024/Q2"));  // empty folder, still a directory

    // Attachments: decoded bytes, names decoded and safe.
    auto atts =
        query(db,
              "SELECT a.filename, a.path, a.size, a.sha256 FROM attachments a JOIN messages m "
              "ON m.id = a.message_id WHERE m.message_id = '<seed-attachments@example.de>' ORDER "
              "BY a.part");
    REQUIRE(atts.size() == 3);
    CHECK(atts[1][0] == "Grüße.txt");
    CHECK(read_file(out + "/" + atts[1][1]) == "Grüße aus Köln\n");
    CHECK(atts[2][0] == "Quartalsbericht für das erste Quartal 2024.csv");
    CHECK(read_file(out + "/" + atts[2][1]) == "quarter,revenue\nQ1,100\n");
    CHECK(read_file(out + "/" + atts[0][1]).rfind("%PDF-1.4", 0) == 0);

    // One thread across INBOX and Sent, in date order.
    auto thread = query(
        db,
        "SELECT m.message_id FROM messages m WHERE m.thread_id = (SELECT thread_id FROM messages "
        "WHERE message_id = '<seed-thread-1@example.org>') ORDER BY m.date");
    CHECK(thread == std::vector<std::vector<std::string>>{{"<seed-thread-1@example.org>"},
                                                          {"<seed-thread-2@example.org>"},
                                                          {"<seed-thread-3@example.org>"}});
    auto threads_cmd = run_imapmirror({"threads", out, "--folder", "Sent"});
    REQUIRE(threads_cmd.exit_code == 0);
    CHECK(threads_cmd.out.find("Plans for Q1  (3 messages)") != std::string::npos);

    // The server was not changed, and nothing was written outside the archive.
    CHECK(server.doveadm("-f flow fetch -u alice 'mailbox uid flags' all") == flags_before);
    for (const auto& f : all_files(sandbox))
        CHECK(f.rfind("archive/", 0) == 0);

    // A second run fetches nothing and duplicates nothing.
    auto again = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("\"messages\":0,") != std::string::npos);
    CHECK(query(db, "SELECT COUNT(*) FROM messages").at(0).at(0) == "12");
    CHECK(query(db, "SELECT COUNT(*) FROM runs WHERE exit_code = 0").at(0).at(0) == "2");
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE(
    "export: every corpus message and hostile names, archived once and byte-exact, nothing outside "
    "DIR",
    "[integration][corpus]") {
    IMM_SKIP_WITHOUT_CORPORA(root);
    DovecotServer server;
    auto all = corpora(root);
    size_t total = 0;
    for (const auto& c : all) {
        REQUIRE_FALSE(c.files.empty());
        load_files(server, c.folder, c.files);
        total += c.files.size();
    }
    const std::string hostile_path = server.dir() + "/hostile.eml";
    std::ofstream(hostile_path, std::ios::binary) << hostile_message();
    load_files(server, "hostile", {hostile_path});
    // Folder names Dovecot accepts but file systems do not ('.' and control characters it
    // refuses itself).
    const std::vector<std::pair<std::string, std::string>> hostile_folders = {
        {"hostile/CON", "hostile/_CON"}, {"hostile/a:b|c*d?e", "hostile/a_b_c_d_e"},
        {"hostile/Foo", "hostile/Foo"},  {"hostile/foo", "hostile/foo (2)"},
        {"hostile/x\\y", "hostile/x_y"}, {"hostile/trail ", "hostile/trail"},
        {"hostile/<lt>", "hostile/_lt_"}};
    for (const auto& [name, path] : hostile_folders)
        load_files(server, name, {hostile_path});

    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/archive";
    const std::string db = out + "/index.sqlite";
    auto r = run_imapmirror(
        with({"export", "--out", out, "--include", "corpus/*", "--include", "hostile*", "--json"},
             server.tls_args()));
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);

    // Each corpus file: one row, and the archived bytes are the file's as the server sends
    // them (LF-only lines come back as CRLF).
    for (const auto& c : all) {
        auto rows = query(
            db,
            "SELECT m.uid, m.path, m.sha256 FROM messages m JOIN folders f ON f.id = m.folder_id "
            "WHERE f.name = '" +
                c.folder + "' ORDER BY m.uid");
        REQUIRE(rows.size() == c.files.size());
        for (size_t i = 0; i < rows.size(); ++i) {
            INFO(c.files[i]);
            CHECK(rows[i][0] == std::to_string(i + 1));
            CHECK(read_file(out + "/" + rows[i][1]) == crlf(read_file(c.files[i])));
        }
    }
    // Unparseable messages are archived all the same, with the reason.
    auto broken = query(db, "SELECT COUNT(*) FROM messages WHERE parse_error IS NOT NULL");
    CHECK(std::stoi(broken.at(0).at(0)) >= 3);
    CHECK(std::stoul(query(db, "SELECT COUNT(*) FROM messages").at(0).at(0)) >= total + 1);

    // Hostile names: all files stay inside the message's own attachment directory.
    auto atts =
        query(db,
              "SELECT a.filename, a.path FROM attachments a JOIN messages m ON m.id = a.message_id "
              "JOIN folders f ON f.id = m.folder_id WHERE f.name = 'hostile' ORDER BY a.part");
    REQUIRE(atts.size() == 9);
    std::vector<std::string> names;
    for (const auto& a : atts) {
        INFO(a[1]);
        auto slash = a[1].rfind('/');
        CHECK(a[1].substr(0, slash).find("..") == std::string::npos);
        names.push_back(a[1].substr(slash + 1));
        CHECK(names.back().size() <= 150);
        CHECK(fs::is_regular_file(out + "/" + a[1]));
    }
    CHECK(names[0] == "___.._x");
    CHECK(names[1] == "_etc_passwd");
    CHECK(names[2] == "_CON");
    CHECK(names[3].substr(names[3].size() - 4) == ".pdf");
    CHECK(names[4] == "a_b_[31m.txt");
    CHECK(names[5] == "same.txt");
    CHECK(names[6] == "same (2).txt");
    CHECK(names[7] == "part-8.bin");  // nothing usable left of ".."
    CHECK(names[8] == "___.._encoded");
    CHECK(atts[0][0] == "../../x");  // the original name stays in the index
    for (const auto& [name, path] : hostile_folders) {
        INFO(name);
        auto rows = query(db, "SELECT path FROM folders WHERE name = '" + name + "'");
        REQUIRE(rows.size() == 1);
        CHECK(rows[0][0] == path);
        CHECK(fs::is_directory(out + "/" + path));
    }
    for (const auto& f : all_files(sandbox))
        CHECK(f.rfind("archive/", 0) == 0);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE(
    "export: --attachments none writes no attachment file, show decodes one from the .eml, and "
    "the next default run extracts them all",
    "[integration]") {
    DovecotServer server;
    ScopedTempDir sandbox;
    const std::string out = sandbox.path + "/archive";
    const std::string db = out + "/index.sqlite";

    auto none = run_imapmirror(
        with({"export", "--out", out, "--attachments", "none", "--json"}, server.tls_args()));
    INFO(none.err);
    REQUIRE(none.exit_code == 0);
    CHECK(none.out.find("\"attachments\":5,") != std::string::npos);
    for (const auto& f : all_files(out))
        CHECK(f.find(".attachments/") == std::string::npos);
    CHECK(query(db, "SELECT COUNT(*) FROM attachments WHERE storage = 'none'").at(0).at(0) == "5");
    auto verified = run_imapmirror({"verify", out});
    INFO(verified.out);
    CHECK(verified.exit_code == 0);

    // show: the part number listed, and its bytes decoded from the .eml.
    const auto csv = query(db,
                           "SELECT m.id, a.part, a.path FROM attachments a JOIN messages m ON "
                           "m.id = a.message_id WHERE a.filename LIKE 'Quartalsbericht%'");
    REQUIRE(csv.size() == 1);
    auto listed = run_imapmirror({"show", out, csv[0][0]});
    CHECK(listed.out.find("show --attachment " + csv[0][1]) != std::string::npos);
    auto shown = run_imapmirror(
        {"show", out, csv[0][0], "--attachment", csv[0][1], "-o", sandbox.path + "/q.csv"});
    INFO(shown.err);
    REQUIRE(shown.exit_code == 0);
    CHECK(read_file(sandbox.path + "/q.csv") == "quarter,revenue\nQ1,100\n");
    CHECK(run_imapmirror(
              {"show", out, csv[0][0], "--attachment", "9.9", "-o", sandbox.path + "/none.bin"})
              .exit_code == 7);

    // Back to the default: the files appear, from the .eml, without a download.
    auto files = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(files.err);
    REQUIRE(files.exit_code == 0);
    CHECK(files.out.find("\"messages\":0,") != std::string::npos);
    CHECK(files.out.find("\"attachments_extracted\":5") != std::string::npos);
    CHECK(query(db, "SELECT COUNT(*) FROM attachments WHERE storage = 'link'").at(0).at(0) == "5");
    CHECK(read_file(out + "/" + csv[0][2]) == "quarter,revenue\nQ1,100\n");
    verified = run_imapmirror({"verify", out});
    INFO(verified.out);
    CHECK(verified.exit_code == 0);
}

TEST_CASE("export: every SQL example in the README runs and answers something", "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir() + "/archive";
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    std::string readme = read_file(source_dir() + "/README.md");
    std::vector<std::string> statements;
    for (size_t pos = readme.find("```sql\n"); pos != std::string::npos;
         pos = readme.find("```sql\n", pos)) {
        pos += 7;
        size_t end = readme.find("```", pos);
        std::string block = readme.substr(pos, end - pos);
        for (size_t s = 0, semi; (semi = block.find(";\n", s)) != std::string::npos; s = semi + 2)
            statements.push_back(block.substr(s, semi - s));
        pos = end;
    }
    REQUIRE(statements.size() == 7);
    for (const auto& sql : statements) {
        INFO(sql);
        CHECK_FALSE(query(out + "/index.sqlite", sql).empty());
    }
    std::system(("rm -rf '" + fs::path(out).parent_path().string() + "'").c_str());
}

TEST_CASE("export: --include and --exclude pick folders by decoded name", "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir() + "/archive";
    auto r = run_imapmirror(with({"export", "--out", out, "--include", "Archive*", "--include",
                                  "Entw*", "--exclude", "*/Q2"},
                                 server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto names = query(out + "/index.sqlite", "SELECT name FROM folders ORDER BY name");
    CHECK(names == std::vector<std::vector<std::string>>{
                       {"Archive"}, {"Archive/2024"}, {"Archive/2024/Q1"}, {"Entwürfe"}});
    CHECK(query(out + "/index.sqlite", "SELECT COUNT(*) FROM messages").at(0).at(0) == "2");
    std::system(("rm -rf '" + fs::path(out).parent_path().string() + "'").c_str());
}

TEST_CASE("export: a second export into the same directory while one runs is refused",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    int fd = ::open((out + "/.imapmirror.lock").c_str(), O_RDWR | O_CREAT, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    auto r = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
    CHECK(r.exit_code == 13);
    CHECK(r.err.find("already exporting") != std::string::npos);
    ::close(fd);  // the lock dies with its holder: the next run goes ahead
    auto next = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
    CHECK(next.exit_code == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("export: a locked archive is refused before any connection is made", "[integration]") {
    const std::string out = make_temp_dir();
    int fd = ::open((out + "/.imapmirror.lock").c_str(), O_RDWR | O_CREAT, 0600);
    REQUIRE(fd >= 0);
    REQUIRE(::flock(fd, LOCK_EX) == 0);
    // A server that would log anyone in, and counts who comes.
    std::atomic<int> connections{0};
    auto mailbox = fake_mailbox([](const std::string& tag) { return tag + " NO no mail\r\n"; });
    FakeServer fake([&](int client) {
        ++connections;
        mailbox(client);
    });
    auto r = run_imapmirror(with({"export", "--out", out}, fake_args(fake.port())), kFakePassword);
    INFO(r.err);
    CHECK(r.exit_code == 13);
    CHECK(r.err.find("already exporting") != std::string::npos);
    CHECK(connections == 0);
    // Nobody listens here: a connection attempt would be exit 3, not the lock's 13.
    auto nowhere =
        run_imapmirror(with({"export", "--out", out}, fake_args(unused_port())), kFakePassword);
    INFO(nowhere.err);
    CHECK(nowhere.exit_code == 13);
    CHECK(nowhere.err.find("already exporting") != std::string::npos);
    ::close(fd);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE(
    "export --msg: a .msg beside every .eml, indexed, verified, read by msgconvert, and "
    "a message that cannot be converted is recorded as not convertible, without a .msg",
    "[integration]") {
    DovecotServer server;
    // Not a message at all (no header block): archived as .eml, refused as .msg.
    load_files(server, "Broken", {source_dir() + "/tests/data/seed/manifest"});
    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/archive";
    const std::string db = out + "/index.sqlite";

    auto r = run_imapmirror(with({"export", "--out", out, "--msg", "--json"}, server.tls_args()));
    INFO(r.err << r.out);
    CHECK(r.exit_code == 0);  // not convertible is not an error (#21)
    CHECK(r.out.find("\"messages\":13,") != std::string::npos);
    CHECK(r.out.find("\"msg_not_convertible\":1,") != std::string::npos);
    CHECK(query(db,
                "SELECT path FROM messages WHERE msg_unconvertible LIKE '%GMime cannot "
                "read%'")
              .size() == 1);

    auto rows = query(db, "SELECT path, msg_path, msg_size FROM messages ORDER BY path");
    REQUIRE(rows.size() == 13);
    size_t with_msg = 0;
    for (const auto& row : rows) {
        INFO(row[0]);
        if (row[0].rfind("Broken/", 0) == 0) {
            CHECK(row[1].empty());  // NULL: no .msg
            CHECK(
                !std::filesystem::exists(out + "/" + row[0].substr(0, row[0].size() - 4) + ".msg"));
            continue;
        }
        ++with_msg;
        CHECK(row[1] == row[0].substr(0, row[0].size() - 4) + ".msg");
        CHECK(std::filesystem::exists(out + "/" + row[1]));
    }
    CHECK(with_msg == 12);
    std::map<std::string, std::string> msg_of;
    for (const auto& row : query(db, "SELECT message_id, msg_path FROM messages"))
        msg_of[row[0]] = row[1];
    const std::string check = source_dir() + "/tests/msg/check-msg --pair ";
    const std::string seed = source_dir() + "/tests/data/seed/";
    CHECK(std::system((check + seed + "06-attachments.eml " + out + "/" +
                       msg_of["<seed-attachments@example.de>"])
                          .c_str()) == 0);
    CHECK(std::system((check + seed + "12-forwarded.eml " + out + "/" +
                       msg_of["<seed-forward@example.org>"])
                          .c_str()) == 0);

    // verify knows the .msg files: all well, then a changed one is reported.
    auto verified = run_imapmirror({"verify", out});
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);
    {
        std::ofstream f(out + "/" + msg_of["<seed-attachments@example.de>"],
                        std::ios::binary | std::ios::app);
        f << "x";
    }
    auto changed = run_imapmirror({"verify", out});
    CHECK(changed.exit_code == 11);
    CHECK(changed.out.find(".msg") != std::string::npos);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}
