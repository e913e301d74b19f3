// The archive against hostile local state: links planted inside DIR are never followed, what
// the archive creates is private whatever the umask, --out refuses system directories, and
// names equal after NFC and case folding never share a directory.

#include <glib.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>

#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> entries(const std::string& dir) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        out.push_back(e.path().string());
    return out;
}

// NFC, then Unicode case folding: what macOS and Windows compare.
std::string folded(const std::string& name) {
    std::unique_ptr<gchar, decltype(&g_free)> nfc(
        g_utf8_normalize(name.c_str(), -1, G_NORMALIZE_NFC), g_free);
    REQUIRE(nfc);
    std::unique_ptr<gchar, decltype(&g_free)> f(g_utf8_casefold(nfc.get(), -1), g_free);
    return f.get();
}

struct Umask {
    explicit Umask(mode_t m) : old(::umask(m)) {}
    ~Umask() { ::umask(old); }
    mode_t old;
};

const std::string kNfc = "Caf\xC3\xA9";   // é, one code point
const std::string kNfd = "Cafe\xCC\x81";  // e + U+0301

}  // namespace

TEST_CASE("archive safety: a folder directory planted as a link is refused, the others go on",
          "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/archive";
    const std::string elsewhere = sandbox + "/elsewhere";
    fs::create_directories(out);
    fs::create_directories(elsewhere);
    fs::create_directory_symlink(elsewhere, out + "/INBOX");
    // Looks like a leftover temp file of ours: must not be cleaned through the link.
    const std::string precious = elsewhere + "/.imapmirror-tmp-precious";
    std::ofstream(precious) << "not the archive's";

    auto r = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
    INFO(r.err << r.out);
    CHECK(r.exit_code == 10);  // partial: one folder failed
    CHECK(r.err.find("folder error") != std::string::npos);
    CHECK(r.err.find(out + "/INBOX\" is a symbolic link") != std::string::npos);
    CHECK(entries(elsewhere) == std::vector<std::string>{precious});
    // The other folders were archived.
    auto rows = query(out + "/index.sqlite",
                      "SELECT COUNT(*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                      "WHERE f.name = 'Sent'");
    CHECK(rows.at(0).at(0) != "0");

    // A second run after new mail still writes nothing through it.
    load_files(server, "INBOX", {source_dir() + "/tests/data/seed/06-attachments.eml"});
    auto again = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
    CHECK(again.exit_code == 10);
    CHECK(entries(elsewhere) == std::vector<std::string>{precious});
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE("archive safety: a linked index.sqlite or lock file is refused and not written through",
          "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    for (const char* name : {"index.sqlite", ".imapmirror.lock", "index.sqlite-wal"}) {
        INFO(name);
        const std::string out = sandbox + "/archive-" + name;
        const std::string target = sandbox + "/target-" + name;  // dangling: would be created
        fs::create_directories(out);
        fs::create_symlink(target, out + "/" + name);
        auto r = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
        INFO(r.err << r.out);
        CHECK(r.exit_code == 9);
        CHECK(r.err.find(std::string(name) + "\" is a symbolic link") != std::string::npos);
        CHECK(!fs::exists(target));
        // Nothing was archived either.
        CHECK(!fs::exists(out + "/INBOX"));
    }
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE("archive safety: every directory is 0700 and every file 0600 under umask 022",
          "[integration]") {
    Umask mask(022);
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/new/archive";
    auto r = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);
    CHECK(fs::exists(out + "/.imapmirror.lock"));
    CHECK(fs::is_directory(out + "/Archive/2024/Q2"));
    size_t files = 0;
    for (const std::string& p : entries(sandbox + "/new")) {
        INFO(p);
        struct stat st {};
        REQUIRE(::lstat(p.c_str(), &st) == 0);
        CHECK((S_ISDIR(st.st_mode) || S_ISREG(st.st_mode)));
        CHECK((st.st_mode & 0777) == (S_ISDIR(st.st_mode) ? 0700u : 0600u));
        files += S_ISREG(st.st_mode) ? 1 : 0;
    }
    CHECK(files > 12);
    struct stat top {};
    REQUIRE(::stat((sandbox + "/new").c_str(), &top) == 0);
    CHECK((top.st_mode & 0777) == 0700);

    // fetch -o NEWDIR: the same.
    const std::string fetched = sandbox + "/fetched";
    auto f = run_imapmirror(
        with({"fetch", "INBOX", "--uid", "1", "--uid", "2", "-o", fetched}, server.tls_args()));
    INFO(f.err);
    REQUIRE(f.exit_code == 0);
    struct stat st {};
    REQUIRE(::stat(fetched.c_str(), &st) == 0);
    CHECK((st.st_mode & 0777) == 0700);
    for (const std::string& p : entries(fetched)) {
        INFO(p);
        REQUIRE(::stat(p.c_str(), &st) == 0);
        CHECK((st.st_mode & 0777) == 0600);
    }
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE("archive safety: --out refuses the home directory and system directories",
          "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    // $HOME first: the old code would go on to write into it (and, as root, into /).
    auto home = run_imapmirror(with({"export", "--out", sandbox + "/"}, server.tls_args()),
                               {"HOME=" + sandbox});
    INFO(home.err);
    REQUIRE(home.exit_code == 2);
    CHECK(entries(sandbox).empty());
    for (const std::string dir : {"/", "/usr", "/etc/", "/tmp/../var"}) {
        INFO(dir);
        auto r = run_imapmirror(with({"export", "--out", dir}, server.tls_args()));
        CHECK(r.exit_code == 2);
        CHECK(r.err.rfind("imapmirror: error: --out ", 0) == 0);
        CHECK(r.err.find("system or home directory") != std::string::npos);
        CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
    }
    CHECK(!fs::exists("/.imapmirror.lock"));
    CHECK(!fs::exists("/index.sqlite"));
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE("archive safety: Café in NFC and in NFD, folders and attachments, never share a name",
          "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    const std::string msg = sandbox + "/names.eml";
    auto att = [](const std::string& name, const std::string& body) {
        return "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: "
               "attachment; filename*=utf-8''" +
               name + "\r\n\r\n" + body + "\r\n";
    };
    // Percent-encoded (RFC 2231): Café.txt in NFC, in NFD, and a right-to-left override.
    std::ofstream(msg, std::ios::binary)
        << "From: a@example.com\r\nSubject: names\r\nMessage-ID: <names@example.com>\r\n"
           "MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=\"b\"\r\n\r\n" +
               att("Caf%C3%A9.txt", "nfc") + att("Cafe%CC%81.txt", "nfd") +
               att("CAF%C3%89.TXT", "upper") + att("invoice%E2%80%AEfdp.exe", "rlo") + "--b--\r\n";
    load_files(server, "safety/" + kNfc, {msg});
    load_files(server, "safety/" + kNfd, {msg});

    const std::string out = sandbox + "/archive";
    const std::string db = out + "/index.sqlite";
    auto r =
        run_imapmirror(with({"export", "--out", out, "--include", "safety*"}, server.tls_args()));
    INFO(r.err << r.out);
    REQUIRE(r.exit_code == 0);

    auto folders =
        query(db, "SELECT name, path FROM folders WHERE name LIKE 'safety/%' ORDER BY path");
    REQUIRE(folders.size() == 2);
    CHECK(folded(folders[0][0]) == folded(folders[1][0]));  // one name to macOS
    CHECK(folded(folders[0][1]) != folded(folders[1][1]));  // two directories
    for (const auto& f : folders)
        CHECK(fs::is_directory(out + "/" + f[1]));

    auto atts = query(db,
                      "SELECT a.filename, a.path FROM attachments a JOIN messages m ON m.id = "
                      "a.message_id JOIN folders f ON f.id = m.folder_id WHERE f.path = '" +
                          folders[0][1] + "' ORDER BY a.part");
    REQUIRE(atts.size() == 4);
    std::set<std::string> keys;
    for (const auto& a : atts) {
        INFO(a[1]);
        keys.insert(folded(fs::path(a[1]).filename().string()));
        CHECK(fs::exists(out + "/" + a[1]));
    }
    CHECK(keys.size() == 4);
    // The override is not in the file name; the index keeps the name as sent.
    CHECK(atts[3][0] == "invoice\u202Efdp.exe");
    CHECK(atts[3][1].find("\u202E") == std::string::npos);
    CHECK(fs::path(atts[3][1]).filename() == "invoice_fdp.exe");

    // A second run moves nothing.
    auto again =
        run_imapmirror(with({"export", "--out", out, "--include", "safety*"}, server.tls_args()));
    REQUIRE(again.exit_code == 0);
    CHECK(query(db, "SELECT name, path FROM folders WHERE name LIKE 'safety/%' ORDER BY path") ==
          folders);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}
