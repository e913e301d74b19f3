// No empty success (issue #21), against a real Dovecot: a pattern that matches no folder is a
// warning naming the nearest folders, `inbox` is INBOX, and a run that selects nothing is an
// error with its own exit code that `accounts` shows.

#include <catch2/catch.hpp>
#include <fstream>
#include <string>

#include "test_server.hpp"

using namespace imapmirror::test;

namespace {
std::string scalar(const std::string& out, const std::string& sql) {
    return query(out + "/index.sqlite", sql).at(0).at(0);
}
}  // namespace

TEST_CASE("selection: `--include inbox` archives INBOX (case-insensitive, RFC 3501), no warning",
          "[integration]") {
    DovecotServer server;
    TempDir tmp;
    const std::string out = tmp.path + "/archive";
    auto r =
        run_imapmirror(with({"export", "--out", out, "--include", "inbox"}, server.tls_args()));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("warning") == std::string::npos);
    CHECK(scalar(out, "SELECT group_concat(name) FROM folders") == "INBOX");
    CHECK(scalar(out, "SELECT count(*) FROM messages") != "0");
}

TEST_CASE(
    "selection: a pattern that matches nothing is a warning naming the nearest folder, and "
    "the rest is archived",
    "[integration]") {
    DovecotServer server;
    TempDir tmp;
    const std::string out = tmp.path + "/archive";
    auto r = run_imapmirror(
        with({"export", "--out", out, "--include", "INBOX", "--include", "Arhive", "--json"},
             server.tls_args()));
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.err.find("imapmirror: warning: --include 'Arhive' matches no folder (nearest: "
                     "Archive") != std::string::npos);
    CHECK(r.out.find(R"("unmatched_patterns":[{"option":"--include","pattern":"Arhive",)"
                     R"("nearest":["Archive")") != std::string::npos);
    CHECK(scalar(out, "SELECT group_concat(name) FROM folders") == "INBOX");
}

TEST_CASE(
    "selection: a run that selects no folder is exit 12, not an empty success, and "
    "`accounts` says why",
    "[integration]") {
    DovecotServer server;
    TempDir tmp;
    const std::string config = tmp.path + "/config.toml";
    std::ofstream(config) << "[accounts.typo]\nhost = \"127.0.0.1\"\nport = " << server.tls_port()
                          << "\nuser = \"" << server.user() << "\"\nca_file = \""
                          << server.ca_file() << "\"\npassword_file = \"" << server.password_file()
                          << "\"\nout = \"" << tmp.path << "/archive\"\ninclude = [\"Inbx\"]\n";
    auto r = run_imapmirror({"export", "--config", config, "--account", "typo"});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 12);
    CHECK(r.err.find("warning: --include 'Inbx' matches no folder (nearest: INBOX") !=
          std::string::npos);
    CHECK(r.err.find("error: no folder selected") != std::string::npos);
    CHECK(scalar(tmp.path + "/archive", "SELECT exit_code FROM runs") == "12");

    auto list = run_imapmirror({"accounts", "--config", config});
    INFO(list.out);
    CHECK(list.out.find("no folder selected (exit 12)") != std::string::npos);

    auto backup = run_imapmirror({"backup", "--config", config});
    CHECK(backup.exit_code == 12);
}
