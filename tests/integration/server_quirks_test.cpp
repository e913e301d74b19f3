// Server quirks and hostile answers that no real server here gives on demand, against the
// scripted account (fake_account.hpp). Each pins down one way an archive could lose or
// overwrite mail.

#include <catch2/catch.hpp>
#include <string>

#include "fake_account.hpp"
#include "scripted_imap.hpp"
#include "test_server.hpp"

using namespace imapmirror::test;

namespace {

std::string message(int n, bool blank_line = true) {
    std::string m = "From: n@example.org\r\nSubject: message " + std::to_string(n) +
                    "\r\nMessage-ID: <m" + std::to_string(n) + "@example.org>\r\n";
    return blank_line ? m + "\r\nbody " + std::to_string(n) + "\r\n" : m;
}

// An account with INBOX holding `count` messages.
void seed(FakeAccount& account, int count) {
    account.edit([&](auto& folders, auto&) {
        for (int i = 1; i <= count; ++i)
            folders["INBOX"].add(message(i));
    });
}

RunResult export_to(const FakeAccount& account, const std::string& dir) {
    return run_imapmirror(
        with({"export", "--out", dir, "--retries", "0"}, fake_args(account.port())), kFakePassword);
}

std::string scalar(const std::string& dir, const std::string& sql) {
    return query(dir + "/index.sqlite", sql).at(0).at(0);
}

}  // namespace

TEST_CASE("quirk (imap4d): a UID SEARCH that finds nothing does not hide the folder's messages",
          "[integration]") {
    FakeAccount account;
    seed(account, 3);
    account.edit([](auto&, FakeQuirks& q) { q.uid_search_empty = true; });
    const std::string dir = make_temp_dir() + "/archive";
    auto r = export_to(account, dir);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(scalar(dir, "SELECT count(*) FROM messages") == "3");

    // The next run still finds new mail, though the search still answers nothing.
    account.edit([](auto& folders, auto&) { folders["INBOX"].add(message(4)); });
    auto again = run_imapmirror(
        with({"export", "--out", dir, "--json", "--retries", "0"}, fake_args(account.port())),
        kFakePassword);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(scalar(dir, "SELECT group_concat(uid) FROM messages") == "1,2,3,4");
    // The summary says which quirk was worked around.
    CHECK(again.out.find("\"quirks\":[\"UID SEARCH disagreed with EXISTS; listed the UIDs with "
                         "UID FETCH\"]") != std::string::npos);
}

TEST_CASE("quirk (Courier): with no UIDNEXT in EXAMINE a run without changes opens no folder",
          "[integration]") {
    FakeAccount account;
    seed(account, 2);
    account.edit([](auto&, FakeQuirks& q) { q.examine_without_uidnext = true; });
    const std::string dir = make_temp_dir() + "/archive";
    REQUIRE(export_to(account, dir).exit_code == 0);
    const size_t examined = account.commands("EXAMINE");
    auto r = export_to(account, dir);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(account.commands("EXAMINE") == examined);
}

TEST_CASE(
    "quirk (Courier): after a UIDVALIDITY change a message with no blank line is re-mapped, "
    "not downloaded again",
    "[integration]") {
    FakeAccount account;
    account.edit([](auto& folders, auto&) {
        folders["INBOX"].add(message(1));
        folders["INBOX"].add(message(2, false));
    });
    const std::string dir = make_temp_dir() + "/archive";
    REQUIRE(export_to(account, dir).exit_code == 0);
    account.edit([](auto& folders, auto&) {
        auto& inbox = folders["INBOX"];
        inbox.uidvalidity = 8;
        for (auto& m : inbox.messages)
            m.uid += 10;
        inbox.uidnext += 10;
    });
    const size_t bodies = account.bodies_sent();
    auto r = export_to(account, dir);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(account.bodies_sent() == bodies);
    CHECK(scalar(dir, "SELECT count(*) FROM messages") == "2");
    CHECK(scalar(dir, "SELECT group_concat(uid) FROM messages WHERE uidvalidity = 8") == "11,12");
}

TEST_CASE("hostile: a requested UID the server leaves out is reported and fetched by the next run",
          "[integration]") {
    FakeAccount account;
    seed(account, 3);
    account.edit([](auto&, FakeQuirks& q) { q.omit = {2}; });
    const std::string dir = make_temp_dir() + "/archive";
    auto r = export_to(account, dir);
    CHECK(r.exit_code == 10);
    CHECK(r.err.find("UID 2") != std::string::npos);
    CHECK(scalar(dir, "SELECT group_concat(uid) FROM messages") == "1,3");

    account.edit([](auto&, FakeQuirks& q) { q.omit.clear(); });
    auto again = export_to(account, dir);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(scalar(dir, "SELECT group_concat(uid) FROM messages") == "1,2,3");
}

TEST_CASE("hostile: a message the server was not asked for never replaces an archived one",
          "[integration]") {
    FakeAccount account;
    seed(account, 2);
    const std::string dir = make_temp_dir() + "/archive";
    REQUIRE(export_to(account, dir).exit_code == 0);
    const std::string path = dir + "/" + scalar(dir, "SELECT path FROM messages WHERE uid = 1");
    const std::string original = read_file(path);

    account.edit([](auto& folders, FakeQuirks& q) {
        folders["INBOX"].add(message(3));
        q.unrequested = FakeMessage{1, "Subject: forged\r\n\r\nother bytes\r\n"};
    });
    auto r = export_to(account, dir);
    INFO(r.err);
    CHECK(r.exit_code == 10);
    CHECK(read_file(path) == original);
    CHECK(scalar(dir, "SELECT group_concat(uid) FROM messages") == "1,2,3");
}

TEST_CASE(
    "hostile: a NO for one message costs only that message, the rest of its chunk is archived",
    "[integration]") {
    FakeAccount account;
    seed(account, 6);
    account.edit([](auto&, FakeQuirks& q) { q.refuse = {4}; });
    const std::string dir = make_temp_dir() + "/archive";
    auto r = export_to(account, dir);
    CHECK(r.exit_code == 10);
    CHECK(r.err.find("UID 4") != std::string::npos);
    // Reported once, as refused (not a second time as "not sent").
    CHECK(r.err.find("refused to send") != std::string::npos);
    CHECK(r.err.find("did not send") == std::string::npos);
    CHECK(scalar(dir, "SELECT group_concat(uid) FROM messages") == "1,2,3,5,6");

    account.edit([](auto&, FakeQuirks& q) { q.refuse.clear(); });
    REQUIRE(export_to(account, dir).exit_code == 0);
    CHECK(scalar(dir, "SELECT count(*) FROM messages") == "6");
}

TEST_CASE(
    "quirk (Exchange): an RFC822.SIZE that differs from the bytes sent keeps the bytes and "
    "records both sizes",
    "[integration]") {
    FakeAccount account;
    seed(account, 2);
    account.edit([](auto&, FakeQuirks& q) { q.size_delta = 7; });
    const std::string dir = make_temp_dir() + "/archive";
    auto r = export_to(account, dir);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(scalar(dir, "SELECT count(*) FROM messages WHERE size_announced = size + 7") == "2");
    const std::string path = dir + "/" + scalar(dir, "SELECT path FROM messages WHERE uid = 1");
    CHECK(read_file(path) == message(1));

    // `fetch` receives a body by the same rule: the bytes sent are saved, with one warning.
    const std::string saved = dir + "/fetched.eml";
    auto fetched = run_imapmirror(
        with({"fetch", "INBOX", "--uid", "1", "-o", saved}, fake_args(account.port())),
        kFakePassword);
    INFO(fetched.err);
    CHECK(fetched.exit_code == 0);
    CHECK(read_file(saved) == message(1));
    CHECK(fetched.err.find("RFC822.SIZE differs from the bytes it sends (UID 1") !=
          std::string::npos);
}

TEST_CASE("hostile: a malformed reply for one folder costs that folder, not the run",
          "[integration]") {
    FakeAccount account;
    account.edit([](auto& folders, FakeQuirks& q) {
        folders["Bad"].add(message(1));
        folders["INBOX"].add(message(2));
        folders["Work"].add(message(3));
        q.broken_folder = "Bad";
    });
    const std::string dir = make_temp_dir() + "/archive";
    auto r = run_imapmirror(with({"export", "--out", dir, "--retries", "0", "--connections", "1"},
                                 fake_args(account.port())),
                            kFakePassword);
    CHECK(r.exit_code == 10);
    CHECK(r.err.find("Bad") != std::string::npos);
    CHECK(scalar(dir, "SELECT count(*) FROM messages") == "2");
}

namespace {

// A server offering GSSAPI, DIGEST-MD5, CRAM-MD5 and PLAIN whose other mechanisms fail (GNU
// imap4d with system passwords), with imap4d's greeting and CAPABILITY completion. Records which
// mechanisms the client tried.
// `plain_no`: when set, AUTHENTICATE PLAIN gets this NO instead of succeeding.
std::function<void(int)> sasl_server(std::shared_ptr<std::vector<std::string>> tried,
                                     std::string plain_no = {}) {
    auto pending = std::make_shared<std::string>();  // tag of an AUTHENTICATE awaiting data
    return scripted_imap(
        [tried, pending, plain_no](const std::string& tag, const std::string& cmd) -> std::string {
            if (!pending->empty()) {  // the client's SASL response line
                std::string t = *pending;
                pending->clear();
                return t + " OK logged in\r\n";
            }
            if (cmd.rfind("CAPABILITY", 0) == 0)  // imap4d's words, "CAPABILITY" included
                return "* CAPABILITY IMAP4rev1 AUTH=GSSAPI AUTH=DIGEST-MD5 AUTH=CRAM-MD5 "
                       "AUTH=PLAIN\r\n" +
                       tag + " OK CAPABILITY Completed\r\n";
            if (cmd.rfind("AUTHENTICATE ", 0) == 0) {
                std::string mech = cmd.substr(13, cmd.find(' ', 13) - 13);
                tried->push_back(mech);
                if (mech != "PLAIN")
                    return tag + " NO [AUTHENTICATIONFAILED] Authentication failed\r\n";
                if (!plain_no.empty())
                    return tag + " " + plain_no + "\r\n";
                *pending = tag;
                return "+ \r\n";
            }
            if (cmd.rfind("LIST", 0) == 0)
                return "* LIST () \"/\" INBOX\r\n" + tag + " OK done\r\n";
            if (cmd.rfind("STATUS", 0) == 0)
                return "* STATUS INBOX (MESSAGES 0 UNSEEN 0 UIDNEXT 1 UIDVALIDITY 1)\r\n" + tag +
                       " OK done\r\n";
            if (cmd.rfind("LOGOUT", 0) == 0)
                return "* BYE bye\r\n" + tag + " OK done\r\n";
            return tag + " BAD unexpected\r\n";
        },
        "* OK IMAP4rev1 Debian GNU Mailutils 3.15\r\n");
}

}  // namespace

TEST_CASE("quirks: imap4d offers DIGEST-MD5 it cannot do, and auto logs in with PLAIN",
          "[integration]") {
    auto tried = std::make_shared<std::vector<std::string>>();
    FakeServer server(sasl_server(tried), true);
    auto r = run_imapmirror(with({"folders"}, fake_args(server.port())), kFakePassword);
    INFO(r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("INBOX") != std::string::npos);
    CHECK(*tried == std::vector<std::string>{"PLAIN"});
}

TEST_CASE("quirks: a forced mechanism the server fails names it and suggests another",
          "[integration]") {
    auto tried = std::make_shared<std::vector<std::string>>();
    FakeServer server(sasl_server(tried), true);
    auto r = run_imapmirror(
        with({"folders", "--auth-mech", "digest-md5"}, fake_args(server.port())), kFakePassword);
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("rejected the login for user \"u\"") != std::string::npos);
    CHECK(r.err.find("(DIGEST-MD5)") != std::string::npos);
    CHECK(r.err.find("--auth-mech plain") != std::string::npos);

    auto absent = run_imapmirror(
        with({"folders", "--auth-mech", "login"}, fake_args(server.port())), kFakePassword);
    CHECK(absent.exit_code == 6);
    CHECK(absent.err.find("does not offer the LOGIN mechanism (it offers GSSAPI, DIGEST-MD5, "
                          "CRAM-MD5, PLAIN)") != std::string::npos);
}

TEST_CASE("quirks: a folder the server will not open is reported once, then skipped quietly",
          "[integration]") {
    FakeAccount account;
    seed(account, 2);
    account.edit([](auto& folders, auto& quirks) {
        folders["Calendar"].add(message(9));
        quirks.not_mail.insert("Calendar");
    });
    const std::string dir = make_temp_dir();
    auto first = export_to(account, dir);
    INFO(first.err);
    CHECK(first.exit_code == 10);
    CHECK(first.err.find("\"Calendar\"") != std::string::npos);
    CHECK(first.err.find("--exclude it") != std::string::npos);
    CHECK(scalar(dir, "SELECT COUNT(*) FROM messages") == "2");
    CHECK(scalar(dir, "SELECT examine_refused FROM folders WHERE name = 'Calendar'") ==
          "NO EXAMINE failed: not a mail folder");

    auto second = run_imapmirror(
        with({"export", "--out", dir, "--json", "--retries", "0"}, fake_args(account.port())),
        kFakePassword);
    INFO(second.err);
    CHECK(second.exit_code == 0);
    CHECK(second.out.find("\"folders_refused\":1") != std::string::npos);

    // Once it opens, it is archived like any other folder and no longer marked.
    account.edit([](auto&, auto& quirks) { quirks.not_mail.clear(); });
    auto third = export_to(account, dir);
    CHECK(third.exit_code == 0);
    CHECK(scalar(dir, "SELECT COUNT(*) FROM messages") == "3");
    CHECK(scalar(dir, "SELECT COUNT(*) FROM folders WHERE examine_refused IS NOT NULL") == "0");
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("quirk (imap4d): an unquoted name in STATUS that cannot be read costs only its folder",
          "[integration]") {
    // Without LIST-STATUS the counts come from one STATUS per folder. imap4d leaves the name
    // unquoted: "Folder With Spaces" is still read against the name asked for, but
    // "* STATUS Notes (old) (MESSAGES 1 ...)" cannot be read at all. That folder waits; the
    // others are listed and archived (this used to end `folders` and `export` as a whole).
    FakeAccount account;
    seed(account, 2);
    account.edit([](auto& folders, FakeQuirks& q) {
        folders["Folder With Spaces"].add(message(3));
        folders["Notes (old)"].add(message(4));
        q.status_name_unquoted = true;
    });

    auto listed = run_imapmirror(with({"folders"}, fake_args(account.port())), kFakePassword);
    INFO(listed.err);
    CHECK(listed.exit_code == 0);
    CHECK(listed.out.find("Folder With Spaces") != std::string::npos);
    CHECK(listed.out.find("Notes (old)") != std::string::npos);
    CHECK(listed.err.find("Notes (old)") != std::string::npos);

    const std::string dir = make_temp_dir() + "/archive";
    auto r = export_to(account, dir);
    INFO(r.err);
    CHECK(r.exit_code == 10);
    CHECK(r.err.find("Notes (old)") != std::string::npos);
    CHECK(r.err.find("counts are unreadable") != std::string::npos);
    CHECK(r.err.find("skipped in this run") != std::string::npos);
    CHECK(scalar(dir,
                 "SELECT count(*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                 "WHERE f.name IN ('INBOX', 'Folder With Spaces')") == "3");
    CHECK(scalar(dir,
                 "SELECT count(*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                 "WHERE f.name = 'Notes (old)'") == "0");
}

TEST_CASE("throttling: a throttling NO is neither a lost message nor a failed run",
          "[integration]") {
    FakeAccount account;
    seed(account, 6);
    account.edit([](auto& folders, auto& quirks) {
        for (int i = 7; i <= 9; ++i)
            folders["Other"].add(message(i));
        quirks.throttle_fetches = 2;
    });
    const std::string dir = make_temp_dir();
    auto r = run_imapmirror(
        with({"export", "--out", dir, "--json", "--retry-wait", "0.1", "--connections", "2"},
             fake_args(account.port())),
        kFakePassword);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(scalar(dir, "SELECT COUNT(*) FROM messages") == "9");
    CHECK(r.out.find("\"throttled\":2,") != std::string::npos);
    CHECK(r.out.find("\"errors\":[]") != std::string::npos);
    CHECK(r.err.find("the server asks us to slow down") != std::string::npos);
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE(
    "throttling: a throttling hint in an OK is counted and the run slows down, losing nothing",
    "[integration]") {
    FakeAccount account;
    seed(account, 4);
    account.edit([](auto& folders, auto& quirks) {
        for (int i = 5; i <= 8; ++i)
            folders["Other"].add(message(i));
        quirks.throttle_ok = 1;
    });
    const std::string dir = make_temp_dir();
    auto r = run_imapmirror(
        with({"export", "--out", dir, "--json", "--retry-wait", "0.1", "--connections", "2"},
             fake_args(account.port())),
        kFakePassword);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(scalar(dir, "SELECT COUNT(*) FROM messages") == "8");
    CHECK(r.out.find("\"throttled\":1,") != std::string::npos);
    std::system(("rm -rf '" + dir + "'").c_str());
}

TEST_CASE("auth: only a clear refusal of the credentials blames the password", "[integration]") {
    auto tried = std::make_shared<std::vector<std::string>>();
    FakeServer down(sasl_server(tried, "NO [UNAVAILABLE] user database unreachable"), true);
    auto r = run_imapmirror(with({"folders"}, fake_args(down.port())), kFakePassword);
    INFO(r.err);
    CHECK(r.exit_code == 6);
    CHECK(r.err.find("could not log in user \"u\" now (PLAIN)") != std::string::npos);
    CHECK(r.err.find("user database unreachable") != std::string::npos);
    CHECK(r.err.find("not your password") != std::string::npos);
    CHECK(r.err.find("rejected") == std::string::npos);

    FakeServer refused(sasl_server(tried, "NO [AUTHENTICATIONFAILED] Authentication failed."),
                       true);
    auto wrong = run_imapmirror(with({"folders"}, fake_args(refused.port())), kFakePassword);
    CHECK(wrong.exit_code == 6);
    CHECK(wrong.err.find("rejected the login for user \"u\"") != std::string::npos);
    CHECK(wrong.err.find("check --user and the password") != std::string::npos);
}

TEST_CASE(
    "for now: NO UNAVAILABLE, LIMIT or an unknown code on a FETCH chunk is asked again "
    "after a pause, nothing lost",
    "[integration]") {
    for (const char* reply : {"NO [UNAVAILABLE] Temporary System Error",
                              "NO [LIMIT] Too many commands", "NO [XYZZY] Unknown reason"}) {
        INFO(reply);
        FakeAccount account;
        seed(account, 6);
        account.edit([&](auto& folders, FakeQuirks& q) {
            folders["Other"].add(message(7));
            q.unavailable_fetches = 2;
            q.unavailable_reply = reply;
        });
        TempDir tmp;
        auto r = run_imapmirror(with({"export", "--out", tmp.path, "--json", "--retry-wait", "0.05",
                                      "--connections", "1"},
                                     fake_args(account.port())),
                                kFakePassword);
        INFO(r.out << r.err);
        CHECK(r.exit_code == 0);
        CHECK(r.out.find("\"errors\":[]") != std::string::npos);
        CHECK(r.err.find("messages for now") != std::string::npos);
        CHECK(scalar(tmp.path, "SELECT COUNT(*) FROM messages") == "7");
    }
}

TEST_CASE(
    "for now: a folder whose FETCH stays UNAVAILABLE costs its messages, not the run: the "
    "other folders are archived, exit 10, and the next run completes the archive",
    "[integration]") {
    FakeAccount account;
    seed(account, 6);
    account.edit([](auto& folders, FakeQuirks& q) {
        for (int i = 7; i <= 9; ++i)
            folders["Other"].add(message(i));
        for (int i = 10; i <= 11; ++i)
            folders["Zebra"].add(message(i));
        // iCloud's words: before, a throttle that spent the reconnects and stopped the run.
        q.unavailable_folder = "INBOX";
    });
    TempDir tmp;
    auto args = with({"export", "--out", tmp.path, "--retry-wait", "0.05", "--retries", "2",
                      "--connections", "1"},
                     fake_args(account.port()));
    auto r = run_imapmirror(args, kFakePassword);
    INFO(r.out << r.err);
    CHECK(r.exit_code == 10);
    CHECK(r.err.find("folder error: the server refused 6 messages for now (UIDs 1:6) after 3 "
                     "tries") != std::string::npos);
    CHECK(r.err.find("the next run fetches these messages") != std::string::npos);
    CHECK(scalar(tmp.path,
                 "SELECT COUNT(*) FROM messages m JOIN folders f ON f.id = m.folder_id "
                 "WHERE f.name = 'INBOX'") == "0");
    CHECK(scalar(tmp.path, "SELECT COUNT(*) FROM messages") == "5");

    account.edit([](auto&, FakeQuirks& q) { q.unavailable_folder.clear(); });
    auto again = run_imapmirror(args, kFakePassword);
    INFO(again.err);
    CHECK(again.exit_code == 0);
    CHECK(scalar(tmp.path, "SELECT COUNT(*) FROM messages") == "11");
}
