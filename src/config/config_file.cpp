#include "config/config_file.hpp"

#include <fcntl.h>
#include <pwd.h>
#include <unistd.h>

#include <toml++/toml.h>
#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <map>
#include <set>

#include "core/edit_distance.hpp"

namespace imapmirror::config {

namespace {

using core::ErrorKind;

using Kind = ValueKind;

constexpr size_t kMaxFileSize = 1 << 20;

constexpr std::string_view kPasswordSources[] = {"password_file", "password_command",
                                                 "password_env", "oauth2_token_command", "oauth2"};

const KeySpec* find_spec(const KeyTable& keys, std::string_view key) {
    for (const auto& s : keys)
        if (s.key == key)
            return &s;
    return nullptr;
}

const char* kind_name(Kind kind) {
    switch (kind) {
        case Kind::String:
        case Kind::Path:
            return "a string";
        case Kind::Integer:
            return "an integer";
        case Kind::Number:
            return "a number";
        case Kind::Bool:
            return "true or false";
        case Kind::StringList:
            return "a string or a list of strings";
    }
    return "?";
}

const char* node_name(const toml::node& node) {
    switch (node.type()) {
        case toml::node_type::string:
            return "a string";
        case toml::node_type::integer:
            return "an integer";
        case toml::node_type::floating_point:
            return "a floating-point number";
        case toml::node_type::boolean:
            return "a boolean";
        case toml::node_type::array:
            return "a list";
        case toml::node_type::table:
            return "a table";
        case toml::node_type::date:
        case toml::node_type::time:
        case toml::node_type::date_time:
            return "a date or time";
        case toml::node_type::none:
            break;
    }
    return "nothing";
}

SourcePos pos_of(const toml::source_region& region) {
    return {static_cast<int>(region.begin.line), static_cast<int>(region.begin.column)};
}

std::string known_keys_hint(const KeyTable& keys, std::string_view unknown) {
    std::string closest;
    size_t best = 3;  // at most two edits away
    std::string all;
    for (const auto& s : keys) {
        size_t d = core::edit_distance(unknown, s.key);
        if (d < best) {
            best = d;
            closest = s.key;
        }
        all += (all.empty() ? "" : ", ") + std::string(s.key);
    }
    return (closest.empty() ? std::string() : "did you mean '" + closest + "'? ") +
           "an account may set: " + all;
}

std::string home_directory() {
    if (const char* home = std::getenv("HOME"); home && *home)
        return home;
    if (const passwd* pw = ::getpwuid(::getuid()); pw && pw->pw_dir)
        return pw->pw_dir;
    return "";
}

bool valid_account_name(std::string_view name) {
    if (name.empty() || name.size() > 64 || name[0] == '.' || name[0] == '-')
        return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '.' || c == '_' || c == '-' || c == '@';
    });
}

std::string replace_all(std::string s, std::string_view from, std::string_view to) {
    for (size_t at = s.find(from); at != std::string::npos; at = s.find(from, at + to.size()))
        s.replace(at, from.size(), to);
    return s;
}

std::string format_number(double d) {
    char buf[40];
    std::snprintf(buf, sizeof buf, "%.17g", d);
    return buf;
}

// Turns one TOML document into a Config. Every problem is kept, so that the first one in the
// file can be reported: toml++ iterates tables in key order, not in file order.
class Reader {
  public:
    Reader(std::string path, std::string base_dir, const KeyTable& keys)
        : m_path(std::move(path)), m_base_dir(std::move(base_dir)), m_keys(keys) {}

    void read_root(const toml::table& root, Config& config) {
        for (auto&& [key, node] : root) {
            SourcePos at = pos_of(key.source());
            if (key.str() == "defaults") {
                if (const auto* table = node.as_table())
                    config.defaults = read_settings(*table, "[defaults]");
                else
                    problem(at, "'defaults' must be a table ([defaults]), not " +
                                    std::string(node_name(node)));
            } else if (key.str() == "accounts") {
                if (const auto* table = node.as_table())
                    read_accounts(*table, config);
                else
                    problem(at,
                            "'accounts' must hold one table per account ([accounts.NAME]), "
                            "not " +
                                std::string(node_name(node)));
            } else {
                std::string hint =
                    "the file holds a [defaults] table and one [accounts.NAME] "
                    "table per account";
                if (find_spec(m_keys, key.str()) || key.str() == "password")
                    hint =
                        "put '" + std::string(key.str()) + "' under [defaults] or [accounts.NAME]";
                problem(at, "unknown key '" + std::string(key.str()) + "' at the top level", hint);
            }
        }
        std::sort(config.accounts.begin(), config.accounts.end(),
                  [](const Account& a, const Account& b) { return a.where.line < b.where.line; });
    }

    // The first problem in the file, if any.
    std::optional<core::Error> first_problem() const {
        if (m_problems.empty())
            return std::nullopt;
        auto first = std::min_element(m_problems.begin(), m_problems.end(), [](auto& a, auto& b) {
            return std::pair(a.first.line, a.first.column) <
                   std::pair(b.first.line, b.first.column);
        });
        return first->second;
    }

    void problem(SourcePos at, std::string what, std::string hint = {}) {
        auto e =
            core::make_error(ErrorKind::Usage, m_path + ":" + std::to_string(at.line) + ": " + what,
                             core::Scope::Run);
        e.hint = std::move(hint);
        m_problems.emplace_back(at, std::move(e));
    }

  private:
    void read_accounts(const toml::table& accounts, Config& config) {
        for (auto&& [name, node] : accounts) {
            SourcePos at = pos_of(name.source());
            std::string where = "[accounts." + std::string(name.str()) + "]";
            if (!valid_account_name(name.str())) {
                problem(at, "account name '" + std::string(name.str()) + "' is not allowed",
                        "use letters, digits, '.', '_', '-' and '@' (not first: '.' or '-'), "
                        "at most 64: the name appears in commands, tables and {account} paths");
                continue;
            }
            const auto* table = node.as_table();
            if (!table) {
                problem(at,
                        "'accounts." + std::string(name.str()) +
                            "' must be a table of settings, not " + node_name(node),
                        "write the account as [accounts." + std::string(name.str()) +
                            "] followed by its keys");
                continue;
            }
            config.accounts.push_back({std::string(name.str()), at, read_settings(*table, where)});
        }
    }

    std::vector<Setting> read_settings(const toml::table& table, const std::string& where) {
        std::vector<Setting> out;
        for (auto&& [key, node] : table) {
            SourcePos at = pos_of(key.source());
            std::string name(key.str());
            if (name == "password") {
                problem(at, "'password' in " + where + ": the config file never holds a password",
                        "a password written here sits in plain text in a file that is easy to "
                        "copy, back up or show; use password_file (a file only you can read, "
                        "chmod 600), password_command (e.g. \"pass show mail/work\") or "
                        "password_env (the name of an environment variable)");
                continue;
            }
            const KeySpec* spec = find_spec(m_keys, name);
            if (!spec) {
                problem(at, "unknown key '" + name + "' in " + where,
                        known_keys_hint(m_keys, name));
                continue;
            }
            auto values = read_value(*spec, node, "'" + name + "' in " + where);
            if (!values)
                continue;
            out.push_back({name, std::move(*values), at});
        }
        // The second source in the file is the one to remove.
        std::vector<const Setting*> sources;
        for (const auto& s : out)
            if (is_password_source(s.key))
                sources.push_back(&s);
        std::sort(sources.begin(), sources.end(),
                  [](const Setting* a, const Setting* b) { return a->where.line < b->where.line; });
        if (sources.size() > 1)
            problem(sources[1]->where,
                    where + " sets both " + sources[0]->key + " and " + sources[1]->key,
                    "give one source of the password (or OAuth2 token) per table");
        return out;
    }

    // The option's values, or nullopt after recording why not. `what` names the key and table.
    std::optional<std::vector<std::string>> read_value(const KeySpec& spec, const toml::node& node,
                                                       const std::string& what) {
        auto wrong = [&](const toml::node& n) -> std::optional<std::vector<std::string>> {
            problem(pos_of(n.source()),
                    what + " must be " + kind_name(spec.kind) + ", not " + node_name(n));
            return std::nullopt;
        };
        switch (spec.kind) {
            case Kind::String:
                if (node.is_string())
                    return std::vector{*node.value<std::string>()};
                return wrong(node);
            case Kind::Path:
                if (node.is_string())
                    return std::vector{expand_path(*node.value<std::string>())};
                return wrong(node);
            case Kind::Integer:
                if (node.is_integer())
                    return std::vector{std::to_string(*node.value<int64_t>())};
                return wrong(node);
            case Kind::Number:
                if (node.is_integer())
                    return std::vector{std::to_string(*node.value<int64_t>())};
                if (node.is_floating_point())
                    return std::vector{format_number(*node.value<double>())};
                return wrong(node);
            case Kind::Bool:
                if (node.is_boolean())
                    return std::vector<std::string>{*node.value<bool>() ? "true" : "false"};
                return wrong(node);
            case Kind::StringList: {
                if (node.is_string())
                    return std::vector{*node.value<std::string>()};
                const auto* array = node.as_array();
                if (!array)
                    return wrong(node);
                std::vector<std::string> out;
                for (const auto& element : *array) {
                    if (!element.is_string())
                        return wrong(element);
                    out.push_back(*element.value<std::string>());
                }
                return out;
            }
        }
        return wrong(node);
    }

    std::string expand_path(const std::string& p) const {
        if (p == "~" || p.rfind("~/", 0) == 0)
            return home_directory() + p.substr(1);
        if (!p.empty() && p[0] != '/')
            return m_base_dir + "/" + p;
        return p;
    }

    std::string m_path, m_base_dir;
    const KeyTable& m_keys;
    std::vector<std::pair<SourcePos, core::Error>> m_problems;
};

}  // namespace

const Account* Config::find(std::string_view name) const {
    for (const auto& a : accounts)
        if (a.name == name)
            return &a;
    return nullptr;
}

core::Result<const Account*> Config::require(std::string_view name) const {
    if (const Account* a = find(name))
        return a;
    std::string names;
    for (const auto& a : accounts)
        names += (names.empty() ? "" : ", ") + a.name;
    auto e =
        core::make_error(core::ErrorKind::Usage,
                         "no account '" + std::string(name) + "' in " + path, core::Scope::Run);
    e.hint = names.empty() ? "add an [accounts.NAME] table for each account (man "
                             "imapmirror-config: EXAMPLE)"
                           : "the file has: " + names;
    return e;
}

core::Result<std::vector<std::string>> Config::chosen(const std::vector<std::string>& named) const {
    if (accounts.empty()) {
        auto e =
            core::make_error(core::ErrorKind::Usage, "no accounts in " + path, core::Scope::Run);
        e.hint = "add an [accounts.NAME] table for each account (man imapmirror-config: EXAMPLE)";
        return e;
    }
    std::vector<std::string> out;
    std::set<std::string> seen;
    for (const auto& name : named) {
        IMM_TRY(require(name));
        if (seen.insert(name).second)
            out.push_back(name);
    }
    if (named.empty())
        for (const auto& a : accounts)
            out.push_back(a.name);
    return out;
}

bool is_password_source(std::string_view key) {
    return std::find(std::begin(kPasswordSources), std::end(kPasswordSources), key) !=
           std::end(kPasswordSources);
}

std::vector<Setting> Config::settings_for(const Account& account) const {
    bool own_password = std::any_of(account.settings.begin(), account.settings.end(),
                                    [](const Setting& s) { return is_password_source(s.key); });
    std::vector<Setting> out;
    for (const auto& spec : keys) {
        auto pick = [&](const std::vector<Setting>& from) -> const Setting* {
            for (const auto& s : from)
                if (s.key == spec.key)
                    return &s;
            return nullptr;
        };
        const Setting* s = pick(account.settings);
        if (!s && !(own_password && is_password_source(spec.key)))
            s = pick(defaults);
        if (!s)
            continue;
        Setting merged = *s;
        for (auto& v : merged.values)
            v = replace_all(v, "{account}", account.name);
        out.push_back(std::move(merged));
    }
    return out;
}

std::string Config::value_of(const Account& account, std::string_view key) const {
    for (const auto& s : settings_for(account))
        if (s.key == key && !s.values.empty())
            return s.values.front();
    return "";
}

std::string default_config_path() {
    const char* xdg = std::getenv("XDG_CONFIG_HOME");
    // The XDG Base Directory spec: a relative value is invalid and must be ignored.
    if (xdg && xdg[0] == '/')
        return std::string(xdg) + "/imapmirror/config.toml";
    return home_directory() + "/.config/imapmirror/config.toml";
}

// The first line whose keys or values nest deeper than kMaxNesting, 0 when none. toml++
// recurses once per level of a dotted key ("a.b.c") and overflows the stack at some tens of
// thousands; an imapmirror config nests three levels ([accounts.NAME] key). Counted outside
// strings and comments: each unquoted '.', and each '[' or '{' still open (also across lines).
size_t too_deep_line(std::string_view text) {
    constexpr size_t kMaxNesting = 64;
    size_t line = 1, open = 0, dots = 0;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (c == '\n') {
            ++line;
            dots = 0;
        } else if (c == '#') {
            const size_t nl = text.find('\n', i);
            if (nl == std::string_view::npos)
                break;
            i = nl - 1;
        } else if (c == '"' || c == '\'') {
            const bool multi = text.substr(i, 3) == std::string_view(c == '"' ? R"(""")" : "'''");
            const std::string_view quote = multi ? text.substr(i, 3) : text.substr(i, 1);
            size_t end = i + quote.size();
            for (;; ++end) {
                end = text.find(quote, end);
                if (end == std::string_view::npos)
                    return 0;  // toml++ reports the unterminated string
                size_t backslashes = 0;
                while (c == '"' && text[end - 1 - backslashes] == '\\')
                    ++backslashes;
                if (backslashes % 2 == 0)
                    break;
            }
            for (size_t j = i; j < end; ++j)
                line += text[j] == '\n' ? 1 : 0;
            i = end + quote.size() - 1;
        } else if (c == '[' || c == '{') {
            ++open;
        } else if ((c == ']' || c == '}') && open > 0) {
            --open;
        } else if (c == '.') {
            ++dots;
        }
        if (open + dots > kMaxNesting)
            return line;
    }
    return 0;
}

core::Result<Config> parse_config(std::string_view text, const std::string& path,
                                  const KeyTable& keys) {
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::path absolute = fs::absolute(path, ec);
    if (ec)
        absolute = path;
    Config config;
    config.path = absolute.lexically_normal().string();
    config.keys = keys;
    Reader reader(config.path, absolute.parent_path().lexically_normal().string(), config.keys);

    if (const size_t line = too_deep_line(text))
        return core::make_error(ErrorKind::Usage,
                                config.path + ":" + std::to_string(line) +
                                    ": keys or values nested more than 64 levels deep; an "
                                    "imapmirror config needs three ([accounts.NAME] key = value)",
                                core::Scope::Run);
    toml::table root;
    try {
        root = toml::parse(text, std::string_view(config.path));
    } catch (const toml::parse_error& e) {
        // toml++'s words, at its position; the text is ours, so it holds no secret.
        auto where = e.source().begin;
        return core::make_error(ErrorKind::Usage,
                                config.path + ":" + std::to_string(where.line) + ":" +
                                    std::to_string(where.column) + ": " +
                                    std::string(e.description()),
                                core::Scope::Run);
    }
    reader.read_root(root, config);
    if (auto problem = reader.first_problem())
        return std::move(*problem);

    // Two accounts in one archive would mix their folders and mark each other's as deleted;
    // two writing one metrics file would replace each other's figures.
    std::map<std::pair<std::string, std::string>, const Account*> owner;
    for (const auto& account : config.accounts) {
        for (const auto& s : config.settings_for(account)) {
            if ((s.key != "out" && s.key != "metrics_file") || s.values.empty())
                continue;
            std::string path = fs::path(s.values.front()).lexically_normal().string();
            while (path.size() > 1 && path.back() == '/')
                path.pop_back();
            auto [it, fresh] = owner.emplace(std::make_pair(s.key, path), &account);
            if (fresh)
                continue;
            const bool out = s.key == "out";
            reader.problem(s.where,
                           "accounts '" + it->second->name + "' and '" + account.name + "' both " +
                               (out ? "archive into " : "write the metrics file ") + path,
                           out ? "each account needs a directory of its own; in [defaults], "
                                 "out = \"~/mail-archive/{account}\" gives each its own"
                               : "each account needs a metrics file of its own; in [defaults], "
                                 "metrics_file = \"/var/lib/prometheus/node-exporter/"
                                 "imapmirror-{account}.prom\" gives each its own");
            return *reader.first_problem();
        }
    }
    return config;
}

core::Result<Config> load_config(const std::string& path, const KeyTable& keys) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        int err = errno;
        if (err == ENOENT) {
            auto e =
                core::make_error(ErrorKind::Usage, "no config file at " + path, core::Scope::Run);
            e.hint = "write one (man imapmirror-config: EXAMPLE), or name it with --config FILE";
            return e;
        }
        return core::make_error(ErrorKind::Usage,
                                "cannot read config file " + path + ": " + std::strerror(err),
                                core::Scope::Run);
    }
    std::string text;
    char buf[65536];
    ssize_t n = 0;
    while (text.size() <= kMaxFileSize && (n = ::read(fd, buf, sizeof buf)) > 0)
        text.append(buf, static_cast<size_t>(n));
    int err = errno;
    ::close(fd);
    if (n < 0)
        return core::make_error(ErrorKind::Usage,
                                "cannot read config file " + path + ": " + std::strerror(err),
                                core::Scope::Run);
    if (text.size() > kMaxFileSize)
        return core::make_error(
            ErrorKind::Usage, "config file " + path + " is larger than 1 MB; is it the right file?",
            core::Scope::Run);
    return parse_config(text, path, keys);
}

}  // namespace imapmirror::config
