#include <cstdio>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/version.hpp"

namespace imapmirror::cli {

void add_commands(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    // The archive commands first, then the client commands.
    add_export_command(app, global, exit_code);
    add_backup_command(app, global, exit_code);
    add_accounts_command(app, global, exit_code);
    add_auth_command(app, global, exit_code);
    add_verify_command(app, global, exit_code);
    add_restore_command(app, global, exit_code);
    add_threads_command(app, global, exit_code);
    add_convert_command(app, global, exit_code);
    add_dump_command(app, global, exit_code);
    add_search_command(app, global, exit_code);
    add_show_command(app, global, exit_code);
    add_reindex_command(app, global, exit_code);
    add_folders_command(app, global, exit_code);
    add_list_command(app, global, exit_code);
    add_fetch_command(app, global, exit_code);
    add_attachments_command(app, global, exit_code);
}

int run_cli(int argc, char** argv) {
    CLI::App app{
        "imapmirror backs up whole IMAP accounts to disk, byte-exact, read-only on the server.\n"
        "\n"
        "Passwords are never taken from the command line: use --password-file, "
        "--password-command,\nthe IMAPMIRROR_PASSWORD environment variable, or type it when "
        "asked.\n"
        "\n"
        "Examples:\n"
        "  imapmirror export --out ~/mail-archive --host imap.example.org --user me "
        "--password-file ~/.imap-pass\n"
        "  imapmirror backup                  # every account of ~/.config/imapmirror/config.toml\n"
        "  imapmirror accounts                # their last runs\n"
        "  imapmirror threads ~/mail-archive --folder INBOX\n"
        "  imapmirror convert ~/mail-archive/INBOX/4711.eml -o 4711.msg\n"
        "  imapmirror search ~/mail-archive 'invoice march' --from billing\n"
        "  imapmirror show ~/mail-archive 4711\n"
        "  imapmirror verify ~/mail-archive\n"
        "  imapmirror folders --host imap.example.org --user me --password-file ~/.imap-pass\n"
        "  imapmirror list INBOX --desc --page-size 20 --host ... --user ...\n"
        "  imapmirror fetch INBOX --uid 4711 -o message.eml --host ... --user ...\n"
        "  imapmirror attachments INBOX --uid 4711 --host ... --user ...\n"
        "\n"
        "Run `imapmirror COMMAND --help` for a command's options.",
        "imapmirror"};
    app.set_version_flag("--version", version_text,
                         "Print the version of imapmirror and of the libraries it runs with");
    app.require_subcommand(1, 1);
    app.fallthrough();
    app.get_formatter()->column_width(34);

    GlobalArgs global;
    app.add_flag("-v,--verbose", global.verbose,
                 "More detail on stderr; -vv prints the IMAP conversation (credentials redacted)");
    app.add_flag("-q,--quiet", global.quiet, "Only errors and warnings on stderr");

    int exit_code = kExitOk;
    add_commands(app, global, exit_code);
    try {
        app.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        int rc = app.exit(e);
        return rc == 0 ? kExitOk : kExitUsage;
    }
    return exit_code;
}

}  // namespace imapmirror::cli
