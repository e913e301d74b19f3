#pragma once
// --provider gmail|microsoft|icloud|fastmail|yahoo: the settings a mail provider needs, as one
// table of data (provider_presets.cpp), given to a command's options below everything else:
// the command line, the environment and the config file all override a preset's value.

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "core/error.hpp"

namespace imapmirror::cli {

struct ProviderPreset {
    std::string_view name;
    std::string_view host;
    int port;
    std::string_view tls;
    int connections;      // our default, below the provider's limit (DESIGN.md §3)
    int max_connections;  // the provider's published limit; 0: none published
    // "google" or "microsoft" (auth/providers.hpp): --oauth2 is on by default and `auth login`
    // uses this provider; "": the provider wants an app password.
    std::string_view oauth_provider;
    std::vector<std::string_view> exclude;  // folders skipped by default (export's --exclude)
    // The default byte budget per run (export's --max-bytes), "" for none: Gmail's stays under
    // its 2,500 MB/day of IMAP download.
    std::string_view max_bytes;
    std::string_view note;  // one line for --help and errors
};

const std::vector<ProviderPreset>& provider_presets();
const ProviderPreset* find_preset(std::string_view name);

// Adds --provider NAME to `cmd` (names from the table).
void add_provider_option(CLI::App& cmd, std::string& provider);

// With `provider` set: gives each option of `cmd` that is still unset the preset's value
// (host, port, tls, connections, exclude, oauth2 unless a password source is given), and
// warns when --connections exceeds the provider's limit. An unknown name is a Usage error.
core::Result<void> apply_provider(CLI::App& cmd, const std::string& provider);

}  // namespace imapmirror::cli
