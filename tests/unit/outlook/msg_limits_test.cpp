// The .msg conversion's bounds: a message beyond them is refused quickly with a Limit error
// (recorded by the export as not convertible), never converted at a cost that grows with the
// square of its parts or held in memory whole.

#include <gsf/gsf-infile-msole.h>
#include <gsf/gsf-infile.h>
#include <gsf/gsf-input-stdio.h>
#include <sys/resource.h>
#include <time.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <string>

#include "hostile_messages.hpp"
#include "outlook/eml_reader.hpp"
#include "outlook/msg_writer.hpp"
#include "unit/temp_dir.hpp"

using namespace imapmirror;
using test::TempDir;
using test::with_attachments;
namespace fs = std::filesystem;

namespace {

double cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

void write(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

}  // namespace

TEST_CASE(".msg limits: 20,000 attachments are refused at the cap, in well under a second per MB",
          "[outlook]") {
    // libgsf sorts each new storage into its parent: 20,000 took 35 s and 729 MB before the cap.
    TempDir t;
    write(t.path + "/m.eml", with_attachments(20000));
    const double start = cpu_seconds();
    auto r = outlook::convert_eml_to_msg(t.path + "/m.eml", t.path + "/m.msg");
    CHECK(cpu_seconds() - start < 10);
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Limit);
    CHECK(r.error().message.find("more than 2000 attachments and recipients") != std::string::npos);
}

TEST_CASE(".msg limits: a message under the cap converts", "[outlook]") {
    TempDir t;
    write(t.path + "/m.eml", with_attachments(outlook::ReadLimits{}.max_storages - 2));
    CHECK(outlook::convert_eml_to_msg(t.path + "/m.eml", t.path + "/m.msg"));
    CHECK(fs::file_size(t.path + "/m.msg") > 0);
}

TEST_CASE(".msg limits: a message larger than the .msg limit is refused before it is read",
          "[outlook]") {
    TempDir t;
    write(t.path + "/m.eml", with_attachments(1));
    fs::resize_file(t.path + "/m.eml", outlook::ReadLimits{}.max_bytes + 1);  // sparse
    auto r = outlook::read_eml(t.path + "/m.eml");
    REQUIRE_FALSE(r);
    CHECK(r.error().kind == core::ErrorKind::Limit);
    CHECK(outlook::ReadLimits{}.max_bytes == 1u << 30);
}

namespace {

// A message with one base64 attachment of `size` bytes (a repeatable pseudo-random pattern),
// written a line at a time so that the test itself holds none of it.
void write_big_attachment_message(const std::string& path, size_t size) {
    std::ofstream out(path, std::ios::binary);
    out << "From: a@example.org\r\nTo: b@example.org\r\nSubject: big\r\n"
           "Message-ID: <big@example.org>\r\nMIME-Version: 1.0\r\n"
           "Content-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
           "Content-Type: text/plain\r\n\r\nsee the attachment\r\n--b\r\n"
           "Content-Type: application/octet-stream; name=big.bin\r\n"
           "Content-Disposition: attachment; filename=big.bin\r\n"
           "Content-Transfer-Encoding: base64\r\n\r\n";
    static const char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    uint32_t state = 1;
    std::string line;
    for (size_t done = 0; done < size; done += 57) {  // 57 bytes: one 76-character line
        line.clear();
        for (size_t i = 0; i < 57; i += 3) {
            uint32_t v = 0;
            for (int k = 0; k < 3; ++k) {
                state = state * 1103515245u + 12345u;
                v = (v << 8) | ((state >> 16) & 0xFF);
            }
            for (int k = 3; k >= 0; --k)
                line.push_back(kAlphabet[(v >> (6 * k)) & 63]);
        }
        out << line << "\r\n";
    }
    out << "--b--\r\n";
}

long max_rss_kib() {
    rusage r{};
    ::getrusage(RUSAGE_SELF, &r);
    return r.ru_maxrss;
}

// The size of `stream` inside the compound file `path` ("storage/stream"), or -1.
gsf_off_t stream_size(const std::string& path, const char* storage, const char* stream) {
    GError* error = nullptr;
    GsfInput* input = gsf_input_stdio_new(path.c_str(), &error);
    if (!input)
        return -1;
    GsfInfile* ole = gsf_infile_msole_new(input, &error);
    g_object_unref(input);
    if (!ole)
        return -1;
    gsf_off_t size = -1;
    if (GsfInput* dir = gsf_infile_child_by_name(ole, storage)) {
        if (GsfInput* s = gsf_infile_child_by_name(GSF_INFILE(dir), stream)) {
            size = gsf_input_size(s);
            g_object_unref(s);
        }
        g_object_unref(dir);
    }
    g_object_unref(ole);
    return size;
}

}  // namespace

TEST_CASE(
    ".msg limits: a 96 MiB attachment is copied from the .eml into the .msg, never held whole",
    "[outlook]") {
    // Before: the decoded attachment was held, then moved into the writer: a 180 MB attachment
    // took about 620 MB.
    constexpr size_t kSize = 96u << 20;
    TempDir t;
    write_big_attachment_message(t.path + "/m.eml", kSize);
    const long before = max_rss_kib();
    auto r = outlook::convert_eml_to_msg(t.path + "/m.eml", t.path + "/m.msg");
    const long grown_mib = (max_rss_kib() - before) / 1024;
    INFO("peak RSS grew by " << grown_mib << " MiB");
    REQUIRE(r);
    CHECK(stream_size(t.path + "/m.msg", "__attach_version1.0_#00000000", "__substg1.0_37010102") ==
          static_cast<gsf_off_t>((kSize + 56) / 57 * 57));
    CHECK(grown_mib < 32);
}
