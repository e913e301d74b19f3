#include "cli/exit_codes.hpp"

#include <cstdio>
#include <string>

#include "core/json.hpp"

namespace imapmirror::cli {

int report_error(const core::Error& e, bool json) {
    std::string line = "imapmirror: error: " + e.describe() + "\n";
    std::fputs(line.c_str(), stderr);
    int code = exit_code_for(e);
    if (json) {
        core::JsonWriter w;
        w.begin_object().key("error").begin_object();
        w.key("kind").value(core::to_string(e.kind));
        w.key("message").value(e.message);
        if (!e.hint.empty())
            w.key("hint").value(e.hint);
        if (!e.folder.empty())
            w.key("folder").value(e.folder);
        if (e.uid)
            w.key("uid").value(*e.uid);
        if (!e.server_reply.empty())
            w.key("server_reply").value(e.server_reply);
        w.key("exit_code").value(code);
        w.end_object().end_object();
        std::printf("%s\n", w.str().c_str());
    }
    return code;
}

}  // namespace imapmirror::cli
