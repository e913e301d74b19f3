// Settings from the accounts file reach a command's options only where the command line left
// them unset, through the options' own checks.

#include "cli/account_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "cli/connection_options.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror::cli;

namespace {

struct Command {
    CLI::App app;
    ConnectionArgs conn;
    size_t connections = 4;
    std::vector<std::string> include;

    explicit Command(std::vector<std::string> args) {
        add_connection_options(app, conn);
        // As export does: they may come from the config.
        app.get_option("--host")->required(false);
        app.get_option("--user")->required(false);
        app.add_option("-j,--connections", connections)->check(CLI::Range(1, 15));
        app.add_option("--include", include);
        args.insert(args.begin(), "imapmirror");
        std::vector<const char*> argv;
        for (const auto& a : args)
            argv.push_back(a.c_str());
        app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
    }
};

Setting setting(std::string key, std::vector<std::string> values, int line) {
    return {std::move(key), std::move(values), {line, 1}};
}

std::string private_file(const std::string& name, mode_t mode) {
    std::string path = "/tmp/imm-account-options-" + std::to_string(::getpid()) + "-" + name;
    std::ofstream(path) << "secret\n";
    ::chmod(path.c_str(), mode);
    return path;
}

}  // namespace

TEST_CASE("account options: the command line wins, the config fills in the rest", "[cli]") {
    Command cmd({"--host", "cli.example.org", "--user", "me", "--include", "INBOX"});
    auto applied =
        apply_settings(cmd.app, "/c.toml",
                       {setting("host", {"cfg.example.org"}, 2), setting("port", {"143"}, 3),
                        setting("tls", {"starttls"}, 4), setting("include", {"A", "B"}, 5),
                        setting("connections", {"2"}, 6), setting("out", {"/srv/x"}, 7)});
    REQUIRE(applied);
    CHECK(cmd.conn.host == "cli.example.org");
    CHECK(cmd.conn.user == "me");
    CHECK(cmd.conn.port == 143);
    CHECK(cmd.conn.tls == "starttls");
    CHECK(cmd.include == std::vector<std::string>{"INBOX"});
    CHECK(cmd.connections == 2);
}

TEST_CASE("account options: a value the option refuses names the file, line and key", "[cli]") {
    Command cmd({});
    auto applied = apply_settings(cmd.app, "/c.toml", {setting("connections", {"40"}, 9)});
    REQUIRE_FALSE(applied);
    CHECK(applied.error().describe().find(
              "/c.toml:9: connections: Value 40 not in range 1 to 15") == 0);
    Command tls({});
    applied = apply_settings(tls.app, "/c.toml", {setting("tls", {"startls"}, 3)});
    REQUIRE_FALSE(applied);
    CHECK(applied.error().describe().find("/c.toml:3: tls: startls not in") == 0);
}

TEST_CASE("account options: a password source on the command line replaces the config's", "[cli]") {
    std::string file = private_file("cmdline", 0600);
    Command cmd({"--password-command", "echo x"});
    auto applied = apply_settings(
        cmd.app, "/c.toml",
        {setting("password_file", {file}, 4), setting("password_env", {"WORK_PASS"}, 5)});
    REQUIRE(applied);
    CHECK(cmd.conn.password_command == "echo x");
    CHECK(cmd.conn.password_file.empty());
    CHECK(cmd.conn.password_env.empty());
    ::unlink(file.c_str());
}

TEST_CASE("account options: a password file from the config that others can read is refused",
          "[cli]") {
    std::string readable = private_file("readable", 0644);
    Command cmd({});
    auto applied = apply_settings(cmd.app, "/c.toml", {setting("password_file", {readable}, 7)});
    REQUIRE_FALSE(applied);
    CHECK(applied.error().describe().find("/c.toml:7: password_file: " + readable +
                                          " can be read by other users (mode 0644)") == 0);
    CHECK(applied.error().describe().find("chmod 600") != std::string::npos);
    CHECK(cmd.conn.password_file.empty());

    std::string group = private_file("group", 0640);
    Command cmd2({});
    CHECK_FALSE(apply_settings(cmd2.app, "/c.toml", {setting("password_file", {group}, 7)}));

    std::string own = private_file("own", 0600);
    Command cmd3({});
    REQUIRE(apply_settings(cmd3.app, "/c.toml", {setting("password_file", {own}, 7)}));
    CHECK(cmd3.conn.password_file == own);
    for (const auto& f : {readable, group, own})
        ::unlink(f.c_str());
}

TEST_CASE("account options: an option that is required may come from the config", "[cli]") {
    CLI::App app;
    std::string host;
    app.add_option("--host", host);
    app.parse(std::vector<std::string>{});
    CHECK_FALSE(require_options(app, {"--host"}));
    REQUIRE(apply_settings(app, "/c.toml", {setting("host", {"h"}, 1)}));
    CHECK(require_options(app, {"--host"}));
}

namespace {

// A config file with account `work` (out set) and account `bare` (no out), in a private
// directory.
struct ConfigFile {
    imapmirror::test::TempDir dir;
    std::string path = dir.path + "/config.toml";
    ConfigFile() {
        std::ofstream(path) << "[defaults]\nhost = \"imap.example.org\"\nuser = \"me\"\n\n"
                               "[accounts.work]\nout = \"archives/{account}\"\n\n"
                               "[accounts.bare]\nport = 143\n";
    }
};

}  // namespace

TEST_CASE("archive from --account: DIR is the account's out, relative to the config file",
          "[cli][account]") {
    ConfigFile config;
    std::string dir;
    REQUIRE(resolve_archive_dir({"work", config.path}, dir));
    CHECK(dir == config.dir.path + "/archives/work");
}

TEST_CASE("archive from --account: a DIR given wins, and without --account DIR is required",
          "[cli][account]") {
    ConfigFile config;
    std::string dir = "/srv/mine";
    REQUIRE(resolve_archive_dir({"work", config.path}, dir));
    CHECK(dir == "/srv/mine");
    std::string none;
    auto missing = resolve_archive_dir({}, none);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == imapmirror::core::ErrorKind::Usage);
    CHECK(missing.error().hint.find("--account NAME") != std::string::npos);
}

TEST_CASE("archive from --account: the one positional given is the one after DIR",
          "[cli][account]") {
    ConfigFile config;
    std::string dir = "meeting", query;
    REQUIRE(resolve_archive_dir({"work", config.path}, dir, &query));
    CHECK(query == "meeting");
    CHECK(dir == config.dir.path + "/archives/work");
    std::string both_dir = "/srv/mine", both_query = "meeting";
    REQUIRE(resolve_archive_dir({"work", config.path}, both_dir, &both_query));
    CHECK(both_dir == "/srv/mine");
    CHECK(both_query == "meeting");
    std::string only_dir = "/srv/mine", no_query;
    auto missing = resolve_archive_dir({}, only_dir, &no_query, "QUERY");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "QUERY is required");
}

TEST_CASE("archive from --account: an account without out, or unknown, is a usage error",
          "[cli][account]") {
    ConfigFile config;
    std::string dir;
    auto bare = resolve_archive_dir({"bare", config.path}, dir);
    REQUIRE_FALSE(bare);
    CHECK(bare.error().message.find("account bare has no `out`") != std::string::npos);
    auto unknown = resolve_archive_dir({"play", config.path}, dir);
    REQUIRE_FALSE(unknown);
    CHECK(unknown.error().kind == imapmirror::core::ErrorKind::Usage);
    auto config_alone = resolve_archive_dir({"", config.path}, dir);
    REQUIRE_FALSE(config_alone);
}

TEST_CASE("connection from --account: the account's host and user fill what the line left out",
          "[cli][account]") {
    ConfigFile config;
    CLI::App app;
    ConnectionArgs conn;
    AccountChoice choice;
    add_connection_options(app, conn);
    add_account_connection(app, choice, conn.provider);
    std::vector<const char*> argv = {"imapmirror",        "--account", "bare", "--config",
                                     config.path.c_str(), "--user",    "other"};
    app.parse(static_cast<int>(argv.size()), const_cast<char**>(argv.data()));
    REQUIRE(use_account_connection(app, choice, conn.account, conn.provider));
    CHECK(conn.host == "imap.example.org");
    CHECK(conn.user == "other");
    CHECK(conn.port == 143);
    CHECK(conn.account == "bare");

    CLI::App plain;
    ConnectionArgs plain_conn;
    AccountChoice no_account;
    add_connection_options(plain, plain_conn);
    add_account_connection(plain, no_account, plain_conn.provider);
    std::vector<const char*> only_user = {"imapmirror", "--user", "me"};
    plain.parse(static_cast<int>(only_user.size()), const_cast<char**>(only_user.data()));
    auto missing =
        use_account_connection(plain, no_account, plain_conn.account, plain_conn.provider);
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "--host is required");
}
