#pragma once
// The keys of the accounts file are the options of `export`: derived here from the options
// CLI11 has registered, so that a new export option is a config key with no list to update.
// The config layer (config/config_file.hpp) reads the file against them.

#include <string_view>

#include <CLI/CLI.hpp>

#include "config/config_file.hpp"
#include "core/error.hpp"

namespace imapmirror::cli {

using config::Account;
using config::Config;
using config::default_config_path;
using config::is_password_source;
using config::KeySpec;
using config::KeyTable;
using config::Setting;
using config::SourcePos;
using config::ValueKind;

// Options of `export` that only make sense on a command line, so never config keys: help, the
// output format, choosing the account and its file, a preview (a config that always previews
// would never back anything up), and re-pointing an archive (a config that always re-points
// would never refuse another account).
inline constexpr std::string_view kCommandLineOnly[] = {"help",   "json",    "account",
                                                        "config", "dry_run", "repoint_archive"};

// One key per long option of `cmd` (its first long name, '-' as '_'), in the order they were
// registered, minus kCommandLineOnly. The kind comes from the option: a flag is Bool, an option
// taking several values a StringList, type name INT or UINT an Integer, FLOAT a Number, FILE, DIR
// or PATH (as its type name or a validator's, CLI::ExistingFile's) a Path (so an option naming
// a file says `->type_name("FILE")`), anything else a String.
KeyTable config_keys_of(const CLI::App& cmd);

// config_keys_of(`export`), built once.
const KeyTable& config_keys();

// config::load_config with config_keys().
core::Result<Config> load_config(const std::string& path);

// "--retry-wait" for key "retry_wait".
std::string option_for_key(std::string_view key);

}  // namespace imapmirror::cli
