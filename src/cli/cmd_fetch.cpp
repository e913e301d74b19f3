// imapmirror fetch FOLDER --uid U...: messages byte-exact, as the server sends them.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "queries/message_fetch.hpp"
#include "store/atomic_file.hpp"

namespace imapmirror::cli {

namespace {

struct FetchArgs {
    ConnectionArgs conn;
    AccountChoice choice;
    std::string folder;
    std::vector<uint32_t> uids;
    std::vector<uint32_t> seqs;
    std::string output;
    std::string format = "eml";
    bool json = false;
};

bool is_directory(const std::string& p) {
    struct stat st {};
    return ::stat(p.c_str(), &st) == 0 && S_ISDIR(st.st_mode);
}

core::Result<int> run_fetch(CLI::App& cmd, FetchArgs& a) {
    IMM_TRY(use_account_connection(cmd, a.choice, a.conn.account, a.conn.provider));
    const size_t count = a.uids.size() + a.seqs.size();
    if (count == 0)
        return core::make_error(core::ErrorKind::Usage, "give --uid or --seq");
    const bool to_stdout = a.output.empty() || a.output == "-";
    const bool into_dir = !to_stdout && (count > 1 || is_directory(a.output));
    if (to_stdout && count > 1) {
        auto e = core::make_error(core::ErrorKind::Usage, "several messages need -o DIRECTORY");
        e.hint = "each is saved there as UID.eml";
        return e;
    }
    const bool as_msg = a.format == "msg";
    if (to_stdout && as_msg)
        return core::make_error(core::ErrorKind::Usage,
                                "--format msg needs -o (a .msg is written with seeks, it cannot "
                                "go to standard output)");
    // Reported here, not as JSON: standard output is the message's.
    if (to_stdout && a.json)
        return report_error(core::make_error(core::ErrorKind::Usage,
                                             "--json needs -o (the message itself goes to stdout)"),
                            false);
    if (into_dir && !is_directory(a.output) && ::mkdir(a.output.c_str(), 0700) != 0)
        return store::file_error(errno, "cannot create directory", a.output);  // mail is private
    const std::string directory = to_stdout  ? ""
                                  : into_dir ? a.output
                                             : core::directory_for(a.output);

    IMM_ASSIGN(auto client, connect_client(a.conn));
    IMM_ASSIGN(const auto state, client->examine(a.folder));

    queries::FetchDestination destination;
    destination.kind = to_stdout  ? queries::FetchDestination::Kind::Stdout
                       : into_dir ? queries::FetchDestination::Kind::Directory
                                  : queries::FetchDestination::Kind::File;
    destination.output = to_stdout ? "" : a.output;
    destination.directory = directory;
    destination.format = a.format;
    IMM_ASSIGN(const auto saved,
               queries::fetch_messages(*client, a.folder, a.uids, a.seqs, destination,
                                       [&](const std::string& line) {
                                           core::warn(printable(a.folder) + ": " + line);
                                       }));
    client->logout();
    if (auto missing = queries::missing_message(a.folder, state.exists, a.uids, a.seqs, saved))
        return *missing;
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("folder").value(a.folder);
        if (state.uidvalidity)
            w.key("uidvalidity").value(*state.uidvalidity);
        w.key("messages").begin_array();
        for (const auto& s : saved)
            w.begin_object()
                .key("uid")
                .value(s.uid)
                .key("seq")
                .value(s.seq)
                .key("size")
                .value(s.size)
                .key("path")
                .value(s.path)
                .end_object();
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
    } else if (!to_stdout) {
        for (const auto& s : saved)
            std::printf("saved UID %u (%s) to %s\n", s.uid, human_size(s.size).c_str(),
                        s.path.c_str());
    }
    return kExitOk;
}

}  // namespace

void add_fetch_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<FetchArgs>();
    auto* cmd = app.add_subcommand(
        "fetch",
        "Save messages of FOLDER byte-exact (.eml, exactly the bytes the server sends) without "
        "marking them read. To stdout, or with -o to a file or directory.\n"
        "\n"
        "With --format msg each message is saved as an Outlook .msg instead (as `convert` "
        "makes it; needs -o). A message that cannot be converted stops the command with an "
        "error (exit 8) and leaves no .msg for it.\n"
        "\n"
        "Examples:\n"
        "  imapmirror fetch INBOX --uid 4711 -o 4711.eml --host ... --user ...\n"
        "  imapmirror fetch INBOX --uid 4711 --uid 4712 --format msg -o saved/ --host ...");
    add_connection_options(*cmd, args->conn);
    add_account_connection(*cmd, args->choice, args->conn.provider);
    cmd->add_option("FOLDER", args->folder, "Folder name, decoded")->required();
    cmd->add_option("--uid", args->uids, "UID of a message (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_option("--seq", args->seqs, "Sequence number of a message (repeatable)")
        ->expected(1)
        ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
    cmd->add_option("-o,--output", args->output,
                    "File to write (one message), or directory (saved as UID.eml, or UID.msg "
                    "with --format msg); default stdout");
    cmd->add_option("--format", args->format,
                    "eml: the message byte-exact; msg: an Outlook .msg converted from it")
        ->check(CLI::IsMember({"eml", "msg"}))
        ->capture_default_str();
    cmd->add_flag("--json", args->json, "Machine-readable summary (needs -o)");
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_fetch(*cmd, *args), args->json);
    });
}

}  // namespace imapmirror::cli
