// restore's planner, as data: target folder names (delimiter, modified UTF-7, special use,
// --folder-map, --into, Courier's namespace), and which messages are sent, looked for first,
// or already there.

#include <catch2/catch.hpp>

#include "sync/restore_plan.hpp"

using namespace imapmirror;
using namespace imapmirror::sync;

namespace {

index::FolderRecord folder(int64_t id, std::string name, std::string special_use = "",
                           char delimiter = '/') {
    index::FolderRecord f;
    f.id = id;
    f.name = std::move(name);
    f.raw_name = f.name;
    f.delimiter = delimiter;
    f.special_use = std::move(special_use);
    return f;
}

index::RestorableMessage message(int64_t id, int64_t folder_id, uint64_t size = 100) {
    index::RestorableMessage m;
    m.id = id;
    m.folder_id = folder_id;
    m.size = size;
    m.path = "f/" + std::to_string(id) + ".eml";
    m.message_id = "<" + std::to_string(id) + "@x>";
    return m;
}

TargetFolder target_folder(std::string name, std::string special_use = "",
                           std::optional<uint32_t> uidvalidity = 1, char delimiter = '/') {
    TargetFolder t;
    t.name = name;
    t.raw_name = name;
    t.delimiter = delimiter;
    t.special_use = std::move(special_use);
    t.uidvalidity = uidvalidity;
    return t;
}

TargetView dovecot() {
    TargetView t;
    t.delimiter = '/';
    t.uidplus = true;
    t.folders = {target_folder("INBOX"), target_folder("Gesendet", "\\Sent")};
    return t;
}

std::string name_of(const index::FolderRecord& f, const TargetView& t, const RestoreOptions& o) {
    auto n = target_folder_name(f, t, o);
    REQUIRE(n);
    return n->first + " | " + n->second;
}

}  // namespace

TEST_CASE("restore plan: names take the target's delimiter and modified UTF-7", "[restore]") {
    TargetView t = dovecot();
    t.delimiter = '.';
    RestoreOptions o;
    CHECK(name_of(folder(1, "Archiv/2024/Entwürfe"), t, o) ==
          "Archiv.2024.Entwürfe | "
          "Archiv.2024.Entw&APw-rfe");
    CHECK(name_of(folder(1, "inbox/Sub"), t, o) == "INBOX.Sub | INBOX.Sub");
}

TEST_CASE("restore plan: a special-use folder goes to the target's folder of that use",
          "[restore]") {
    RestoreOptions o;
    CHECK(name_of(folder(1, "Sent Items", "\\Sent"), dovecot(), o) == "Gesendet | Gesendet");
    // No such folder on the target: the archive's name.
    CHECK(name_of(folder(1, "Trash", "\\Trash"), dovecot(), o) == "Trash | Trash");
    o.into = "Old";
    CHECK(name_of(folder(1, "Sent Items", "\\Sent"), dovecot(), o) ==
          "Old/Sent Items | "
          "Old/Sent Items");
}

TEST_CASE("restore plan: --folder-map takes the longest OLD and keeps what is below it",
          "[restore]") {
    RestoreOptions o;
    o.folder_map = {{"Work", "Job"}, {"Work/Old", "Attic/Work"}};
    CHECK(name_of(folder(1, "Work"), dovecot(), o) == "Job | Job");
    CHECK(name_of(folder(1, "Work/Q1"), dovecot(), o) == "Job/Q1 | Job/Q1");
    CHECK(name_of(folder(1, "Work/Old/2019"), dovecot(), o) ==
          "Attic/Work/2019 | "
          "Attic/Work/2019");
    CHECK(name_of(folder(1, "Workshop"), dovecot(), o) == "Workshop | Workshop");
}

TEST_CASE("restore plan: --into puts every folder below the prefix", "[restore]") {
    RestoreOptions o;
    o.into = "Restored/2024";
    CHECK(name_of(folder(1, "INBOX"), dovecot(), o) ==
          "Restored/2024/INBOX | "
          "Restored/2024/INBOX");
    CHECK(name_of(folder(1, "A/B"), dovecot(), o) == "Restored/2024/A/B | Restored/2024/A/B");
}

TEST_CASE("restore plan: Courier's personal namespace prefix is added below INBOX", "[restore]") {
    TargetView t = dovecot();
    t.delimiter = '.';
    t.personal_prefix = "INBOX.";
    RestoreOptions o;
    CHECK(name_of(folder(1, "INBOX"), t, o) == "INBOX | INBOX");
    CHECK(name_of(folder(1, "Archive/2024"), t, o) == "INBOX.Archive.2024 | INBOX.Archive.2024");
    CHECK(name_of(folder(1, "INBOX/Sub"), t, o) == "INBOX.Sub | INBOX.Sub");
}

TEST_CASE("restore plan: a name holding the target's delimiter is a folder error", "[restore]") {
    TargetView t = dovecot();
    t.delimiter = '.';
    RestoreOptions o;
    auto n = target_folder_name(folder(1, "v1.2/notes"), t, o);
    REQUIRE_FALSE(n);
    CHECK(n.error().scope == core::Scope::Folder);
    CHECK(n.error().hint.find("--folder-map") != std::string::npos);
}

TEST_CASE("restore plan: restored messages are skipped, interrupted ones looked for first",
          "[restore]") {
    ArchiveView a;
    a.folders = {folder(1, "INBOX"), folder(2, "New/Deep")};
    a.messages = {message(10, 1), message(11, 1), message(12, 1), message(13, 1),
                  message(20, 2, 55)};
    index::RestoreRecord done{"INBOX", 10, index::RestoreState::Restored, 1, 5, ""};
    index::RestoreRecord pending{"INBOX", 11, index::RestoreState::Appending, {}, {}, ""};
    index::RestoreRecord refused{"INBOX", 12, index::RestoreState::Refused, {}, {}, "NO"};
    a.records = {done, pending, refused};
    RestoreOptions o;
    auto plan = plan_restore(a, dovecot(), o);
    REQUIRE(plan.folders.size() == 2);
    const auto& inbox = plan.folders[0];
    CHECK_FALSE(inbox.create);
    CHECK(inbox.already == 1);
    REQUIRE(inbox.to_check.size() == 1);
    CHECK(inbox.to_check[0].id == 11);
    REQUIRE(inbox.to_append.size() == 2);
    CHECK(inbox.to_append[0].id == 12);
    CHECK(inbox.to_append[1].id == 13);
    CHECK(inbox.bytes == 300);
    const auto& deep = plan.folders[1];
    CHECK(deep.create);
    CHECK(deep.target_raw == "New/Deep");
    CHECK(deep.to_append.size() == 1);
    CHECK(plan.messages() == 4);
    CHECK(plan.bytes() == 355);
}

TEST_CASE("restore plan: a changed UIDVALIDITY on the target means look again", "[restore]") {
    ArchiveView a;
    a.folders = {folder(1, "INBOX")};
    a.messages = {message(10, 1)};
    a.records = {{"INBOX", 10, index::RestoreState::Restored, 99, 5, ""}};
    auto plan = plan_restore(a, dovecot(), RestoreOptions{});
    REQUIRE(plan.folders.size() == 1);
    CHECK(plan.folders[0].already == 0);
    CHECK(plan.folders[0].to_check.size() == 1);
}

TEST_CASE("restore plan: without UIDPLUS every message of an existing folder is looked for",
          "[restore]") {
    ArchiveView a;
    a.folders = {folder(1, "INBOX"), folder(2, "Fresh")};
    a.messages = {message(10, 1), message(20, 2)};
    TargetView t = dovecot();
    t.uidplus = false;
    auto plan = plan_restore(a, t, RestoreOptions{});
    REQUIRE(plan.folders.size() == 2);
    CHECK(plan.folders[0].to_check.size() == 1);
    CHECK(plan.folders[1].to_check.empty());  // a folder to create holds nothing yet
    CHECK(plan.folders[1].to_append.size() == 1);
}

TEST_CASE("restore plan: include and exclude select archived folders as export does", "[restore]") {
    ArchiveView a;
    a.folders = {folder(1, "INBOX"), folder(2, "Spam"), folder(3, "Empty")};
    a.messages = {message(10, 1), message(20, 2)};
    RestoreOptions o;
    o.exclude = {"Spam", "Nope"};
    auto plan = plan_restore(a, dovecot(), o);
    REQUIRE(plan.folders.size() == 1);  // Empty has nothing to restore
    CHECK(plan.folders[0].archive_name == "INBOX");
    REQUIRE(plan.unmatched.size() == 1);
    CHECK(plan.unmatched[0].pattern == "Nope");
}
