// verify and verify --repair with the attachment store: a file linked by many messages is read
// once, a damaged store file is a changed attachment of every message that links it, and the
// repair sets it aside (never deletes it) and links the messages to a good copy again.

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>

#include "inbox_index.hpp"
#include "store/attachment_store.hpp"
#include "store/sha256.hpp"
#include "sync/repairer.hpp"
#include "sync/verifier.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

namespace {

const std::string kLogo = "GIF89a a signature's logo";
// "GIF89a a signature's logo" in base64, as part 2 of the message.
const std::string kEml =
    "Subject: x\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
    "--b\r\nContent-Type: text/plain\r\n\r\nsee the logo\r\n--b\r\nContent-Type: image/gif\r\n"
    "Content-Disposition: attachment; filename=logo.gif\r\nContent-Transfer-Encoding: base64\r\n"
    "\r\nR0lGODlhIGEgc2lnbmF0dXJlJ3MgbG9nbw==\r\n--b--\r\n";

std::string sha_of(const std::string& bytes) {
    store::Sha256 h;
    h.update(bytes);
    return h.hex();
}

// Two messages in INBOX, each with the logo, both linked to the store.
void archive_two(test::InboxIndex& inbox) {
    const std::string root = inbox.dir.dir;
    auto st = store::AttachmentStore::open(root);
    REQUIRE(st);
    std::vector<index::MessageRecord> batch;
    for (uint32_t uid : {1u, 2u}) {
        const std::string base = "INBOX/1-" + std::to_string(uid);
        fs::create_directories(root + "/" + base + ".attachments");
        std::ofstream(root + "/" + base + ".eml", std::ios::binary) << kEml;
        std::ofstream(root + "/" + base + ".attachments/logo.gif", std::ios::binary) << kLogo;
        REQUIRE(st->adopt(sha_of(kLogo), kLogo.size(), base + ".attachments/logo.gif"));
        index::MessageRecord m;
        m.folder_id = inbox.folder.id;
        m.uidvalidity = 1;
        m.uid = uid;
        m.size = kEml.size();
        m.path = base + ".eml";
        m.sha256 = sha_of(kEml);
        index::AttachmentRecord a;
        a.part = "2";
        a.filename = "logo.gif";
        a.content_type = "image/gif";
        a.path = base + ".attachments/logo.gif";
        a.sha256 = sha_of(kLogo);
        a.size = kLogo.size();
        a.storage = "link";
        m.attachments.push_back(a);
        batch.push_back(std::move(m));
    }
    REQUIRE(inbox.ix->insert_messages(batch));
}

}  // namespace

TEST_CASE("verify: an archive whose attachments are links to the store is clean",
          "[sync][verify][attachment_store]") {
    test::InboxIndex inbox;
    archive_two(inbox);
    auto report = sync::verify_files(inbox.dir.dir);
    REQUIRE(report);
    CHECK(report->extra.empty());
    CHECK(report->changed.empty());
    CHECK(report->missing.empty());
}

TEST_CASE("verify: a damaged store file is a changed attachment of every message linking it",
          "[sync][verify][attachment_store]") {
    test::InboxIndex inbox;
    archive_two(inbox);
    const std::string kept = store::attachment_store_path(sha_of(kLogo));
    {
        // Same size, other bytes: written in place, as a bit flip on disk would be.
        std::fstream f(inbox.dir.dir + "/" + kept, std::ios::in | std::ios::out | std::ios::binary);
        f.seekp(0);
        f.put('X');
    }
    auto report = sync::verify_files(inbox.dir.dir);
    REQUIRE(report);
    std::sort(report->changed.begin(), report->changed.end());
    CHECK(report->changed == std::vector<std::string>{kept, "INBOX/1-1.attachments/logo.gif",
                                                      "INBOX/1-2.attachments/logo.gif"});
    CHECK(report->extra.empty());
}

TEST_CASE("verify: a store file that no message links is not an extra file",
          "[sync][verify][attachment_store]") {
    test::InboxIndex inbox;
    archive_two(inbox);
    const std::string orphan = "an expunged message's attachment";
    const std::string path = inbox.dir.dir + "/" + store::attachment_store_path(sha_of(orphan));
    fs::create_directories(fs::path(path).parent_path());
    std::ofstream(path, std::ios::binary) << orphan;
    std::ofstream(inbox.dir.dir + "/.attachments-store/stray", std::ios::binary) << "x";
    auto report = sync::verify_files(inbox.dir.dir);
    REQUIRE(report);
    CHECK(report->changed.empty());
    CHECK(report->extra == std::vector<std::string>{".attachments-store/stray"});
}

TEST_CASE(
    "verify --repair: a damaged store file is set aside and its messages linked to a good "
    "copy",
    "[sync][verify][attachment_store]") {
    test::InboxIndex inbox;
    archive_two(inbox);
    const std::string root = inbox.dir.dir;
    const std::string kept = store::attachment_store_path(sha_of(kLogo));
    {
        std::fstream f(root + "/" + kept, std::ios::in | std::ios::out | std::ios::binary);
        f.put('X');
    }
    auto found = sync::verify_files(root);
    REQUIRE(found);
    REQUIRE(found->changed.size() == 3);
    sync::ConnectFn no_server = []() -> core::Result<std::unique_ptr<imap::Client>> {
        FAIL("no message needs the server");
        return core::make_error(core::ErrorKind::Io, "unused");
    };
    auto repaired = sync::repair_archive(root, *found, no_server, {});
    REQUIRE(repaired);
    CHECK(repaired->unrepairable.empty());
    CHECK(repaired->reextracted.size() == 2);
    auto again = sync::verify_files(root);
    REQUIRE(again);
    CHECK(again->changed.empty());
    CHECK(again->missing.empty());
    CHECK(again->extra.empty());
    // The damaged store file and the two damaged names are kept aside, not deleted.
    CHECK(again->kept_aside.size() == 3);
    std::ifstream in(root + "/" + kept, std::ios::binary);
    CHECK(std::string(std::istreambuf_iterator<char>(in), {}) == kLogo);
    for (const char* uid : {"1", "2"}) {
        auto row = inbox.ix->db().prepare(
            std::string("SELECT storage FROM attachments WHERE path = 'INBOX/1-") + uid +
            ".attachments/logo.gif'");
        REQUIRE(row);
        auto has = row->step();
        REQUIRE(has);
        REQUIRE(*has);
        CHECK(row->column_text(0) == "link");
    }
}
