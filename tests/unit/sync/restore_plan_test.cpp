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

namespace {

// A Gmail target: All Mail (\All), Spam (\Junk), Trash (\Trash), and its INBOX.
TargetView gmail() {
    TargetView t;
    t.delimiter = '/';
    t.uidplus = true;
    t.gmail = true;
    t.folders = {target_folder("INBOX"), target_folder("[Gmail]/All Mail", "\\All", 3),
                 target_folder("[Gmail]/Spam", "\\Junk"), target_folder("[Gmail]/Trash", "\\Trash"),
                 target_folder("[Gmail]/Sent Mail", "\\Sent")};
    return t;
}

index::RestorableMessage with_sha(index::RestorableMessage m, std::string sha) {
    m.sha256 = std::move(sha);
    return m;
}

// A Gmail archive: All Mail with labelled messages, and Spam.
ArchiveView gmail_archive() {
    ArchiveView a;
    a.folders = {folder(1, "[Gmail]/All Mail", "\\All"), folder(2, "[Gmail]/Spam", "\\Junk"),
                 folder(3, "INBOX"), folder(4, "Work")};  // label folders: no rows of their own
    a.messages = {message(10, 1), message(11, 1), message(12, 1), message(20, 2)};
    a.labels = {
        {"", 10, "\\Inbox"}, {"", 10, "Work"}, {"", 11, "Projekte/Ärger"}, {"", 11, "\\Sent"}};
    return a;
}

}  // namespace

TEST_CASE(
    "restore plan gmail target: each message goes once to All Mail with the labels its folders "
    "give it, Spam by special use and unlabelled",
    "[restore][gmail]") {
    ArchiveView a;
    a.folders = {folder(1, "INBOX"), folder(2, "Work/Q1"), folder(3, "Sent", "\\Sent"),
                 folder(4, "Junk", "\\Junk"), folder(5, "Starred", "\\Flagged")};
    a.messages = {with_sha(message(10, 1), "aa"),
                  with_sha(message(11, 1), "bb"),
                  with_sha(message(20, 2), "aa"),  // the same bytes as 10: one message
                  message(30, 3),
                  message(40, 4),
                  message(50, 5)};
    auto plan = plan_restore(a, gmail(), RestoreOptions{});
    REQUIRE(plan.folders.size() == 5);
    const auto& inbox = plan.folders[0];
    CHECK(inbox.target_raw == "[Gmail]/All Mail");
    CHECK_FALSE(inbox.create);
    REQUIRE(inbox.to_append.size() == 2);
    CHECK(inbox.labels.at(10) == std::vector<std::string>{"Work/Q1", "\\Inbox"});
    CHECK(inbox.labels.at(11) == std::vector<std::string>{"\\Inbox"});
    CHECK(plan.folders[1].to_append.empty());  // 20 is 10: appended once
    CHECK(plan.folders[2].labels.at(30) == std::vector<std::string>{"\\Sent"});
    CHECK(plan.folders[3].target_raw == "[Gmail]/Spam");
    CHECK(plan.folders[3].labels.empty());
    CHECK(plan.folders[4].labels.at(50) == std::vector<std::string>{"\\Starred"});
    CHECK(plan.messages() == 5);
}

TEST_CASE("restore plan gmail target: a Gmail archive's labels are stored as archived",
          "[restore][gmail]") {
    RestoreOptions o;
    o.into = "Old";  // labels of a Gmail archive are kept as they are
    auto plan = plan_restore(gmail_archive(), gmail(), o);
    REQUIRE(plan.folders.size() == 2);
    const auto& all = plan.folders[0];
    CHECK(all.target_raw == "[Gmail]/All Mail");
    CHECK(all.to_append.size() == 3);
    CHECK(all.labels.at(10) == std::vector<std::string>{"Work", "\\Inbox"});
    CHECK(all.labels.at(11) == std::vector<std::string>{"Projekte/Ärger", "\\Sent"});
    CHECK(all.labels.count(12) == 0);
    CHECK(plan.folders[1].target_raw == "Old/[Gmail]/Spam");  // --into: no special use
}

TEST_CASE(
    "restore plan gmail target: killed between APPEND and STORE, the next run stores the "
    "missing labels on the recorded UID and appends nothing",
    "[restore][gmail]") {
    ArchiveView a = gmail_archive();
    a.records = {{"[Gmail]/All Mail", 10, index::RestoreState::Restored, 3, 7, ""},
                 {"[Gmail]/All Mail", 11, index::RestoreState::Restored, 3, 8, ""},
                 {"[Gmail]/All Mail", 12, index::RestoreState::Restored, 3, 9, ""},
                 {"[Gmail]/Spam", 20, index::RestoreState::Restored, 1, 1, ""}};
    a.applied = {{"[Gmail]/All Mail", 10, "\\Inbox"},
                 {"[Gmail]/All Mail", 11, "\\Sent"},
                 {"[Gmail]/All Mail", 11, "Projekte/Ärger"}};
    auto plan = plan_restore(a, gmail(), RestoreOptions{});
    REQUIRE(plan.folders.size() == 2);
    const auto& all = plan.folders[0];
    CHECK(all.to_append.empty());
    CHECK(all.to_check.empty());
    REQUIRE(all.to_label.size() == 1);
    CHECK(all.to_label[0].message_id == 10);
    CHECK(all.to_label[0].uid == 7);
    CHECK(all.labels.at(10) == std::vector<std::string>{"Work"});  // \Inbox was stored
    CHECK(all.already == 2);
    CHECK(plan.folders[1].already == 1);
    CHECK(plan.messages() == 0);

    // Everything stored: a second run has nothing to do.
    a.applied.push_back({"[Gmail]/All Mail", 10, "Work"});
    auto again = plan_restore(a, gmail(), RestoreOptions{});
    CHECK(again.folders[0].to_label.empty());
    CHECK(again.folders[0].already == 3);
}

TEST_CASE(
    "restore plan gmail archive into a plain server: a copy per label, system labels by "
    "special use, unlabelled mail into Archive",
    "[restore][gmail]") {
    auto plan = plan_restore(gmail_archive(), dovecot(), RestoreOptions{});
    std::vector<std::string> got;
    for (const auto& f : plan.folders) {
        std::string ids;
        for (const auto& m : f.to_append)
            ids += " " + std::to_string(m.id);
        got.push_back(f.archive_name + " -> " + f.target_raw + (f.create ? " (new):" : ":") + ids);
    }
    CHECK(got == std::vector<std::string>{
                     "[Gmail]/All Mail (no label) -> Archive (new): 12",
                     "[Gmail]/All Mail (Projekte/Ärger) -> Projekte/&AMQ-rger (new): 11",
                     "[Gmail]/All Mail (Work) -> Work (new): 10",
                     "[Gmail]/All Mail (\\Inbox) -> INBOX: 10",
                     "[Gmail]/All Mail (\\Sent) -> Gesendet: 11",
                     "[Gmail]/Spam -> [Gmail]/Spam (new): 20",
                 });
    // A target with an \Archive folder takes the unlabelled mail there.
    TargetView t = dovecot();
    t.folders.push_back(target_folder("Archiv", "\\Archive"));
    auto archived = plan_restore(gmail_archive(), t, RestoreOptions{});
    CHECK(archived.folders[0].target_raw == "Archiv");
    // --include selects label folders by the folder they become.
    RestoreOptions o;
    o.include = {"*All Mail", "Work"};
    auto only = plan_restore(gmail_archive(), dovecot(), o);
    REQUIRE(only.folders.size() == 1);
    CHECK(only.folders[0].target_raw == "Work");
}

TEST_CASE("restore plan gmail archive --labels-as keywords: one copy, each label a keyword",
          "[restore][gmail]") {
    RestoreOptions o;
    o.labels_as = LabelsAs::Keywords;
    ArchiveView a = gmail_archive();
    a.messages[0].flags = "\\Seen";
    auto plan = plan_restore(a, dovecot(), o);
    REQUIRE(plan.folders.size() == 2);
    const auto& all = plan.folders[0];
    CHECK(all.target_raw == "[Gmail]/All Mail");
    REQUIRE(all.to_append.size() == 3);
    CHECK(all.to_append[0].flags == "\\Seen Work $Inbox");
    CHECK(all.to_append[1].flags == "Projekte/&AMQ-rger $Sent");
    CHECK(all.to_append[2].flags.empty());
}

TEST_CASE("restore plan: a Gmail label as a keyword is a valid atom", "[restore][gmail]") {
    CHECK(label_keyword("\\Important") == "$Important");
    CHECK(label_keyword("Projekte/Ärger") == "Projekte/&AMQ-rger");
    CHECK(label_keyword("My (big) \"list\" 100%*]") == "My__big___list__100___");
    CHECK(label_keyword("a\\b") == "a_b");
    CHECK(label_keyword("") == "_");
}

TEST_CASE("restore plan: with UTF8=ACCEPT enabled names are sent as UTF-8", "[restore]") {
    TargetView t = dovecot();
    t.utf8 = true;
    RestoreOptions o;
    CHECK(name_of(folder(1, "Archiv/2024/Entwürfe"), t, o) ==
          "Archiv/2024/Entwürfe | Archiv/2024/Entwürfe");
    CHECK(name_of(folder(1, "A & B"), t, o) == "A & B | A & B");
    t.utf8 = false;
    CHECK(name_of(folder(1, "A & B"), t, o) == "A & B | A &- B");
}

TEST_CASE(
    "restore plan: a message restored under the folder's modified UTF-7 name is not sent again "
    "once the target takes UTF-8 names",
    "[restore]") {
    TargetView t = dovecot();
    t.utf8 = true;
    t.folders.push_back(target_folder("Entwürfe"));
    ArchiveView a;
    a.folders = {folder(1, "Entwürfe")};
    a.messages = {message(10, 1), message(11, 1)};
    a.records = {{"Entw&APw-rfe", 10, index::RestoreState::Restored, 1, 5, ""}};
    auto plan = plan_restore(a, t, RestoreOptions{});
    REQUIRE(plan.folders.size() == 1);
    CHECK(plan.folders[0].target_raw == "Entwürfe");
    CHECK_FALSE(plan.folders[0].create);
    CHECK(plan.folders[0].already == 1);
    REQUIRE(plan.folders[0].to_append.size() == 1);
    CHECK(plan.folders[0].to_append[0].id == 11);
}

TEST_CASE(
    "restore plan: each folder takes the smaller of the server's APPENDLIMIT and its own, and a "
    "new folder the server's",
    "[restore]") {
    TargetView t = dovecot();
    t.append_limit = 1000;
    t.folders[0].append_limit = 500;  // INBOX
    t.folders.push_back(target_folder("Big"));
    t.folders.back().append_limit = 5000;
    ArchiveView a;
    a.folders = {folder(1, "INBOX"), folder(2, "Big"), folder(3, "New")};
    a.messages = {message(10, 1), message(20, 2), message(30, 3)};
    auto plan = plan_restore(a, t, RestoreOptions{});
    REQUIRE(plan.folders.size() == 3);
    CHECK(plan.folders[0].append_limit == 500u);
    CHECK(plan.folders[1].append_limit == 1000u);
    CHECK(plan.folders[2].append_limit == 1000u);
    t.append_limit.reset();  // per-folder limits only ("APPENDLIMIT" without a number)
    plan = plan_restore(a, t, RestoreOptions{});
    CHECK(plan.folders[0].append_limit == 500u);
    CHECK(plan.folders[1].append_limit == 5000u);
    CHECK_FALSE(plan.folders[2].append_limit);
}

TEST_CASE("restore --folder-map: OLD=NEW pairs, split at the first '=', neither side empty",
          "[sync][restore]") {
    auto map = sync::parse_folder_map({"Old=New", "A/B=C=D"});
    REQUIRE(map);
    CHECK(*map == std::vector<std::pair<std::string, std::string>>{{"Old", "New"}, {"A/B", "C=D"}});
    CHECK(sync::parse_folder_map({})->empty());
    for (const char* bad : {"Old", "=New", "Old="}) {
        auto refused = sync::parse_folder_map({"X=Y", bad});
        REQUIRE_FALSE(refused);
        CHECK(refused.error().kind == core::ErrorKind::Usage);
        CHECK(refused.error().message == std::string("--folder-map '") + bad + "' is not OLD=NEW");
    }
}
