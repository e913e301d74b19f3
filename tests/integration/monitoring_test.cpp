// Unattended operation against a real Dovecot (issue #21, "Why, and who hears about it"): the
// outcome of every run in the index, `accounts` saying why and since when, the --max-age
// check, the failure hook and the node_exporter metrics file, as a nightly `backup` leaves
// them.

#include <fcntl.h>
#include <sqlite3.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>

#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

// A scratch directory removed with everything in it, also when a REQUIRE fails.
struct ScratchDir {
    std::string path = make_temp_dir();
    ~ScratchDir() { fs::remove_all(path); }
};

std::string write_file(const std::string& path, const std::string& text, mode_t mode = 0600) {
    std::ofstream(path, std::ios::binary) << text;
    ::chmod(path.c_str(), mode);
    return path;
}

void exec_sql(const std::string& db_path, const std::string& sql) {
    sqlite3* db = nullptr;
    REQUIRE(sqlite3_open(db_path.c_str(), &db) == SQLITE_OK);
    char* error = nullptr;
    const int rc = sqlite3_exec(db, sql.c_str(), nullptr, nullptr, &error);
    INFO((error ? error : ""));
    sqlite3_free(error);
    sqlite3_close(db);
    REQUIRE(rc == SQLITE_OK);
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

// The samples of a metrics file as Prometheus' own parser reads them (Debian's python3 with
// python3-prometheus-client, scripts/install-deps; not a python3 first on PATH):
// "name{account}" -> value. A file it refuses fails the test.
std::map<std::string, double> parse_metrics(const std::string& path) {
    const std::string script =
        "import sys\n"
        "from prometheus_client.parser import text_string_to_metric_families\n"
        "for family in text_string_to_metric_families(open(sys.argv[1]).read()):\n"
        "    assert family.type == 'gauge', family.name\n"
        "    for s in family.samples:\n"
        "        print(s.name + '{' + s.labels['account'] + '}', repr(s.value))\n";
    const std::string script_path = path + ".py";
    write_file(script_path, script);
    const std::string out_path = path + ".parsed";
    const int rc = std::system(
        ("/usr/bin/python3 '" + script_path + "' '" + path + "' > '" + out_path + "' 2>&1")
            .c_str());
    std::string out = read_file(out_path);
    fs::remove(script_path);
    fs::remove(out_path);
    INFO(out);
    REQUIRE(rc == 0);
    std::map<std::string, double> samples;
    std::istringstream in(out);
    std::string name;
    double value = 0;
    while (in >> name >> value)
        samples[name] = value;
    return samples;
}

}  // namespace

TEST_CASE(
    "monitoring: a night with a wrong password and a failing password command is recorded, "
    "told to the hook and the metrics, and `accounts` says why and since when",
    "[integration]") {
    DovecotServer server;
    ScratchDir sandbox;
    const std::string dir = sandbox.path;
    fs::create_directory(dir + "/metrics");
    fs::create_directory(dir + "/hook");
    const std::string config =
        write_file(dir + "/config.toml",
                   "[defaults]\nhost = \"127.0.0.1\"\nport = " + std::to_string(server.tls_port()) +
                       "\nuser = \"" + server.user() + "\"\nca_file = \"" + server.ca_file() +
                       "\"\npassword_file = \"" + server.password_file() +
                       "\"\nout = \"archives/{account}\"\n"
                       "metrics_file = \"metrics/imapmirror-{account}.prom\"\n"
                       // The whole environment, to show what the hook is given and what it is not.
                       "on_failure = 'env > \"" +
                       dir +
                       "/hook/$IMAPMIRROR_ACCOUNT.env\"'\n\n"
                       "[accounts.good]\ninclude = [\"INBOX\"]\n\n"
                       "[accounts.wrong]\npassword_env = \"WRONG_MAIL_PASSWORD\"\n\n"
                       "[accounts.cmdfail]\npassword_command = \"exit 3\"\n\n"
                       "[accounts.spare]\n");

    auto r = run_imapmirror(
        {"backup", "--config", config, "good", "wrong", "cmdfail"},
        {"WRONG_MAIL_PASSWORD=not-the-password-xyzzy", "IMAPMIRROR_PASSWORD=" + server.password()});
    INFO(r.out << r.err);
    CHECK(r.exit_code == 2);  // the worst of 6 (wrong) and 2 (cmdfail), as backup ranks them

    // 1. The outcome is in the index: exit code, kind, the line, the server's reply.
    const std::string wrong_index = dir + "/archives/wrong/index.sqlite";
    auto rows =
        query(wrong_index, "SELECT exit_code, error_kind, error_message, server_reply FROM runs");
    REQUIRE(rows.size() == 1);
    CHECK(rows[0][0] == "6");
    CHECK(rows[0][1] == "auth");
    CHECK(rows[0][2].find("rejected the login") != std::string::npos);
    CHECK(rows[0][3].find("AUTHENTICATIONFAILED") != std::string::npos);
    // A password command that fails is a recorded run too: the index is opened before the
    // password is asked for.
    auto cmd_rows = query(dir + "/archives/cmdfail/index.sqlite",
                          "SELECT exit_code, error_kind, error_message FROM runs");
    REQUIRE(cmd_rows.size() == 1);
    CHECK(cmd_rows[0][0] == "2");
    CHECK(cmd_rows[0][1] == "usage");
    CHECK(cmd_rows[0][2].find("password command") != std::string::npos);
    auto good_rows = query(dir + "/archives/good/index.sqlite",
                           "SELECT exit_code, error_kind IS NULL, error_message IS NULL FROM runs");
    REQUIRE(good_rows.size() == 1);
    CHECK(good_rows[0] == std::vector<std::string>{"0", "1", "1"});
    // Never a secret, in the index or its WAL.
    for (const auto& account : {"wrong", "cmdfail", "good"})
        for (const auto* file : {"/index.sqlite", "/index.sqlite-wal"}) {
            const std::string path = dir + "/archives/" + account + file;
            if (!fs::exists(path))
                continue;
            const std::string bytes = read_file(path);
            CHECK(bytes.find("not-the-password-xyzzy") == std::string::npos);
            CHECK(bytes.find(server.password()) == std::string::npos);
        }

    // 4. The hook ran for each failed account, told in variables, never a password.
    CHECK_FALSE(fs::exists(dir + "/hook/good.env"));
    const std::string hook = read_file(dir + "/hook/wrong.env");
    CHECK(hook.find("IMAPMIRROR_ACCOUNT=wrong\n") != std::string::npos);
    CHECK(hook.find("IMAPMIRROR_EXIT_CODE=6\n") != std::string::npos);
    CHECK(hook.find("IMAPMIRROR_ERROR_KIND=auth\n") != std::string::npos);
    CHECK(hook.find("IMAPMIRROR_MESSAGE=" + rows[0][2] + "\n") != std::string::npos);
    CHECK(hook.find("IMAPMIRROR_SERVER_REPLY=" + rows[0][3] + "\n") != std::string::npos);
    CHECK(hook.find("IMAPMIRROR_ARCHIVE=" + dir + "/archives/wrong\n") != std::string::npos);
    CHECK(hook.find("not-the-password-xyzzy") == std::string::npos);
    CHECK(hook.find(server.password()) == std::string::npos);
    CHECK(hook.find("WRONG_MAIL_PASSWORD") == std::string::npos);
    CHECK(read_file(dir + "/hook/cmdfail.env").find("IMAPMIRROR_EXIT_CODE=2\n") !=
          std::string::npos);

    // 6. The metrics, as Prometheus' parser reads them: one file per account.
    auto good = parse_metrics(dir + "/metrics/imapmirror-good.prom");
    CHECK(good.at("imapmirror_last_exit_code{good}") == 0);
    CHECK(good.at("imapmirror_last_success_timestamp_seconds{good}") > 1.7e9);
    CHECK(good.at("imapmirror_last_run_timestamp_seconds{good}") >=
          good.at("imapmirror_last_success_timestamp_seconds{good}"));
    CHECK(good.at("imapmirror_fetched_messages{good}") > 0);
    CHECK(good.at("imapmirror_fetched_bytes{good}") > 0);
    CHECK(good.at("imapmirror_failed_runs{good}") == 0);
    CHECK(good.count("imapmirror_run_duration_seconds{good}") == 1);
    CHECK(good.count("imapmirror_run_errors{good}") == 1);
    CHECK(good.count("imapmirror_run_quirks{good}") == 1);
    auto wrong = parse_metrics(dir + "/metrics/imapmirror-wrong.prom");
    CHECK(wrong.at("imapmirror_last_exit_code{wrong}") == 6);
    CHECK(wrong.at("imapmirror_last_success_timestamp_seconds{wrong}") == 0);
    CHECK(wrong.at("imapmirror_failed_runs{wrong}") == 1);
    CHECK(wrong.at("imapmirror_run_errors{wrong}") == 1);

    // 2. `accounts`: two more failed nights before this one (the server's login penalty makes
    // real ones slow), then the reason and the count.
    const std::string copy_of_first =
        "INSERT INTO runs (started_at, finished_at, mode, exit_code, error_kind, error_message, "
        "server_reply) SELECT strftime('%Y-%m-%dT%H:%M:%SZ', 'now', ?), strftime('%Y-%m-%dT%H:"
        "%M:%SZ', 'now', ?), mode, exit_code, error_kind, error_message, server_reply FROM runs "
        "WHERE id = 1;";
    auto copy_at = [&](const std::string& shift) {
        std::string sql = copy_of_first;
        for (size_t p; (p = sql.find('?')) != std::string::npos;)
            sql.replace(p, 1, "'" + shift + "'");
        return sql;
    };
    exec_sql(wrong_index, copy_at("-1 days") + copy_at("+0 days") +
                              "UPDATE runs SET started_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
                              "'now', '-2 days'), finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', "
                              "'now', '-2 days') WHERE id = 1;");
    auto list = run_imapmirror({"accounts", "--config", config});
    INFO(list.out << list.err);
    REQUIRE(list.exit_code == 0);
    auto wrong_line = lines_with(list.out, "wrong");
    REQUIRE(wrong_line.size() == 1);
    CHECK(wrong_line[0].find("! no complete backup yet; failed 3 nights in a row: ") !=
          std::string::npos);
    CHECK(wrong_line[0].find("rejected the login") != std::string::npos);
    CHECK(wrong_line[0].find("AUTHENTICATIONFAILED") != std::string::npos);
    auto good_line = lines_with(list.out, "good");
    REQUIRE(good_line.size() == 1);
    CHECK(good_line[0].find(" s ago)") != std::string::npos);
    CHECK(good_line[0].find("!") == std::string::npos);

    auto json = run_imapmirror({"accounts", "--config", config, "--json"});
    REQUIRE(json.exit_code == 0);
    CHECK(json.out.find(R"("failed_runs_in_row":3,"failed_nights_in_row":3,)") !=
          std::string::npos);
    CHECK(json.out.find(R"("error_kind":"auth","error_message":")") != std::string::npos);

    // 3. --max-age: one line, exit 14, naming the accounts too old; never backed up counts.
    auto check = run_imapmirror({"accounts", "--config", config, "--max-age", "36h"});
    INFO(check.out << check.err);
    CHECK(check.exit_code == 14);
    CHECK(lines_with(check.out, "").size() == 1);
    CHECK(check.out.rfind("STALE: 3 of 4 accounts not backed up within 36h: ", 0) == 0);
    CHECK(check.out.find("wrong (no complete backup yet, failed 3 nights in a row: ") !=
          std::string::npos);
    CHECK(check.out.find("spare (never backed up)") != std::string::npos);
    CHECK(check.out.find("good") == std::string::npos);

    const std::string fresh_config =
        write_file(dir + "/fresh.toml",
                   read_file(config).substr(0, read_file(config).find("[accounts.wrong]")));
    auto ok = run_imapmirror({"accounts", "--config", fresh_config, "--max-age", "2d"});
    INFO(ok.out << ok.err);
    CHECK(ok.exit_code == 0);
    CHECK(ok.out == "OK: all 1 accounts backed up within 2d\n");
    exec_sql(dir + "/archives/good/index.sqlite",
             "UPDATE runs SET finished_at = strftime('%Y-%m-%dT%H:%M:%SZ', 'now', '-3 days')");
    auto old = run_imapmirror({"accounts", "--config", fresh_config, "--max-age", "2d", "--json"});
    CHECK(old.exit_code == 14);
    CHECK(old.out.find(R"("max_age_seconds":172800,)") != std::string::npos);
    CHECK(old.out.find(R"("too_old":true)") != std::string::npos);
}

TEST_CASE(
    "monitoring: a run that finds its archive locked is not in the index, but the hook "
    "and the metrics hear of it",
    "[integration]") {
    ScratchDir sandbox;
    const std::string archive = sandbox.path + "/archive";
    fs::create_directory(archive);
    const int lock = ::open((archive + "/.imapmirror.lock").c_str(), O_RDWR | O_CREAT, 0600);
    REQUIRE(lock >= 0);
    REQUIRE(::flock(lock, LOCK_EX | LOCK_NB) == 0);
    const std::string metrics = sandbox.path + "/m.prom";
    auto r = run_imapmirror({"export", "--host", "127.0.0.1", "--port", "1", "--user", "u", "--out",
                             archive, "--metrics-file", metrics, "--on-failure",
                             "echo \"hook: $IMAPMIRROR_ACCOUNT $IMAPMIRROR_EXIT_CODE "
                             "$IMAPMIRROR_MESSAGE\" >&2"},
                            {"IMAPMIRROR_PASSWORD=x"});
    ::close(lock);
    INFO(r.out << r.err);
    CHECK(r.exit_code != 0);
    CHECK(r.err.find("hook: u@127.0.0.1 " + std::to_string(r.exit_code) + " ") !=
          std::string::npos);
    CHECK_FALSE(fs::exists(archive + "/index.sqlite"));
    const std::string text = read_file(metrics);
    CHECK(text.find("imapmirror_last_exit_code{account=\"u@127.0.0.1\"} " +
                    std::to_string(r.exit_code) + "\n") != std::string::npos);
}
