// Re-runs of `imapmirror export` on the same archive: what a nightly backup meets.

#include <sqlite3.h>
#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <chrono>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <optional>
#include <random>

#include "../corpora.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

std::string scalar(const std::string& db, const std::string& sql) {
    return query(db, sql).at(0).at(0);
}

size_t log_size(const DovecotServer& s) {
    return read_file(s.dir() + "/dovecot.log").size();
}

void save(const DovecotServer& server, const std::string& folder, const std::string& message) {
    std::string path = server.dir() + "/new.eml";
    std::ofstream(path, std::ios::binary) << message;
    REQUIRE(std::system(("echo '" + path + "' | '" + source_dir() + "/scripts/test-server' load '" +
                         server.dir() + "' '" + folder + "'")
                            .c_str()) == 0);
}

std::string message(int n, size_t body_bytes = 10) {
    return "From: n@example.org\r\nSubject: new " + std::to_string(n) + "\r\nMessage-ID: <new-" +
           std::to_string(n) + "@example.org>\r\n\r\n" + std::string(body_bytes, 'x') + "\r\n";
}

// What an archive holds, independent of when and how it was written: folder, UID, sha256 of
// every message; path and sha256 of every attachment; every file on disk.
std::vector<std::string> fingerprint(const std::string& root) {
    std::vector<std::string> out;
    for (const auto& r : query(
             root + "/index.sqlite",
             "SELECT f.name || ' ' || m.uid || ' ' || m.sha256 || ' ' || m.path || ' ' || m.flags "
             "FROM messages m JOIN folders f ON f.id = m.folder_id ORDER BY 1"))
        out.push_back(r[0]);
    for (const auto& r : query(root + "/index.sqlite",
                               "SELECT path || ' ' || sha256 || ' ' || storage FROM attachments "
                               "ORDER BY 1"))
        out.push_back(r[0]);
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        std::string rel = fs::relative(e.path(), root).string();
        if (rel.rfind("index.sqlite", 0) == 0 || rel == ".imapmirror.lock")
            continue;
        files.push_back(rel);
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
    return out;
}

// Attachment rows stored as "link" whose file is not the attachment store's file (the same
// inode as DIR/.attachments-store/ab/<sha256>): none, in an archive whose store is whole.
std::vector<std::string> links_not_to_the_store(const std::string& root) {
    std::vector<std::string> bad;
    for (const auto& r : query(root + "/index.sqlite",
                               "SELECT path, sha256 FROM attachments WHERE storage = 'link'")) {
        struct stat mine {
        }, kept{};
        const std::string store = root + "/.attachments-store/" + r[1].substr(0, 2) + "/" + r[1];
        if (::lstat((root + "/" + r[0]).c_str(), &mine) != 0 ||
            ::lstat(store.c_str(), &kept) != 0 || mine.st_ino != kept.st_ino)
            bad.push_back(r[0]);
    }
    return bad;
}

}  // namespace

TEST_CASE("incremental: a re-run with no change opens no folder and fetches nothing",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    size_t offset = log_size(server);
    auto r = run_imapmirror(with({"-vv", "export", "--out", out, "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"messages\":0,") != std::string::npos);
    CHECK(r.out.find("\"folders_unchanged\":8,") != std::string::npos);  // every selectable folder
    CHECK(r.err.find("EXAMINE") == std::string::npos);
    CHECK(r.err.find("FETCH") == std::string::npos);
    CHECK(dovecot_bodies_since(server.dir() + "/dovecot.log", offset) == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("incremental: N new messages cost exactly N bodies", "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    save(server, "INBOX", message(1));
    save(server, "INBOX", message(2));
    save(server, "Archive/2024/Q2", message(3));
    size_t offset = log_size(server);
    auto r = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"messages\":3,") != std::string::npos);
    CHECK(dovecot_bodies_since(server.dir() + "/dovecot.log", offset) == 3);
    CHECK(scalar(out + "/index.sqlite", "SELECT COUNT(*) FROM messages") == "15");
    CHECK(scalar(out + "/index.sqlite",
                 "SELECT COUNT(DISTINCT folder_id || '/' || uid) FROM messages") == "15");
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("incremental: messages missing below the highest archived UID are fetched next run",
          "[integration]") {
    // What parallel ranges leave when a run ends early (a later range committed, an earlier one
    // not), or a message skipped after an error: the folder was not recorded as synced.
    DovecotServer server;
    const std::string out = make_temp_dir();
    const std::string db = out + "/index.sqlite";
    for (int n = 1; n <= 4; ++n)
        save(server, "INBOX", message(n));
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    const std::string inbox = "(SELECT id FROM folders WHERE name = 'INBOX')";
    const std::string max_uid =
        scalar(db, "SELECT MAX(uid) FROM messages WHERE folder_id = " + inbox);
    REQUIRE(std::system(("sqlite3 '" + db + "' \"DELETE FROM messages WHERE folder_id = " + inbox +
                         " AND uid IN (2, 3); UPDATE folders SET uidnext = NULL, server_messages = "
                         "NULL WHERE id = " +
                         inbox + "\"")
                            .c_str()) == 0);
    size_t offset = log_size(server);
    auto r = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"messages\":2,") != std::string::npos);
    CHECK(dovecot_bodies_since(server.dir() + "/dovecot.log", offset) == 2);
    CHECK(scalar(db, "SELECT COUNT(*) FROM messages WHERE folder_id = " + inbox +
                         " AND uid IN (2, 3)") == "2");
    CHECK(scalar(db, "SELECT MAX(uid) FROM messages WHERE folder_id = " + inbox) == max_uid);
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("incremental: flag changes and expunges reach the index and the files stay",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    const std::string db = out + "/index.sqlite";
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    const std::string expunged_path =
        scalar(db, "SELECT path FROM messages WHERE message_id = '<seed-welcome@example.org>'");
    server.doveadm("flags add -u alice '\\Seen $Done' mailbox INBOX uid 2");
    server.doveadm("flags remove -u alice '\\Seen' mailbox Sent uid 1");
    server.doveadm("expunge -u alice mailbox INBOX uid 1");
    size_t offset = log_size(server);
    auto r = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"flags_changed\":2,") != std::string::npos);
    CHECK(r.out.find("\"expunged\":1,") != std::string::npos);
    CHECK(dovecot_bodies_since(server.dir() + "/dovecot.log", offset) == 0);
    CHECK(
        scalar(db,
               "SELECT flags FROM messages WHERE message_id = '<seed-news-1@lists.example.com>'") ==
        "\\Seen $Done");
    CHECK(
        scalar(db, "SELECT flags FROM messages WHERE message_id = '<seed-thread-3@example.org>'") ==
        "");
    CHECK(scalar(db,
                 "SELECT deleted_at IS NOT NULL FROM messages WHERE message_id = "
                 "'<seed-welcome@example.org>'") == "1");
    CHECK(fs::is_regular_file(out + "/" + expunged_path));

    // A folder deleted on the server: rows marked, files kept.
    const std::string report =
        scalar(db, "SELECT path FROM messages WHERE message_id = '<seed-report-q1@example.org>'");
    server.doveadm("mailbox delete -u alice -r 'Archive/2024/Q1'");
    auto again = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    REQUIRE(again.exit_code == 0);
    CHECK(again.out.find("\"folders_deleted\":1,") != std::string::npos);
    CHECK(scalar(db, "SELECT deleted_at IS NOT NULL FROM folders WHERE name = 'Archive/2024/Q1'") ==
          "1");
    CHECK(scalar(db,
                 "SELECT deleted_at IS NOT NULL FROM messages WHERE message_id = "
                 "'<seed-report-q1@example.org>'") == "1");
    CHECK(fs::is_regular_file(out + "/" + report));
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("incremental: after a UIDVALIDITY reset nothing is downloaded again and nothing is lost",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    const std::string db = out + "/index.sqlite";
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    auto before = fingerprint(out);
    server.doveadm("mailbox update -u alice --uid-validity 4242 INBOX");
    server.doveadm("flags add -u alice '$Reset' mailbox INBOX uid 3");  // changed in the new epoch
    save(server, "INBOX", message(7));  // and one genuinely new message in the new epoch
    size_t offset = log_size(server);
    auto r = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"remapped\":6,") != std::string::npos);
    CHECK(r.out.find("\"messages\":1,") != std::string::npos);
    CHECK(dovecot_bodies_since(server.dir() + "/dovecot.log", offset) == 1);
    CHECK(scalar(db,
                 "SELECT COUNT(*) FROM messages WHERE folder_id = (SELECT id FROM folders WHERE "
                 "name = 'INBOX') "
                 "AND uidvalidity = 4242 AND deleted_at IS NULL") == "7");
    CHECK(scalar(db, "SELECT COUNT(*) FROM messages") == "13");
    // Re-mapped rows carry the new epoch's flags, not the old ones.
    CHECK(
        scalar(db, "SELECT flags FROM messages WHERE message_id = '<seed-thread-1@example.org>'") ==
        "\\Seen $Reset");
    // Every file of the first run is still there, unchanged.
    auto verify = run_imapmirror({"verify", out});
    CHECK(verify.exit_code == 0);
    auto after = fingerprint(out);
    for (const auto& line : before) {
        if (line.find(".eml") == std::string::npos || line.find(' ') == std::string::npos) {
            INFO(line);
            CHECK(std::find(after.begin(), after.end(), line) != after.end());
        }
    }
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE(
    "incremental: killed with SIGKILL at random points, the next run completes the archive exactly",
    "[integration][crash]") {
    IMM_SKIP_WITHOUT_CORPORA(corpora);
    DovecotServer server;
    // Enough mail that a run takes a while: the mime4j and mimetools corpora.
    for (const char* dir : {"mime4j/core/src/test/resources/testmsgs",
                            "mime4j/core/src/test/resources/mimetools-testmsgs"}) {
        std::string list = server.dir() + "/list";
        std::system(
            ("find '" + corpora + "/" + dir + "' -name '*.msg' | sort > '" + list + "'").c_str());
        REQUIRE(std::system(("'" + source_dir() + "/scripts/test-server' load '" + server.dir() +
                             "' 'corpus' < '" + list + "'")
                                .c_str()) == 0);
    }
    save(server, "INBOX", message(9, 3'000'000));  // a big body to die inside of

    const std::string clean = make_temp_dir();
    auto cold = run_imapmirror(with({"export", "--out", clean}, server.tls_args()));
    REQUIRE(cold.exit_code == 0);
    const auto expected = fingerprint(clean);
    // The corpora carry the same attachment in several messages: stored once, linked.
    REQUIRE(scalar(clean + "/index.sqlite",
                   "SELECT COUNT(*) > COUNT(DISTINCT sha256) FROM attachments WHERE storage = "
                   "'link'") == "1");
    CHECK(links_not_to_the_store(clean).empty());

    // Each seed: a fresh archive, killed at a random moment of its first run, then one more
    // run, which must give exactly the clean archive.
    std::mt19937 rng(20261122);
    const int cold_ms = std::max(50, static_cast<int>(cold.seconds * 1000));
    int kills = 0;
    for (int seed = 0; seed < 12; ++seed) {
        const std::string crashed = make_temp_dir();
        int delay = static_cast<int>(rng() % static_cast<unsigned>(cold_ms));
        INFO("seed " << seed << ", killed after " << delay << " ms of a " << cold_ms << " ms run");
        if (run_imapmirror_killed(with({"export", "--out", crashed}, server.tls_args()), delay))
            ++kills;
        auto finish = run_imapmirror(with({"export", "--out", crashed}, server.tls_args()));
        INFO(finish.err);
        REQUIRE(finish.exit_code == 0);
        CHECK(fingerprint(crashed) == expected);
        CHECK(links_not_to_the_store(crashed).empty());
        auto verify = run_imapmirror({"verify", crashed});
        INFO(verify.out);
        CHECK(verify.exit_code == 0);
        std::system(("rm -rf '" + crashed + "'").c_str());
    }
    CHECK(kills >= 6);  // most kills must land inside a run, or the test proves little
    std::system(("rm -rf '" + clean + "'").c_str());
}

// The relay misbehaves on its first connection only: these tests use one connection, so that
// the faulty one carries all the work.
TEST_CASE("incremental: a connection cut inside a literal is resumed on a new connection",
          "[integration]") {
    DovecotServer server;
    save(server, "INBOX", message(8, 400'000));
    FaultyRelay relay(server.plain_port(), 200'000, FaultyRelay::Fault::Cut);
    const std::string out = make_temp_dir();
    auto r = run_imapmirror({"export", "--out", out, "--json", "--host", "127.0.0.1", "--port",
                             std::to_string(relay.port()), "--tls", "none", "--user", "alice",
                             "--password-file", server.password_file(), "--retry-wait", "0.1",
                             "--connections", "1"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("\"reconnects\":1,") != std::string::npos);
    CHECK(r.out.find("\"messages\":13,") != std::string::npos);
    // One that asks the server's SASL mechanisms, the one cut, the one that resumes.
    CHECK(relay.connections() == 3);
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("incremental: with several connections, the others finish what a lost one left",
          "[integration]") {
    DovecotServer server;
    // Enough in most folders that whichever the first connection works on, it is cut there.
    int n = 8;
    for (const char* folder :
         {"INBOX", "Sent", "Archive", "Archive/2024", "A & B", "Folder With Spaces"})
        save(server, folder, message(n++, 300'000));
    // The first connection (folder list, then work) is cut inside a literal; no reconnect is
    // allowed, so only the other connections can finish its task.
    FaultyRelay relay(server.plain_port(), 200'000, FaultyRelay::Fault::Cut);
    const std::string out = make_temp_dir();
    auto r = run_imapmirror({"export", "--out", out, "--json", "--host", "127.0.0.1", "--port",
                             std::to_string(relay.port()), "--tls", "none", "--user", "alice",
                             "--password-file", server.password_file(), "--retries", "0",
                             "--connections", "3"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("the other connections go on") != std::string::npos);
    CHECK(relay.connections() >= 2);
    CHECK(r.out.find("\"messages\":18,") != std::string::npos);  // 12 seeded, 6 added
    CHECK(run_imapmirror({"verify", out, "--server", "--host", "127.0.0.1", "--port",
                          std::to_string(server.plain_port()), "--tls", "none", "--user", "alice",
                          "--password-file", server.password_file()})
              .exit_code == 0);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("incremental: a stalled connection times out, then the run resumes", "[integration]") {
    DovecotServer server;
    save(server, "INBOX", message(8, 400'000));
    FaultyRelay relay(server.plain_port(), 200'000, FaultyRelay::Fault::Stall);
    const std::string out = make_temp_dir();
    auto r = run_imapmirror({"export",
                             "--out",
                             out,
                             "--json",
                             "--host",
                             "127.0.0.1",
                             "--port",
                             std::to_string(relay.port()),
                             "--tls",
                             "none",
                             "--user",
                             "alice",
                             "--password-file",
                             server.password_file(),
                             "--retry-wait",
                             "0.1",
                             "--connections",
                             "1",
                             "--timeout",
                             "2"});
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("\"reconnects\":1,") != std::string::npos);
    CHECK(r.seconds < 30);
    CHECK(scalar(out + "/index.sqlite", "SELECT COUNT(*) FROM messages") == "13");
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("incremental: when the server keeps dropping, the run gives up cleanly with exit 3",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    // The first connection is cut right after the login, and no retry is allowed.
    FaultyRelay relay(server.plain_port(), 2'500, FaultyRelay::Fault::Cut);
    auto r = run_imapmirror({"export", "--out", out, "--host", "127.0.0.1", "--port",
                             std::to_string(relay.port()), "--tls", "none", "--user", "alice",
                             "--password-file", server.password_file(), "--retry-wait", "0.05",
                             "--retries", "0", "--connections", "1"});
    CHECK(r.exit_code == 3);
    CHECK(r.err.find("error:") != std::string::npos);
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);  // consistent, if incomplete
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("verify: reports missing, changed and extra files, and UIDs not yet archived",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    const std::string db = out + "/index.sqlite";
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    auto on_server = run_imapmirror(with({"verify", out, "--server", "--json"}, server.tls_args()));
    CHECK(on_server.exit_code == 0);
    CHECK(on_server.out.find("\"server_checked\":true") != std::string::npos);

    const std::string a =
        scalar(db, "SELECT path FROM messages WHERE message_id = '<seed-welcome@example.org>'");
    const std::string b = scalar(db, "SELECT path FROM attachments WHERE filename = 'Grüße.txt'");
    fs::remove(out + "/" + a);
    std::ofstream(out + "/" + b, std::ios::app) << "tampered";
    std::ofstream(out + "/INBOX/stray.eml") << "x";
    save(server, "Sent", message(5));
    auto r = run_imapmirror(with({"verify", out, "--server", "--json"}, server.tls_args()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 11);
    CHECK(r.out.find("\"missing\":[\"" + a + "\"]") != std::string::npos);
    // The attachment file is a hard link to the attachment store's: the store file, the same
    // bytes on disk, is changed with it.
    CHECK(r.out.find("\"changed\":[\"" + b + "\",\".attachments-store/") != std::string::npos);
    CHECK(r.out.find("\"extra\":[\"INBOX/stray.eml\"]") != std::string::npos);
    CHECK(r.out.find("\"not_archived\":[\"Sent: UID 2\"]") != std::string::npos);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE("verify: a server folder the archive never got is a mismatch unless excluded",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    REQUIRE(run_imapmirror(with({"export", "--out", out, "--exclude", "Sent"}, server.tls_args()))
                .exit_code == 0);
    auto r = run_imapmirror(with({"verify", out, "--server", "--json"}, server.tls_args()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 11);
    CHECK(r.out.find("\"folders_not_archived\":[\"Sent\"]") != std::string::npos);
    auto text = run_imapmirror(with({"verify", out, "--server"}, server.tls_args()));
    CHECK(text.out.find("Folders on the server, not archived") != std::string::npos);
    auto excluded = run_imapmirror(
        with({"verify", out, "--server", "--exclude", "Sent", "--json"}, server.tls_args()));
    INFO(excluded.out << excluded.err);
    CHECK(excluded.exit_code == 0);
    CHECK(excluded.out.find("\"folders_not_archived\":[]") != std::string::npos);
    std::system(("rm -rf '" + out + "'").c_str());
}

TEST_CASE(
    "incremental: a full disk stops the run with exit 9 and one clear line, and the next run "
    "completes",
    "[integration]") {
    DovecotServer server;
    save(server, "INBOX", message(8, 600'000));
    const std::string mount_point = make_temp_dir();
    const std::string out = mount_point + "/archive";
    // A 400 KB file system fills up on the 600 KB message. Where mounting is not allowed, a
    // file size limit makes the same write fail (EFBIG instead of ENOSPC).
    const bool mounted =
        std::system(
            ("mount -t tmpfs -o size=400k tmpfs '" + mount_point + "' 2>/dev/null").c_str()) == 0;
    std::vector<std::string> limit;
    if (!mounted)
        limit = {"/usr/bin/prlimit", "--fsize=300000"};
    auto r = run_imapmirror(with({"export", "--out", out}, server.tls_args()), {}, limit);
    INFO(r.err);
    CHECK(r.exit_code == 9);
    CHECK(static_cast<size_t>(std::count(r.err.begin(), r.err.end(), '\n')) == 1);
    CHECK((r.err.find("No space left on device") != std::string::npos ||
           r.err.find("disk is full") != std::string::npos ||
           r.err.find("File too large") != std::string::npos));
    // What is there is consistent: every indexed file intact, no stray temporary files.
    auto verify = run_imapmirror({"verify", out});
    INFO(verify.out);
    CHECK(verify.exit_code == 0);
    // Space freed: the next run completes the archive.
    if (mounted)
        REQUIRE(std::system(("mount -o remount,size=20m '" + mount_point + "'").c_str()) == 0);
    auto again = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(scalar(out + "/index.sqlite", "SELECT COUNT(*) FROM messages") == "13");
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    if (mounted)
        std::system(("umount '" + mount_point + "'").c_str());
    std::system(("rm -rf '" + mount_point + "'").c_str());
}

TEST_CASE(
    "incremental: Ctrl-C stops the run with exit 130 keeping what was fetched, and the next run "
    "resumes",
    "[integration]") {
    DovecotServer server;
    for (int n = 0; n < 30; ++n)
        save(server, "INBOX", message(100 + n, 300'000));
    // Every connection stalls after 1 MB, so the one in INBOX's bodies stalls there and Ctrl-C
    // lands while all of them wait (on a socket, or for work), with messages fetched but not
    // yet committed. The signal reaches one thread; every connection must notice it.
    FaultyRelay relay(server.plain_port(), 1'000'000, FaultyRelay::Fault::Stall, true);
    // Ctrl-C comes a moment after a connection stalled, so messages were fetched whatever the
    // machine's speed. If the run had committed none yet, the moment doubles and a new archive
    // is made, up to four times.
    auto messages_in = [](const std::string& dir) {
        return fs::exists(dir + "/index.sqlite")
                   ? std::stoi(scalar(dir + "/index.sqlite", "SELECT COUNT(*) FROM messages"))
                   : 0;
    };
    std::string out;
    RunResult r;
    for (int delay_ms = 500, attempt = 0; attempt < 4; ++attempt, delay_ms *= 2) {
        out = make_temp_dir();
        const int faults_before = relay.faults();
        std::optional<std::chrono::steady_clock::time_point> stalled;
        r = run_imapmirror_signalled_when(
            {"export", "--out", out, "--host", "127.0.0.1", "--port", std::to_string(relay.port()),
             "--tls", "none", "--user", "alice", "--password-file", server.password_file(),
             "--timeout", "60", "--connections", "3"},
            [&] {
                const auto now = std::chrono::steady_clock::now();
                if (!stalled && relay.faults() > faults_before)
                    stalled = now;
                return stalled && now - *stalled >= std::chrono::milliseconds(delay_ms);
            },
            60000, SIGINT);
        if (r.exit_code != 130 || messages_in(out) > 0)
            break;
    }
    INFO(r.err << r.out);
    CHECK(r.exit_code == 130);
    // Not the 60 s a connection waiting on its socket would take.
    CHECK(r.seconds_after_signal < 8);
    CHECK(r.err.find("error: interrupted") != std::string::npos);
    CHECK(r.err.find("run again to resume") != std::string::npos);
    CHECK(r.out.find("Stopped:") != std::string::npos);
    CHECK(messages_in(out) > 0);  // progress kept
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    // The same account, now straight at the server's TLS port instead of the relay's: the
    // archive recorded the relay's port, so this run says the server moved.
    auto again =
        run_imapmirror(with({"export", "--out", out, "--repoint-archive"}, server.tls_args()));
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(scalar(out + "/index.sqlite", "SELECT COUNT(*) FROM messages") == "42");
    std::system(("rm -rf '" + out + "'").c_str());
}
