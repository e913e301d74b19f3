#include "connect/provider_presets.hpp"

namespace imapmirror::connect {

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

}  // namespace imapmirror::connect
