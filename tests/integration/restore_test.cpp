// `restore` against real servers: an archive put back byte-exact (folders, flags,
// INTERNALDATE), nothing appended twice on a second run, and a run killed with SIGKILL at
// random points completed by the next without a duplicate or a loss. The target is read back
// with our own export, so "what is on the server" is compared through the index.

#include <catch2/catch.hpp>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "scoped_temp_dir.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;

namespace {

std::string scalar(const std::string& db, const std::string& sql) {
    return query(db, sql).at(0).at(0);
}

// Each live message of an archive as "folder | sha256 | flags | internal date", sorted; with
// `under`, only the folders below it, named without it.
std::vector<std::string> contents(const std::string& archive, const std::string& under = "") {
    auto rows = query(archive + "/index.sqlite",
                      "SELECT f.name, m.sha256, m.flags, m.internal_date FROM messages m JOIN "
                      "folders f ON f.id = m.folder_id WHERE m.deleted_at IS NULL");
    std::vector<std::string> out;
    for (const auto& r : rows) {
        std::string folder = r[0];
        if (!under.empty()) {
            if (folder.rfind(under + "/", 0) != 0)
                continue;
            folder = folder.substr(under.size() + 1);
        }
        out.push_back(folder + " | " + r[1] + " | " + r[2] + " | " + r[3]);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// The messages now below `under` on `server`, read back with a fresh export.
std::vector<std::string> restored_contents(const RealServer& server, const std::string& under) {
    const ScopedTempDir back;
    auto r = run_imapmirror(
        with({"export", "--out", back.path + "/a", "--include", under + "/*"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    return contents(back.path + "/a", under);
}

// The messages below the folder `under` of `server` (any delimiter, any namespace prefix:
// Courier's "INBOX.under.Archive.2024"), read back with a fresh export and named as the
// archive names them ("Archive/2024").
std::vector<std::string> migrated_contents(const RealServer& server, const std::string& under) {
    const ScopedTempDir back;
    auto r = run_imapmirror(with(
        {"export", "--out", back.path + "/a", "--include", "*" + under + "*"}, server.tls_args()));
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    auto rows = query(back.path + "/a/index.sqlite",
                      "SELECT f.name, f.delimiter, m.sha256, m.flags, m.internal_date FROM "
                      "messages m JOIN folders f ON f.id = m.folder_id WHERE m.deleted_at IS NULL");
    std::vector<std::string> out;
    for (const auto& row : rows) {
        const size_t at = row[0].find(under + row[1]);
        REQUIRE(at != std::string::npos);
        std::string folder = row[0].substr(at + under.size() + 1);
        std::replace(folder.begin(), folder.end(), row[1].at(0), '/');
        out.push_back(folder + " | " + row[2] + " | " + row[3] + " | " + row[4]);
    }
    std::sort(out.begin(), out.end());
    return out;
}

// What a target that does not keep everything holds of `contents()` rows: without keywords
// (GNU imap4d refuses them), without the arrival date (GNU imap4d's Maildir takes it from the
// Date header, whatever APPEND said).
struct Keeps {
    bool keywords = true, dates = true;
};
std::vector<std::string> as_kept(std::vector<std::string> rows, Keeps keeps) {
    for (auto& row : rows) {
        const size_t flags_at = row.find(" | ", row.find(" | ") + 3) + 3;
        const size_t flags_end = row.find(" | ", flags_at);
        std::string kept;
        std::istringstream flags(row.substr(flags_at, flags_end - flags_at));
        for (std::string flag; flags >> flag;)
            if (keeps.keywords || flag[0] == '\\')
                kept += (kept.empty() ? "" : " ") + flag;
        row = row.substr(0, flags_at) + kept + (keeps.dates ? row.substr(flags_end) : " | -");
    }
    return rows;
}

// Exports the seeded Dovecot account, restores it into a server of `kind` below "Migrated",
// and reads it back from there. What the target cannot keep is said by the first run: keywords
// refused are message errors (exit 10), dates not kept are counted.
void check_migration(ServerKind kind, Keeps keeps = {}) {
    RealServer target(kind);
    if (!target.available()) {
        WARN("SKIPPED: " << kind_name(kind) << " cannot run here: " << target.skip_reason());
        return;
    }
    DovecotServer source;
    const ScopedTempDir tmp;
    const std::string archive = tmp.path + "/archive";
    REQUIRE(run_imapmirror(with({"export", "--out", archive}, source.tls_args())).exit_code == 0);
    const auto archived = contents(archive);

    auto first = run_imapmirror(
        with({"restore", archive, "--into", "Migrated", "--json"}, target.tls_args()));
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == (keeps.keywords ? 0 : 10));
    CHECK((first.out.find("restored without its keywords ($Important)") == std::string::npos) ==
          keeps.keywords);
    CHECK((first.out.find("\"dates_not_kept\":" + std::to_string(archived.size())) !=
           std::string::npos) == !keeps.dates);
    CHECK(as_kept(migrated_contents(target, "Migrated"), keeps) == as_kept(archived, keeps));

    auto second = run_imapmirror(
        with({"restore", archive, "--into", "Migrated", "--json"}, target.tls_args()));
    INFO(second.out << second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(second.out.find("\"appended\":0,") != std::string::npos);
    CHECK(as_kept(migrated_contents(target, "Migrated"), keeps) == as_kept(archived, keeps));
}

// The seeded Dovecot account and its archive (DIR/archive), as the restore tests start.
struct ExportedAccount {
    ExportedAccount() {
        REQUIRE(run_imapmirror(with({"export", "--out", archive}, server.tls_args())).exit_code ==
                0);
        archived = contents(archive);
    }
    DovecotServer server;
    ScopedTempDir tmp;
    std::string archive = tmp.path + "/archive";
    std::vector<std::string> archived;  // contents()
};

}  // namespace

TEST_CASE(
    "restore migration cyrus: a Dovecot archive restored into Cyrus is byte-exact with flags, "
    "dates and deep non-ASCII folders, and a second run appends nothing",
    "[integration][restore]") {
    check_migration(ServerKind::Cyrus);
}

TEST_CASE(
    "restore migration courier: a Dovecot archive restored into Courier lands below its INBOX. "
    "namespace byte-exact, and a second run appends nothing",
    "[integration][restore]") {
    check_migration(ServerKind::Courier);
}

TEST_CASE(
    "restore migration mailutils: a Dovecot archive restored into GNU imap4d is byte-exact with "
    "the flags it drops on APPEND set again, what it cannot keep (keywords, dates) said, and a "
    "second run appends nothing",
    "[integration][restore]") {
    check_migration(ServerKind::Mailutils, Keeps{/*keywords=*/false, /*dates=*/false});
}

TEST_CASE(
    "restore: an archive goes back byte-exact with folders, flags and INTERNALDATE, and a "
    "second run appends nothing",
    "[integration][restore]") {
    ExportedAccount exported;
    auto& [server, tmp, archive, archived] = exported;
    REQUIRE(archived.size() >= 10);

    auto dry = run_imapmirror(
        with({"restore", archive, "--into", "Restored", "--dry-run"}, server.tls_args()));
    INFO(dry.out << dry.err);
    REQUIRE(dry.exit_code == 0);
    CHECK(dry.out.find("Restored/Archive/2024/Q1 (new)") != std::string::npos);
    CHECK(dry.out.find("Would restore " + std::to_string(archived.size()) + " messages") !=
          std::string::npos);

    auto first = run_imapmirror(
        with({"restore", archive, "--into", "Restored", "--json"}, server.tls_args()));
    INFO(first.out << first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find("\"appended\":" + std::to_string(archived.size()) + ",") !=
          std::string::npos);
    CHECK(restored_contents(server, "Restored") == archived);
    // Non-ASCII names went out in modified UTF-7 (Dovecot lists them so).
    CHECK(server.doveadm("mailbox list -u alice").find("Restored/Entwürfe") != std::string::npos);
    CHECK(scalar(archive + "/index.sqlite",
                 "SELECT COUNT(*) FROM restored WHERE state = 'restored' AND uid IS NOT NULL") ==
          std::to_string(archived.size()));

    auto verified = run_imapmirror(
        with({"restore", archive, "--into", "Restored", "--verify"}, server.tls_args()));
    INFO(verified.out << verified.err);
    CHECK(verified.exit_code == 0);

    auto second = run_imapmirror(
        with({"restore", archive, "--into", "Restored", "--json"}, server.tls_args()));
    INFO(second.out << second.err);
    REQUIRE(second.exit_code == 0);
    CHECK(second.out.find("\"appended\":0,") != std::string::npos);
    CHECK(restored_contents(server, "Restored") == archived);

    // A message the restore did not put there is reported, and the check fails.
    server.load("Restored/INBOX", "Subject: stray\r\nMessage-ID: <stray@x>\r\n\r\nhello\r\n");
    auto extra = run_imapmirror(
        with({"restore", archive, "--into", "Restored", "--verify"}, server.tls_args()));
    INFO(extra.out << extra.err);
    CHECK(extra.exit_code == 11);
    CHECK(extra.out.find("On the target, not in the archive folder (1)") != std::string::npos);
}

TEST_CASE(
    "restore: killed with SIGKILL at random points, one more run completes the target with no "
    "duplicate and no loss",
    "[integration][restore][crash]") {
    ExportedAccount exported;
    auto& [server, tmp, archive, archived] = exported;

    // How long a whole restore takes here, to aim the kills inside one.
    auto timing =
        run_imapmirror(with({"restore", archive, "--into", "Timing", "--json"}, server.tls_args()));
    INFO(timing.err);
    REQUIRE(timing.exit_code == 0);
    int run_ms = std::max(20, static_cast<int>(timing.seconds * 1000));

    std::mt19937 rng(20261207);
    int kills = 0;
    for (int round = 0; round < 8 && kills < 4; ++round) {
        const std::string into = "Crash" + std::to_string(round);
        const int delay = static_cast<int>(rng() % static_cast<unsigned>(run_ms));
        INFO("round " << round << ": killed after " << delay << " ms of a " << run_ms << " ms run");
        if (run_imapmirror_killed(with({"restore", archive, "--into", into}, server.tls_args()),
                                  delay))
            ++kills;
        else
            run_ms = std::max(20, run_ms * 3 / 4);  // finished first: the machine is faster now
        auto finish =
            run_imapmirror(with({"restore", archive, "--into", into, "--json"}, server.tls_args()));
        INFO(finish.out << finish.err);
        REQUIRE(finish.exit_code == 0);
        CHECK(restored_contents(server, into) == archived);
    }
    CHECK(kills >= 2);  // most kills must land inside a run, or the test proves little
}

TEST_CASE(
    "restore: a wrong password is one line with exit 6, and the next run with the right one "
    "restores everything",
    "[integration][restore]") {
    ExportedAccount exported;
    auto& [server, tmp, archive, archived] = exported;

    const std::string wrong = tmp.path + "/wrong";
    std::ofstream(wrong) << "not-the-password\n";
    std::filesystem::permissions(wrong, std::filesystem::perms::owner_read);
    auto args = with({"restore", archive, "--into", "Back"}, server.tls_args());
    for (size_t i = 0; i + 1 < args.size(); ++i)
        if (args[i] == "--password-file")
            args[i + 1] = wrong;
    auto refused = run_imapmirror(args);
    INFO(refused.out << refused.err);
    CHECK(refused.exit_code == 6);
    CHECK(refused.out.empty());
    CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
    CHECK(refused.err.find("rejected the login") != std::string::npos);
    CHECK(scalar(archive + "/index.sqlite", "SELECT COUNT(*) FROM restored") == "0");

    auto right = run_imapmirror(with({"restore", archive, "--into", "Back"}, server.tls_args()));
    INFO(right.out << right.err);
    REQUIRE(right.exit_code == 0);
    CHECK(restored_contents(server, "Back") == archived);
}
