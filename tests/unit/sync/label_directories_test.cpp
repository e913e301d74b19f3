#include "sync/label_directories.hpp"

#include <catch2/catch.hpp>
#include <cerrno>
#include <filesystem>
#include <fstream>
#include <set>

#include "index/label_reads.hpp"
#include "unit/core/faulty_file_system.hpp"
#include "unit/index/temp_index.hpp"

using namespace imapmirror;
namespace fs = std::filesystem;

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
    test::FaultyFileSystem refuse;
    refuse.refuse_links(EMLINK);
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

namespace {

index::MessageRecord archived(int64_t folder_id, const std::string& path,
                              std::optional<std::vector<std::string>> labels) {
    index::MessageRecord m;
    m.folder_id = folder_id;
    m.uidvalidity = 1;
    m.uid = 1;
    m.path = path;
    m.sha256 = "same";
    m.size = 4;
    m.gm_labels = std::move(labels);
    return m;
}

// An index with All Mail (directory "All") holding message 1 with the label Work, and the
// folder Work; both directories exist.
struct GmailIndex {
    test::TempIndex t;
    std::optional<index::ArchiveIndex> ix;
    int64_t all_id = 0, work_id = 0;
    GmailIndex() {
        auto opened = index::ArchiveIndex::open(t.path());
        REQUIRE(opened);
        ix.emplace(std::move(*opened));
        auto all = folder("[Gmail]/All Mail", "\\All");
        all.path = "All";
        all_id = ix->upsert_folder(all).value();
        work_id = ix->upsert_folder(folder("Work")).value();
        fs::create_directories(t.dir + "/All");
        fs::create_directories(t.dir + "/Work");
        std::ofstream(t.dir + "/All/1-1.eml") << "mail";
        REQUIRE(ix->insert_messages(
            {archived(all_id, "All/1-1.eml", std::vector<std::string>{"Work"})}));
    }
};

}  // namespace

TEST_CASE(
    "label directories: a label folder's own archived message is never taken as a link, and "
    "never removed with the label",
    "[sync][gmail]") {
    // An archive made with --gmail-labels-as-folders (Work/1-1.eml is Work's own message), then
    // single-instance mode: All Mail's message 1-1 has the label Work, so its link would have
    // the same name, and the same bytes.
    GmailIndex g;
    auto& ix = g.ix;
    std::ofstream(g.t.dir + "/Work/1-1.eml") << "mail";
    REQUIRE(ix->insert_messages({archived(g.work_id, "Work/1-1.eml", std::nullopt)}));
    auto root = store::ArchiveRoot::open(g.t.dir);
    REQUIRE(root);

    sync::ExportSummary summary;
    REQUIRE(sync::link_label_directories(*root, *ix, summary));
    CHECK(ix->label_links()->empty());
    CHECK(summary.label_links_added == 0);

    // A row an earlier version recorded over that file, then the label deleted in Gmail: the
    // row goes, the file an index row calls a message stays.
    REQUIRE(ix->add_label_link(index::LabelLink{"Work/1-1.eml", 1, false}));
    REQUIRE(ix->update_labels(g.all_id, 1, {{1, {}}}));
    REQUIRE(ix->mark_folder_deleted(g.work_id));
    REQUIRE(sync::link_label_directories(*root, *ix, summary));
    CHECK(fs::is_regular_file(g.t.dir + "/Work/1-1.eml"));
    CHECK(fs::is_regular_file(g.t.dir + "/All/1-1.eml"));
    CHECK(ix->label_links()->empty());
    CHECK(summary.label_links_removed == 0);
}

TEST_CASE(
    "label directories: a link row without its link (a run killed between them) gets its link "
    "on the next run, or goes with its label",
    "[sync][gmail]") {
    GmailIndex g;
    auto& ix = g.ix;
    auto root = store::ArchiveRoot::open(g.t.dir);
    REQUIRE(root);
    REQUIRE(ix->add_label_link(index::LabelLink{"Work/1-1.eml", 1, false}));

    sync::ExportSummary summary;
    REQUIRE(sync::link_label_directories(*root, *ix, summary));
    CHECK(fs::is_regular_file(g.t.dir + "/Work/1-1.eml"));
    CHECK(ix->label_links()->size() == 1);

    fs::remove(g.t.dir + "/Work/1-1.eml");
    REQUIRE(ix->update_labels(g.all_id, 1, {{1, {}}}));
    REQUIRE(sync::link_label_directories(*root, *ix, summary));
    CHECK(ix->label_links()->empty());
    CHECK(fs::is_regular_file(g.t.dir + "/All/1-1.eml"));
}

TEST_CASE(
    "label directories: a label folder below another keeps its own links when the one above "
    "loses its label, and each directory is read on its own",
    "[sync][gmail]") {
    // The phase reads one directory at a time (index::label_links_in): the links of Work/Q1
    // lie inside Work's range of paths and must not be taken for Work's.
    GmailIndex g;
    auto& ix = g.ix;
    REQUIRE(ix->upsert_folder(folder("Work/Q1")));
    fs::create_directories(g.t.dir + "/Work/Q1");
    std::ofstream(g.t.dir + "/All/1-2.eml") << "mail 2";
    auto second = archived(g.all_id, "All/1-2.eml", std::vector<std::string>{"Work/Q1"});
    second.uid = 2;
    REQUIRE(ix->insert_messages({second}));
    auto root = store::ArchiveRoot::open(g.t.dir);
    REQUIRE(root);
    sync::ExportSummary summary;
    REQUIRE(sync::link_label_directories(*root, *ix, summary));
    CHECK(summary.label_links_added == 2);
    CHECK(fs::is_regular_file(g.t.dir + "/Work/1-1.eml"));
    CHECK(fs::is_regular_file(g.t.dir + "/Work/Q1/1-2.eml"));
    auto in_work = index::label_links_in(*ix, "Work");
    REQUIRE(in_work);
    REQUIRE(in_work->size() == 1);
    CHECK(in_work->front().path == "Work/1-1.eml");
    auto directories = index::label_link_directories(*ix);
    REQUIRE(directories);
    CHECK(std::set<std::string>(directories->begin(), directories->end()) ==
          std::set<std::string>{"Work", "Work/Q1"});

    // Work's label goes: its link goes, Work/Q1's stays.
    REQUIRE(ix->update_labels(g.all_id, 1, {{1, {}}}));
    sync::ExportSummary again;
    REQUIRE(sync::link_label_directories(*root, *ix, again));
    CHECK(again.label_links_removed == 1);
    CHECK(!fs::exists(g.t.dir + "/Work/1-1.eml"));
    CHECK(fs::is_regular_file(g.t.dir + "/Work/Q1/1-2.eml"));
    CHECK(ix->label_links()->size() == 1);
}
