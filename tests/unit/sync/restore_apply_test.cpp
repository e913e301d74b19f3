// restore's apply step against a scripted target: what a refusal costs (the message, the
// folder, or, for a full quota, the run) and what the index records for the next run.

#include <catch2/catch.hpp>

#include <filesystem>
#include <fstream>
#include <memory>

#include "../imap/wire_server.hpp"
#include "../temp_dir.hpp"
#include "index/archive_index.hpp"
#include "store/archive_root.hpp"
#include "sync/restore_apply.hpp"

using namespace imapmirror;
using namespace imapmirror::sync;
using test::tag_of;
using test::WireServer;
using test::with_caps;

namespace {

// An archive with INBOX holding the given message texts as 1.eml, 2.eml, ...
struct SmallArchive {
    test::TempDir dir;
    std::optional<index::ArchiveIndex> ix;
    std::optional<store::ArchiveRoot> root;
    std::unique_ptr<imap::Client> client;  // kept: the scripted server lives in it

    explicit SmallArchive(const std::vector<std::string>& bodies) {
        auto opened = index::ArchiveIndex::open(dir.path + "/index.sqlite");
        REQUIRE(opened);
        ix = std::move(*opened);
        index::FolderRecord f;
        f.name = f.raw_name = f.path = "INBOX";
        f.delimiter = '/';
        auto id = ix->upsert_folder(f);
        REQUIRE(id);
        std::filesystem::create_directory(dir.path + "/INBOX");
        std::vector<index::MessageRecord> batch;
        uint32_t uid = 0;
        for (const auto& body : bodies) {
            index::MessageRecord m;
            m.folder_id = *id;
            m.uidvalidity = 1;
            m.uid = ++uid;
            m.path = "INBOX/" + std::to_string(uid) + ".eml";
            std::ofstream(dir.path + "/" + m.path, std::ios::binary) << body;
            m.size = body.size();
            m.flags = "\\Seen \\Recent";
            m.internal_date = "2024-01-03T10:00:00Z";
            m.sha256 = "sha-" + std::to_string(uid);
            batch.push_back(std::move(m));
        }
        REQUIRE(ix->insert_messages(batch));
        auto r = store::ArchiveRoot::open(dir.path);
        REQUIRE(r);
        root = std::move(*r);
    }

    RestoreSummary restore(WireServer::Responder responder, TargetView target,
                           WireServer** server_out = nullptr) {
        auto server = std::make_unique<WireServer>(std::move(responder));
        if (server_out)
            *server_out = server.get();
        auto made = imap::Client::over(std::move(server));
        REQUIRE(made);
        client = std::move(*made);
        RestoreOptions options;
        options.root = dir.path;
        options.target = {"imap.example", 993, "me", ""};
        auto archive = read_archive(*ix, options);
        REQUIRE(archive);
        auto plan = plan_restore(*archive, target, options);
        return apply_restore(plan, target, options, *client, *ix, *root, {});
    }

    std::vector<std::vector<std::string>> records() {
        auto st = ix->db().prepare(
            "SELECT message_id, state, ifnull(uid, '') FROM restored "
            "ORDER BY message_id");
        REQUIRE(st);
        std::vector<std::vector<std::string>> out;
        while (*st->step())
            out.push_back({st->column_text(0), st->column_text(1), st->column_text(2)});
        return out;
    }
};

TargetView target_with_inbox() {
    TargetView t;
    t.delimiter = '/';
    t.uidplus = true;
    TargetFolder inbox;
    inbox.name = inbox.raw_name = "INBOX";
    inbox.delimiter = '/';
    inbox.uidvalidity = 7;
    t.folders.push_back(inbox);
    return t;
}

// The answer of a server that refuses every APPEND holding "refuse me" ("" accepts).
std::string refuse_marked(const std::string& command) {
    return command.find("refuse me") != std::string::npos
               ? "NO [CANNOT] Message contains invalid header"
               : "";
}

size_t count_of(const std::string& wire, const std::string& what) {
    size_t n = 0;
    for (size_t p = wire.find(what); p != std::string::npos; p = wire.find(what, p + 1))
        ++n;
    return n;
}

// Answers each APPEND once its literals are in (LITERAL+): `answer(all bytes of the command)`,
// or, when that is "", OK with an APPENDUID naming one UID per literal (a MULTIAPPEND's set).
WireServer::Responder appending(std::function<std::string(const std::string&)> answer,
                                const std::string& caps = "LITERAL+ UIDPLUS") {
    auto command = std::make_shared<std::string>();
    auto uid = std::make_shared<int>(0);
    return with_caps(caps, [=](const std::string& sent) -> std::string {
        *command += sent;
        if (command->find(" APPEND ") == std::string::npos) {
            const std::string tag = tag_of(*command);
            command->clear();
            return tag + " OK done\r\n";
        }
        if (sent != "\r\n")
            return "";
        const std::string tag = tag_of(*command), reply = answer(*command);
        const int literals = static_cast<int>(count_of(*command, "+}\r\n"));
        command->clear();
        if (!reply.empty())
            return tag + " " + reply + "\r\n";
        const int first = *uid + 1;
        *uid += literals;
        const std::string set =
            std::to_string(first) + (literals > 1 ? ":" + std::to_string(*uid) : std::string());
        return tag + " OK [APPENDUID 7 " + set + "] done\r\n";
    });
}

}  // namespace

TEST_CASE("restore apply: a refused message costs only itself and is recorded as refused",
          "[restore]") {
    SmallArchive a({"Subject: one\r\n\r\n1\r\n", "Subject: refuse me\r\n\r\n2\r\n",
                    "Subject: three\r\n\r\n3\r\n"});
    WireServer* server = nullptr;
    auto s = a.restore(appending(refuse_marked), target_with_inbox(), &server);
    CHECK_FALSE(s.fatal);
    CHECK(s.appended == 2);
    CHECK(s.refused == 1);
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].scope == core::Scope::Message);
    CHECK(s.errors[0].server_reply.find("invalid header") != std::string::npos);
    CHECK(a.records() == std::vector<std::vector<std::string>>{
                             {"1", "restored", "1"}, {"2", "refused", ""}, {"3", "restored", "2"}});
    // Flags without \Recent, the date in RFC 3501 form.
    CHECK(server->wire().find(" APPEND INBOX (\\Seen) \"03-Jan-2024 10:00:00 +0000\" {") !=
          std::string::npos);
}

TEST_CASE("restore apply: a message over APPENDLIMIT is refused here, never sent", "[restore]") {
    SmallArchive a({"Subject: small\r\n\r\n1\r\n", std::string(600, 'x')});
    TargetView t = target_with_inbox();
    t.append_limit = 500;
    WireServer* server = nullptr;
    auto s = a.restore(appending([](const std::string&) { return std::string(); }), t, &server);
    CHECK(s.appended == 1);
    CHECK(s.refused == 1);
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].kind == core::ErrorKind::Limit);
    CHECK(s.errors[0].message.find("APPENDLIMIT 500") != std::string::npos);
    CHECK(server->wire().find("{600+}") == std::string::npos);
}

TEST_CASE("restore apply: an over-quota answer ends the run with a disk-full error", "[restore]") {
    SmallArchive a({"Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n"});
    WireServer* server = nullptr;
    auto s = a.restore(appending([](const std::string&) -> std::string {
                           return "NO [OVERQUOTA] Quota exceeded (mailbox for user is full)";
                       }),
                       target_with_inbox(), &server);
    REQUIRE(s.fatal);
    CHECK(s.fatal->kind == core::ErrorKind::DiskFull);
    CHECK(s.fatal->server_reply.find("OVERQUOTA") != std::string::npos);
    CHECK(s.appended == 0);
    // The second message was not tried.
    const std::string wire = server->wire();
    CHECK(wire.find(" APPEND ") == wire.rfind(" APPEND "));
}

TEST_CASE("restore apply: a folder the target will not create costs its messages only",
          "[restore]") {
    SmallArchive a({"Subject: one\r\n\r\n1\r\n"});
    TargetView t = target_with_inbox();
    t.folders.clear();  // INBOX missing: it must be created, and the server says no
    WireServer* server = nullptr;
    auto s = a.restore(with_caps("UIDPLUS",
                                 [](const std::string& sent) -> std::string {
                                     if (sent.find(" CREATE ") != std::string::npos)
                                         return tag_of(sent) + " NO [NOPERM] Permission denied\r\n";
                                     return tag_of(sent) + " OK\r\n";
                                 }),
                       t, &server);
    CHECK_FALSE(s.fatal);
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].scope == core::Scope::Folder);
    CHECK(s.errors[0].message.find("cannot create folder 'INBOX'") != std::string::npos);
    CHECK(server->wire().find(" APPEND ") == std::string::npos);
}

TEST_CASE(
    "restore apply: a message left appending by a killed run is looked for by Message-ID and "
    "size, and not sent again when it is there",
    "[restore]") {
    SmallArchive a({"Message-ID: <one@x>\r\nSubject: one\r\n\r\n1\r\n",
                    "Message-ID: <two@x>\r\nSubject: two\r\n\r\n2\r\n"});
    // The killed run had sent both; the server has the first only.
    index::AccountIdentity target{"imap.example", 993, "me", ""};
    for (int64_t id : {1, 2})
        REQUIRE(index::write_restore_record(
            a.ix->db(), target, {"INBOX", id, index::RestoreState::Appending, {}, {}, ""}));
    REQUIRE(
        a.ix->db().exec("UPDATE messages SET message_id = '<one@x>' WHERE id = 1; "
                        "UPDATE messages SET message_id = '<two@x>' WHERE id = 2"));
    WireServer* server = nullptr;
    auto inner = appending([](const std::string&) { return std::string(); });
    auto s = a.restore(
        [inner](const std::string& sent) -> std::string {
            if (sent.find(" EXAMINE ") != std::string::npos)
                return "* 1 EXISTS\r\n* OK [UIDVALIDITY 7] ok\r\n" + tag_of(sent) +
                       " OK [READ-ONLY] done\r\n";
            if (sent.find(" UID SEARCH ") != std::string::npos)
                return std::string(sent.find("<one@x>") != std::string::npos ? "* SEARCH 4\r\n"
                                                                             : "* SEARCH\r\n") +
                       tag_of(sent) + " OK done\r\n";
            return inner(sent);
        },
        target_with_inbox(), &server);
    CHECK_FALSE(s.fatal);
    CHECK(s.found_on_target == 1);
    CHECK(s.appended == 1);
    CHECK(server->wire().find("UID SEARCH HEADER Message-ID <one@x> LARGER") != std::string::npos);
    CHECK(server->wire().find("Subject: one") == std::string::npos);  // never sent again
    CHECK(a.records() ==
          std::vector<std::vector<std::string>>{{"1", "restored", "4"}, {"2", "restored", "1"}});
}

namespace {

TargetView gmail_target() {
    TargetView t = target_with_inbox();
    t.gmail = true;
    TargetFolder all;
    all.name = all.raw_name = "[Gmail]/All Mail";
    all.delimiter = '/';
    all.special_use = "\\All";
    all.uidvalidity = 7;
    t.folders.push_back(all);
    return t;
}

std::vector<std::vector<std::string>> label_rows(index::ArchiveIndex& ix) {
    auto st = ix.db().prepare(
        "SELECT target_folder, message_id, label FROM restored_labels ORDER BY 2, 3");
    REQUIRE(st);
    std::vector<std::vector<std::string>> out;
    while (*st->step())
        out.push_back({st->column_text(0), st->column_text(1), st->column_text(2)});
    return out;
}

}  // namespace

TEST_CASE(
    "restore apply gmail: each message is appended into All Mail and its labels stored on the "
    "APPENDUID, then recorded",
    "[restore][gmail]") {
    SmallArchive a({"Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n"});
    WireServer* server = nullptr;
    auto s = a.restore(appending([](const std::string&) { return std::string(); }), gmail_target(),
                       &server);
    CHECK_FALSE(s.fatal);
    CHECK(s.errors.empty());
    CHECK(s.appended == 2);
    CHECK(s.labelled == 2);
    const std::string wire = server->wire();
    CHECK(wire.find(" SELECT \"[Gmail]/All Mail\"\r\n") != std::string::npos);
    CHECK(count_of(wire, " APPEND \"[Gmail]/All Mail\" ") == 2);
    CHECK(wire.find(" UID STORE 1 +X-GM-LABELS (\\Inbox)\r\n") != std::string::npos);
    CHECK(wire.find(" UID STORE 2 +X-GM-LABELS (\\Inbox)\r\n") != std::string::npos);
    CHECK(label_rows(*a.ix) ==
          std::vector<std::vector<std::string>>{{"[Gmail]/All Mail", "1", "\\Inbox"},
                                                {"[Gmail]/All Mail", "2", "\\Inbox"}});

    // A second run sends neither an APPEND nor a STORE.
    auto again = a.restore(appending([](const std::string&) { return std::string(); }),
                           gmail_target(), &server);
    CHECK(again.appended == 0);
    CHECK(again.labelled == 0);
    CHECK(again.already == 2);
    CHECK(server->wire().find(" APPEND ") == std::string::npos);
    CHECK(server->wire().find(" STORE ") == std::string::npos);
}

TEST_CASE(
    "restore apply gmail: a refused label STORE costs that message's labels, which the next "
    "run stores without appending again",
    "[restore][gmail]") {
    SmallArchive a({"Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n"});
    auto refuse_store = [](bool refuse) {
        auto inner = appending([](const std::string&) { return std::string(); });
        return [inner, refuse](const std::string& sent) -> std::string {
            if (refuse && sent.find(" UID STORE 1 ") != std::string::npos)
                return tag_of(sent) + " NO [LIMIT] Too many labels\r\n";
            return inner(sent);
        };
    };
    auto s = a.restore(refuse_store(true), gmail_target());
    CHECK_FALSE(s.fatal);
    CHECK(s.appended == 2);
    CHECK(s.labelled == 1);
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].scope == core::Scope::Message);
    CHECK(s.errors[0].uid == 1u);
    CHECK(s.errors[0].server_reply.find("Too many labels") != std::string::npos);

    WireServer* server = nullptr;
    auto again = a.restore(refuse_store(false), gmail_target(), &server);
    CHECK(again.errors.empty());
    CHECK(again.appended == 0);
    CHECK(again.labelled == 1);
    const std::string wire = server->wire();
    CHECK(wire.find(" APPEND ") == std::string::npos);
    CHECK(count_of(wire, " UID STORE ") == 1);
    CHECK(wire.find(" UID STORE 1 +X-GM-LABELS (\\Inbox)\r\n") != std::string::npos);
    CHECK(label_rows(*a.ix).size() == 2);
}

namespace {

WireServer::Responder multiappending(std::function<std::string(const std::string&)> answer) {
    return appending(std::move(answer), "LITERAL+ UIDPLUS MULTIAPPEND");
}

}  // namespace

TEST_CASE(
    "restore apply: with MULTIAPPEND a folder goes in one APPEND command and each message gets "
    "its own row and UID",
    "[restore]") {
    SmallArchive a(
        {"Subject: one\r\n\r\n1\r\n", "Subject: two\r\n\r\n2\r\n", "Subject: three\r\n\r\n3\r\n"});
    WireServer* server = nullptr;
    auto s = a.restore(multiappending([](const std::string&) { return std::string(); }),
                       target_with_inbox(), &server);
    CHECK_FALSE(s.fatal);
    CHECK(s.appended == 3);
    const std::string wire = server->wire();
    CHECK(count_of(wire, " APPEND ") == 1);
    CHECK(wire.find("\r\n (\\Seen) \"03-Jan-2024 10:00:00 +0000\" {") != std::string::npos);
    CHECK(a.records() == std::vector<std::vector<std::string>>{{"1", "restored", "1"},
                                                               {"2", "restored", "2"},
                                                               {"3", "restored", "3"}});
}

TEST_CASE(
    "restore apply: a refused MULTIAPPEND is sent again one message at a time, so a refused "
    "message costs only itself",
    "[restore]") {
    SmallArchive a({"Subject: one\r\n\r\n1\r\n", "Subject: refuse me\r\n\r\n2\r\n",
                    "Subject: three\r\n\r\n3\r\n"});
    WireServer* server = nullptr;
    auto s = a.restore(multiappending(refuse_marked), target_with_inbox(), &server);
    CHECK_FALSE(s.fatal);
    CHECK(s.appended == 2);
    CHECK(s.refused == 1);
    REQUIRE(s.errors.size() == 1);
    CHECK(s.errors[0].server_reply.find("invalid header") != std::string::npos);
    CHECK(count_of(server->wire(), " APPEND ") == 4);  // the batch, then one at a time
    CHECK(a.records() == std::vector<std::vector<std::string>>{
                             {"1", "restored", "1"}, {"2", "refused", ""}, {"3", "restored", "2"}});
}
