// What every command that connects shares, pinned over the real registration (add_commands):
// an account's `provider` from the config reaches each of them, so `--account NAME` connects to
// the same server with the same settings whichever command the user runs.

#include "cli/commands.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

#include "cli/provider_presets.hpp"

using namespace imapmirror::cli;

namespace {

// The commands (and subcommands, such as `auth login`) that take a --host.
std::vector<CLI::App*> connecting_commands(CLI::App& app) {
    std::vector<CLI::App*> found;
    for (CLI::App* sub : app.get_subcommands([](CLI::App*) { return true; })) {
        if (sub->get_option_no_throw("--host"))
            found.push_back(sub);
        for (CLI::App* nested : connecting_commands(*sub))
            found.push_back(nested);
    }
    return found;
}

}  // namespace

TEST_CASE("every command that connects takes the account's provider and its preset's host",
          "[cli][account]") {
    CLI::App app;
    GlobalArgs global;
    int exit_code = 0;
    add_commands(app, global, exit_code);
    const auto commands = connecting_commands(app);
    REQUIRE(commands.size() >= 7);
    for (CLI::App* cmd : commands) {
        INFO(cmd->get_name());
        REQUIRE(cmd->get_option_no_throw("--provider") != nullptr);
        REQUIRE(apply_provider(*cmd, "gmail"));
        CHECK(cmd->get_option("--host")->as<std::string>() == "imap.gmail.com");
    }
    std::vector<std::string> names;
    for (CLI::App* cmd : commands)
        names.push_back(cmd->get_name());
    for (const char* name : {"export", "verify", "restore", "folders", "list", "fetch"})
        CHECK(std::find(names.begin(), names.end(), name) != names.end());
}
