// imapmirror convert FILE.eml -o FILE.msg: an Outlook .msg from a message file, no server.

#include <cstdio>
#include <memory>

#include "cli/commands.hpp"
#include "cli/exit_codes.hpp"
#include "core/json.hpp"
#include "sync/msg_file.hpp"

namespace imapmirror::cli {

namespace {

struct ConvertArgs {
    std::string input;
    std::string output;
    bool json = false;
};

// FILE.eml -> FILE.msg; any other name gains ".msg".
std::string default_output(const std::string& input) {
    const std::string ext = ".eml";
    if (input.size() > ext.size() && input.compare(input.size() - ext.size(), ext.size(), ext) == 0)
        return input.substr(0, input.size() - ext.size()) + ".msg";
    return input + ".msg";
}

core::Result<int> run_convert(const ConvertArgs& a) {
    const std::string output = a.output.empty() ? default_output(a.input) : a.output;
    if (output == "-")
        return core::make_error(core::ErrorKind::Usage,
                                "a .msg cannot go to standard output (it is a compound file "
                                "written with seeks): give -o FILE");
    IMM_TRY(sync::write_msg_file(a.input, output));
    if (a.json) {
        core::JsonWriter w;
        w.begin_object().key("input").value(a.input).key("output").value(output).end_object();
        std::printf("%s\n", w.str().c_str());
    } else {
        std::fprintf(stderr, "wrote %s\n", output.c_str());
    }
    return kExitOk;
}

}  // namespace

void add_convert_command(CLI::App& app, const GlobalArgs& global, int& exit_code) {
    auto args = std::make_shared<ConvertArgs>();
    auto* cmd = app.add_subcommand(
        "convert",
        "Convert a message file (.eml, as `export` and `fetch` write them) into an Outlook .msg "
        "file, without contacting any server. The .eml is not changed.\n"
        "\n"
        "The .msg holds the subject, sender, To/Cc/Bcc, dates, Message-ID, the original "
        "headers, the plain-text and HTML bodies, the attachments (name, type, content id, "
        "inline flag) and attached messages as embedded messages (man imapmirror: convert).\n"
        "A file that cannot be read as a message is an error (exit 8) and no .msg is written; "
        "the output appears complete or not at all.\n"
        "\n"
        "Examples:\n"
        "  imapmirror convert ~/mail-archive/INBOX/4711.eml -o 4711.msg\n"
        "  imapmirror convert message.eml            # writes message.msg beside it");
    cmd->add_option("FILE", args->input, "The message file (.eml) to convert")->required();
    cmd->add_option("-o,--output", args->output,
                    "Where to write the .msg (default: FILE with .eml replaced by .msg); an "
                    "existing file is replaced");
    cmd->add_flag("--json", args->json, "Print {\"input\",\"output\"} (or the error) as JSON");
    cmd->callback([args, &global, &exit_code] {
        global.apply();
        exit_code = exit_code_or_error(run_convert(*args), args->json);
    });
}

}  // namespace imapmirror::cli
