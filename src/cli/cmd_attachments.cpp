// imapmirror attachments FOLDER --uid U: what a message carries, from BODYSTRUCTURE alone, or
// from the message itself where the server's BODYSTRUCTURE cannot be read (GNU imap4d).

#include <cstdio>
#include <memory>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "queries/attachment_listing.hpp"

namespace imapmirror::cli {

namespace {

struct AttachmentsArgs {
    ConnectionArgs conn;
    AccountChoice choice;
    std::string folder;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> seq;
    bool json = false;
};

int run_attachments(const AttachmentsArgs& a) {
    if (a.uid.has_value() == a.seq.has_value())
        return report_error(
            core::make_error(core::ErrorKind::Usage, "give exactly one of --uid and --seq"),
            a.json);
    auto client = connect_client(a.conn);
    if (!client)
        return report_error(client.error(), a.json);
    auto state = (*client)->examine(a.folder);
    if (!state)
        return report_error(state.error(), a.json);
    auto listing = queries::list_attachments(**client, a.uid.has_value(), a.uid ? *a.uid : *a.seq);
    (*client)->logout();
    if (!listing)
        return report_error(std::move(listing).error().with_folder(a.folder), a.json);
    const auto& uid = listing->uid;
    const auto& seq = listing->seq;
    const auto& found = listing->attachments;
    if (!uid) {
        auto e =
            core::make_error(core::ErrorKind::NotFound,
                             a.uid ? "no message with this UID"
                                   : "no message with sequence number " + std::to_string(*a.seq));
        e.folder = a.folder;
        if (a.uid)
            e.uid = a.uid;
        return report_error(e, a.json);
    }
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
        "BODYSTRUCTURE, without downloading it.");
    add_connection_options(*cmd, args->conn);
    add_account_connection(*cmd, args->choice, args->conn.provider);
    cmd->add_option("FOLDER", args->folder, "Folder name, decoded")->required();
    cmd->add_option("--uid", args->uid, "UID of the message");
    cmd->add_option("--seq", args->seq, "Sequence number of the message");
    cmd->add_flag("--json", args->json, "Machine-readable output");
    cmd->callback([cmd, args, &global, &exit_code] {
        global.apply();
        if (auto used =
                use_account_connection(*cmd, args->choice, args->conn.account, args->conn.provider);
            !used) {
            exit_code = report_error(used.error(), args->json);
            return;
        }
        exit_code = run_attachments(*args);
    });
}

}  // namespace imapmirror::cli
