// Fuzz target: outlook::convert_eml_to_msg, the .msg output of `export --msg`, `fetch --format
// msg` and `convert`, on a hostile .eml. The input is the .eml's content.
//
// Checked beyond "no crash": a conversion either fails with an error of scope Message (the
// contract in msg_writer.hpp: one message costs only itself) or writes a file that libgsf reads
// back as a compound file with the streams every .msg has (the property stream and the
// recipient/attachment counts it states are not re-checked here: tests/msg does that with
// readers nobody here wrote).

#include <gsf/gsf.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "fuzz_check.hpp"
#include "outlook/msg_writer.hpp"

using namespace imapmirror;
using fuzz::check;

namespace {

// The .eml and the .msg live in memory files, reopened by path: no disk, nothing left behind.
std::string memory_file(const char* name, int& fd) {
    fd = ::memfd_create(name, 0);
    if (fd < 0)
        std::abort();
    return "/proc/self/fd/" + std::to_string(fd);
}

// True when libgsf opens `path` as a compound file holding the top-level property stream.
bool reads_back_as_msg(const std::string& path) {
    GError* error = nullptr;
    GsfInput* input = gsf_input_stdio_new(path.c_str(), &error);
    if (input == nullptr) {
        g_clear_error(&error);
        return false;
    }
    GsfInfile* ole = gsf_infile_msole_new(input, &error);
    g_object_unref(input);
    if (ole == nullptr) {
        g_clear_error(&error);
        return false;
    }
    GsfInput* properties = gsf_infile_child_by_name(ole, "__properties_version1.0");
    const bool ok = properties != nullptr;
    if (properties != nullptr)
        g_object_unref(properties);
    g_object_unref(ole);
    return ok;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    static int eml_fd = -1, msg_fd = -1;
    static const std::string eml = memory_file("fuzz-eml", eml_fd);
    static const std::string msg = memory_file("fuzz-msg", msg_fd);
    if (::ftruncate(eml_fd, 0) != 0 ||
        ::pwrite(eml_fd, data, size, 0) != static_cast<ssize_t>(size))
        std::abort();
    if (::ftruncate(msg_fd, 0) != 0)
        std::abort();

    auto r = outlook::convert_eml_to_msg(eml, msg);
    if (!r.ok()) {
        check(r.error().scope == core::Scope::Message,
              "a conversion failed with an error wider than its message");
        return 0;
    }
    check(reads_back_as_msg(msg), "a converted .msg does not read back as a compound file");
    return 0;
}
