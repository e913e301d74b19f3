// `verify --repair` against a real Dovecot: what it heals, what it keeps aside, and what it
// cannot repair.

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

// A temporary directory removed at the end of the test, however it ends.
struct ScratchDir {
    std::string path = make_temp_dir();
    ~ScratchDir() {
        std::error_code ec;
        fs::remove_all(path, ec);
    }
};

// The seeded Dovecot account, exported into a scratch directory.
struct ExportedArchive {
    DovecotServer server;
    ScratchDir scratch;
    std::string out = scratch.path + "/archive";
    std::string db = out + "/index.sqlite";
    ExportedArchive() {
        REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    }
};

std::string scalar(const std::string& db, const std::string& sql) {
    return query(db, sql).at(0).at(0);
}

void append(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary | std::ios::app) << bytes;
}

// The files under `dir` whose name has `marker` in it, relative to `dir`.
std::vector<std::string> files_named(const std::string& dir, const std::string& marker) {
    std::vector<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dir))
        if (e.path().filename().string().find(marker) != std::string::npos)
            out.push_back(fs::relative(e.path(), dir).string());
    return out;
}

}  // namespace

TEST_CASE(
    "verify --repair: a deleted and a damaged .eml are fetched again, a deleted attachment is "
    "extracted again, the damaged copy is kept aside, and a message expunged on the server is "
    "reported and kept",
    "[integration]") {
    ExportedArchive archive;
    const auto& server = archive.server;
    const std::string& out = archive.out;
    const std::string& db = archive.db;

    auto path_of = [&](const std::string& message_id) {
        return scalar(db, "SELECT path FROM messages WHERE message_id = '" + message_id + "'");
    };
    const std::string deleted = path_of("<seed-welcome@example.org>");
    const std::string damaged = path_of("<seed-news-1@lists.example.com>");
    const std::string expunged = path_of("<seed-thread-3@example.org>");
    const std::string attachment =
        scalar(db,
               "SELECT a.path FROM attachments a JOIN messages m ON m.id = a.message_id WHERE "
               "m.message_id = '<seed-attachments@example.de>' ORDER BY a.path LIMIT 1");
    const std::string welcome = read_file(out + "/" + deleted);
    const std::string newsletter = read_file(out + "/" + damaged);
    const std::string attached = read_file(out + "/" + attachment);
    REQUIRE(!welcome.empty());
    REQUIRE(!attached.empty());

    fs::remove(out + "/" + deleted);
    append(out + "/" + damaged, "damage");
    fs::remove(out + "/" + attachment);
    append(out + "/" + expunged, "damage");
    server.doveadm("expunge -u alice mailbox Sent uid 1");

    auto found = run_imapmirror({"verify", out});
    INFO(found.out << found.err);
    CHECK(found.exit_code == 11);
    CHECK(found.out.find("To repair: imapmirror verify " + out + " --repair") != std::string::npos);

    auto repaired = run_imapmirror(with({"verify", out, "--repair"}, server.tls_args()));
    INFO(repaired.out << repaired.err);
    CHECK(repaired.exit_code == 11);  // the expunged message stays damaged
    CHECK(repaired.out.find("Fetched again from the server (2)") != std::string::npos);
    CHECK(repaired.out.find("Attachment files extracted again (1)") != std::string::npos);
    CHECK(repaired.out.find(expunged + ": UID 1 is no longer on the server; kept as it is") !=
          std::string::npos);
    CHECK(read_file(out + "/" + deleted) == welcome);
    CHECK(read_file(out + "/" + damaged) == newsletter);
    CHECK(read_file(out + "/" + attachment) == attached);
    CHECK(read_file(out + "/" + expunged).find("damage") != std::string::npos);
    const auto aside = files_named(out, ".damaged-");
    REQUIRE(aside.size() == 1);
    CHECK(aside[0].rfind(damaged + ".damaged-", 0) == 0);
    CHECK(read_file(out + "/" + aside[0]) == newsletter + "damage");

    auto after = run_imapmirror({"verify", out, "--json"});
    INFO(after.out << after.err);
    CHECK(after.exit_code == 11);
    CHECK(after.out.find("\"missing\":[]") != std::string::npos);
    CHECK(after.out.find("\"changed\":[\"" + expunged + "\"]") != std::string::npos);
    CHECK(after.out.find("\"extra\":[]") != std::string::npos);
    CHECK(after.out.find("\"kept_aside\":[\"" + aside[0] + "\"]") != std::string::npos);
}

TEST_CASE(
    "verify --repair: a damaged attachment file alone is set aside and extracted again from "
    "its .eml, without a connection",
    "[integration]") {
    ExportedArchive archive;
    const std::string& out = archive.out;
    const std::string& db = archive.db;
    const std::string attachment = scalar(db, "SELECT path FROM attachments ORDER BY path LIMIT 1");
    const std::string attached = read_file(out + "/" + attachment);
    append(out + "/" + attachment, "damage");

    auto repaired = run_imapmirror({"verify", out, "--repair"});
    INFO(repaired.out << repaired.err);
    CHECK(repaired.exit_code == 0);
    CHECK(read_file(out + "/" + attachment) == attached);
    // The file is a hard link to the attachment store's file, so every message carrying the
    // same bytes shares the damage: each of its names is set aside, the store's included.
    const std::string names = scalar(db,
                                     "SELECT COUNT(*) + 1 FROM attachments WHERE sha256 = (SELECT "
                                     "sha256 FROM attachments ORDER BY path LIMIT 1)");
    const auto aside = files_named(out, ".damaged-");
    REQUIRE(std::to_string(aside.size()) == names);
    for (const auto& a : aside)
        CHECK(read_file(out + "/" + a) == attached + "damage");
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
}

TEST_CASE("verify shows its progress on a terminal only", "[integration]") {
    ExportedArchive archive;
    const std::string& out = archive.out;
    const std::string files = scalar(archive.db,
                                     "SELECT (SELECT COUNT(*) FROM messages) + (SELECT COUNT(*) "
                                     "FROM attachments)");

    // Python's pty.spawn gives the command a terminal; what it writes there comes back on
    // Python's standard output.
    auto on_terminal = run_imapmirror(
        {"verify", out}, {},
        {"/usr/bin/python3", "-c", "import pty, sys; sys.exit(pty.spawn(sys.argv[1:]) >> 8)"});
    INFO(on_terminal.out << on_terminal.err);
    CHECK(on_terminal.exit_code == 0);
    CHECK(on_terminal.out.find("verify: " + files + "/" + files + " files") != std::string::npos);

    auto piped = run_imapmirror({"verify", out});
    CHECK(piped.exit_code == 0);
    CHECK(piped.err.find("verify:") == std::string::npos);
}
