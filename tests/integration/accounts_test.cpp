// The accounts file against a real Dovecot: `backup` of several accounts where one fails,
// `accounts`, `export --account`, and the config file's refusals as the user sees them.

#include <sqlite3.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "scoped_temp_dir.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

std::string write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
    return path;
}

// [defaults] that log in to `server` over TLS; each account archives into DIR/archives/NAME.
std::string server_defaults(const RealServer& server) {
    return "[defaults]\nhost = \"127.0.0.1\"\nport = " + std::to_string(server.tls_port()) +
           "\nuser = \"" + server.user() + "\"\nca_file = \"" + server.ca_file() +
           "\"\npassword_file = \"" + server.password_file() +
           "\"\nout = \"archives/{account}\"\n\n";
}

// Messages on the server: in one folder, or in all.
size_t server_messages(const DovecotServer& server, const std::string& folder = "") {
    std::string out = server.doveadm("-f flow fetch -u alice uid " +
                                     (folder.empty() ? "all" : "mailbox '" + folder + "' all"));
    size_t n = 0;
    for (size_t p = out.find("uid="); p != std::string::npos; p = out.find("uid=", p + 1))
        ++n;
    return n;
}

size_t archived(const std::string& archive) {
    return std::stoul(
        query(archive + "/index.sqlite", "SELECT count(*) FROM messages").at(0).at(0));
}

// The lines of `text` that mention `word`.
std::vector<std::string> lines_with(const std::string& text, const std::string& word) {
    std::vector<std::string> out;
    std::istringstream in(text);
    for (std::string line; std::getline(in, line);)
        if (line.find(word) != std::string::npos)
            out.push_back(line);
    return out;
}

void exec_sql(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
    REQUIRE(sqlite3_exec(db, sql.c_str(), nullptr, nullptr, nullptr) == SQLITE_OK);
    sqlite3_close(db);
}

}  // namespace

TEST_CASE(
    "backup: of three accounts on one Dovecot, the one with a wrong password is one line and "
    "exit 6, the other two are archived completely",
    "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    write_file(sandbox + "/wrong.pass", "not-the-password\n");
    const std::string config = write_file(sandbox + "/config.toml",
                                          server_defaults(server) +
                                              "[accounts.inbox]\ninclude = [\"INBOX\"]\n\n"
                                              "[accounts.all]\nconnections = 2\n\n"
                                              "[accounts.wrong]\npassword_file = \"wrong.pass\"\n");

    auto r = run_imapmirror({"backup", "--config", config});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 6);
    CHECK(archived(sandbox + "/archives/all") == server_messages(server));
    CHECK(archived(sandbox + "/archives/inbox") == server_messages(server, "INBOX"));
    CHECK(server_messages(server, "INBOX") > 0);
    CHECK(server_messages(server) > server_messages(server, "INBOX"));
    // The archive is locked and its index opened before any connection, so the failed login
    // is a recorded run (below), not silence.
    CHECK(fs::exists(sandbox + "/archives/wrong/index.sqlite"));

    // The table: one line per account; the failed one says why on its line.
    auto wrong = lines_with(r.out, "wrong");
    REQUIRE(wrong.size() == 1);
    CHECK(wrong[0].find("rejected the login") != std::string::npos);
    CHECK(wrong[0].find(" 6  ") != std::string::npos);
    REQUIRE(lines_with(r.out, "inbox").size() == 1);
    CHECK(lines_with(r.out, "inbox")[0].find("  ok") != std::string::npos);
    REQUIRE(lines_with(r.out, "all ").size() == 1);
    CHECK(lines_with(r.out, "all ")[0].find("  ok") != std::string::npos);
    CHECK(r.out.find("2 of 3 accounts backed up completely; exit code 6") != std::string::npos);
    // Its stderr came through, marked with the account.
    CHECK(r.err.find("[wrong] imapmirror: error: ") != std::string::npos);
    // Not on a terminal: progress as plain lines, each account's first and last at least,
    // never the children's own progress lines.
    const std::string all = std::to_string(server_messages(server));
    CHECK(r.err.find("[all] progress: " + all + "/" + all + " messages, ") != std::string::npos);
    CHECK(r.err.find("[inbox] progress: ") != std::string::npos);
    CHECK(r.err.find("imapmirror-progress:") == std::string::npos);
    CHECK(r.err.find("\r") == std::string::npos);
    // The password never appears in what was printed.
    CHECK(r.out.find(server.password()) == std::string::npos);
    CHECK(r.err.find(server.password()) == std::string::npos);

    // `accounts` shows the last run of each, and marks the one that never succeeded.
    auto list = run_imapmirror({"accounts", "--config", config});
    INFO(list.out << list.err);
    REQUIRE(list.exit_code == 0);
    REQUIRE(lines_with(list.out, "all ").size() == 1);
    CHECK(lines_with(list.out, "all ")[0].find("ok") != std::string::npos);
    CHECK(lines_with(list.out, "all ")[0].find(std::to_string(server_messages(server))) !=
          std::string::npos);
    CHECK(lines_with(list.out, "all ")[0].find("!") == std::string::npos);
    REQUIRE(lines_with(list.out, "wrong").size() == 1);
    CHECK(lines_with(list.out, "wrong")[0].find("failed (exit 6)") != std::string::npos);
    CHECK(lines_with(list.out, "wrong")[0].find("! no complete backup yet") != std::string::npos);

    // A second backup of two of them, as JSON: nothing new, the failure still reported.
    auto again = run_imapmirror({"backup", "--config", config, "--json", "all", "wrong"});
    INFO(again.out << again.err);
    CHECK(again.exit_code == 6);
    CHECK(again.out.find(R"({"account":"all","started":true,"exit_code":0,)") != std::string::npos);
    CHECK(again.out.find(R"("messages":0,"bytes":0,"errors":0,"error":null,"summary":{"out":)") !=
          std::string::npos);
    CHECK(again.out.find(R"({"account":"wrong","started":true,"exit_code":6,)") !=
          std::string::npos);
    CHECK(again.out.find(R"("account":"inbox")") == std::string::npos);
    CHECK(again.out.find(R"("interrupted":false,"exit_code":6})") != std::string::npos);
    CHECK(again.err.find("progress") == std::string::npos);  // none with --json

    // A last success longer ago than --stale-days is marked.
    exec_sql(sandbox + "/archives/inbox/index.sqlite",
             "UPDATE runs SET started_at = '2020-01-01T00:00:00Z', finished_at = "
             "'2020-01-01T00:01:00Z'");
    auto stale = run_imapmirror({"accounts", "--config", config, "--json"});
    REQUIRE(stale.exit_code == 0);
    CHECK(stale.out.find(R"("account":"inbox")") != std::string::npos);
    CHECK(stale.out.find(R"("finished_at":"2020-01-01T00:01:00Z","messages":)") !=
          std::string::npos);
    CHECK(stale.out.find(R"("never_backed_up":false,"stale":true)") != std::string::npos);
    auto stale_table = run_imapmirror({"accounts", "--config", config});
    CHECK(lines_with(stale_table.out, "inbox").at(0).find("! last complete backup") !=
          std::string::npos);

    // An account added to the file but never run has no archive at all.
    const std::string fresh = make_temp_dir();
    const std::string fresh_config =
        write_file(fresh + "/config.toml", server_defaults(server) + "[accounts.spare]\n");
    auto never = run_imapmirror({"accounts", "--config", fresh_config});
    INFO(never.out << never.err);
    REQUIRE(never.exit_code == 0);
    CHECK(lines_with(never.out, "spare").at(0).find("! never backed up") != std::string::npos);
    std::system(("rm -rf '" + sandbox + "' '" + fresh + "'").c_str());
}

TEST_CASE("backup: on a terminal each running account's progress is one line redrawn in place",
          "[integration]") {
    DovecotServer server;
    ScopedTempDir sandbox;
    const std::string config =
        write_file(sandbox.path + "/config.toml", server_defaults(server) + "[accounts.one]\n");
    // script(1) gives the backup a pseudo-terminal and keeps what it wrote there.
    const std::string typescript = sandbox.path + "/typescript";
    const std::string command = "script -qfec \"'" + std::string(IMM_BINARY) +
                                "' backup --config '" + config + "'\" '" + typescript +
                                "' >/dev/null 2>&1 </dev/null";
    REQUIRE(std::system(command.c_str()) == 0);
    const std::string shown = read_file(typescript);
    const std::string all = std::to_string(server_messages(server));
    INFO(shown);
    CHECK(shown.find("\r\033[Kone: " + all + "/" + all + " messages, ") != std::string::npos);
    CHECK(shown.find("imapmirror-progress:") == std::string::npos);
    CHECK(shown.find("[one] progress:") == std::string::npos);  // no plain lines on a terminal
    CHECK(shown.find("1 of 1 accounts backed up completely; exit code 0") != std::string::npos);
}

TEST_CASE("backup: Ctrl-C stops every account, one that hangs held no other back, exit 130",
          "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    // A password command that hangs stands for any account that takes long. Each first leaves
    // a mark, so the test knows when that account has begun.
    auto hang = [&](const std::string& name) {
        return "password_command = \"touch '" + sandbox + "/" + name + ".began'; sleep 60; cat " +
               server.password_file() + "\"\n\n";
    };
    const std::string config = write_file(
        sandbox + "/config.toml",
        server_defaults(server) + "[accounts.slow1]\n" + hang("slow1") +
            "[accounts.inbox]\ninclude = \"INBOX\"\n\n[accounts.all]\n\n[accounts.slow2]\n" +
            hang("slow2") + "[accounts.last]\n");

    // Two at a time: slow1 holds one slot; inbox, all and slow2 pass through the other. Ctrl-C
    // comes once slow2 has begun, so inbox and all are done whatever the machine's speed.
    auto r = run_imapmirror_signalled_when(
        {"backup", "--config", config, "--parallel", "2"},
        [&] { return fs::exists(sandbox + "/slow2.began"); }, 90000, SIGINT);
    INFO(r.out << r.err);
    REQUIRE(fs::exists(sandbox + "/slow2.began"));
    CHECK(r.exit_code == 130);
    CHECK(r.seconds_after_signal < 10);  // not the minute the hanging commands would take
    CHECK(archived(sandbox + "/archives/inbox") == server_messages(server, "INBOX"));
    CHECK(archived(sandbox + "/archives/all") == server_messages(server));
    CHECK(lines_with(r.out, "slow1").at(0).find(" 130  ") != std::string::npos);
    CHECK(lines_with(r.out, "slow2").at(0).find(" 130  ") != std::string::npos);
    CHECK(lines_with(r.out, "last").at(0).find("not run: interrupted before its turn") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(sandbox + "/archives/last"));
    CHECK(r.out.find("2 of 5 accounts backed up completely (interrupted); exit code 130") !=
          std::string::npos);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE(
    "accounts file: every command that connects or reads an archive takes --account NAME, "
    "the account's connection or its out",
    "[integration]") {
    DovecotServer server;
    ScopedTempDir sandbox;
    const std::string config =
        write_file(sandbox.path + "/config.toml", server_defaults(server) + "[accounts.me]\n");
    const std::vector<std::string> account = {"--account", "me", "--config", config};
    auto exported = run_imapmirror(with({"export", "--include", "INBOX", "--json"}, account));
    INFO(exported.out << exported.err);
    REQUIRE(exported.exit_code == 0);
    const size_t inbox = server_messages(server, "INBOX");
    REQUIRE(archived(sandbox.path + "/archives/me") == inbox);
    const std::string first_id =
        query(sandbox.path + "/archives/me/index.sqlite", "SELECT min(id) FROM messages")
            .at(0)
            .at(0);
    const std::string first_uid =
        query(sandbox.path + "/archives/me/index.sqlite", "SELECT min(uid) FROM messages")
            .at(0)
            .at(0);

    // Each command with no --host, --user, password or DIR: all of it from the account.
    struct Case {
        std::vector<std::string> args;
        std::string expect;  // in its stdout
    };
    const std::vector<Case> cases = {
        {{"folders", "--json"}, "\"name\":\"INBOX\""},
        {{"list", "INBOX", "--json"}, "\"exists\":" + std::to_string(inbox)},
        {{"fetch", "INBOX", "--uid", first_uid, "-o", sandbox.path + "/one.eml", "--json"},
         "\"uid\":" + first_uid},
        {{"attachments", "INBOX", "--uid", first_uid, "--json"}, "\"uid\":" + first_uid},
        {{"verify", "--server", "--include", "INBOX", "--json"}, "\"ok\":true"},
        {{"search", "--json", "a OR the OR re"}, "\"hits\""},
        {{"show", first_id, "--json"}, "\"subject\""},
        {{"threads", "--json"}, "\"threads\""},
        {{"reindex", "--json"}, "\"read\":"},
    };
    for (const auto& c : cases) {
        auto r = run_imapmirror(with(c.args, account));
        INFO(c.args.front() << ": " << r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find(c.expect) != std::string::npos);
    }
}

TEST_CASE("export --account: the command line overrides the account, which overrides defaults",
          "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    const std::string config = write_file(
        sandbox + "/config.toml",
        server_defaults(server) + "connections = 1\n[accounts.me]\ninclude = [\"Nothing*\"]\n");

    auto r = run_imapmirror({"export", "--account", "me", "--config", config, "--include", "INBOX",
                             "--out", sandbox + "/cli-out", "--json"});
    INFO(r.out << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(archived(sandbox + "/cli-out") == server_messages(server, "INBOX"));
    CHECK_FALSE(fs::exists(sandbox + "/archives"));

    // With nothing on the command line, the account's include (matching no folder) holds:
    // nothing selected, which is exit 12, not an empty success.
    auto from_config = run_imapmirror({"export", "--account", "me", "--config", config, "--json"});
    INFO(from_config.out << from_config.err);
    REQUIRE(from_config.exit_code == 12);
    CHECK(archived(sandbox + "/archives/me") == 0);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE(
    "config: an unknown key or a wrong type stops export, backup and accounts with one "
    "error naming the file, line and key",
    "[integration]") {
    const std::string sandbox = make_temp_dir();
    const std::string config =
        write_file(sandbox + "/config.toml",
                   "[defaults]\nhost = \"127.0.0.1\"\n\n[accounts.w]\nuser = \"alice\"\nhots = "
                   "\"x\"\nout = \"out\"\n");
    for (const auto& args :
         std::vector<std::vector<std::string>>{{"export", "--account", "w", "--config", config},
                                               {"backup", "--config", config},
                                               {"accounts", "--config", config}}) {
        auto r = run_imapmirror(args);
        INFO(args[0] << ": " << r.err);
        CHECK(r.exit_code == 2);
        CHECK(r.err.find("imapmirror: error: " + config +
                         ":6: unknown key 'hots' in [accounts.w]") == 0);
        CHECK(lines_with(r.err, "error").size() == 1);
    }
    CHECK_FALSE(fs::exists(sandbox + "/out"));

    write_file(config, "[accounts.w]\nhost = \"127.0.0.1\"\nport = \"143\"\n");
    auto r = run_imapmirror({"export", "--account", "w", "--config", config});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(config + ":3: 'port' in [accounts.w] must be an integer, not a string") !=
          std::string::npos);

    // A value of the right type that the option refuses is named the same way.
    write_file(config, "[accounts.w]\nhost = \"h\"\n\n\nconnections = 99\n");
    r = run_imapmirror({"export", "--account", "w", "--config", config});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(config + ":5: connections: Value 99 not in range 1 to 15") !=
          std::string::npos);
    std::system(("rm -rf '" + sandbox + "'").c_str());
}

TEST_CASE("config: a password in the file, and a password file others can read, are refused",
          "[integration]") {
    const std::string sandbox = make_temp_dir();
    const std::string config = write_file(
        sandbox + "/config.toml",
        "[accounts.w]\nhost = \"127.0.0.1\"\nuser = \"alice\"\npassword = \"hunter2\"\n");
    auto r = run_imapmirror({"accounts", "--config", config});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(config + ":4: 'password' in [accounts.w]: the config file never holds a "
                              "password") != std::string::npos);
    CHECK(r.err.find("hunter2") == std::string::npos);

    write_file(sandbox + "/shared.pass", "secret\n", 0644);
    write_file(config,
               "[accounts.w]\nhost = \"127.0.0.1\"\nuser = \"alice\"\nout = \"out\"\n"
               "password_file = \"shared.pass\"\n");
    r = run_imapmirror({"export", "--account", "w", "--config", config});
    CHECK(r.exit_code == 2);
    CHECK(r.err.find(config + ":5: password_file: " + sandbox +
                     "/shared.pass can be read by other users (mode 0644)") != std::string::npos);
    CHECK(r.err.find("chmod 600") != std::string::npos);
    CHECK_FALSE(fs::exists(sandbox + "/out"));
    std::system(("rm -rf '" + sandbox + "'").c_str());
}
