#pragma once
// `--account NAME` and `--config FILE`: a command's options filled in from the accounts file
// (config/config_file.hpp, with the keys of config_keys.hpp), below the command line.
// Precedence, highest first: the command line, an
// option's environment variable (IMAPMIRROR_HOST, ...), the account's table, [defaults], the
// built-in default.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config_keys.hpp"
#include "core/error.hpp"

namespace imapmirror::cli {

struct AccountChoice {
    std::string account;
    std::string config;  // empty: default_config_path()
};

// Adds --account and --config to `cmd`.
void add_account_options(CLI::App& cmd, AccountChoice& choice);

// Adds --config FILE alone (commands that read the whole file: backup, accounts).
CLI::Option* add_config_option(CLI::App& cmd, std::string& path);

// The config file the choice names: --config, else default_config_path().
std::string config_path(const AccountChoice& choice);

// Nothing without --account (and --config alone is a Usage error). With it: loads the config
// and gives each option of `cmd` that the command line and its environment variable left
// unset the account's value. Errors: the config's own (config/config_file.hpp), an unknown
// account,
// and those of apply_settings.
core::Result<void> apply_account(CLI::App& cmd, const AccountChoice& choice);

// --account for a command that connects (folders, list, fetch, attachments): adds --account,
// --config and a hidden --provider (the config's `provider` key), and makes --host and --user
// optional on the command line, since the account may give them.
void add_account_connection(CLI::App& cmd, AccountChoice& choice, std::string& provider);

// In that command's callback: the account's settings (apply_account) and its provider's preset
// below the command line, the account's name for the token store, then --host and --user
// required from one of them.
core::Result<void> use_account_connection(CLI::App& cmd, const AccountChoice& choice,
                                          std::string& account, const std::string& provider);

// `path` without trailing '/' ("/" stays "/"): the one spelling of a directory that paths
// are built on and that the index and the hook are given.
void strip_trailing_slashes(std::string& path);

// The archive a command reads (search, show, threads, reindex, verify, dump): DIR as given,
// else with --account the account's `out`; trailing '/' stripped. `next` is the positional
// after DIR where the command has one (search's QUERY, show's MESSAGE; null where it has none
// or it is not expected): with --account and only one positional given, that one is `next`.
// Errors (Usage): no DIR and no --account, an account without `out`, and the config's own.
// `next_required` names `next` when the command cannot go without it (search's "QUERY"): its
// absence is then a Usage error too.
core::Result<void> resolve_archive_dir(const AccountChoice& choice, std::string& dir,
                                       std::string* next = nullptr,
                                       const char* next_required = nullptr);

// Gives each option of `cmd` that is still unset (count() == 0) the value of its Setting,
// through the option's own conversion and checks; a setting `cmd` has no option for is left
// out. The password is one setting: when the command line names a source (--password-file,
// --password-command, --password-env, --oauth2-token-command, --oauth2) the settings' sources are
// left out. Errors name `config_path`, the line and the key: a value the option refuses, a
// password_file that is missing or that other users can read.
core::Result<void> apply_settings(CLI::App& cmd, const std::string& config_path,
                                  const std::vector<Setting>& settings);

// A Usage error naming the first of `options` that neither the command line, its environment
// variable nor the config file gave.
core::Result<void> require_options(const CLI::App& cmd, std::initializer_list<const char*> options);

}  // namespace imapmirror::cli
