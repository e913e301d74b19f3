#include "cli/provider_presets.hpp"

#include "cli/account_options.hpp"
#include "core/log.hpp"

namespace imapmirror::cli {

namespace {

// Host names and limits: each provider's IMAP setup page; Gmail's 15 connections and
// 2,500 MB/day are in DESIGN.md §3. Microsoft's non-mail folders are those Exchange lists over
// IMAP (reported in mikegioia/libremail#105, kellylford/QuickMail#613 and OfflineIMAP's FAQ,
// "IMAP server notes"): their items are calendar entries, contacts, tasks and chats that the
// server cannot give as messages, and reading them breaks sessions.
const std::vector<ProviderPreset> kPresets = {
    {"gmail",
     "imap.gmail.com",
     993,
     "implicit",
     8,
     15,
     "google",
     {},  // none: single-instance mode (X-GM-EXT-1) downloads All Mail and leaves labels as links
     "2000M",  // under Gmail's ~2,500 MB/day of IMAP download, so a big first backup spreads out
     "Gmail / Google Workspace: OAuth2 (auth login --provider google)"},
    {"microsoft",
     "outlook.office365.com",
     993,
     "implicit",
     4,
     0,
     "microsoft",
     {"Calendar", "Calendar/*", "Contacts", "Contacts/*", "Tasks", "Tasks/*", "Notes", "Journal",
      "Sync Issues", "Sync Issues/*", "Conversation History", "RSS Feeds"},
     "",
     "Microsoft 365 and Outlook.com: OAuth2 (auth login --provider microsoft)"},
    {"icloud",
     "imap.mail.me.com",
     993,
     "implicit",
     4,
     0,
     "",
     {},
     "",
     "iCloud Mail: an app-specific password (appleid.apple.com)"},
    {"fastmail",
     "imap.fastmail.com",
     993,
     "implicit",
     4,
     0,
     "",
     {},
     "",
     "Fastmail: an app password (Settings, Privacy & Security)"},
    {"yahoo",
     "imap.mail.yahoo.com",
     993,
     "implicit",
     4,
     0,
     "",
     {},
     "",
     "Yahoo Mail: an app password (Account security)"},
};

}  // namespace

const std::vector<ProviderPreset>& provider_presets() {
    return kPresets;
}

const ProviderPreset* find_preset(std::string_view name) {
    // `auth login --provider google` names the OAuth2 provider; one `provider` config key
    // serves both commands, so export takes it for Gmail too.
    if (name == "google")
        name = "gmail";
    for (const auto& p : kPresets)
        if (p.name == name)
            return &p;
    return nullptr;
}

void add_provider_option(CLI::App& cmd, std::string& provider) {
    std::vector<std::string> names;
    std::string help = "Settings for a known provider; any option given overrides them. One of:";
    for (const auto& p : kPresets) {
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
    const ProviderPreset* p = find_preset(provider);
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
