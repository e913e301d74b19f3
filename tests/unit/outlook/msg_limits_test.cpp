// The .msg conversion's bounds: a message beyond them is refused quickly with a Limit error
// (recorded by the export as not convertible), never converted at a cost that grows with the
// square of its parts or held in memory whole.

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
    CHECK(outlook::ReadLimits{}.max_bytes == 64u << 20);
}
