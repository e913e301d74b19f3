#include <catch2/catch.hpp>

#include "index/archive_index.hpp"
#include "index/label_reads.hpp"
#include "temp_index.hpp"

using namespace imapmirror;
using namespace imapmirror::index;
using test::TempIndex;

namespace {

MessageRecord labelled(int64_t folder, uint32_t uid, std::vector<std::string> labels) {
    MessageRecord m;
    m.folder_id = folder;
    m.uidvalidity = 1;
    m.uid = uid;
    m.path = "All Mail/1-" + std::to_string(uid) + ".eml";
    m.gm_msgid = 1000 + uid;
    m.gm_labels = std::move(labels);
    return m;
}

std::vector<std::string> labels_of(ArchiveIndex& ix, int64_t message_id) {
    auto names = label_names(ix);
    REQUIRE(names);
    std::vector<std::string> out;
    for (const auto& name : *names) {
        auto messages = messages_labelled(ix, name);
        REQUIRE(messages);
        for (const auto& m : *messages)
            if (m.first == message_id)
                out.push_back(name);
    }
    return out;
}

}  // namespace

TEST_CASE("index labels: each label is stored once, a message's labels are replaced on refresh",
          "[index][gmail]") {
    TempIndex t;
    auto ix = ArchiveIndex::open(t.path());
    REQUIRE(ix);
    FolderRecord all;
    all.name = all.raw_name = all.path = "All Mail";
    all.special_use = "\\All";
    auto folder = ix->upsert_folder(all);
    REQUIRE(folder);
    REQUIRE(
        ix->insert_messages({labelled(*folder, 1, {"\\Inbox", "Work", "\\Inbox"}),
                             labelled(*folder, 2, {"Work", "Ärger"}), labelled(*folder, 3, {})}));
    CHECK(labels_of(*ix, 1) == std::vector<std::string>{"Work", "\\Inbox"});
    CHECK(labels_of(*ix, 2) == std::vector<std::string>{"Work", "Ärger"});
    CHECK(labels_of(*ix, 3).empty());
    auto& db = ix->db();
    auto count = [&](const std::string& sql) {
        auto st = db.prepare(sql);
        REQUIRE(st);
        REQUIRE(*st->step());
        return st->column_int(0);
    };
    CHECK(count("SELECT COUNT(*) FROM labels") == 3);

    auto changed = ix->update_labels(
        *folder, 1, {{1, {"Work", "\\Inbox"}}, {2, {"Ärger"}}, {3, {"New"}}, {99, {"x"}}});
    REQUIRE(changed);
    CHECK(*changed == 2);  // 1 unchanged, 99 not archived
    CHECK(labels_of(*ix, 2) == std::vector<std::string>{"Ärger"});
    CHECK(labels_of(*ix, 3) == std::vector<std::string>{"New"});
    CHECK(count("SELECT COUNT(*) FROM labels WHERE name = 'x'") == 0);
}

TEST_CASE("index labels: label links are recorded and forgotten by path", "[index][gmail]") {
    TempIndex t;
    auto ix = ArchiveIndex::open(t.path());
    REQUIRE(ix);
    FolderRecord all;
    all.name = all.raw_name = all.path = "All Mail";
    auto folder = ix->upsert_folder(all);
    REQUIRE(folder);
    REQUIRE(ix->insert_messages({labelled(*folder, 1, {"Work"})}));
    REQUIRE(ix->add_label_link({"Work/1-1.eml", 1, false}));
    REQUIRE(ix->add_label_link({"INBOX/1-1.eml", 1, true}));
    auto links = ix->label_links();
    REQUIRE(links);
    REQUIRE(links->size() == 2);
    CHECK(links->at(0).path == "INBOX/1-1.eml");
    CHECK(links->at(0).copied);
    CHECK_FALSE(links->at(1).copied);
    REQUIRE(ix->remove_label_link("INBOX/1-1.eml"));
    links = ix->label_links();
    REQUIRE(links);
    REQUIRE(links->size() == 1);
    CHECK(links->at(0).path == "Work/1-1.eml");
}
