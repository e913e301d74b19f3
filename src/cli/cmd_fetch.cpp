// imapmirror fetch FOLDER --uid U...: messages byte-exact, as the server sends them.

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <memory>
#include <set>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/msg_output.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "core/log.hpp"
#include "store/atomic_file.hpp"
#include "sync/body_receipt.hpp"
#include "sync/message_sink.hpp"

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

std::string parent_directory(const std::string& path) {
    size_t slash = path.rfind('/');
    if (slash == std::string::npos)
        return ".";
    return slash == 0 ? "/" : path.substr(0, slash);
}

struct Saved {
    uint32_t uid, seq;
    uint64_t size;
    std::string path;
};

int run_fetch(const FetchArgs& a) {
    const size_t count = a.uids.size() + a.seqs.size();
    if (count == 0)
        return report_error(core::make_error(core::ErrorKind::Usage, "give --uid or --seq"),
                            a.json);
    const bool to_stdout = a.output.empty() || a.output == "-";
    const bool into_dir = !to_stdout && (count > 1 || is_directory(a.output));
    if (to_stdout && count > 1) {
        auto e = core::make_error(core::ErrorKind::Usage, "several messages need -o DIRECTORY");
        e.hint = "each is saved there as UID.eml";
        return report_error(e, a.json);
    }
    const bool as_msg = a.format == "msg";
    if (to_stdout && as_msg)
        return report_error(core::make_error(core::ErrorKind::Usage,
                                             "--format msg needs -o (a .msg is written with "
                                             "seeks, it cannot go to standard output)"),
                            a.json);
    if (to_stdout && a.json)
        return report_error(core::make_error(core::ErrorKind::Usage,
                                             "--json needs -o (the message itself goes to stdout)"),
                            false);
    if (into_dir && !is_directory(a.output)) {
        if (::mkdir(a.output.c_str(), 0700) != 0)  // mail is private
            return report_error(store::file_error(errno, "cannot create directory", a.output),
                                a.json);
    }
    const std::string directory = to_stdout ? "" : into_dir ? a.output : parent_directory(a.output);

    auto client = connect_client(a.conn);
    if (!client)
        return report_error(client.error(), a.json);
    auto state = (*client)->examine(a.folder);
    if (!state)
        return report_error(state.error(), a.json);

    auto sink =
        to_stdout ? sync::MessageSink::to_stdout() : sync::MessageSink::into_directory(directory);
    std::vector<Saved> saved;
    sync::AskedMessages asked(a.uids, a.seqs);
    std::set<uint32_t> got_uids, got_seqs;
    bool size_warned = false;
    imap::FetchRequest request;
    request.items = "(UID RFC822.SIZE BODY.PEEK[])";
    request.body_sink = [&]() -> imap::LiteralSink* {
        sink.begin();
        return &sink;
    };
    request.on_message = [&](const imap::FetchData& f) -> core::Result<void> {
        const sync::BodyReceipt receipt = sync::receive_body(f, sink, asked);
        if (receipt.kind == sync::BodyReceipt::Kind::NotABody ||
            receipt.kind == sync::BodyReceipt::Kind::NotAskedFor ||
            receipt.kind == sync::BodyReceipt::Kind::Twice)
            return {};  // the user gets what was asked for, once
        if (receipt.kind == sync::BodyReceipt::Kind::NoBody) {
            auto e = core::make_error(core::ErrorKind::NotFound, "the server returned no body");
            e.uid = f.uid;
            return e;
        }
        std::string path = to_stdout  ? "-"
                           : into_dir ? a.output + "/" + std::to_string(*f.uid) + "." + a.format
                                      : a.output;
        if (receipt.announced_size && !size_warned) {
            size_warned = true;
            core::warn(printable(a.folder) + ": " +
                       sync::size_quirk_line(receipt.uid, *receipt.announced_size, sink.size()) +
                       "; the bytes sent are saved");
        }
        IMM_ASSIGN(auto taken, as_msg ? sink.take(std::nullopt) : sink.commit(path));
        if (as_msg) {
            // The message as the server sent it, converted; the .eml is only a temporary.
            auto written = write_msg_file(taken.temp_path, path);
            ::unlink(taken.temp_path.c_str());
            if (!written) {
                core::Error e = std::move(written).error();
                e.uid = f.uid;
                return e;
            }
        }
        got_uids.insert(*f.uid);
        got_seqs.insert(f.seq);
        saved.push_back(Saved{*f.uid, f.seq, taken.size, path});
        return {};
    };
    auto fail = [&](const core::Error& e) {
        core::Error copy = e;
        if (copy.folder.empty())
            copy.folder = a.folder;
        return report_error(copy, a.json);
    };
    // Pipelined: one command per message, all in flight within the session's window.
    std::vector<imap::MessageSet> sets;
    for (uint32_t uid : a.uids)
        sets.push_back(imap::MessageSet{true, std::to_string(uid)});
    for (uint32_t seq : a.seqs)
        sets.push_back(imap::MessageSet{false, std::to_string(seq)});
    auto refused = (*client)->fetch_streamed(sets, request);
    if (!refused)
        return fail(refused.error());
    if (!refused->empty())
        return fail(imap::completion_error(refused->front().answer, "FETCH"));
    (*client)->logout();

    for (uint32_t uid : a.uids) {
        if (got_uids.count(uid))
            continue;
        auto e = core::make_error(core::ErrorKind::NotFound, "no message with this UID");
        e.folder = a.folder;
        e.uid = uid;
        e.hint = "see the UIDs with `imapmirror list`";
        return report_error(e, a.json);
    }
    for (uint32_t seq : a.seqs) {
        if (got_seqs.count(seq))
            continue;
        auto e = core::make_error(core::ErrorKind::NotFound,
                                  "no message with sequence number " + std::to_string(seq) +
                                      " (the folder has " + std::to_string(state->exists) + ")");
        e.folder = a.folder;
        return report_error(e, a.json);
    }
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("folder").value(a.folder);
        if (state->uidvalidity)
            w.key("uidvalidity").value(*state->uidvalidity);
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
        if (auto used =
                use_account_connection(*cmd, args->choice, args->conn.account, args->conn.provider);
            !used) {
            exit_code = report_error(used.error(), args->json);
            return;
        }
        exit_code = run_fetch(*args);
    });
}

}  // namespace imapmirror::cli
