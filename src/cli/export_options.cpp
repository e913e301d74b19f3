#include "cli/export_options.hpp"

#include <chrono>
#include <string>

#include "cli/output.hpp"

namespace imapmirror::cli {

void add_export_options(CLI::App& cmd, sync::ExportOptions& o) {
    cmd.add_option("-o,--out", o.root, "Archive directory (created if needed)")->type_name("DIR");
    cmd.add_option(
        "--include", o.include,
        "Only folders whose decoded name matches GLOB (repeatable; '*' also matches '/')");
    cmd.add_option("--exclude", o.exclude,
                   "Skip folders whose decoded name matches GLOB (repeatable)");
    cmd.add_flag("--msg", o.msg,
                 "Also write an Outlook .msg beside every archived .eml (as `convert` makes "
                 "it), listed in the index and checked by `verify`: new messages get theirs as "
                 "they are archived, messages archived earlier without --msg get theirs from "
                 "their .eml (no download). The .eml stays the source of truth; a message that "
                 "cannot be converted is a message error in the summary (exit 10), gets no "
                 ".msg and is tried again on the next run with --msg");
    cmd.add_option("-j,--connections", o.connections,
                   "IMAP connections working in parallel: folders, and ranges of a big folder, "
                   "are spread over them, which uses every core and hides network latency. "
                   "Servers cap them per account (Gmail 15, Dovecot 10 per user and address); "
                   "if the server refuses one, the others go on")
        ->check(CLI::Range(1, 15))
        ->capture_default_str();
    cmd.add_option("--retries", o.retries, "Reconnects after a dropped connection before giving up")
        ->check(CLI::Range(0, 100))
        ->capture_default_str();
    cmd.add_option_function<double>(
           "--retry-wait",
           [&o](double seconds) {
               o.retry_wait = std::chrono::milliseconds(static_cast<int64_t>(seconds * 1000));
           },
           "Seconds before the first reconnect; doubles each time, with jitter, up to 60")
        ->check(CLI::Range(0.0, 600.0))
        ->default_str("1");
    cmd.add_option_function<std::string>(
           "--max-bytes", [&o](const std::string& size) { o.max_bytes = parse_size(size); },
           "Stop cleanly once SIZE of message data has been downloaded (K, M, G, T: powers of "
           "1024, e.g. 2G or 500M). Every message fetched is complete and indexed; the rest is "
           "left for the next run, which resumes where this one stopped. Messages are counted "
           "by the size the server announces before they are asked for, so a run never "
           "downloads more than SIZE (only a single message larger than SIZE is still taken "
           "first, so the account moves on). For Gmail's ~2,500 MB/day IMAP limit: "
           "--max-bytes 2G in a nightly cron job spreads a large first backup over nights. "
           "Exit code 0 when it stops at the budget (the summary says so)")
        ->type_name("SIZE")
        ->check([](const std::string& v) {
            return parse_size(v) ? std::string()
                                 : "SIZE must be a positive whole number with an optional unit "
                                   "K, M, G or T (e.g. 2G)";
        });
    cmd.add_flag(
        "--gmail-labels-as-folders", o.gmail_labels_as_folders,
        "On Gmail (a server with X-GM-EXT-1), archive every label folder on its own, as for any "
        "other server: a message with three labels is downloaded and stored four times. Without "
        "it, each message is downloaded once from All Mail (plus Spam and Trash), its labels go "
        "into the index, and each label's directory holds hard links to its messages");
    cmd.add_flag_callback(
        "--no-bodies", [&o] { o.index_bodies = false; },
        "Do not read message bodies into the search index while archiving (a little "
        "faster; `search` then finds headers and attachment names only). `imapmirror "
        "reindex DIR` reads them later");
    cmd.add_option_function<std::string>(
           "--attachments",
           [&o](const std::string& mode) {
               o.attachments =
                   mode == "none" ? sync::AttachmentFiles::None : sync::AttachmentFiles::Files;
           },
           "files (the default): extract each attachment into MESSAGE.attachments/, "
           "identical ones stored once (hard links to DIR/.attachments-store/). none: "
           "write no attachment files, only their index rows; show, attachments, dump "
           "and verify decode them from the .eml when asked. Switching keeps what is "
           "there: files -> none keeps existing files, none -> files extracts the "
           "missing ones on the next run")
        ->type_name("MODE")
        ->check(CLI::IsMember({"files", "none"}));
    cmd.add_flag_callback(
        "--no-attachment-text", [&o] { o.attachment_text = false; },
        "Do not read the text of attachments (text, HTML, attached messages, PDF, "
        "Word/Excel/PowerPoint and OpenDocument files) into the search index after "
        "archiving. `imapmirror reindex DIR` reads it later");
    cmd.add_flag("--repoint-archive", o.repoint_archive,
                 "The archive in --out records the account it was made from (host, port, "
                 "user), and an export of another account into it is refused (exit 2). When "
                 "the server really moved (a new host name or port, a renamed login), this "
                 "records the new one instead, once; the archive goes on where it was");
}

}  // namespace imapmirror::cli
