#include "sync/label_directories.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>

#include "unit/index/temp_index.hpp"

using namespace imapmirror;

namespace {

index::FolderRecord folder(std::string name, std::string special_use = "") {
    index::FolderRecord f;
    f.name = f.raw_name = f.path = std::move(name);
    f.special_use = std::move(special_use);
    return f;
}

}  // namespace

TEST_CASE("label directories: system labels go where Gmail shows them, user labels by name",
          "[sync][gmail]") {
    const std::vector<index::FolderRecord> folders = {
        folder("[Gmail]/All Mail", "\\All"),
        folder("[Gmail]/Trash", "\\Trash"),
        folder("[Gmail]/Spam", "\\Junk"),
        folder("INBOX"),
        folder("[Gmail]/Sent Mail", "\\Sent"),
        folder("[Gmail]/Drafts", "\\Drafts"),
        folder("[Gmail]/Starred", "\\Flagged"),
        folder("[Gmail]/Important", "\\Important"),
        folder("Work/Q1"),
        folder("Ärger"),
    };
    auto name_of = [&](const std::string& label) {
        const auto* f = sync::folder_of_label(label, folders);
        return f ? f->name : std::string("-");
    };
    CHECK(name_of("\\Inbox") == "INBOX");
    CHECK(name_of("\\Sent") == "[Gmail]/Sent Mail");
    CHECK(name_of("\\Draft") == "[Gmail]/Drafts");
    CHECK(name_of("\\Starred") == "[Gmail]/Starred");
    CHECK(name_of("\\Important") == "[Gmail]/Important");
    CHECK(name_of("Work/Q1") == "Work/Q1");
    CHECK(name_of("Ärger") == "Ärger");
    // Labels with no folder, and the folders archived themselves, get no links.
    CHECK(name_of("\\Muted") == "-");
    CHECK(name_of("Nowhere") == "-");
    CHECK(name_of("[Gmail]/All Mail") == "-");
    CHECK(name_of("[Gmail]/Trash") == "-");
    CHECK(name_of("work/q1") == "-");
}

TEST_CASE("label directories: a deleted folder shows no label", "[sync][gmail]") {
    auto work = folder("Work");
    work.deleted = true;
    CHECK(sync::folder_of_label("Work", {work}) == nullptr);
}

TEST_CASE(
    "label directories: where hard links are refused, a message is copied at most "
    "kMaxLabelCopies times",
    "[sync][gmail]") {
    // Past ext4's 65,000 links every further label became a full copy of the message.
    test::TempIndex t;
    { std::ofstream(t.dir + "/1-1.eml", std::ios::binary) << "Subject: x\r\n\r\nbody\r\n"; }
    auto ix = index::ArchiveIndex::open(t.path());
    REQUIRE(ix);
    std::vector<std::string> labels;
    for (size_t i = 0; i < sync::kMaxLabelCopies + 10; ++i) {
        labels.push_back("L" + std::to_string(i));
        REQUIRE(ix->upsert_folder(folder(labels.back())));
    }
    auto all = folder("All Mail", "\\All");
    auto all_id = ix->upsert_folder(all);
    REQUIRE(all_id);
    index::MessageRecord m;
    m.folder_id = *all_id;
    m.uidvalidity = m.uid = 1;
    m.path = "1-1.eml";
    m.gm_labels = labels;
    REQUIRE(ix->insert_messages({m}));
    auto root = store::ArchiveRoot::open(t.dir);
    REQUIRE(root);
    auto refuse = [](int, const char*, int, const char*, int) {
        errno = EMLINK;
        return -1;
    };
    sync::ExportSummary summary;
    REQUIRE(sync::link_label_directories(*root, *ix, summary, refuse));
    CHECK(summary.label_links_copied);
    CHECK(summary.label_links_added == sync::kMaxLabelCopies);
    CHECK(summary.label_links_skipped == 10);
    size_t files = 0;
    for (const auto& l : labels)
        files += std::filesystem::exists(t.dir + "/" + l + "/1-1.eml") ? 1 : 0;
    CHECK(files == sync::kMaxLabelCopies);
    // The next run counts the copies it made before: none more.
    sync::ExportSummary again;
    REQUIRE(sync::link_label_directories(*root, *ix, again, refuse));
    CHECK(again.label_links_added == 0);
    CHECK(again.label_links_skipped == 10);
}
