#pragma once
// `--account NAME` and `--config FILE`: a command's options filled in from the accounts file
// (config_file.hpp), below the command line. Precedence, highest first: the command line, an
// option's environment variable (IMAPMIRROR_HOST, ...), the account's table, [defaults], the
// built-in default.

#include <string>
#include <vector>

#include <CLI/CLI.hpp>

#include "cli/config_file.hpp"
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
// unset the account's value. Errors: the config's own (config_file.hpp), an unknown account,
// and those of apply_settings.
core::Result<void> apply_account(CLI::App& cmd, const AccountChoice& choice);

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

// "--retry-wait" for key "retry_wait".
std::string option_for_key(std::string_view key);

}  // namespace imapmirror::cli
