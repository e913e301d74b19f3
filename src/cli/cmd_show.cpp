// imapmirror show DIR (ID | PATH | --message-id ID): one archived message, readable.

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <optional>

#include "cli/account_options.hpp"
#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "cli/output.hpp"
#include "core/json.hpp"
#include "index/archive_search.hpp"
#include "mime/body_text.hpp"
#include "store/output_file.hpp"
#include "sync/archive.hpp"
#include "sync/attachment_writer.hpp"

namespace imapmirror::cli {

namespace {

struct ShowArgs {
    std::string dir, target, message_id;
    AccountChoice choice;
    std::string output;      // -o: where --raw, --html and --attachment write, "" for stdout
    std::string attachment;  // --attachment PART: that attachment's decoded bytes
    bool html = false, raw = false, json = false;
    bool utc = false;  // --utc: the date in UTC rather than local time
};

core::Error not_found(const std::string& what) {
    auto e = core::make_error(core::ErrorKind::NotFound, "no archived message " + what,
                              core::Scope::Run);
    e.hint = "`imapmirror search DIR WORDS` lists messages with their ids";
    return e;
}

// The message --message-id or TARGET names.
core::Result<index::MessageView> find(index::ArchiveSearch& search, const ShowArgs& a) {
    if (!a.message_id.empty()) {
        IMM_ASSIGN(auto all, search.by_message_id(a.message_id));
        if (all.empty())
            return not_found("with Message-ID " + a.message_id);
        if (all.size() > 1)
            std::fprintf(stderr,
                         "imapmirror: %zu messages have this Message-ID; showing the newest "
                         "(id %lld); `show DIR ID` shows another\n",
                         all.size(), static_cast<long long>(all.front().id));
        return std::move(all.front());
    }
    IMM_ASSIGN(auto found, search.by_target(a.dir, a.target));
    if (!found)
        return not_found(a.target);
    return std::move(*found);
}

// --raw, --html and --attachment write the message's own bytes, to -o's file or to standard
// output when it is not a terminal: the bytes may hold escape sequences (ESC[2J, OSC 52 to the
// clipboard), so a terminal gets them only through a pager or a file. Refused before anything
// is read.
std::optional<core::Error> bytes_refusal(const ShowArgs& a) {
    if (!a.output.empty() || !::isatty(STDOUT_FILENO))
        return std::nullopt;
    auto e = core::make_error(core::ErrorKind::Usage,
                              std::string("show ") +
                                  (a.raw    ? "--raw"
                                   : a.html ? "--html"
                                            : "--attachment") +
                                  " writes the message's own bytes, which can hold terminal "
                                  "escape sequences; not to a terminal",
                              core::Scope::Run);
    e.hint = "write them to a file with -o FILE, or pipe them: `| less`";
    return e;
}

core::Result<void> copy_file(const std::string& path, store::OutputFile& out) {
    std::unique_ptr<FILE, int (*)(FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
    if (!f)
        return core::make_error(core::ErrorKind::Io, "cannot read " + path, core::Scope::Run);
    char buf[64 * 1024];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0)
        IMM_TRY(out.write(std::string_view(buf, n)));
    return {};
}

void print_json(const ShowArgs& a, const index::MessageView& m, const mime::BodyText& body) {
    core::JsonWriter w;
    w.begin_object().key("id").value(m.id).key("folder").value(m.folder);
    w.key("path").value(a.dir + "/" + m.path).key("date").value(m.date);
    w.key("from").value(m.from_addr).key("to").value(m.to_addrs).key("cc").value(m.cc_addrs);
    w.key("subject").value(m.subject).key("message_id").value(m.message_id);
    w.key("flags").value(m.flags).key("expunged").value(m.expunged);
    w.key("body").value(body.text).key("body_origin").value(mime::origin_name(body.origin));
    w.key("body_truncated").value(body.truncated);
    w.key("attachments").begin_array();
    for (const auto& at : m.attachments)
        w.begin_object()
            .key("filename")
            .value(at.filename)
            .key("content_type")
            .value(at.content_type)
            .key("size")
            .value(at.size)
            .key("part")
            .value(at.part)
            .key("storage")
            .value(at.storage)
            .key("path")
            .value(at.storage == "none" ? std::string() : a.dir + "/" + at.path)
            .key("text_status")
            .value(at.text_status)
            .key("text_bytes")
            .value(at.text_bytes)
            .end_object();
    w.end_array().end_object();
    std::printf("%s\n", w.str().c_str());
}

// How reading an attachment's text went, for a person.
std::string text_status_line(const index::AttachmentView& at) {
    if (at.text_status.empty())
        return "not read yet (`imapmirror reindex DIR` reads it)";
    if (at.text_status == "ok" || at.text_status == "truncated")
        return at.text_status + ", " + human_size(static_cast<uint64_t>(at.text_bytes)) +
               " of text in the search index";
    return at.text_status;
}

void print_human(const ShowArgs& a, const index::MessageView& m, const mime::BodyText& body) {
    auto line = [](const char* name, const std::string& value) {
        if (!value.empty())
            std::printf("%-9s %s\n", name, printable(value).c_str());
    };
    line("Subject:", m.subject.empty() ? "(no subject)" : m.subject);
    line("From:", m.from_addr);
    line("To:", m.to_addrs);
    line("Cc:", m.cc_addrs);
    line("Date:", shown_date(m.date.empty() ? m.internal_date : m.date, a.utc) + " (" +
                      zone_statement(a.utc) + ")");
    line("Folder:", m.folder + (m.expunged ? " (expunged on the server; the file is kept)" : ""));
    line("Flags:", m.flags);
    line("Id:", std::to_string(m.id) + "  " + m.message_id);
    line("File:", a.dir + "/" + m.path);
    std::printf("\n");
    if (body.text.empty()) {
        std::printf("(no text body)\n");
    } else {
        // Line by line: printable() would turn the line breaks into '?'.
        size_t at = 0;
        while (at <= body.text.size()) {
            size_t nl = body.text.find('\n', at);
            if (nl == std::string::npos)
                nl = body.text.size();
            std::printf("%s\n", printable(std::string_view(body.text).substr(at, nl - at)).c_str());
            at = nl + 1;
        }
        if (body.origin == mime::BodyOrigin::Html)
            std::printf("\n[converted from HTML; --html writes the original]\n");
        if (body.truncated)
            std::printf("[cut at %zu MiB of text; --raw writes the whole message]\n",
                        mime::BodyLimits{}.max_text >> 20);
    }
    if (m.attachments.empty())
        return;
    std::printf("\nAttachments (%zu):\n", m.attachments.size());
    for (const auto& at : m.attachments)
        std::printf("  %s  (%s, %s, part %s)\n    %s\n    text: %s\n",
                    printable(at.filename.empty() ? "(no name)" : at.filename).c_str(),
                    printable(at.content_type).c_str(), human_size(at.size).c_str(),
                    printable(at.part).c_str(),
                    at.storage == "none"
                        ? ("not extracted (--attachments none): show --attachment " +
                           printable(at.part) + " -o FILE writes it")
                              .c_str()
                        : printable(a.dir + "/" + at.path).c_str(),
                    text_status_line(at).c_str());
}

// --raw, --html, --attachment: the message's own bytes into -o FILE or standard output.
core::Result<void> write_bytes(const ShowArgs& a, const std::string& eml) {
    IMM_ASSIGN(auto out, store::OutputFile::open(a.output));
    if (!a.attachment.empty()) {
        // Decoded from the .eml whatever the export wrote: the same bytes as the file.
        IMM_TRY(sync::extract_attachment(eml, a.attachment,
                                         [&](std::string_view b) { return out.write(b); }));
    } else if (a.raw) {
        IMM_TRY(copy_file(eml, out));
    } else {
        IMM_ASSIGN(const auto html, mime::read_html_part(eml));
        IMM_TRY(out.write(html.html));
    }
    return out.finish();
}

core::Result<int> run_show(ShowArgs& a) {
    IMM_TRY(resolve_archive_dir(a.choice, a.dir, a.message_id.empty() ? &a.target : nullptr));
    if (a.target.empty() == a.message_id.empty())
        return core::make_error(core::ErrorKind::Usage,
                                "name one message: an ID, a PATH, or --message-id",
                                core::Scope::Run);
    const bool bytes = a.raw || a.html || !a.attachment.empty();
    if (!bytes && !a.output.empty())
        return core::make_error(core::ErrorKind::Usage,
                                "-o FILE is for --raw, --html and --attachment", core::Scope::Run);
    // Errors of the bytes' path are reported here, never as JSON: standard output is theirs.
    if (bytes)
        if (auto refused = bytes_refusal(a))
            return report_error(*refused, false);
    IMM_ASSIGN(auto search, index::ArchiveSearch::open(sync::index_path(a.dir)));
    IMM_ASSIGN(const auto m, find(search, a));
    const std::string eml = a.dir + "/" + m.path;
    if (bytes) {
        auto written = write_bytes(a, eml);
        return written ? kExitOk : report_error(written.error(), false);
    }
    IMM_ASSIGN(const auto body, mime::read_body_text(eml, mime::TextFor::Reader));
    if (a.json)
        print_json(a, m, body);
    else
        print_human(a, m, body);
    return kExitOk;
}

}  // namespace

void add_show_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<ShowArgs>();
    auto* cmd = app.add_subcommand(
        "show",
        "Print one archived message readably: the headers a person wants, the body text (an "
        "HTML-only message converted to text, links kept as <url>), and its attachments with "
        "the paths of their extracted files. Reads the archive only.\n\n"
        "Examples:\n"
        "  imapmirror show ~/mail-archive 4711                 # an id from `search`\n"
        "  imapmirror show ~/mail-archive INBOX/1700000000-42.eml\n"
        "  imapmirror show ~/mail-archive --message-id '<abc@example.org>'\n"
        "  imapmirror show ~/mail-archive 4711 --html -o mail.html\n"
        "  imapmirror show ~/mail-archive 4711 --raw | less");
    cmd->add_option("DIR", args->dir,
                    "Archive directory (as written by `export`; with --account: its `out`)");
    cmd->add_option("MESSAGE", args->target,
                    "The message: its id (from `search`) or its .eml path (relative to DIR, or "
                    "under DIR)");
    cmd->add_option("--message-id", args->message_id,
                    "The message with this Message-ID ('<id@host>' as written)");
    auto* html = cmd->add_flag("--html", args->html,
                               "Write the message's HTML part as it is (its own charset)");
    auto* raw = cmd->add_flag("--raw", args->raw, "Write the .eml itself")->excludes(html);
    cmd->add_option("--attachment", args->attachment,
                    "Write the attachment with this MIME part number (as listed: \"part 2\"), "
                    "decoded from the .eml: also for an archive exported with --attachments "
                    "none, which has no attachment files")
        ->type_name("PART")
        ->excludes(html)
        ->excludes(raw);
    cmd->add_option(
        "-o,--output", args->output,
        "With --raw, --html or --attachment: write to FILE (these refuse to write a message's own "
        "bytes to a terminal; a pipe or a file is fine)");
    cmd->add_flag("--json", args->json, "Machine-readable output");
    add_account_options(*cmd, args->choice);
    cmd->add_flag("--utc", args->utc, "Show the date in UTC rather than local time");
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_show(*args), args->json);
    });
}

}  // namespace imapmirror::cli
