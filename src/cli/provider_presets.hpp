#pragma once
// --provider gmail|microsoft|icloud|fastmail|yahoo: connect/provider_presets.hpp's table given
// to a command's options below everything else: the command line, the environment and the
// config file all override a preset's value.

#include <string>
#include <string_view>
#include <vector>

#include <CLI/CLI.hpp>

#include "connect/provider_presets.hpp"
#include "core/error.hpp"

namespace imapmirror::cli {

using connect::find_preset;
using connect::provider_presets;
using connect::ProviderPreset;

// Adds --provider NAME to `cmd` (names from the table).
void add_provider_option(CLI::App& cmd, std::string& provider);

// With `provider` set: gives each option of `cmd` that is still unset the preset's value
// (host, port, tls, connections, exclude, oauth2 unless a password source is given), and
// warns when --connections exceeds the provider's limit. An unknown name is a Usage error.
core::Result<void> apply_provider(CLI::App& cmd, const std::string& provider);

}  // namespace imapmirror::cli
