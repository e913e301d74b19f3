#pragma once
// One function per command: registers its options on `app`; when the command runs, its result
// is stored in `exit_code`.

#include <CLI/CLI.hpp>

#include "cli/connection_options.hpp"

namespace imapmirror::cli {

void add_folders_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_list_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_fetch_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_attachments_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_export_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_threads_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_reindex_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_search_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_show_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_verify_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_backup_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_accounts_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_auth_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_convert_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_restore_command(CLI::App& app, const GlobalArgs& global, int& exit_code);
void add_dump_command(CLI::App& app, const GlobalArgs& global, int& exit_code);

// Every command above, in the order `--help` lists them.
void add_commands(CLI::App& app, const GlobalArgs& global, int& exit_code);

// Parses argv and runs the chosen command; returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace imapmirror::cli
