#include <catch2/catch.hpp>

#include "index/archive_index.hpp"
#include "index/archive_search.hpp"
#include "temp_index.hpp"

using namespace imapmirror;
using namespace imapmirror::index;
using imapmirror::test::TempIndex;

namespace {

struct Archive {
    TempIndex t;
    ArchiveIndex ix = open();
    int64_t inbox = folder("INBOX");

    ArchiveIndex open() {
        auto r = ArchiveIndex::open(t.path());
        REQUIRE(r);
        return std::move(*r);
    }
    int64_t folder(const std::string& name) {
        FolderRecord f;
        f.name = f.raw_name = f.path = name;
        auto id = ix.upsert_folder(f);
        REQUIRE(id);
        return *id;
    }
};

MessageRecord message(int64_t folder, uint32_t uid, const std::string& subject,
                      std::optional<BodyRecord> body) {
    MessageRecord m;
    m.folder_id = folder;
    m.uidvalidity = 1;
    m.uid = uid;
    m.path = "INBOX/1-" + std::to_string(uid) + ".eml";
    m.sha256 = "aa";
    m.size = 10;
    m.flags = "\\Seen";
    m.headers.subject = subject;
    m.headers.from = "Alice <alice@example.org>";
    m.headers.to = "Bob <bob@example.org>";
    m.headers.date = "2024-01-0" + std::to_string(uid) + "T10:00:00Z";
    m.body = std::move(body);
    return m;
}

std::vector<int64_t> ids(const std::string& index_path, SearchQuery q) {
    auto s = ArchiveSearch::open(index_path);
    REQUIRE(s);
    auto hits = s->search(q);
    REQUIRE(hits);
    std::vector<int64_t> out;
    for (const auto& h : *hits)
        out.push_back(h.id);
    return out;
}

SearchQuery words(const std::string& match) {
    SearchQuery q;
    q.match = match;
    return q;
}

int64_t scalar(Database& db, const std::string& sql) {
    auto st = db.prepare(sql);
    REQUIRE(st);
    auto row = st->step();
    REQUIRE(row);
    REQUIRE(*row);
    return st->column_int(0);
}

}  // namespace

TEST_CASE("fts: a message is found by words of its body, subject and attachment names", "[index]") {
    Archive a;
    auto m =
        message(a.inbox, 1, "Quarterly numbers", BodyRecord{"plain", "see the aardvark", false});
    m.attachments.push_back(
        AttachmentRecord{"2", "Budget-Plan.xlsx", "application/x", "p", "s", 1});
    REQUIRE(a.ix.insert_messages(
        {m, message(a.inbox, 2, "Other", BodyRecord{"html", "zebra", false})}));
    CHECK(ids(a.t.path(), words("aardvark")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), words("quarterly")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), words("budget")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), words("zebra")) == std::vector<int64_t>{2});
    CHECK(ids(a.t.path(), words("alice")) == std::vector<int64_t>{2, 1});  // newest first
    CHECK(a.ix.db().exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"));
}

TEST_CASE("fts: a message inserted twice is indexed once", "[index]") {
    Archive a;
    auto m = message(a.inbox, 1, "Once", BodyRecord{"plain", "walrus", false});
    REQUIRE(a.ix.insert_messages({m}));
    REQUIRE(a.ix.insert_messages({m}));
    CHECK(ids(a.t.path(), words("walrus")).size() == 1);
    CHECK(a.ix.db().exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"));
}

TEST_CASE("fts: bodies stored later by reindex become searchable, once", "[index]") {
    Archive a;
    REQUIRE(a.ix.insert_messages({message(a.inbox, 1, "No body yet", std::nullopt)}));
    CHECK(ids(a.t.path(), words("pangolin")).empty());
    CHECK(ids(a.t.path(), words("yet")) == std::vector<int64_t>{1});
    auto unread = a.ix.messages_without_body(0, 10);
    REQUIRE(unread);
    REQUIRE(unread->size() == 1);
    CHECK(unread->front().path == "INBOX/1-1.eml");
    REQUIRE(a.ix.store_bodies({{1, BodyRecord{"plain", "a pangolin", false}}}));
    REQUIRE(a.ix.store_bodies({{1, BodyRecord{"plain", "a different text", false}}}));
    CHECK(ids(a.t.path(), words("pangolin")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), words("different")).empty());
    auto left = a.ix.count_without_body();
    REQUIRE(left);
    CHECK(*left == 0);
    CHECK(a.ix.db().exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"));
    REQUIRE(a.ix.forget_bodies());
    CHECK(ids(a.t.path(), words("pangolin")).empty());
    CHECK(ids(a.t.path(), words("yet")) == std::vector<int64_t>{1});
}

TEST_CASE("fts: a message row removed from the index leaves no entry behind", "[index]") {
    Archive a;
    REQUIRE(
        a.ix.insert_messages({message(a.inbox, 1, "Gone", BodyRecord{"plain", "okapi", false})}));
    REQUIRE(a.ix.db().exec("DELETE FROM messages WHERE id = 1"));
    CHECK(ids(a.t.path(), words("okapi")).empty());
    CHECK(scalar(a.ix.db(), "SELECT COUNT(*) FROM bodies") == 0);
    CHECK(a.ix.db().exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"));
}

TEST_CASE("search: filters by sender, recipient, folder, dates, attachments and unread",
          "[index]") {
    Archive a;
    const int64_t other = a.folder("Archive/2024");
    auto m1 = message(a.inbox, 1, "tapir one", std::nullopt);
    auto m2 = message(other, 2, "tapir two", std::nullopt);
    m2.path = "Archive/2024/1-2.eml";
    m2.headers.from = "Carol <carol@example.org>";
    m2.headers.cc = "Dave <dave@example.org>";
    m2.flags = "";
    m2.attachments.push_back(AttachmentRecord{"2", "x.pdf", "application/pdf", "p", "s", 1});
    REQUIRE(a.ix.insert_messages({m1, m2}));
    auto q = words("tapir");
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{2, 1});
    q.from = "CAROL";
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{2});
    q = words("tapir");
    q.to = "dave";
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{2});
    q = words("tapir");
    q.folder = "INBOX";
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{1});
    q = words("tapir");
    q.after = "2024-01-02";
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{2});
    q = words("tapir");
    q.before = "2024-01-02";
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{1});
    q = words("tapir");
    q.has_attachment = true;
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{2});
    q = words("tapir");
    q.unread = true;
    CHECK(ids(a.t.path(), q) == std::vector<int64_t>{2});
    q = words("tapir");
    q.from = "%";  // taken literally, not as a LIKE wildcard
    CHECK(ids(a.t.path(), q).empty());
    q = words("tapir");
    q.limit = 1;
    CHECK(ids(a.t.path(), q).size() == 1);
}

TEST_CASE("search: a query FTS5 cannot read is a usage error", "[index]") {
    Archive a;
    REQUIRE(a.ix.insert_messages({message(a.inbox, 1, "x", std::nullopt)}));
    auto s = ArchiveSearch::open(a.t.path());
    REQUIRE(s);
    for (const char* bad : {"\"unclosed", "nosuchcolumn:word", "AND"}) {
        INFO(bad);
        auto r = s->search(words(bad));
        REQUIRE_FALSE(r);
        CHECK(r.error().kind == core::ErrorKind::Usage);
    }
}

TEST_CASE("search: the snippet marks the matched word", "[index]") {
    Archive a;
    REQUIRE(a.ix.insert_messages(
        {message(a.inbox, 1, "s", BodyRecord{"plain", "the lazy capybara sleeps", false})}));
    auto s = ArchiveSearch::open(a.t.path());
    REQUIRE(s);
    auto q = words("capybara");
    q.mark_open = "[";
    q.mark_close = "]";
    auto hits = s->search(q);
    REQUIRE(hits);
    REQUIRE(hits->size() == 1);
    CHECK(hits->front().snippet == "the lazy [capybara] sleeps");
}
