// A message's attachment files: linked to the attachment store when it has the bytes (a small
// one never written), written otherwise, and not written at all with --attachments none.

#include "sync/attachment_writer.hpp"

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "../temp_dir.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

mime::AttachmentMeta logo_meta() {
    return mime::AttachmentMeta{"2", "logo.gif", "image/gif", ""};
}

// One attachment through the writer, in two chunks.
void write_one(sync::AttachmentWriter& w, const std::string& bytes) {
    REQUIRE(w.begin(logo_meta()));
    REQUIRE(w.write(std::string_view(bytes).substr(0, bytes.size() / 2)));
    REQUIRE(w.write(std::string_view(bytes).substr(bytes.size() / 2)));
    REQUIRE(w.end());
}

ino_t inode(const std::string& p) {
    struct stat st {};
    REQUIRE(::lstat(p.c_str(), &st) == 0);
    return st.st_ino;
}

}  // namespace

TEST_CASE("attachment writer: bytes the store already has become a link to its file",
          "[sync][attachment_writer]") {
    test::TempDir dir;
    fs::create_directories(dir.path + "/INBOX");
    auto st = store::AttachmentStore::open(dir.path);
    REQUIRE(st);
    // Small (held in memory, never written) and large (streamed to a file, then replaced).
    const std::string size = GENERATE(std::string("small"), std::string("large"));
    const std::string bytes = size == "small"
                                  ? std::string(1000, 'x')
                                  : std::string(sync::AttachmentWriter::kHeldInMemory * 2 + 7, 'y');
    std::string first_temp;
    {
        sync::AttachmentWriter first(dir.path + "/INBOX", "INBOX/1-1.attachments", &*st);
        write_one(first, bytes);
        REQUIRE(first.records().at(0).storage == "copy");
        first_temp = first.release_temp_dir();
        fs::rename(first_temp, dir.path + "/INBOX/1-1.attachments");
        sync::adopt_attachments(*st, first.records());
        CHECK(first.records().at(0).storage == "link");
    }
    sync::AttachmentWriter second(dir.path + "/INBOX", "INBOX/1-2.attachments", &*st);
    write_one(second, bytes);
    const auto& row = second.records().at(0);
    CHECK(row.storage == "link");
    CHECK(row.path == "INBOX/1-2.attachments/logo.gif");
    const std::string temp = second.release_temp_dir();
    CHECK(inode(temp + "/logo.gif") == inode(dir.path + "/INBOX/1-1.attachments/logo.gif"));
    size_t names = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(temp))
        ++names;
    CHECK(names == 1);  // no temporary link name left beside it
    fs::remove_all(temp);
}

TEST_CASE("attachment writer: with --attachments none no file is written and the row is kept",
          "[sync][attachment_writer]") {
    test::TempDir dir;
    fs::create_directories(dir.path + "/INBOX");
    sync::AttachmentWriter w(dir.path + "/INBOX", "INBOX/1-1.attachments", nullptr,
                             sync::AttachmentFiles::None);
    write_one(w, "report bytes");
    CHECK(w.release_temp_dir().empty());
    REQUIRE(w.records().size() == 1);
    CHECK(w.records()[0].storage == "none");
    CHECK(w.records()[0].size == 12);
    CHECK(w.records()[0].path == "INBOX/1-1.attachments/logo.gif");
    CHECK(w.records()[0].sha256.size() == 64);
    size_t names = 0;
    for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir.path + "/INBOX"))
        ++names;
    CHECK(names == 0);
}
