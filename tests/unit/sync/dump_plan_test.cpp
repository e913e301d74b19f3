// The dump plan: what makes a maildir a view of the archive's folder (adds, renames for
// changed flags, removals of what was expunged), and the target kept apart from the archive.

#include "sync/dump_plan.hpp"

#include <catch2/catch.hpp>
#include <filesystem>

#include "unit/temp_dir.hpp"

using namespace imapmirror;

namespace {

index::LiveMessage message(uint32_t uid, std::string flags) {
    index::LiveMessage m;
    m.uidvalidity = 7;
    m.uid = uid;
    m.flags = std::move(flags);
    m.path = "INBOX/7-" + std::to_string(uid) + ".eml";
    return m;
}

store::MaildirFile file(uint32_t uid, std::string info, bool in_new = false) {
    return {{7, uid}, in_new, "7-" + std::to_string(uid) + ".imapmirror" + info};
}

}  // namespace

TEST_CASE("dump plan: into an empty maildir every live message is added under its flags") {
    auto c = sync::plan_maildir_folder({message(1, "\\Seen"), message(2, "")}, {});
    REQUIRE(c.add.size() == 2);
    CHECK(c.add[0].name == "7-1.imapmirror:2,S");
    CHECK(c.add[1].name == "7-2.imapmirror:2,");
    CHECK(c.rename.empty());
    CHECK(c.remove.empty());
    CHECK(c.unchanged == 0);
}

TEST_CASE("dump plan: a re-dump adds new mail, renames for changed flags, removes the expunged") {
    const std::vector<index::LiveMessage> live = {message(1, "\\Seen"), message(2, "\\Flagged"),
                                                  message(4, "")};
    const std::vector<store::MaildirFile> present = {file(1, ":2,S"), file(2, ":2,"),
                                                     file(3, ":2,S")};
    auto c = sync::plan_maildir_folder(live, present);
    CHECK(c.unchanged == 1);
    REQUIRE(c.rename.size() == 1);
    CHECK(c.rename[0].from.name == "7-2.imapmirror:2,");
    CHECK(c.rename[0].to == "7-2.imapmirror:2,F");
    REQUIRE(c.add.size() == 1);
    CHECK(c.add[0].message.uid == 4u);
    REQUIRE(c.remove.size() == 1);
    CHECK(c.remove[0].key.uid == 3u);
}

TEST_CASE("dump plan: a message in new/ moves to cur/, and a second copy of one is removed") {
    auto c = sync::plan_maildir_folder(
        {message(1, "\\Seen"), message(2, "")},
        {file(1, ":2,", true), file(2, ":2,"), file(2, ":2,S"), file(2, ":2,", true)});
    REQUIRE(c.rename.size() == 1);
    CHECK(c.rename[0].from.in_new);
    CHECK(c.rename[0].to == "7-1.imapmirror:2,S");
    CHECK(c.unchanged == 1);  // 2 already under its name in cur/
    CHECK(c.remove.size() == 2);
    for (const auto& r : c.remove)
        CHECK(r.key.uid == 2u);
    CHECK(c.add.empty());
}

TEST_CASE("dump plan: a dump target inside the archive, or holding it, is refused") {
    test::TempDir dir;
    const std::string archive = dir.path + "/archive";
    std::filesystem::create_directories(archive + "/INBOX");
    std::filesystem::create_directory_symlink(archive, dir.path + "/alias");
    CHECK(sync::check_apart(archive, dir.path + "/dump"));
    for (const std::string& bad :
         {archive, archive + "/", archive + "/dump", archive + "/INBOX/new/deeper",
          dir.path + "/alias/dump", dir.path, archive + "/../archive/x"}) {
        auto apart = sync::check_apart(archive, bad);
        REQUIRE_FALSE(apart);
        CHECK(apart.error().kind == core::ErrorKind::Usage);
        CHECK(apart.error().message.find(bad) != std::string::npos);
    }
    CHECK(sync::check_apart(archive, archive + "-dump"));
}
