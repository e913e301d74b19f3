// imapmirror attachments FOLDER --uid U: what a message carries, from BODYSTRUCTURE alone, or
// from the message itself where the server's BODYSTRUCTURE cannot be read (GNU imap4d); with
// --part N -o FILE, that one part downloaded and decoded.

#include <unistd.h>

#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "queries/attachment_listing.hpp"
#include "queries/part_download.hpp"
#include "store/output_file.hpp"

namespace imapmirror::cli {

namespace {

struct AttachmentsArgs {
    ConnectionArgs conn;
    AccountChoice choice;
    std::string folder;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> seq;
    std::string part;    // --part: download this part
    std::string output;  // -o: where it goes ("-": standard output)
    bool json = false;
};

// --part's usage rules, checked before any connection.
core::Result<void> check_part_options(const AttachmentsArgs& a) {
    if (a.part.empty() != a.output.empty())
        return core::make_error(core::ErrorKind::Usage,
                                "--part and -o go together: --part N -o FILE (or -o - for "
                                "standard output)");
    if (a.part.empty())
        return {};
    IMM_TRY(queries::check_part_number(a.part));
    if (a.output == "-" && ::isatty(STDOUT_FILENO)) {
        auto e = core::make_error(core::ErrorKind::Usage,
                                  "-o - would write the part's bytes to the terminal");
        e.hint = "redirect standard output to a file or a pipe, or give -o FILE";
        return e;
    }
    if (a.output == "-" && a.json)
        return core::make_error(core::ErrorKind::Usage,
                                "--json needs -o FILE (with -o - the part itself goes to stdout)");
    return {};
}

core::Error no_such_message(const AttachmentsArgs& a) {
    auto e = core::make_error(core::ErrorKind::NotFound,
                              a.uid ? "no message with this UID"
                                    : "no message with sequence number " + std::to_string(*a.seq));
    e.folder = a.folder;
    if (a.uid)
        e.uid = a.uid;
    return e;
}

// --part N -o FILE: the part decoded into FILE, which appears only once complete.
core::Result<int> run_download(imap::Client& client, const AttachmentsArgs& a) {
    const bool to_stdout = a.output == "-";
    IMM_ASSIGN(auto file, store::OutputFile::open(to_stdout ? "" : a.output));
    auto fetched =
        queries::download_part(client, a.uid.has_value(), a.uid ? *a.uid : *a.seq, a.part,
                               [&](std::string_view bytes) { return file.write(bytes); });
    client.logout();
    if (!fetched)
        return std::move(fetched).error().with_folder(a.folder);
    const auto& downloaded = *fetched;
    if (!downloaded.uid)
        return no_such_message(a);
    IMM_TRY(file.finish());
    const auto& p = downloaded.part;
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("folder").value(a.folder).key("uid").value(*downloaded.uid);
        w.key("seq").value(*downloaded.seq).key("part").value(p.part);
        w.key("filename").value(p.filename).key("content_type").value(p.content_type);
        w.key("encoding").value(p.encoding).key("bytes").value(downloaded.decoded_bytes);
        w.key("output").value(a.output).end_object();
        std::printf("%s\n", w.str().c_str());
    } else if (!to_stdout) {
        std::printf("part %s of UID %u (%s, %s) saved as %s\n", p.part.c_str(), *downloaded.uid,
                    printable(p.filename.empty() ? p.content_type : p.filename).c_str(),
                    human_size(downloaded.decoded_bytes).c_str(), printable(a.output).c_str());
    }
    return kExitOk;
}

core::Result<int> run_attachments(CLI::App& cmd, AttachmentsArgs& a) {
    IMM_TRY(use_account_connection(cmd, a.choice, a.conn.account, a.conn.provider));
    if (a.uid.has_value() == a.seq.has_value())
        return core::make_error(core::ErrorKind::Usage, "give exactly one of --uid and --seq");
    IMM_TRY(check_part_options(a));
    IMM_ASSIGN(auto client, connect_client(a.conn));
    IMM_TRY(client->examine(a.folder));
    if (!a.part.empty())
        return run_download(*client, a);
    auto listing = queries::list_attachments(*client, a.uid.has_value(), a.uid ? *a.uid : *a.seq);
    client->logout();
    if (!listing)
        return std::move(listing).error().with_folder(a.folder);
    const auto& uid = listing->uid;
    const auto& seq = listing->seq;
    const auto& found = listing->attachments;
    if (!uid)
        return no_such_message(a);
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("folder").value(a.folder).key("uid").value(*uid).key("seq").value(
            *seq);
        w.key("attachments").begin_array();
        for (const auto& x : found) {
            w.begin_object();
            w.key("part").value(x.part);
            w.key("filename").value(x.filename);
            w.key("content_type").value(x.content_type);
            w.key("disposition").value(x.disposition);
            w.key("encoding").value(x.encoding);
            w.key("size").value(x.size);
            w.key("decoded_size_estimate").value(x.decoded_size);
            w.end_object();
        }
        w.end_array().end_object();
        std::printf("%s\n", w.str().c_str());
        return kExitOk;
    }
    if (found.empty()) {
        std::printf("UID %u has no attachments\n", *uid);
        return kExitOk;
    }
    std::printf("%-8s %8s  %-32s %s\n", "PART", "SIZE", "TYPE", "NAME");
    for (const auto& x : found)
        std::printf("%-8s %8s  %s %s\n", x.part.c_str(), ("~" + human_size(x.decoded_size)).c_str(),
                    fit(printable(x.content_type), 32).c_str(),
                    x.filename.empty() ? "(no name)" : printable(x.filename).c_str());
    std::printf("%zu attachment%s in UID %u\n", found.size(), found.size() == 1 ? "" : "s", *uid);
    return kExitOk;
}

}  // namespace

void add_attachments_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<AttachmentsArgs>();
    auto* cmd = app.add_subcommand(
        "attachments",
        "List the attachments of one message (name, type, size, MIME part) from its "
        "BODYSTRUCTURE, without downloading it; or with --part N -o FILE download one part.");
    add_connection_options(*cmd, args->conn);
    add_account_connection(*cmd, args->choice, args->conn.provider);
    cmd->add_option("FOLDER", args->folder, "Folder name, decoded")->required();
    cmd->add_option("--uid", args->uid, "UID of the message");
    cmd->add_option("--seq", args->seq, "Sequence number of the message");
    cmd->add_option("--part", args->part,
                    "Download MIME part N (as listed, e.g. 2 or 1.3) alone, decoded; needs -o")
        ->type_name("N");
    cmd->add_option("-o,--output", args->output,
                    "With --part: write the decoded part to FILE (created once complete); "
                    "- for standard output, refused on a terminal")
        ->type_name("FILE");
    cmd->add_flag("--json", args->json, "Machine-readable output");
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_attachments(*cmd, *args), args->json);
    });
}

}  // namespace imapmirror::cli
