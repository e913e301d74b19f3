// Settings from the accounts file reach a command's options only where the command line left
// them unset, through the options' own checks.

#include "cli/account_options.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <fstream>

#include "cli/connection_options.hpp"

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
