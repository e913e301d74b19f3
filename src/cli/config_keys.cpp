#include "cli/config_keys.hpp"

#include <algorithm>

#include "cli/commands.hpp"

namespace imapmirror::cli {

namespace {

ValueKind kind_of(const CLI::Option& opt) {
    if (opt.get_expected_max() == 0)
        return ValueKind::Bool;
    if (opt.get_expected_max() > 1)
        return ValueKind::StringList;
    // The type name, then any validator's description ("TEXT:FILE" for CLI::ExistingFile).
    const std::string full = opt.get_type_name();
    const std::string type = full.substr(0, full.find(':'));
    if (type == "INT" || type == "UINT")
        return ValueKind::Integer;
    if (type == "FLOAT")
        return ValueKind::Number;
    for (size_t at = 0; at != std::string::npos;) {
        const size_t end = full.find(':', at);
        const std::string part = full.substr(at, end == std::string::npos ? end : end - at);
        if (part == "FILE" || part == "DIR" || part == "PATH")
            return ValueKind::Path;
        at = end == std::string::npos ? end : end + 1;
    }
    return ValueKind::String;
}

}  // namespace

KeyTable config_keys_of(const CLI::App& cmd) {
    KeyTable keys;
    for (const CLI::Option* opt : cmd.get_options()) {
        if (opt->get_lnames().empty())
            continue;
        std::string key = opt->get_lnames().front();
        std::replace(key.begin(), key.end(), '-', '_');
        if (std::find(std::begin(kCommandLineOnly), std::end(kCommandLineOnly), key) !=
            std::end(kCommandLineOnly))
            continue;
        keys.push_back({key, kind_of(*opt)});
    }
    return keys;
}

const KeyTable& config_keys() {
    // A registration only: nothing is parsed and the callback never runs.
    static const KeyTable keys = [] {
        CLI::App app;
        GlobalArgs global;
        int exit_code = 0;
        add_export_command(app, global, exit_code);
        return config_keys_of(*app.get_subcommand("export"));
    }();
    return keys;
}

core::Result<Config> load_config(const std::string& path) {
    return config::load_config(path, config_keys());
}

std::string option_for_key(std::string_view key) {
    std::string name = "--" + std::string(key);
    std::replace(name.begin(), name.end(), '_', '-');
    return name;
}

}  // namespace imapmirror::cli
