#pragma once
// `export`'s own options, bound straight to sync::ExportOptions, the struct the export takes:
// no copy of them lives in `cli`. Adding an export option is a field in sync/run_types.hpp,
// one registration in add_export_options and its entry in doc/imapmirror.1.scd (a ctest holds
// the man page to --help); the registration makes it a config key too (config_keys.hpp), and
// doc/imapmirror-config.5.scd names it.

#include <CLI/CLI.hpp>

#include "sync/run_types.hpp"

namespace imapmirror::cli {

// Registers on `cmd`, each writing into `options` when given (on the command line, or by the
// config file or a --provider preset through apply_settings): --out (`root`), --include,
// --exclude, --msg, --connections, --retries, --retry-wait, --max-bytes,
// --gmail-labels-as-folders, --no-bodies, --attachments files|none, --no-attachment-text and
// --repoint-archive. Values are checked as they are read (a bad --max-bytes SIZE is CLI11's
// error, as is --attachments other than files or none). Fields not given keep their defaults.
void add_export_options(CLI::App& cmd, sync::ExportOptions& options);

}  // namespace imapmirror::cli
