#pragma once
// The settings a mail provider needs, as one table of data (provider_presets.cpp): host, port,
// TLS, connections, OAuth2 provider, folders skipped, byte budget. `cli` gives them to a
// command's options below everything else (cli/provider_presets.hpp).

#include <string_view>
#include <vector>

namespace imapmirror::connect {

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

}  // namespace imapmirror::connect
