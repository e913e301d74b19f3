// `search`, `show` and `reindex` on archives exported from a real Dovecot (the seed account
// plus an HTML-only message), and on an archive made before full-text search (schema 006).

#include <pty.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cctype>
#include <filesystem>

#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

// The subjects `search --json` prints, in order.
std::string search_json(const std::string& dir, std::vector<std::string> extra) {
    auto r = run_imapmirror(with({"search", dir}, extra));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return r.out;
}

// A DovecotServer with the seed account and tests/data/bodies/html-only.eml in "Shop".
DovecotServer& server() {
    static DovecotServer s;
    static bool loaded = false;
    if (!loaded) {
        load_files(s, "Shop", {source_dir() + "/tests/data/bodies/html-only.eml"});
        loaded = true;
    }
    return s;
}

// The id of the first message `search` finds for `words`.
std::string first_id(const std::string& dir, const std::string& words) {
    auto hits = search_json(dir, {words, "--json"});
    const size_t at = hits.find("\"id\":");
    REQUIRE(at != std::string::npos);
    return hits.substr(at + 5, hits.find(',', at) - at - 5);
}

// Runs imapmirror with a pseudo-terminal as its standard input, output and error, as a person
// at a terminal would: its exit code and everything it wrote there.
std::pair<int, std::string> run_on_terminal(const std::vector<std::string>& args) {
    std::vector<std::string> argv{IMM_BINARY};
    argv.insert(argv.end(), args.begin(), args.end());
    std::vector<char*> cargv;
    for (auto& a : argv)
        cargv.push_back(a.data());
    cargv.push_back(nullptr);
    int master = -1;
    const pid_t pid = ::forkpty(&master, nullptr, nullptr, nullptr);
    REQUIRE(pid >= 0);
    if (pid == 0) {
        ::execv(cargv[0], cargv.data());
        ::_exit(127);
    }
    std::string seen;
    char buf[4096];
    ssize_t n;
    while ((n = ::read(master, buf, sizeof buf)) > 0)  // EIO once the child has exited
        seen.append(buf, static_cast<size_t>(n));
    int status = 0;
    ::waitpid(pid, &status, 0);
    ::close(master);
    return {WIFEXITED(status) ? WEXITSTATUS(status) : -1, seen};
}

std::string exported(const std::vector<std::string>& options = {}) {
    const std::string out = make_temp_dir() + "/archive";
    auto r = run_imapmirror(with(with({"export", "--out", out}, options), server().tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return out;
}

void remove_archive(const std::string& out) {
    std::system(("rm -rf '" + fs::path(out).parent_path().string() + "'").c_str());
}

}  // namespace

TEST_CASE("search: words only in plain bodies, HTML-only bodies and attachment names are found",
          "[integration]") {
    const std::string out = exported();
    // "sample account" is only in 01-welcome's plain body.
    auto plain = search_json(out, {"sample", "--json"});
    CHECK(has(plain, "\"subject\":\"Welcome to imapmirror\""));
    CHECK(has(plain, "**sample**"));
    // "periwinkle" only in the HTML-only message's body; its hidden and script text is not.
    auto html = search_json(out, {"periwinkle", "--json"});
    CHECK(has(html, "\"subject\":\"Your order has shipped\""));
    CHECK(has(html, "\"folder\":\"Shop\""));
    CHECK_FALSE(has(search_json(out, {"marmalade", "--json"}), "\"id\""));
    CHECK_FALSE(has(search_json(out, {"zebracorn", "--json"}), "\"id\""));
    // Attachment names: 'Quartalsbericht für das erste Quartal 2024.csv' (RFC 2231, folded).
    auto names = search_json(out, {"attachment_names:quartalsbericht", "--json"});
    CHECK(has(names, "\"folder\":\"INBOX\""));
    CHECK(has(search_json(out, {"resume", "--json"}), "\"id\""));  // Résumé.pdf
    // Filters.
    CHECK(has(search_json(out, {"report", "--has-attachment", "--json"}), "Q1 report"));
    CHECK_FALSE(has(search_json(out, {"sample", "--folder", "Shop", "--json"}), "\"id\""));
    CHECK(has(search_json(out, {"periwinkle", "--from", "shop.example", "--json"}), "\"id\""));
    CHECK_FALSE(has(search_json(out, {"periwinkle", "--from", "nobody", "--json"}), "\"id\""));
    CHECK(has(search_json(out, {"periwinkle", "--unread", "--json"}), "\"id\""));
    CHECK(has(search_json(out, {"periwinkle", "--after", "2024-01-05", "--json"}), "\"id\""));
    CHECK_FALSE(
        has(search_json(out, {"periwinkle", "--before", "2024-01-05", "--json"}), "\"id\""));
    CHECK(has(search_json(out, {"sample OR periwinkle", "--sort", "relevance"}), "Welcome"));

    auto bad = run_imapmirror({"search", out, "\"unclosed"});
    CHECK(bad.exit_code == 2);
    CHECK(has(bad.err, "unclosed quote in the search query"));
    remove_archive(out);
}

// The examples the README's "Reading the archive" shows, as written there (the archive's path
// aside), each with what it must find in the seed account.
TEST_CASE("search: the README's query examples run as typed", "[integration]") {
    const std::string out = exported();
    struct Example {
        std::vector<std::string> args;
        const char* finds;
        const char* misses;
    } examples[] = {
        {{"alice@example.org", "plans"}, "Plans for Q1", "Q1 report"},
        {{"from:bob re: plans after:2024-01-01"}, "Re: Plans for Q1", "Welcome"},
        {{"\"plans for q1\" NOT fwd"}, "Re: Plans for Q1", "Fwd:"},
        {{"subject:report OR filename:report"}, "Q1 report", "Welcome"},
        {{"is:unread", "folder:INBOX"}, "Fwd: Plans for Q1", "Welcome"},
        {{"--from", "muller", "--utc", "--sort", "relevance"}, "Jörg Müller", "Bob"},
    };
    for (const auto& e : examples) {
        std::vector<std::string> args{"search", out};
        args.insert(args.end(), e.args.begin(), e.args.end());
        auto r = run_imapmirror(args);
        INFO(e.args.front());
        INFO(r.err);
        CHECK(r.exit_code == 0);
        CHECK(has(r.out, e.finds));
        CHECK_FALSE(has(r.out, e.misses));
    }
    auto utc = run_imapmirror({"search", out, "--from", "muller", "--utc"});
    CHECK(has(utc.out, "1 message match; times in UTC\n"));
    CHECK(has(utc.out, "2024-01-04 13:30"));  // 14:30 +0100
    // A word inside a run of kana: the subject is こんにちは.
    auto kana = run_imapmirror({"search", out, "にち"});
    CHECK(has(kana.out, "1 message match"));
    CHECK(has(kana.out, "日本語"));
    auto shown = run_imapmirror({"show", out, first_id(out, "from:muller"), "--utc"});
    CHECK(shown.exit_code == 0);
    CHECK(has(shown.out, "Jörg Müller"));
    CHECK(has(shown.out, "2024-01-04 13:30 (UTC)"));  // the zone search uses, stated
    remove_archive(out);
}

TEST_CASE("show: an HTML-only message printed readably, with its attachments' paths",
          "[integration]") {
    const std::string out = exported();
    const std::string id = first_id(out, "periwinkle");
    auto r = run_imapmirror({"show", out, id});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(has(r.out, "Subject:  Your order has shipped"));
    CHECK(has(r.out, "Dear Alice,\nyour parcel with the periwinkle teapot is on its way."));
    CHECK(has(r.out, "- Cups & saucers"));
    CHECK(has(r.out, "Track it here <https://track.example.com/p/42>"));
    CHECK(has(r.out, "[converted from HTML"));
    CHECK_FALSE(has(r.out, "<p>"));
    auto html = run_imapmirror({"show", out, id, "--html"});
    CHECK(html.exit_code == 0);
    CHECK(has(html.out, "<h1>Order shipped</h1>"));
    auto raw = run_imapmirror({"show", out, id, "--raw"});
    CHECK(has(raw.out, "Message-ID: <bodies-html-only-1@shop.example.com>"));
    auto by_mid =
        run_imapmirror({"show", out, "--message-id", "<seed-report-q1@example.org>", "--json"});
    CHECK(by_mid.exit_code == 0);
    CHECK(has(by_mid.out, "report Q1.csv"));
    CHECK(has(by_mid.out, out + "/"));
    CHECK(run_imapmirror({"show", out, "999999"}).exit_code == 7);
    remove_archive(out);
}

TEST_CASE("show --raw and --html refuse a terminal, and write to a pipe or to -o FILE",
          "[integration]") {
    // A message's own bytes may hold ESC[2J, OSC 52 (the clipboard) or OSC 8 (links).
    const std::string out = exported();
    const std::string id = first_id(out, "periwinkle");
    for (const char* flag : {"--raw", "--html"}) {
        INFO(flag);
        auto [code, seen] = run_on_terminal({"show", out, id, flag});
        CHECK(code == 2);
        CHECK(has(seen, "not to a terminal"));
        CHECK(has(seen, "-o FILE"));
        CHECK_FALSE(has(seen, "Order shipped"));
        const std::string file = out + "/shown" + flag;
        CHECK(run_on_terminal({"show", out, id, flag, "-o", file}).first == 0);
        CHECK(has(read_file(file), "Order shipped"));
    }
    // The readable form is for terminals.
    auto [code, seen] = run_on_terminal({"show", out, id});
    CHECK(code == 0);
    CHECK(has(seen, "periwinkle teapot"));
    CHECK(run_imapmirror({"show", out, id, "-o", out + "/x"}).exit_code == 2);
    remove_archive(out);
}

TEST_CASE("reindex: an archive made before schema 006 is upgraded and searchable by body",
          "[integration]") {
    const std::string out = exported();
    // What an older imapmirror left: the same rows, without the tables and columns of 006
    // (bodies), 007 (Gmail labels), 008 (.msg files), 009 (account identity), 010 (run outcome),
    // 011 (not convertible), 012 (restored), 013 (CJK pairs) and 014 (restored labels), at
    // version 5.
    query(out + "/index.sqlite", "SELECT 1");
    auto r = run_imapmirror({"search", out, "sample"});
    REQUIRE(r.exit_code == 0);
    {
        const std::string sql =
            "DROP TRIGGER messages_cjk_delete; DROP TABLE messages_cjk; DROP TABLE restored; "
            "DROP TABLE restored_labels; "
            "DROP TRIGGER messages_fts_delete; DROP TABLE messages_fts; DROP VIEW message_search; "
            "DROP TABLE bodies; DROP TABLE message_labels; DROP TABLE label_links; "
            "DROP TABLE labels; ALTER TABLE messages DROP COLUMN msg_path; "
            "ALTER TABLE messages DROP COLUMN msg_sha256; "
            "ALTER TABLE messages DROP COLUMN msg_size; "
            "ALTER TABLE messages DROP COLUMN msg_unconvertible; DROP TABLE account_identity; "
            "ALTER TABLE runs DROP COLUMN error_kind; ALTER TABLE runs DROP COLUMN error_message; "
            "ALTER TABLE runs DROP COLUMN server_reply; PRAGMA user_version = 5;";
        REQUIRE(std::system(("sqlite3 '" + out + "/index.sqlite' '" + sql + "'").c_str()) == 0);
    }
    auto old = run_imapmirror({"search", out, "sample"});
    CHECK(old.exit_code == 2);
    CHECK(has(old.err, "reindex"));
    auto re = run_imapmirror({"reindex", out, "--json"});
    INFO(re.err);
    REQUIRE(re.exit_code == 0);
    CHECK(has(re.out, "\"read\":13"));
    CHECK(has(search_json(out, {"sample", "--json"}), "Welcome to imapmirror"));
    CHECK(has(search_json(out, {"periwinkle", "--json"}), "Your order has shipped"));
    // Idempotent: nothing left to read.
    auto again = run_imapmirror({"reindex", out, "--json"});
    CHECK(has(again.out, "\"read\":0"));
    // The newest version: one per schema/NNN_*.sql file.
    int migrations = 0;
    for (const auto& e : std::filesystem::directory_iterator(source_dir() + "/schema"))
        migrations += e.path().extension() == ".sql" &&
                      std::isdigit(static_cast<unsigned char>(e.path().filename().string()[0]));
    CHECK(query(out + "/index.sqlite", "PRAGMA user_version").at(0).at(0) ==
          std::to_string(migrations));
    remove_archive(out);
}

TEST_CASE("reindex: an export with --no-bodies finds headers at once and bodies after reindex",
          "[integration]") {
    const std::string out = exported({"--no-bodies"});
    CHECK_FALSE(has(search_json(out, {"periwinkle", "--json"}), "\"id\""));
    CHECK(has(search_json(out, {"shipped", "--json"}), "\"id\""));
    REQUIRE(run_imapmirror({"reindex", out}).exit_code == 0);
    CHECK(has(search_json(out, {"periwinkle", "--json"}), "\"id\""));
    remove_archive(out);
}
