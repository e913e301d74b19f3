// The accounts file: what it accepts, what it refuses and how each refusal names the file, the
// line and the key; and that its keys are exactly the options of `export`.

#include "config/config_file.hpp"

#include <algorithm>
#include <catch2/catch.hpp>
#include <chrono>
#include <cstdlib>
#include <optional>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/config_keys.hpp"
#include "cli/export_options.hpp"

using namespace imapmirror::cli;

namespace {

// Sets (or, with nullptr, unsets) an environment variable for one test, then puts it back.
class ScopedEnv {
  public:
    ScopedEnv(const char* name, const char* value) : m_name(name) {
        if (const char* old = std::getenv(name))
            m_old = old;
        set(value);
    }
    ~ScopedEnv() { set(m_old ? m_old->c_str() : nullptr); }
    void set(const char* value) {
        if (value)
            ::setenv(m_name, value, 1);
        else
            ::unsetenv(m_name);
    }

  private:
    const char* m_name;
    std::optional<std::string> m_old;
};

Config parse_ok(const std::string& text) {
    auto config = imapmirror::config::parse_config(text, "/etc/imm/config.toml", config_keys());
    INFO((config ? "" : config.error().describe()));
    REQUIRE(config);
    return std::move(*config);
}

// The one error the text gives, as describe() prints it.
std::string parse_error(const std::string& text) {
    auto config = imapmirror::config::parse_config(text, "/etc/imm/config.toml", config_keys());
    REQUIRE_FALSE(config);
    CHECK(config.error().kind == imapmirror::core::ErrorKind::Usage);
    return config.error().describe();
}

std::vector<std::string> values_of(const Config& c, const std::string& account,
                                   const std::string& key) {
    for (const auto& s : c.settings_for(*c.find(account)))
        if (s.key == key)
            return s.values;
    return {};
}

}  // namespace

TEST_CASE("config: accounts in file order, the defaults table under what an account sets",
          "[cli]") {
    auto c = parse_ok(R"(
[defaults]
host = "imap.example.org"
connections = 2
retry_wait = 0.5
insecure = false

[accounts.zeta]
user = "z"
connections = 6
include = ["INBOX", "Archive*"]

[accounts.alpha]
user = "a"
host = "other.example.org"
exclude = "Spam"
)");
    REQUIRE(c.accounts.size() == 2);
    CHECK(c.accounts[0].name == "zeta");
    CHECK(c.accounts[1].name == "alpha");
    CHECK(values_of(c, "zeta", "host") == std::vector<std::string>{"imap.example.org"});
    CHECK(values_of(c, "zeta", "connections") == std::vector<std::string>{"6"});
    CHECK(values_of(c, "alpha", "connections") == std::vector<std::string>{"2"});
    CHECK(values_of(c, "alpha", "host") == std::vector<std::string>{"other.example.org"});
    CHECK(values_of(c, "zeta", "include") == std::vector<std::string>{"INBOX", "Archive*"});
    CHECK(values_of(c, "alpha", "exclude") == std::vector<std::string>{"Spam"});
    CHECK(values_of(c, "alpha", "insecure") == std::vector<std::string>{"false"});
    CHECK(std::stod(values_of(c, "alpha", "retry_wait").at(0)) == 0.5);
    CHECK(c.find("nobody") == nullptr);
}

TEST_CASE("config: {account}, ~/ and relative paths in values", "[cli]") {
    ScopedEnv home("HOME", "/home/me");
    auto c = parse_ok(R"(
[defaults]
out = "~/mail/{account}"
password_command = "pass show mail/{account}"
[accounts.work]
password_file = "secrets/work.pass"
[accounts.home]
ca_file = "/etc/ssl/home.pem"
)");
    CHECK(c.value_of(*c.find("work"), "out") == "/home/me/mail/work");
    CHECK(c.value_of(*c.find("home"), "out") == "/home/me/mail/home");
    CHECK(c.value_of(*c.find("home"), "password_command") == "pass show mail/home");
    CHECK(c.value_of(*c.find("work"), "password_file") == "/etc/imm/secrets/work.pass");
    CHECK(c.value_of(*c.find("home"), "ca_file") == "/etc/ssl/home.pem");
    CHECK(c.value_of(*c.find("home"), "user").empty());
}

TEST_CASE("config: an account not in the file is a usage error naming the ones it has", "[cli]") {
    Config config = parse_ok("[accounts.work]\nhost = \"a\"\n[accounts.home]\nhost = \"b\"\n");
    CHECK(config.require("work"));
    auto missing = config.require("club");
    REQUIRE_FALSE(missing);
    CHECK(missing.error().kind == imapmirror::core::ErrorKind::Usage);
    CHECK(missing.error().message == "no account 'club' in /etc/imm/config.toml");
    CHECK(missing.error().hint == "the file has: work, home");
}

TEST_CASE("config: backup's accounts are those named, each once in the order given, else all",
          "[cli]") {
    Config config = parse_ok("[accounts.work]\nhost = \"a\"\n[accounts.home]\nhost = \"b\"\n");
    CHECK(*config.chosen({}) == std::vector<std::string>{"work", "home"});
    CHECK(*config.chosen({"home", "work", "home"}) == std::vector<std::string>{"home", "work"});
    auto missing = config.chosen({"home", "club"});
    REQUIRE_FALSE(missing);
    CHECK(missing.error().message == "no account 'club' in /etc/imm/config.toml");
    auto empty = parse_ok("[defaults]\nhost = \"a\"\n").chosen({});
    REQUIRE_FALSE(empty);
    CHECK(empty.error().kind == imapmirror::core::ErrorKind::Usage);
    CHECK(empty.error().message == "no accounts in /etc/imm/config.toml");
}

TEST_CASE("config: an unknown key names the file, its line, the key, and the closest key",
          "[cli]") {
    auto e = parse_error("[defaults]\nport = 993\n\n[accounts.work]\nhost = \"x\"\nhots = \"y\"\n");
    CHECK(e.find("/etc/imm/config.toml:6: unknown key 'hots' in [accounts.work]") == 0);
    CHECK(e.find("did you mean 'host'?") != std::string::npos);
}

TEST_CASE("config: of several problems, the first in the file is reported", "[cli]") {
    // toml++ iterates tables in key order; the report follows the file.
    auto e = parse_error("[accounts.b]\nzzz = 1\n[accounts.a]\naaa = 1\n");
    CHECK(e.find("config.toml:2: unknown key 'zzz'") != std::string::npos);
}

TEST_CASE("config: a value of the wrong type names the file, line, key and both types", "[cli]") {
    CHECK(parse_error("[accounts.w]\nhost = \"h\"\nport = \"993\"\n")
              .find("config.toml:3: 'port' in [accounts.w] must be an integer, not a string") !=
          std::string::npos);
    CHECK(parse_error("[defaults]\ninsecure = \"yes\"\n")
              .find("config.toml:2: 'insecure' in [defaults] must be true or false") !=
          std::string::npos);
    // A list element of the wrong type is reported where it is.
    CHECK(parse_error("[accounts.w]\ninclude = [\n  \"INBOX\",\n  7,\n]\n")
              .find("config.toml:4: 'include' in [accounts.w] must be a string or a list of "
                    "strings, not an integer") != std::string::npos);
    CHECK(parse_error("[accounts.w]\nretry_wait = true\n").find("must be a number") !=
          std::string::npos);
}

TEST_CASE("config: a password in the file is refused, and says what to use instead", "[cli]") {
    auto e = parse_error("[accounts.work]\nhost = \"h\"\npassword = \"hunter2\"\n");
    CHECK(e.find("/etc/imm/config.toml:3: 'password' in [accounts.work]: the config file never "
                 "holds a password") == 0);
    CHECK(e.find("password_file") != std::string::npos);
    CHECK(e.find("hunter2") == std::string::npos);
    CHECK(parse_error("password = \"x\"\n").find("config.toml:1:") != std::string::npos);
}

TEST_CASE("config: TOML syntax errors carry the line and column", "[cli]") {
    auto e = parse_error("[accounts.w]\nhost = \n");
    CHECK(e.find("/etc/imm/config.toml:2:") == 0);
}

TEST_CASE("config: tables and names that cannot be accounts are refused", "[cli]") {
    CHECK(parse_error("[account.w]\nhost = \"h\"\n").find("config.toml:1: unknown key 'account'") !=
          std::string::npos);
    CHECK(parse_error("host = \"h\"\n").find("put 'host' under [defaults] or [accounts.NAME]") !=
          std::string::npos);
    CHECK(parse_error("[accounts]\nwork = 3\n").find("'accounts.work' must be a table") !=
          std::string::npos);
    CHECK(parse_error("[accounts.\"../x\"]\nhost = \"h\"\n").find("account name '../x'") !=
          std::string::npos);
    CHECK(parse_error("[accounts.-v]\nhost = \"h\"\n").find("account name '-v'") !=
          std::string::npos);
    CHECK(parse_error("defaults = 1\n").find("'defaults' must be a table") != std::string::npos);
}

TEST_CASE("config: two accounts archiving into one directory are refused", "[cli]") {
    auto e = parse_error(
        "[defaults]\nout = \"/srv/mail\"\n[accounts.a]\nhost = \"h\"\n[accounts.b]\nhost = "
        "\"h\"\n");
    CHECK(e.find("accounts 'a' and 'b' both archive into /srv/mail") != std::string::npos);
    CHECK(e.find("{account}") != std::string::npos);
    e = parse_error("[accounts.a]\nout = \"/srv/m/\"\n[accounts.b]\nout = \"/srv/x/../m\"\n");
    CHECK(e.find("config.toml:4: out: ") == std::string::npos);  // named by its key, below
    CHECK(e.find("config.toml:4: accounts 'a' and 'b' both archive into /srv/m") !=
          std::string::npos);
}

TEST_CASE("config: a missing file is a usage error that says where it looked", "[cli]") {
    auto c = load_config("/nonexistent/imapmirror/config.toml");
    REQUIRE_FALSE(c);
    CHECK(c.error().kind == imapmirror::core::ErrorKind::Usage);
    CHECK(c.error().describe().find("no config file at /nonexistent/imapmirror/config.toml") !=
          std::string::npos);
}

TEST_CASE("config: the default path follows XDG_CONFIG_HOME when it is absolute", "[cli]") {
    ScopedEnv home("HOME", "/home/me");
    ScopedEnv xdg("XDG_CONFIG_HOME", "/cfg");
    CHECK(default_config_path() == "/cfg/imapmirror/config.toml");
    xdg.set("relative");
    CHECK(default_config_path() == "/home/me/.config/imapmirror/config.toml");
    xdg.set(nullptr);
    CHECK(default_config_path() == "/home/me/.config/imapmirror/config.toml");
}

TEST_CASE(
    "config: every option of export is a key, except the command-line-only ones, which "
    "are options of export",
    "[cli]") {
    CLI::App app;
    GlobalArgs global;
    int exit_code = 0;
    add_export_command(app, global, exit_code);
    CLI::App* exp = app.get_subcommand("export");
    auto is_key = [](const std::string& key) {
        return std::any_of(config_keys().begin(), config_keys().end(),
                           [&](const KeySpec& k) { return k.key == key; });
    };
    for (const CLI::Option* opt : exp->get_options()) {
        if (opt->get_lnames().empty())
            continue;
        std::string key = opt->get_lnames().front();
        std::replace(key.begin(), key.end(), '-', '_');
        INFO(key);
        const bool command_line_only =
            std::count(std::begin(kCommandLineOnly), std::end(kCommandLineOnly), key) > 0;
        CHECK(is_key(key) != command_line_only);
    }
    // The explicit list names options that exist: a renamed option cannot leave a stale entry
    // behind (and silently become a key).
    for (std::string_view key : kCommandLineOnly) {
        INFO(key);
        CHECK(exp->get_option_no_throw(option_for_key(key)) != nullptr);
        CHECK_FALSE(is_key(std::string(key)));
    }
    // Every key is an option of export, so apply_settings has somewhere to put it.
    for (const auto& k : config_keys()) {
        INFO(k.key);
        CHECK(exp->get_option_no_throw(option_for_key(k.key)) != nullptr);
    }
}

TEST_CASE(
    "config: the keys the file accepted before keep their kinds, now derived from export's "
    "options",
    "[cli]") {
    using K = ValueKind;
    // The list config_file.cpp held by hand until the keys were derived from the options.
    const KeyTable before = {
        {"host", K::String},
        {"port", K::Integer},
        {"user", K::String},
        {"tls", K::String},
        {"ca_file", K::Path},
        {"insecure", K::Bool},
        {"password_file", K::Path},
        {"password_command", K::String},
        {"password_env", K::String},
        {"oauth2_token_command", K::String},
        {"oauth2", K::Bool},
        {"sasl", K::String},
        {"auth_mech", K::String},
        {"timeout", K::Integer},
        {"connect_timeout", K::Integer},
        {"provider", K::String},
        {"client_id", K::String},
        {"client_secret_file", K::Path},
        {"tenant", K::String},
        {"oauth2_device_url", K::String},
        {"oauth2_authorize_url", K::String},
        {"oauth2_token_url", K::String},
        {"oauth2_scope", K::String},
        {"out", K::Path},
        {"include", K::StringList},
        {"exclude", K::StringList},
        {"connections", K::Integer},
        {"retries", K::Integer},
        {"retry_wait", K::Number},
        {"max_bytes", K::String},
        {"gmail_labels_as_folders", K::Bool},
        {"msg", K::Bool},
        {"no_bodies", K::Bool},
        {"attachments", K::String},
        {"no_attachment_text", K::Bool},
        {"on_failure", K::String},
        {"on_failure_timeout", K::Integer},
        {"metrics_file", K::Path},
    };
    for (const auto& old : before) {
        INFO(old.key);
        auto now = std::find_if(config_keys().begin(), config_keys().end(),
                                [&](const KeySpec& k) { return k.key == old.key; });
        REQUIRE(now != config_keys().end());
        CHECK(static_cast<int>(now->kind) == static_cast<int>(old.kind));
    }
}

TEST_CASE("config: export's options from the file land in the struct the export takes", "[cli]") {
    CLI::App app;
    imapmirror::sync::ExportOptions options;
    add_export_options(app, options);
    auto applied = apply_settings(app, "/c.toml",
                                  {{"out", {"/srv/mail"}, {1, 1}},
                                   {"include", {"INBOX", "Work/*"}, {2, 1}},
                                   {"retry_wait", {"2.5"}, {3, 1}},
                                   {"max_bytes", {"2G"}, {4, 1}},
                                   {"no_bodies", {"true"}, {5, 1}},
                                   {"attachments", {"none"}, {6, 1}},
                                   {"no_attachment_text", {"false"}, {7, 1}},
                                   {"connections", {"7"}, {8, 1}}});
    INFO((applied ? "" : applied.error().describe()));
    REQUIRE(applied);
    CHECK(options.root == "/srv/mail");
    CHECK(options.include == std::vector<std::string>{"INBOX", "Work/*"});
    CHECK(options.retry_wait == std::chrono::milliseconds(2500));
    CHECK(options.max_bytes == std::optional<uint64_t>(2ull << 30));
    CHECK_FALSE(options.index_bodies);
    CHECK(options.attachments == imapmirror::sync::AttachmentFiles::None);
    CHECK(options.attachment_text);  // no_attachment_text = false leaves the text on
    CHECK(options.connections == 7);
}

TEST_CASE("config: export's options on the command line land in the struct the export takes",
          "[cli]") {
    CLI::App app;
    imapmirror::sync::ExportOptions options;
    add_export_options(app, options);
    const char* argv[] = {"imapmirror",    "--out", "/a",          "--no-attachment-text",
                          "--attachments", "files", "--max-bytes", "500M",
                          "--retry-wait",  "0",     "--msg",       "--repoint-archive"};
    app.parse(static_cast<int>(std::size(argv)), const_cast<char**>(argv));
    CHECK(options.root == "/a");
    CHECK_FALSE(options.attachment_text);
    CHECK(options.index_bodies);
    CHECK(options.attachments == imapmirror::sync::AttachmentFiles::Files);
    CHECK(options.max_bytes == std::optional<uint64_t>(500ull << 20));
    CHECK(options.retry_wait == std::chrono::milliseconds(0));
    CHECK(options.msg);
    CHECK(options.repoint_archive);
    // Not given: the struct's defaults.
    imapmirror::sync::ExportOptions defaults;
    CHECK(options.connections == defaults.connections);
    CHECK(options.retries == defaults.retries);
    CHECK(options.gmail_labels_as_folders == defaults.gmail_labels_as_folders);

    CLI::App wrong;
    imapmirror::sync::ExportOptions unused;
    add_export_options(wrong, unused);
    const char* bad[] = {"imapmirror", "--attachments", "some"};
    CHECK_THROWS_AS(wrong.parse(3, const_cast<char**>(bad)), CLI::ValidationError);
}

TEST_CASE("config: an account's password source replaces the one in defaults, of any kind",
          "[cli]") {
    auto c = parse_ok(R"(
[defaults]
password_file = "/p/default.pass"
[accounts.own]
password_command = "pass show own"
[accounts.inherits]
user = "x"
)");
    auto own = c.settings_for(*c.find("own"));
    CHECK(std::count_if(own.begin(), own.end(),
                        [](const Setting& s) { return is_password_source(s.key); }) == 1);
    CHECK(c.value_of(*c.find("own"), "password_command") == "pass show own");
    CHECK(c.value_of(*c.find("own"), "password_file").empty());
    CHECK(c.value_of(*c.find("inherits"), "password_file") == "/p/default.pass");
}

TEST_CASE("config: two password sources in one table are refused at the second", "[cli]") {
    auto e =
        parse_error("[accounts.w]\npassword_env = \"P\"\nhost = \"h\"\npassword_file = \"f\"\n");
    CHECK(e.find("config.toml:4: [accounts.w] sets both password_env and password_file") !=
          std::string::npos);
}

TEST_CASE("config: keys nested 40,000 levels deep are refused before toml++ reads them", "[cli]") {
    // toml++ recurses per level of a dotted key and crashed (SIGSEGV) at 40,000.
    std::string dotted = "[defaults]\nhost = \"h\"\n";
    for (int i = 0; i < 40000; ++i)
        dotted += "a.";
    dotted += "b = 1\n";
    CHECK(parse_error(dotted).find("/etc/imm/config.toml:3: keys or values nested more than 64 "
                                   "levels deep") == 0);
    CHECK(parse_error("x = " + std::string(40000, '[') + std::string(40000, ']') + "\n")
              .find("config.toml:1: keys or values nested") != std::string::npos);
    CHECK(parse_error("x = [\n" + std::string(100, '{') + "\n")
              .find("config.toml:2: keys or values nested") != std::string::npos);
    // Dots and brackets inside strings and comments are not nesting.
    const std::string dots(200, '.');
    auto c = parse_ok("[accounts.w]\nhost = \"h" + dots + "\" # " + dots + "\nuser = '" +
                      std::string(100, '[') + "'\nout = \"\"\"/d" + dots + "\"\"\"\n");
    CHECK(values_of(c, "w", "host") == std::vector<std::string>{"h" + dots});
}
