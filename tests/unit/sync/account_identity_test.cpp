// Whose archive it is (schema/009): the decision an export makes before it connects, and the
// row it keeps.

#include <catch2/catch.hpp>

#include "index/account_identity.hpp"
#include "index/archive_index.hpp"
#include "sync/identity_decision.hpp"
#include "unit/index/temp_index.hpp"

using namespace imapmirror;
using index::AccountIdentity;
using sync::IdentityChange;

namespace {
const AccountIdentity kAlice{"imap.example.org", 993, "alice@example.org", "work"};
}

TEST_CASE("identity: another host, port or user is refused with one line naming both",
          "[sync][identity]") {
    for (const auto& other : {AccountIdentity{"imap.other.net", 993, "alice@example.org", ""},
                              AccountIdentity{"imap.example.org", 143, "alice@example.org", ""},
                              AccountIdentity{"imap.example.org", 993, "bob@example.org", ""}}) {
        auto d = sync::decide_identity(kAlice, other, false, true, "/srv/mail");
        REQUIRE_FALSE(d);
        CHECK(d.error().kind == core::ErrorKind::Usage);
        const std::string line = d.error().describe();
        CHECK(line.find("/srv/mail is the archive of alice@example.org@imap.example.org:993 "
                        "(account work), not of " +
                        index::describe(other)) != std::string::npos);
        CHECK(line.find("--repoint-archive") != std::string::npos);
        CHECK(line.find('\n') == std::string::npos);
        auto moved = sync::decide_identity(kAlice, other, true, true, "/srv/mail");
        REQUIRE(moved);
        CHECK(*moved == IdentityChange::Repointed);
    }
}

TEST_CASE("identity: the same account in other case, or under another config name, is the same",
          "[sync][identity]") {
    auto d = sync::decide_identity(
        kAlice, AccountIdentity{"IMAP.Example.org", 993, "Alice@Example.org", "renamed"}, false,
        true, "/a");
    REQUIRE(d);
    CHECK(*d == IdentityChange::None);
}

TEST_CASE("identity: a new archive records its account, one made before schema 9 adopts it",
          "[sync][identity]") {
    auto fresh = sync::decide_identity(std::nullopt, kAlice, false, false, "/a");
    REQUIRE(fresh);
    CHECK(*fresh == IdentityChange::Recorded);
    auto old = sync::decide_identity(std::nullopt, kAlice, false, true, "/a");
    REQUIRE(old);
    CHECK(*old == IdentityChange::Adopted);
}

TEST_CASE("identity: the index keeps one account, replaced as a whole, and has none at first",
          "[index][identity]") {
    test::TempIndex t;
    auto ix = index::ArchiveIndex::open(t.path());
    REQUIRE(ix);
    auto none = index::read_account_identity(ix->db());
    REQUIRE(none);
    CHECK_FALSE(*none);
    REQUIRE(index::write_account_identity(ix->db(), kAlice));
    REQUIRE(index::write_account_identity(
        ix->db(), AccountIdentity{"imap.new.org", 143, "alice@example.org", ""}));
    auto read = index::read_account_identity(t.path());
    REQUIRE(read);
    REQUIRE(*read);
    CHECK((*read)->host == "imap.new.org");
    CHECK((*read)->port == 143);
    CHECK((*read)->account.empty());
}

TEST_CASE("identity: an index from before schema 9 reads as no account, read-only",
          "[index][identity]") {
    test::TempIndex t;
    {
        auto ix = index::ArchiveIndex::open(t.path());
        REQUIRE(ix);
        REQUIRE(ix->db().exec("DROP TABLE account_identity; PRAGMA user_version = 8"));
    }
    auto read = index::read_account_identity(t.path());
    REQUIRE(read);
    CHECK_FALSE(*read);
}
