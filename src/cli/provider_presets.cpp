#include "cli/provider_presets.hpp"

#include "cli/account_options.hpp"
#include "core/log.hpp"

namespace imapmirror::cli {

void add_provider_option(CLI::App& cmd, std::string& provider) {
    std::vector<std::string> names;
    std::string help = "Settings for a known provider; any option given overrides them. One of:";
    for (const auto& p : connect::provider_presets()) {
        names.emplace_back(p.name);
        help += "\n  " + std::string(p.name) + ": " + std::string(p.host) + ", " +
                std::to_string(p.connections) + " connections";
        if (!p.oauth_provider.empty())
            help += ", --oauth2";
        if (!p.max_bytes.empty())
            help += ", --max-bytes " + std::string(p.max_bytes);
        if (!p.exclude.empty())
            help += ", skips " + std::to_string(p.exclude.size()) + " non-mail folders";
        help += "; " + std::string(p.note);
    }
    names.emplace_back("google");  // = gmail (see find_preset)
    cmd.add_option("--provider", provider, help)
        ->check(CLI::IsMember(names, CLI::ignore_case))
        ->group("Connection");
}

core::Result<void> apply_provider(CLI::App& cmd, const std::string& provider) {
    if (provider.empty())
        return {};
    const ProviderPreset* p = connect::find_preset(provider);
    if (!p)
        return core::make_error(core::ErrorKind::Usage, "unknown --provider " + provider,
                                core::Scope::Run);
    std::vector<Setting> settings = {
        {"host", {std::string(p->host)}, {}},
        {"port", {std::to_string(p->port)}, {}},
        {"tls", {std::string(p->tls)}, {}},
        {"connections", {std::to_string(p->connections)}, {}},
    };
    if (!p->exclude.empty()) {
        Setting exclude{"exclude", {}, {}};
        for (auto glob : p->exclude)
            exclude.values.emplace_back(glob);
        settings.push_back(std::move(exclude));
    }
    if (!p->oauth_provider.empty())
        settings.push_back({"oauth2", {"true"}, {}});
    if (!p->max_bytes.empty() && cmd.get_option_no_throw("--max-bytes"))
        settings.push_back({"max_bytes", {std::string(p->max_bytes)}, {}});
    IMM_TRY(apply_settings(cmd, "--provider " + provider, settings));
    if (p->max_connections) {
        const CLI::Option* c = cmd.get_option_no_throw("--connections");
        if (c && c->count() && c->as<int>() > p->max_connections)
            core::warn("--connections " + c->as<std::string>() + " is more than " +
                       std::string(p->name) + " allows (" + std::to_string(p->max_connections) +
                       "); it will refuse some of them");
    }
    return {};
}

}  // namespace imapmirror::cli
