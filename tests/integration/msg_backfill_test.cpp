// `export --msg` on an archive made without it: the messages archived earlier get their .msg
// from their .eml, without a download, once.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "fake_account.hpp"
#include "scoped_temp_dir.hpp"
#include "scripted_imap.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

bool has(const std::string& s, const std::string& part) {
    return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE(
    "export --msg: messages archived earlier without --msg get a .msg, indexed and verified, "
    "once, and one that cannot be converted is recorded once as not convertible, not an "
    "error every night",
    "[integration]") {
    DovecotServer server;
    // Not a message at all (no header block): archived as .eml, refused as .msg.
    load_files(server, "Broken", {source_dir() + "/tests/data/seed/manifest"});
    const std::string sandbox = make_temp_dir();
    const std::string out = sandbox + "/archive";
    const std::string db = out + "/index.sqlite";

    auto first = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(first.err << first.out);
    REQUIRE(first.exit_code == 0);
    REQUIRE(query(db, "SELECT COUNT(*) FROM messages WHERE msg_path IS NULL").at(0).at(0) == "13");

    // No new mail: the .msg files come from the archived .eml files alone.
    auto second =
        run_imapmirror(with({"export", "--out", out, "--msg", "--json"}, server.tls_args()));
    INFO(second.err << second.out);
    CHECK(second.exit_code == 0);  // the Broken message: recorded, not an error (#21)
    CHECK(has(second.out, "\"messages\":0,"));
    CHECK(has(second.out, "\"msg_backfilled\":12,"));
    CHECK(has(second.out, "\"msg_not_convertible\":1,"));
    CHECK(query(db, "SELECT path FROM messages WHERE msg_unconvertible IS NOT NULL")
              .at(0)
              .at(0)
              .rfind("Broken/", 0) == 0);

    auto rows = query(db, "SELECT path, msg_path, msg_sha256, msg_size FROM messages");
    REQUIRE(rows.size() == 13);
    std::map<std::string, fs::file_time_type> written;
    for (const auto& row : rows) {
        INFO(row[0]);
        const std::string msg = row[0].substr(0, row[0].size() - 4) + ".msg";
        if (row[0].rfind("Broken/", 0) == 0) {
            CHECK(row[1].empty());  // NULL: no .msg
            CHECK_FALSE(fs::exists(out + "/" + msg));
            continue;
        }
        CHECK(row[1] == msg);
        REQUIRE(fs::is_regular_file(out + "/" + msg));
        CHECK(row[2].size() == 64);
        CHECK(row[3] == std::to_string(fs::file_size(out + "/" + msg)));
        written[msg] = fs::last_write_time(out + "/" + msg);
    }
    CHECK(written.size() == 12);
    CHECK(std::system((source_dir() + "/tests/msg/check-msg --pair " + source_dir() +
                       "/tests/data/seed/06-attachments.eml " + out + "/" +
                       query(db,
                             "SELECT msg_path FROM messages WHERE message_id = "
                             "'<seed-attachments@example.de>'")
                           .at(0)
                           .at(0))
                          .c_str()) == 0);
    auto verified = run_imapmirror({"verify", out});
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);

    // Nothing left to convert; the message that cannot be is not tried, or reported, again.
    auto third =
        run_imapmirror(with({"export", "--out", out, "--msg", "--json"}, server.tls_args()));
    INFO(third.err << third.out);
    CHECK(third.exit_code == 0);
    CHECK(has(third.out, "\"msg_backfilled\":0,"));
    CHECK(has(third.out, "\"msg_not_convertible\":0,"));
    CHECK_FALSE(has(third.out, "no .msg written"));
    for (const auto& [msg, time] : written)
        CHECK(fs::last_write_time(out + "/" + msg) == time);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE(
    "export --msg: a folder named like a message's .msg (INBOX/7-1.msg) keeps its mail, and "
    "its directory never holds that .msg",
    "[integration]") {
    // Scripted: Dovecot refuses '.' in folder names with the test layout. INBOX has
    // UIDVALIDITY 7, so its UID 1 writes "INBOX/7-1.msg", the name of the child folder.
    FakeAccount account;
    account.edit([](auto& folders, auto&) {
        folders["INBOX"].add("From: a@example.org\r\nSubject: one\r\n\r\nbody\r\n");
        folders["INBOX/7-1.msg"].add("From: b@example.org\r\nSubject: kept\r\n\r\nmail\r\n");
    });
    auto args = [&](const std::string& out, bool msg) {
        auto a = with({"export", "--out", out, "--retries", "0"}, fake_args(account.port()));
        if (msg)
            a.push_back("--msg");
        return a;
    };
    for (bool backfill : {false, true}) {
        INFO((backfill ? "the .msg from the backfill" : "the .msg with the download"));
        const ScopedTempDir sandbox;
        const std::string out = sandbox.path + "/archive";
        if (backfill)
            REQUIRE(run_imapmirror(args(out, false), kFakePassword).exit_code == 0);
        auto r = run_imapmirror(args(out, true), kFakePassword);
        INFO(r.err << r.out);
        CHECK(r.exit_code == 0);
        const auto rows = query(out + "/index.sqlite",
                                "SELECT f.path, m.path FROM messages m JOIN folders f ON f.id = "
                                "m.folder_id WHERE f.name = 'INBOX/7-1.msg'");
        REQUIRE(rows.size() == 1);
        CHECK(rows[0][0] == "INBOX/_7-1.msg");
        CHECK(fs::is_regular_file(out + "/" + rows[0][1]));
        CHECK(fs::is_regular_file(out + "/INBOX/7-1.msg"));
        auto verified = run_imapmirror({"verify", out});
        INFO(verified.out << verified.err);
        CHECK(verified.exit_code == 0);
    }
}

TEST_CASE(
    "export --msg: killed with SIGKILL at random points of the .msg backfill, one more run "
    "leaves every .msg written, no temporary file, and an archive verify accepts",
    "[integration][crash]") {
    DovecotServer server;
    const ScopedTempDir mail;
    std::vector<std::string> files;
    for (int n = 0; n < 100; ++n) {
        files.push_back(mail.path + "/" + std::to_string(n) + ".eml");
        std::ofstream(files.back(), std::ios::binary)
            << "From: k@example.org\r\nSubject: backfill " << n << "\r\nMessage-ID: <backfill-" << n
            << "@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; "
               "boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nbody "
            << n
            << "\r\n--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: "
               "attachment; filename=a.bin\r\nContent-Transfer-Encoding: base64\r\n\r\n"
            << std::string(4000, 'A') << "\r\n--b--\r\n";
    }
    load_files(server, "INBOX", files);
    const ScopedTempDir base;
    const std::string archive = base.path + "/archive";
    REQUIRE(run_imapmirror(with({"export", "--out", archive}, server.tls_args())).exit_code == 0);
    const std::string total =
        query(archive + "/index.sqlite", "SELECT COUNT(*) FROM messages").at(0).at(0);

    // A run with nothing to do, then one that converts everything: kills land in between.
    const ScopedTempDir timing;
    fs::copy(archive, timing.path + "/archive", fs::copy_options::recursive);
    auto quiet =
        run_imapmirror(with({"export", "--out", timing.path + "/archive"}, server.tls_args()));
    auto full = run_imapmirror(
        with({"export", "--out", timing.path + "/archive", "--msg"}, server.tls_args()));
    INFO(full.err);
    REQUIRE(full.exit_code == 0);
    const int quiet_ms = static_cast<int>(quiet.seconds * 1000);
    const int backfill_ms = std::max(50, static_cast<int>((full.seconds - quiet.seconds) * 1000));

    std::mt19937 rng(20261206);
    int kills = 0;
    // A busy machine makes the timing runs a poor guide: an attempt whose kill came after the run
    // ended shortens the next delays, and attempts go on until three kills have landed.
    double scale = 1.0;
    for (int seed = 0; seed < 10 && kills < 3; ++seed) {
        const ScopedTempDir crashed;
        const std::string out = crashed.path + "/archive";
        fs::copy(archive, out, fs::copy_options::recursive);
        const int delay = static_cast<int>(
            scale * (quiet_ms + static_cast<int>(rng() % static_cast<unsigned>(backfill_ms))));
        INFO("seed " << seed << ", killed after " << delay << " ms; the backfill takes "
                     << backfill_ms << " ms after " << quiet_ms << " ms");
        if (run_imapmirror_killed(with({"export", "--out", out, "--msg"}, server.tls_args()),
                                  delay))
            ++kills;
        else
            scale *= 0.7;
        auto finish = run_imapmirror(with({"export", "--out", out, "--msg"}, server.tls_args()));
        INFO(finish.err);
        REQUIRE(finish.exit_code == 0);
        CHECK(
            query(out + "/index.sqlite", "SELECT COUNT(*) FROM messages WHERE msg_path IS NOT NULL")
                .at(0)
                .at(0) == total);
        size_t temporaries = 0;
        for (const auto& e : fs::recursive_directory_iterator(out))
            temporaries += e.path().filename().string().rfind(".imapmirror-tmp-", 0) == 0;
        CHECK(temporaries == 0);
        auto verified = run_imapmirror({"verify", out});
        INFO(verified.out << verified.err);
        CHECK(verified.exit_code == 0);
    }
    CHECK(kills >= 3);  // the kills must land inside runs, or the test proves little
}
