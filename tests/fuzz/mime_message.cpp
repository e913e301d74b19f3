// Fuzz target: mime::parse_message_file, the reading of an archived .eml (header fields for
// the index, attachments decoded and streamed out). The input is the file's content.
//
// Checked beyond "no crash": every MessageHeaders and AttachmentMeta text field is valid UTF-8
// without control characters (the contract in message_parser.hpp, which the index relies on);
// attachment parts are IMAP part numbers; the output sees begin/write.../end in order, once per
// attachment counted in the outcome.

#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mime/message_parser.hpp"

using namespace imapmirror;
using fuzz::check;

namespace {

struct CheckingOutput : mime::AttachmentOutput {
    bool open = false;
    size_t begun = 0;
    core::Result<void> begin(const mime::AttachmentMeta& meta) override {
        check(!open, "begin() before the previous attachment's end()");
        open = true;
        ++begun;
        auto m = meta;
        for (std::string* f : m.text_fields())
            check(fuzz::is_clean_text(*f), "an attachment field is not clean UTF-8");
        check(!m.part.empty() && m.part.find_first_not_of("0123456789.") == std::string::npos,
              "an attachment part is not an IMAP part number");
        return {};
    }
    core::Result<void> write(std::string_view) override {
        check(open, "write() outside an attachment");
        return {};
    }
    core::Result<void> end() override {
        check(open, "end() without begin()");
        open = false;
        return {};
    }
};

// The message lives in a memory file, reopened by path: no disk, nothing left behind.
const std::string& message_path(int& fd) {
    static std::string path;
    if (path.empty()) {
        fd = ::memfd_create("fuzz-message", 0);
        if (fd < 0)
            std::abort();
        path = "/proc/self/fd/" + std::to_string(fd);
    }
    return path;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static int fd = -1;
    const std::string& path = message_path(fd);
    if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, data, size, 0) != static_cast<ssize_t>(size))
        std::abort();

    CheckingOutput out;
    // Body text on, as the export reads it: charset decoding and the HTML parser get fuzzed too.
    mime::ParseLimits limits;
    limits.body_text = true;
    auto r = mime::parse_message_file(path, out, limits);
    check(r.ok(), "parse_message_file failed though the output never fails");
    check(!out.open, "an attachment was never ended");
    check(out.begun == r->attachments, "attachments counted differ from those written");
    for (std::string* f : r->info.text_fields())
        check(fuzz::is_clean_text(*f), "a MessageHeaders field is not clean UTF-8");
    check(fuzz::is_valid_utf8(r->body.text), "the body text is not valid UTF-8");
    check(r->body.text.size() <= limits.body.max_text, "the body text is over its cap");
    return 0;
}
