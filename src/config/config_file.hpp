#pragma once
// The accounts file (~/.config/imapmirror/config.toml): TOML, read with toml++, checked against
// the keys an account may set, and turned into per-account settings. It only reads and checks,
// and knows no command line: the caller gives the keys (cli derives them from `export`'s
// options: cli/config_keys.hpp), and giving the settings to a command's options is cli's
// account_options' job.

#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"

namespace imapmirror::config {

// What a key's value must be in the file, and how it is turned into option values.
enum class ValueKind {
    String,
    Path,  // a string; `~/` is the home directory, a relative path is relative to the file
    Integer,
    Number,  // an integer or a floating-point number
    Bool,
    StringList,  // a string, or a list of strings
};

// One key an account (or [defaults]) may set.
struct KeySpec {
    std::string key;  // `retry_wait`: the option `--retry-wait`
    ValueKind kind = ValueKind::String;
    bool operator==(const KeySpec&) const = default;
};
using KeyTable = std::vector<KeySpec>;

// Where a value was written, for errors ("FILE:LINE: ...").
struct SourcePos {
    int line = 0;
    int column = 0;
};

// One key of an account (or of [defaults]), in the form of the command-line option it stands
// for: key `retry_wait` is option `--retry-wait`, and `values` are what that option would get
// on the command line: one entry per list element, "true"/"false" for a switch, numbers in
// decimal. Paths are absolute (`~/` is the home directory, anything else relative is relative
// to the file's directory); `{account}` in a string is the account's name.
struct Setting {
    std::string key;
    std::vector<std::string> values;
    SourcePos where;
};

struct Account {
    std::string name;  // letters, digits, '.', '_', '-', '@'; not starting with '.' or '-'
    SourcePos where;
    std::vector<Setting> settings;  // as written in [accounts.NAME], `{account}` not yet replaced
};

struct Config {
    std::string path;  // absolute
    KeyTable keys;     // what the file was checked against; settings_for keeps their order
    std::vector<Setting> defaults;  // [defaults], `{account}` not yet replaced
    std::vector<Account> accounts;  // in the order of the file

    // nullptr when there is no such account.
    const Account* find(std::string_view name) const;
    // The account, or a Usage error naming the file and the accounts it has.
    core::Result<const Account*> require(std::string_view name) const;
    // The names of the accounts `named` (each once, in the order given; an unknown one is
    // require's error), or of all the file's accounts when `named` is empty. A Usage error when
    // the file has no account.
    core::Result<std::vector<std::string>> chosen(const std::vector<std::string>& named) const;
    // What `account` sets, with [defaults] for the keys it does not set (the password source
    // counting as one key), `{account}` replaced; each Setting keeps the position it was
    // written at.
    std::vector<Setting> settings_for(const Account& account) const;
    // The account's value of `key` (first element for a list), or "" when neither the account
    // nor [defaults] sets it.
    std::string value_of(const Account& account, std::string_view key) const;
};

// password_file, password_command, password_env, oauth2_token_command, oauth2: one setting in
// five keys. A table sets at most one; an account that sets one replaces [defaults]' one.
bool is_password_source(std::string_view key);

// $XDG_CONFIG_HOME/imapmirror/config.toml when XDG_CONFIG_HOME is an absolute path, else
// $HOME/.config/imapmirror/config.toml.
std::string default_config_path();

// Reads and checks `path`. Every problem is one Usage error: a file that is missing or cannot be
// read, and, naming the file, the line and the key: TOML syntax, a table or key that is
// not known, a value of the wrong type, a `password` key (the file never holds a password), an
// account name that is not one safe word, two accounts archiving into one directory.
// Only the keys of `keys` are known.
core::Result<Config> load_config(const std::string& path, const KeyTable& keys);

// The same checks for text already read; `path` names it in errors and is the base of
// relative paths (made absolute against the working directory).
core::Result<Config> parse_config(std::string_view text, const std::string& path,
                                  const KeyTable& keys);

}  // namespace imapmirror::config
