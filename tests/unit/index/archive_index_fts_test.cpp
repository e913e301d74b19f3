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
    if (!hits)
        FAIL(hits.error().message);
    std::vector<int64_t> out;
    for (const auto& h : hits->hits)
        out.push_back(h.id);
    return out;
}

SearchQuery typed(const std::string& text) {
    SearchQuery q;
    auto r = parse_search_query(text, QueryZone::Utc, q);
    INFO(text);
    REQUIRE(r);
    return q;
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

TEST_CASE(
    "search: typed prefixes filter by sender, recipient, folder, dates, attachments "
    "and flags",
    "[index][search]") {
    Archive a;
    const int64_t other = a.folder("Archive/2024");
    auto m1 = message(a.inbox, 1, "tapir one", std::nullopt);
    m1.flags = "\\Seen \\Flagged";
    auto m2 = message(other, 2, "tapir two", std::nullopt);
    m2.path = "Archive/2024/1-2.eml";
    m2.headers.from = "Carol Müller <carol@example.org>";
    m2.headers.cc = "Dave <dave@example.org>";
    m2.flags = "";
    m2.attachments.push_back(AttachmentRecord{"2", "x.pdf", "application/pdf", "p", "s", 1});
    REQUIRE(a.ix.insert_messages({m1, m2}));
    const auto p = a.t.path();
    CHECK(ids(p, typed("tapir")) == std::vector<int64_t>{2, 1});
    CHECK(ids(p, typed("tapir from:CAROL")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("tapir from:car")) == std::vector<int64_t>{2});  // a word's beginning
    CHECK(ids(p, typed("from:muller")) == std::vector<int64_t>{2});     // accents fold
    CHECK(ids(p, typed("tapir to:dave")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("cc:dave@example.org")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("tapir folder:inbox")) == std::vector<int64_t>{1});
    CHECK(ids(p, typed("folder:archive/2024")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("tapir after:2024-01-02")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("tapir before:2024/01/02")) == std::vector<int64_t>{1});
    CHECK(ids(p, typed("has:attachment")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("filename:x.pdf")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("is:unread")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("is:read")) == std::vector<int64_t>{1});
    CHECK(ids(p, typed("is:flagged")) == std::vector<int64_t>{1});
    CHECK(ids(p, typed("subject:two OR subject:one")) == std::vector<int64_t>{2, 1});
    CHECK(ids(p, typed("tapir NOT from:carol")) == std::vector<int64_t>{1});
    auto q = typed("tapir");
    q.limit = 1;
    CHECK(ids(p, q).size() == 1);
}

TEST_CASE("search: a Japanese or Chinese word inside a longer run is found", "[index][search]") {
    Archive a;
    auto jp = message(a.inbox, 1, "会議の件", BodyRecord{"plain", "東京都に行きます", false});
    auto zh = message(a.inbox, 2, "报告", BodyRecord{"plain", "我们明天在北京开会", false});
    REQUIRE(a.ix.insert_messages({jp, zh, message(a.inbox, 3, "other", std::nullopt)}));
    const auto p = a.t.path();
    CHECK(ids(p, typed("東京")) == std::vector<int64_t>{1});
    CHECK(ids(p, typed("行きます")) == std::vector<int64_t>{1});
    CHECK(ids(p, typed("会議")) == std::vector<int64_t>{1});  // in the subject
    CHECK(ids(p, typed("北京")) == std::vector<int64_t>{2});
    CHECK(ids(p, typed("北京 東京")).empty());
    CHECK(ids(p, typed("京都")) == std::vector<int64_t>{1});
    CHECK(ids(p, typed("明天 from:alice")) == std::vector<int64_t>{2});
    // Bodies stored later (reindex) bring their pairs; forgetting bodies takes them.
    REQUIRE(a.ix.store_bodies({{3, BodyRecord{"plain", "大阪で会いましょう", false}}}));
    CHECK(ids(p, typed("大阪")) == std::vector<int64_t>{3});
    REQUIRE(a.ix.forget_bodies());
    CHECK(ids(p, typed("大阪")).empty());
}

TEST_CASE("search: C++ finds the messages that write C++, not every single letter c",
          "[index][search]") {
    Archive a;
    REQUIRE(a.ix.insert_messages(
        {message(a.inbox, 1, "compilers", BodyRecord{"plain", "we write c++ and rust", false}),
         message(a.inbox, 2, "Plan C", BodyRecord{"plain", "option c, then b", false}),
         message(a.inbox, 3, "C++ meetup", BodyRecord{"plain", "see you", false})}));
    CHECK(ids(a.t.path(), typed("C++")) == std::vector<int64_t>{3, 1});
    CHECK(ids(a.t.path(), typed("c++ rust")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), typed("c")) == std::vector<int64_t>{3, 2, 1});
}

TEST_CASE("search: an English word finds its other forms, as notmuch and Gmail do",
          "[index][search]") {
    Archive a;
    REQUIRE(a.ix.insert_messages(
        {message(a.inbox, 1, "testing the connections", BodyRecord{"plain", "b1", false}),
         message(a.inbox, 2, "one test", BodyRecord{"plain", "messages were tested", false}),
         message(a.inbox, 3, "unrelated", BodyRecord{"plain", "testament", false})}));
    CHECK(ids(a.t.path(), typed("test")) == std::vector<int64_t>{2, 1});
    CHECK(ids(a.t.path(), typed("connection")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), typed("message")) == std::vector<int64_t>{2});
    // A prefix still matches a word's beginning.
    CHECK(ids(a.t.path(), typed("testa*")) == std::vector<int64_t>{3});
}

TEST_CASE("search: after the full-text index is merged, every message is found as before",
          "[index][search]") {
    Archive a;
    for (uint32_t uid = 1; uid <= 3; ++uid)
        REQUIRE(a.ix.insert_messages(
            {message(a.inbox, uid, "batch" + std::to_string(uid),
                     BodyRecord{"plain", "shared words of batch " + std::to_string(uid), false})}));
    REQUIRE(a.ix.merge_search_index());
    CHECK(ids(a.t.path(), typed("shared")) == std::vector<int64_t>{3, 2, 1});
    CHECK(ids(a.t.path(), typed("batch2")) == std::vector<int64_t>{2});
}

TEST_CASE("search: filters alone list every message that passes them", "[index][search]") {
    Archive a;
    REQUIRE(a.ix.insert_messages({message(a.inbox, 1, "one", BodyRecord{"plain", "b1", false}),
                                  message(a.inbox, 2, "two", std::nullopt)}));
    CHECK(ids(a.t.path(), typed("")) == std::vector<int64_t>{2, 1});
    CHECK(ids(a.t.path(), typed("before:2024-01-02")) == std::vector<int64_t>{1});
}

TEST_CASE("search: the total counts every hit beyond the limit", "[index][search]") {
    Archive a;
    std::vector<MessageRecord> ms;
    for (int uid = 1; uid <= 5; ++uid)
        ms.push_back(message(a.inbox, uid, "okra", std::nullopt));
    REQUIRE(a.ix.insert_messages(ms));
    auto s = ArchiveSearch::open(a.t.path());
    REQUIRE(s);
    for (const char* text : {"okra", "", "folder:INBOX", "okra folder:INBOX"}) {
        INFO(text);
        auto q = typed(text);
        q.limit = 2;
        auto r = s->search(q);
        REQUIRE(r);
        CHECK(r->hits.size() == 2);
        CHECK(r->total == 5);
        // By relevance the total is counted apart (bm25 and a window do not mix).
        q.by_relevance = true;
        auto ranked = s->search(q);
        REQUIRE(ranked);
        CHECK(ranked->total == 5);
    }
    auto none = s->search(typed("okra nosuchword"));
    REQUIRE(none);
    CHECK(none->total == 0);
}

TEST_CASE("search: bm25 is computed only when sorting by relevance", "[index][search]") {
    Archive a;
    REQUIRE(a.ix.insert_messages(
        {message(a.inbox, 1, "quokka", BodyRecord{"plain", "quokka quokka", false}),
         message(a.inbox, 2, "quokka", std::nullopt)}));
    auto s = ArchiveSearch::open(a.t.path());
    REQUIRE(s);
    auto by_date = s->search(typed("quokka"));
    REQUIRE(by_date);
    for (const auto& h : by_date->hits)
        CHECK(h.rank == 0);
    auto q = typed("quokka");
    q.by_relevance = true;
    auto by_rank = s->search(q);
    REQUIRE(by_rank);
    REQUIRE(by_rank->hits.size() == 2);
    CHECK(by_rank->hits[0].id == 1);
    CHECK(by_rank->hits[0].rank < 0);
}

TEST_CASE("search: label: on an archive where no message has the label finds nothing",
          "[index][search]") {
    Archive a;
    REQUIRE(a.ix.insert_messages({message(a.inbox, 1, "x", std::nullopt)}));
    auto s = ArchiveSearch::open(a.t.path());
    REQUIRE(s);
    auto r = s->search(typed("label:work"));
    // Schema 007 made the tables: the query runs and finds nothing.
    REQUIRE(r);
    CHECK(r->hits.empty());
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
    REQUIRE(hits->hits.size() == 1);
    CHECK(hits->hits.front().snippet == "the lazy [capybara] sleeps");
}

TEST_CASE(
    "attachment text: a word only in an attachment finds its message and names the "
    "attachment",
    "[index][search]") {
    Archive a;
    auto m = message(a.inbox, 1, "Two files", BodyRecord{"plain", "see attached", false});
    m.attachments.push_back(AttachmentRecord{"2", "invoice.pdf", "application/pdf", "p", "s", 1});
    m.attachments.push_back(AttachmentRecord{"3", "notes.txt", "text/plain", "q", "t", 1});
    REQUIRE(a.ix.insert_messages({m, message(a.inbox, 2, "Other", std::nullopt)}));
    auto unread = a.ix.messages_without_attachment_text(0, 10);
    REQUIRE(unread);
    REQUIRE(unread->size() == 1);
    REQUIRE(unread->front().attachments.size() == 2);
    const int64_t pdf = unread->front().attachments[0].id, txt = unread->front().attachments[1].id;
    REQUIRE(a.ix.store_attachment_texts(
        {{1,
          {AttachmentTextRecord{pdf, "ok", "the capybara invoice", false},
           AttachmentTextRecord{txt, "ok", "a note on capybara and okapi", false}}}}));
    // Stored once: a second store of the same attachment changes nothing.
    REQUIRE(a.ix.store_attachment_texts({{1, {AttachmentTextRecord{pdf, "ok", "other", false}}}}));
    CHECK(*a.ix.count_without_attachment_text() == 0);

    auto s = ArchiveSearch::open(a.t.path());
    REQUIRE(s);
    auto hits = s->search(typed("okapi"));
    REQUIRE(hits);
    REQUIRE(hits->hits.size() == 1);
    CHECK(hits->hits[0].matched_attachments == std::vector<std::string>{"notes.txt"});
    hits = s->search(typed("capybara"));
    REQUIRE(hits);
    REQUIRE(hits->hits.size() == 1);
    CHECK(hits->hits[0].matched_attachments ==
          std::vector<std::string>{"invoice.pdf", "notes.txt"});
    // A header word with an attachment word: one document.
    CHECK(ids(a.t.path(), typed("from:alice okapi")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), typed("attachment_text:okapi")) == std::vector<int64_t>{1});
    CHECK(ids(a.t.path(), words("other")) == std::vector<int64_t>{2});
    CHECK(a.ix.db().exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"));
    CHECK(
        a.ix.db().exec("INSERT INTO attachments_fts (attachments_fts) VALUES "
                       "('integrity-check')"));

    auto shown = s->by_id(1);
    REQUIRE(shown);
    REQUIRE(*shown);
    CHECK((*shown)->attachments[0].text_status == "ok");
    CHECK((*shown)->attachments[0].text_bytes == 20);

    // Removing the message takes its attachment text and both entries with it.
    REQUIRE(a.ix.db().exec("DELETE FROM messages WHERE id = 1"));
    CHECK(scalar(a.ix.db(), "SELECT COUNT(*) FROM attachment_texts") == 0);
    CHECK(ids(a.t.path(), words("okapi")).empty());
    CHECK(a.ix.db().exec("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')"));
    CHECK(
        a.ix.db().exec("INSERT INTO attachments_fts (attachments_fts) VALUES "
                       "('integrity-check')"));
}

TEST_CASE("attachment text: the words an attachment is searched for leave out other columns",
          "[index][search]") {
    CHECK(attachment_terms("\"okapi\" \"zebra\"*") == "\"okapi\" OR \"zebra\"*");
    CHECK(attachment_terms("from_addr:\"alice\"* \"okapi\"") == "\"okapi\"");
    CHECK(attachment_terms("{to_addrs cc_addrs}:\"bob\"* AND \"a \"\"q\"\"\"") ==
          "\"a \"\"q\"\"\"");
    CHECK(attachment_terms("attachment_text:\"okapi\"") == "\"okapi\"");
    CHECK(attachment_terms("subject:\"x\"").empty());
}

TEST_CASE("search: a date range and the newest-first order read the date index, not every row",
          "[index]") {
    // The expressions as archive_search.cpp writes them (kAfter, kBefore, kByDate).
    Archive a;
    auto plan = a.ix.db().prepare(
        "EXPLAIN QUERY PLAN SELECT m.id FROM messages m WHERE COALESCE(m.date, m.internal_date) "
        ">= ?1 AND COALESCE(m.date, m.internal_date) < ?2 ORDER BY COALESCE(m.date, "
        "m.internal_date) DESC, m.id DESC LIMIT 50");
    REQUIRE(plan);
    std::string details;
    for (;;) {
        auto row = plan->step();
        REQUIRE(row);
        if (!*row)
            break;
        details += plan->column_text(3) + "\n";
    }
    INFO(details);
    CHECK(details.find("messages_date_order") != std::string::npos);
    CHECK(details.find("TEMP B-TREE") == std::string::npos);  // no sort of every hit
}

TEST_CASE("show: a message named by its id, or by its path in the archive, under DIR or after ./",
          "[index]") {
    Archive a;
    REQUIRE(a.ix.insert_messages(
        {message(a.inbox, 1, "First", std::nullopt), message(a.inbox, 2, "Second", std::nullopt)}));
    auto s = ArchiveSearch::open(a.t.path());
    REQUIRE(s);
    auto subject = [&](const std::string& target) -> std::string {
        auto m = s->by_target("/srv/archive", target);
        REQUIRE(m);
        return *m ? (*m)->subject : "(none)";
    };
    CHECK(subject("2") == "Second");
    CHECK(subject("INBOX/1-1.eml") == "First");
    CHECK(subject("/srv/archive/INBOX/1-2.eml") == "Second");
    CHECK(subject("./INBOX/1-1.eml") == "First");
    CHECK(subject("/elsewhere/INBOX/1-1.eml") == "(none)");
    CHECK(subject("7") == "(none)");
    CHECK(subject("1234567890123456789") == "(none)");  // too long for an id: a path
}
