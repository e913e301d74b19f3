// An archive knows its account (issue #21): against a real Dovecot, an export of another
// account into an archive is refused before anything is touched, --repoint-archive moves it,
// an archive made before accounts were recorded adopts its next export's, and `accounts`,
// `verify` and the --json summary show it.

#include <catch2/catch.hpp>
#include <cstdlib>
#include <fstream>
#include <string>

#include "test_server.hpp"

using namespace imapmirror::test;

namespace {

// The same server and user over the plain port: to the archive, another account.
std::vector<std::string> plain_args(const RealServer& server) {
    return {"--host",          "127.0.0.1",
            "--port",          std::to_string(server.plain_port()),
            "--tls",           "none",
            "--user",          server.user(),
            "--password-file", server.password_file()};
}

std::string scalar(const std::string& out, const std::string& sql) {
    return query(out + "/index.sqlite", sql).at(0).at(0);
}

size_t count_of(const std::string& text, const std::string& word) {
    size_t n = 0;
    for (size_t p = text.find(word); p != std::string::npos; p = text.find(word, p + 1))
        ++n;
    return n;
}

}  // namespace

TEST_CASE(
    "identity: another account's export into an archive is refused (exit 2) naming both, "
    "touching nothing, as its dry run says, and --repoint-archive moves the archive without "
    "fetching it again",
    "[integration]") {
    DovecotServer server;
    TempDir tmp;
    const std::string out = tmp.path + "/archive";
    const std::string tls = "alice@127.0.0.1:" + std::to_string(server.tls_port());
    const std::string plain = "alice@127.0.0.1:" + std::to_string(server.plain_port());

    auto first = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(first.err);
    REQUIRE(first.exit_code == 0);
    CHECK(first.out.find(R"("identity":{"host":"127.0.0.1","port":)" +
                         std::to_string(server.tls_port()) +
                         R"(,"user":"alice","account":null},"identity_change":"recorded")") !=
          std::string::npos);
    CHECK(query(out + "/index.sqlite", "SELECT host, port, user, account FROM account_identity") ==
          std::vector<std::vector<std::string>>{
              {"127.0.0.1", std::to_string(server.tls_port()), "alice", ""}});
    const std::string messages = scalar(out, "SELECT count(*) FROM messages");

    auto other = run_imapmirror(with({"export", "--out", out}, plain_args(server)));
    INFO(other.err);
    CHECK(other.exit_code == 2);
    CHECK(count_of(other.err, "\n") == 1);
    CHECK(other.err.find("is the archive of " + tls + ", not of " + plain) != std::string::npos);
    CHECK(other.err.find("--repoint-archive") != std::string::npos);
    // Refused before anything was written: no run recorded, nothing marked expunged.
    CHECK(scalar(out, "SELECT count(*) FROM runs") == "1");
    CHECK(scalar(out, "SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL") == "0");

    // The dry run decides as the export does: refused alike, and a re-point announced.
    auto preview = run_imapmirror(with({"export", "--out", out, "--dry-run"}, plain_args(server)));
    CHECK(preview.exit_code == 2);
    CHECK(preview.err.find("is the archive of " + tls + ", not of " + plain) != std::string::npos);
    auto repoint_preview = run_imapmirror(with(
        {"export", "--out", out, "--dry-run", "--repoint-archive", "--json"}, plain_args(server)));
    INFO(repoint_preview.err);
    CHECK(repoint_preview.exit_code == 0);
    CHECK(repoint_preview.out.find(R"("identity_change":"repointed")") != std::string::npos);
    CHECK(scalar(out, "SELECT port FROM account_identity") == std::to_string(server.tls_port()));

    auto moved = run_imapmirror(
        with({"export", "--out", out, "--repoint-archive", "--json"}, plain_args(server)));
    INFO(moved.err);
    CHECK(moved.exit_code == 0);
    CHECK(moved.err.find("re-pointed: it was the archive of " + tls +
                         ", it is now the archive of " + plain) != std::string::npos);
    CHECK(moved.out.find(R"("identity_change":"repointed")") != std::string::npos);
    CHECK(moved.out.find(R"("messages":0,)") != std::string::npos);
    CHECK(scalar(out, "SELECT port FROM account_identity") == std::to_string(server.plain_port()));
    CHECK(scalar(out, "SELECT count(*) FROM messages") == messages);
    CHECK(scalar(out, "SELECT count(*) FROM messages WHERE deleted_at IS NOT NULL") == "0");

    // Once moved, the new account is the archive's: no flag needed, and nothing said.
    auto again = run_imapmirror(with({"export", "--out", out}, plain_args(server)));
    CHECK(again.exit_code == 0);
    CHECK(again.err.find("archive of") == std::string::npos);
    CHECK(again.out.find("of " + plain) != std::string::npos);

    // verify shows it, and warns when compared with another account's server.
    auto verified = run_imapmirror({"verify", out});
    CHECK(verified.exit_code == 0);
    CHECK(verified.out.find("Archive of " + plain) != std::string::npos);
    auto verified_json = run_imapmirror({"verify", out, "--json"});
    CHECK(verified_json.out.find(R"({"identity":{"host":"127.0.0.1","port":)" +
                                 std::to_string(server.plain_port())) != std::string::npos);
    auto other_server = run_imapmirror(with({"verify", out, "--server"}, server.tls_args()));
    CHECK(other_server.exit_code == 0);
    CHECK(other_server.err.find("is the archive of " + plain + ", compared here with " + tls) !=
          std::string::npos);
}

TEST_CASE(
    "identity: an archive made before accounts were recorded adopts its next export's account, "
    "and says so once",
    "[integration]") {
    DovecotServer server;
    TempDir tmp;
    const std::string out = tmp.path + "/archive";
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    // What an imapmirror before schema 9 left (without the tables of 009 and 012 and the later
    // columns).
    REQUIRE(std::system(("sqlite3 '" + out +
                         "/index.sqlite' 'DROP TABLE account_identity; DROP TABLE restored; "
                         "ALTER TABLE runs DROP COLUMN error_kind; "
                         "ALTER TABLE runs DROP COLUMN error_message; "
                         "ALTER TABLE runs DROP COLUMN server_reply; "
                         "ALTER TABLE messages DROP COLUMN msg_unconvertible; "
                         "PRAGMA user_version = 8;'")
                            .c_str()) == 0);

    auto adopted = run_imapmirror(with({"export", "--out", out, "--quiet"}, server.tls_args()));
    INFO(adopted.err);
    CHECK(adopted.exit_code == 0);
    CHECK(adopted.err.find("was made before archives recorded their account: it is now the "
                           "archive of alice@127.0.0.1:" +
                           std::to_string(server.tls_port())) != std::string::npos);
    CHECK(scalar(out, "SELECT user FROM account_identity") == "alice");

    auto later = run_imapmirror(with({"export", "--out", out}, server.tls_args()));
    CHECK(later.exit_code == 0);
    CHECK(later.err.find("made before") == std::string::npos);
    // And from now on another account is refused.
    CHECK(run_imapmirror(with({"export", "--out", out}, plain_args(server))).exit_code == 2);
}

TEST_CASE(
    "identity: accounts shows whose each archive is, and marks one the config no longer "
    "names",
    "[integration]") {
    DovecotServer server;
    TempDir tmp;
    auto config_for = [&](int port, const std::string& tls) {
        std::string path = tmp.path + "/config.toml";
        std::ofstream(path) << "[accounts.work]\nhost = \"127.0.0.1\"\nport = " << port
                            << "\ntls = \"" << tls << "\"\nuser = \"" << server.user()
                            << "\"\nca_file = \"" << server.ca_file() << "\"\npassword_file = \""
                            << server.password_file() << "\"\nout = \"" << tmp.path
                            << "/archive\"\n";
        return path;
    };
    const std::string config = config_for(server.tls_port(), "implicit");
    REQUIRE(run_imapmirror({"export", "--config", config, "--account", "work"}).exit_code == 0);
    CHECK(scalar(tmp.path + "/archive", "SELECT account FROM account_identity") == "work");

    auto table = run_imapmirror({"accounts", "--config", config});
    INFO(table.out << table.err);
    CHECK(table.out.find("ARCHIVE OF") != std::string::npos);
    CHECK(table.out.find("alice@127.0.0.1:" + std::to_string(server.tls_port())) !=
          std::string::npos);
    auto json = run_imapmirror({"accounts", "--config", config, "--json"});
    CHECK(json.out.find(R"("identity":{"host":"127.0.0.1","port":)" +
                        std::to_string(server.tls_port()) +
                        R"(,"user":"alice","account":"work"},"identity_mismatch":false)") !=
          std::string::npos);

    // The config now names another server for the same archive: its exports would be refused.
    const std::string moved = config_for(server.plain_port(), "none");
    auto marked = run_imapmirror({"accounts", "--config", moved});
    INFO(marked.out);
    CHECK(marked.out.find("! the archive is alice@127.0.0.1:" + std::to_string(server.tls_port()) +
                          " (account work)'s, not this account's") != std::string::npos);
    auto refused = run_imapmirror({"export", "--config", moved, "--account", "work"});
    CHECK(refused.exit_code == 2);
}
