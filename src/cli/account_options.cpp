#include "cli/account_options.hpp"

#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <utility>

#include "cli/provider_presets.hpp"

namespace imapmirror::cli {

namespace {

using core::ErrorKind;

core::Error setting_error(const std::string& config_path, const Setting& s, std::string what,
                          std::string hint = {}) {
    auto e = core::make_error(
        ErrorKind::Usage,
        config_path + ":" + std::to_string(s.where.line) + ": " + s.key + ": " + what,
        core::Scope::Run);
    e.hint = std::move(hint);
    return e;
}

// A password file in the config is read by every nightly run without anyone watching the
// warnings, so one that others can read is refused, not just warned about.
core::Result<void> check_private(const std::string& config_path, const Setting& s) {
    const std::string& file = s.values.front();
    struct stat st {};
    if (::stat(file.c_str(), &st) != 0)
        return setting_error(config_path, s, "cannot use " + file + ": " + std::strerror(errno));
    if (st.st_mode & (S_IRGRP | S_IROTH)) {
        char mode[8];
        std::snprintf(mode, sizeof mode, "%04o", static_cast<unsigned>(st.st_mode & 07777));
        return setting_error(
            config_path, s,
            file + " can be read by other users (mode " + mode + "); refusing to use it",
            "chmod 600 " + file);
    }
    return {};
}

}  // namespace

void add_account_options(CLI::App& cmd, AccountChoice& choice) {
    const char* g = "Accounts file";
    cmd.add_option("--account", choice.account,
                   "Take the options this command line does not give from account NAME of the "
                   "config file (then from its [defaults])")
        ->group(g);
    add_config_option(cmd, choice.config)->group(g);
}

CLI::Option* add_config_option(CLI::App& cmd, std::string& path) {
    return cmd.add_option("--config", path,
                          "The config file (default: $XDG_CONFIG_HOME/imapmirror/config.toml, "
                          "i.e. ~/.config/imapmirror/config.toml)");
}

std::string config_path(const AccountChoice& choice) {
    return choice.config.empty() ? default_config_path() : choice.config;
}

core::Result<void> apply_account(CLI::App& cmd, const AccountChoice& choice) {
    if (choice.account.empty()) {
        if (choice.config.empty())
            return {};
        auto e =
            core::make_error(ErrorKind::Usage, "--config needs --account NAME", core::Scope::Run);
        e.hint = "name the account whose settings to use";
        return e;
    }
    IMM_ASSIGN(auto config, load_config(config_path(choice)));
    IMM_ASSIGN(const Account* account, config.require(choice.account));
    return apply_settings(cmd, config.path, config.settings_for(*account));
}

void add_account_connection(CLI::App& cmd, AccountChoice& choice, std::string& provider) {
    add_account_options(cmd, choice);
    add_provider_option(cmd, provider);
    cmd.get_option("--provider")->group("");  // taken from the config; export documents it
    for (const char* name : {"--host", "--user"})
        cmd.get_option(name)->required(false);
}

core::Result<void> use_account_connection(CLI::App& cmd, const AccountChoice& choice,
                                          std::string& account, const std::string& provider) {
    IMM_TRY(apply_account(cmd, choice));
    IMM_TRY(apply_provider(cmd, provider));
    account = choice.account;
    return require_options(cmd, {"--host", "--user"});
}

namespace {
core::Result<void> archive_dir(const AccountChoice& choice, std::string& dir, std::string* next) {
    if (choice.account.empty()) {
        if (!choice.config.empty()) {
            auto e = core::make_error(ErrorKind::Usage, "--config needs --account NAME",
                                      core::Scope::Run);
            e.hint = "name the account whose archive to read";
            return e;
        }
        if (dir.empty()) {
            auto e = core::make_error(ErrorKind::Usage, "DIR is required", core::Scope::Run);
            e.hint = "give the archive directory, or --account NAME for that account's `out`";
            return e;
        }
        return {};
    }
    if (next && next->empty() && !dir.empty())
        *next = std::exchange(dir, std::string());
    if (!dir.empty())
        return {};
    IMM_ASSIGN(auto config, load_config(config_path(choice)));
    IMM_ASSIGN(const Account* account, config.require(choice.account));
    dir = config.value_of(*account, "out");
    if (dir.empty()) {
        auto e = core::make_error(ErrorKind::Usage,
                                  config.path + ": account " + choice.account + " has no `out`",
                                  core::Scope::Run);
        e.hint =
            "set out = \"DIR\" in [accounts." + choice.account + "] or [defaults], or give DIR";
        return e;
    }
    return {};
}

}  // namespace

void strip_trailing_slashes(std::string& path) {
    while (path.size() > 1 && path.back() == '/')
        path.pop_back();
}

core::Result<void> resolve_archive_dir(const AccountChoice& choice, std::string& dir,
                                       std::string* next, const char* next_required) {
    IMM_TRY(archive_dir(choice, dir, next));
    strip_trailing_slashes(dir);
    if (next && next_required && next->empty())
        return core::make_error(ErrorKind::Usage, std::string(next_required) + " is required",
                                core::Scope::Run);
    return {};
}

core::Result<void> apply_settings(CLI::App& cmd, const std::string& config_path,
                                  const std::vector<Setting>& settings) {
    bool command_line_password =
        std::any_of(config_keys().begin(), config_keys().end(), [&](const KeySpec& spec) {
            const CLI::Option* opt = cmd.get_option_no_throw(option_for_key(spec.key));
            return is_password_source(spec.key) && opt && opt->count() > 0;
        });
    for (const auto& s : settings) {
        std::string name = option_for_key(s.key);
        CLI::Option* opt = cmd.get_option_no_throw(name);
        if (!opt || opt->count() > 0)
            continue;
        if (is_password_source(s.key) && command_line_password)
            continue;
        if (s.key == "password_file") {
            IMM_TRY(check_private(config_path, s));
        }
        // CLI11 converts and checks the value as it would a command-line argument; its
        // exceptions end here.
        try {
            opt->add_result(s.values);
            opt->run_callback();
        } catch (const CLI::Error& e) {
            std::string what = e.what();
            if (what.rfind(name + ": ", 0) == 0)
                what.erase(0, name.size() + 2);
            return setting_error(config_path, s, what);
        }
    }
    return {};
}

core::Result<void> require_options(const CLI::App& cmd,
                                   std::initializer_list<const char*> options) {
    for (const char* name : options) {
        const CLI::Option* opt = cmd.get_option_no_throw(name);
        if (opt && opt->count() > 0)
            continue;
        auto e = core::make_error(ErrorKind::Usage, std::string(name) + " is required",
                                  core::Scope::Run);
        e.hint = "give it on the command line, or in the config file with --account NAME";
        return e;
    }
    return {};
}

}  // namespace imapmirror::cli
