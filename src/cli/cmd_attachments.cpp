// imapmirror attachments FOLDER --uid U: what a message carries, from BODYSTRUCTURE alone.

#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "mime/header_text.hpp"

namespace imapmirror::cli {

namespace {

struct AttachmentsArgs {
    ConnectionArgs conn;
    std::string folder;
    std::optional<uint32_t> uid;
    std::optional<uint32_t> seq;
    bool json = false;
};

struct Attachment {
    std::string part, filename, content_type, encoding, disposition;
    uint64_t size = 0;          // encoded octets, as the server reports
    uint64_t decoded_size = 0;  // estimate: base64 shrinks by 3/4
};

// The name a mail client would show: Content-Disposition filename, else Content-Type name.
std::string display_name(const imap::BodyPart& p) {
    std::string name = mime::decode_parameter(p.disposition_params, "filename");
    if (name.empty())
        name = mime::decode_parameter(p.params, "name");
    return name;
}

Attachment describe(const imap::BodyPart& p) {
    Attachment a;
    a.part = p.part;
    a.filename = display_name(p);
    a.content_type = p.mime_type();
    a.encoding = p.encoding;
    a.disposition = p.disposition;
    a.size = p.size;
    // Base64 lines carry CRLF every 76 characters: 4 chars -> 3 bytes.
    a.decoded_size = p.encoding == "base64" ? p.size * 76 / 78 * 3 / 4 : p.size;
    return a;
}

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

    std::optional<uint32_t> uid, seq;
    std::vector<Attachment> found;
    imap::MessageSet set{a.uid.has_value(), std::to_string(a.uid ? *a.uid : *a.seq)};
    auto r = (*client)->fetch(set, "(UID BODYSTRUCTURE)",
                              [&](const imap::FetchData& f) -> core::Result<void> {
                                  if (!f.body_structure || !f.uid)
                                      return {};
                                  if ((a.uid && *f.uid != *a.uid) || (a.seq && f.seq != *a.seq))
                                      return {};
                                  uid = f.uid;
                                  seq = f.seq;
                                  for (const auto* p : imap::attachment_parts(*f.body_structure))
                                      found.push_back(describe(*p));
                                  return {};
                              });
    (*client)->logout();
    if (!r)
        return report_error(std::move(r).error().with_folder(a.folder), a.json);
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
    cmd->add_option("FOLDER", args->folder, "Folder name, decoded")->required();
    cmd->add_option("--uid", args->uid, "UID of the message");
    cmd->add_option("--seq", args->seq, "Sequence number of the message");
    cmd->add_flag("--json", args->json, "Machine-readable output");
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        exit_code = run_attachments(*args);
    });
}

}  // namespace imapmirror::cli
