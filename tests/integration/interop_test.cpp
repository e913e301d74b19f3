// imapmirror against real servers other than Dovecot (scripts/test-server --kind): Cyrus 3.6,
// Courier-IMAP 5.0 and GNU Mailutils imap4d 3.15, each seeded from tests/data/seed over IMAP
// APPEND. The quirks each one shows are listed in ../shared/DESIGN.md section 5; these tests
// assert the behaviour a user needs, whatever the server. A kind that cannot run on this
// machine (packages not downloadable, no root for Courier) is reported as skipped.

#include <algorithm>
#include <catch2/catch.hpp>
#include <map>
#include <memory>
#include <regex>
#include <sstream>

#include "test_server.hpp"

using namespace imapmirror::test;

namespace {

// One started and seeded server per kind and process. Each kind is one TEST_CASE whose checks
// are SECTIONs: Catch2 re-runs the test case once per section in the same process, so the
// static server is started and seeded once per kind (ctest runs each TEST_CASE in its own
// process, where a static would share nothing). A check that changes the account counts on
// RealServer::loaded().
RealServer& shared_server(ServerKind kind) {
    static std::map<ServerKind, std::unique_ptr<RealServer>> servers;
    static std::map<ServerKind, bool> tried;
    auto& s = servers[kind];
    if (!s) {
        // A server that failed to start fails each later section at once, without retrying.
        if (tried[kind])
            FAIL(kind_name(kind) << " did not start or seed: see the first section's failure");
        tried[kind] = true;
        s = std::make_unique<RealServer>(kind);
    }
    return *s;
}

// Catch2 v2 has no SKIP: a kind that cannot run here says so loudly and the test passes with
// no assertion.
bool skipped(const RealServer& server) {
    if (server.available())
        return false;
    WARN("SKIPPED: " << kind_name(server.kind()) << " cannot run here: " << server.skip_reason());
    return true;
}

// Messages in the manifest: none is header-less, so no server refuses one on APPEND.
int seeded_messages() {
    std::istringstream in(read_file(source_dir() + "/tests/data/seed/manifest"));
    std::string line;
    int n = 0;
    while (std::getline(in, line))
        if (!line.empty() && line[0] != '#' && line.back() != '\t' &&
            std::count(line.begin(), line.end(), '\t') == 2)
            ++n;
    return n;
}

std::string scalar(const std::string& db, const std::string& sql) {
    return query(db, sql).at(0).at(0);
}

void remove_dir(const std::string& dir) {
    std::system(("rm -rf '" + dir + "'").c_str());
}

// What the server sends for each message (scripts/test-server dump): raw folder name and UID
// to bytes.
std::map<std::pair<std::string, std::string>, std::string> server_messages(
    const RealServer& server) {
    const std::string out = make_temp_dir();
    REQUIRE(std::system(("'" + source_dir() + "/scripts/test-server' dump '" + server.dir() +
                         "' '" + out + "'")
                            .c_str()) == 0);
    std::map<std::pair<std::string, std::string>, std::string> messages;
    std::istringstream index(read_file(out + "/index.tsv"));
    std::string line;
    while (std::getline(index, line)) {
        std::istringstream fields(line);
        std::string folder, uid, file;
        std::getline(fields, folder, '\t');
        std::getline(fields, uid, '\t');
        std::getline(fields, file, '\t');
        messages[{folder, uid}] = read_file(out + "/" + file);
    }
    remove_dir(out);
    return messages;
}

// A first export of the whole account into a temp dir, removed with the object (also when a
// REQUIRE ends the check early).
struct Export {
    explicit Export(const RealServer& server) {
        first = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    }
    ~Export() { remove_dir(tmp); }
    Export(const Export&) = delete;
    Export& operator=(const Export&) = delete;

    std::string tmp = make_temp_dir();
    std::string out = tmp + "/archive";
    RunResult first;
};

void check_archives_every_message(RealServer& server) {
    const int expected = seeded_messages() + server.loaded();
    auto on_server = server_messages(server);
    REQUIRE(on_server.size() == static_cast<size_t>(expected));

    Export e(server);
    INFO(e.first.out << "\n" << e.first.err);
    CHECK(e.first.exit_code == 0);
    CHECK(e.first.out.find("\"messages\":" + std::to_string(expected) + ",") != std::string::npos);
    const std::string db = e.out + "/index.sqlite";
    auto rows = query(db,
                      "SELECT f.raw_name, m.uid, m.path FROM messages m JOIN folders f ON f.id = "
                      "m.folder_id WHERE m.deleted_at IS NULL ORDER BY 1, 2");
    CHECK(rows.size() == static_cast<size_t>(expected));
    for (const auto& row : rows) {
        INFO(row[0] << " UID " << row[1] << " " << row[2]);
        auto it = on_server.find({row[0], row[1]});
        REQUIRE(it != on_server.end());
        CHECK(read_file(e.out + "/" + row[2]) == it->second);
    }
}

void check_no_change_opens_no_folder(RealServer& server) {
    Export e(server);
    INFO(e.first.err);
    REQUIRE(e.first.exit_code == 0);
    auto r = run_imapmirror(with({"-vv", "export", "--out", e.out, "--json"}, server.tls_args()));
    INFO(r.out << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    const std::string selectable =
        scalar(e.out + "/index.sqlite",
               "SELECT COUNT(*) FROM folders WHERE selectable = 1 AND deleted_at IS NULL");
    CHECK(r.out.find("\"messages\":0,") != std::string::npos);
    CHECK(r.out.find("\"folders_unchanged\":" + selectable + ",") != std::string::npos);
    CHECK(r.err.find("EXAMINE") == std::string::npos);
    CHECK(r.err.find("FETCH") == std::string::npos);
}

void check_one_new_message_fetched(RealServer& server) {
    Export e(server);
    INFO(e.first.err);
    REQUIRE(e.first.exit_code == 0);
    const std::string db = e.out + "/index.sqlite";
    const std::string before = scalar(db, "SELECT COUNT(*) FROM messages");
    const std::string n = std::to_string(server.loaded() + 1);
    server.load("INBOX", "From: n@example.org\r\nSubject: new " + n + "\r\nMessage-ID: <interop-" +
                             n + "@example.org>\r\n\r\nnew\r\n");
    auto r = run_imapmirror(with({"export", "--out", e.out, "--json"}, server.tls_args()));
    INFO(r.out << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"messages\":1,") != std::string::npos);
    CHECK(scalar(db, "SELECT COUNT(*) FROM messages") == std::to_string(std::stoi(before) + 1));
    CHECK(scalar(db, "SELECT COUNT(*) FROM messages WHERE message_id = '<interop-" + n +
                         "@example.org>'") == "1");
}

void check_verify_server(RealServer& server) {
    Export e(server);
    INFO(e.first.err);
    REQUIRE(e.first.exit_code == 0);
    auto r = run_imapmirror(with({"verify", e.out, "--server", "--json"}, server.tls_args()));
    INFO(r.out << "\n" << r.err);
    CHECK(r.exit_code == 0);
}

size_t count_of(const std::string& haystack, const std::string& needle) {
    size_t n = 0;
    for (size_t p = haystack.find(needle); p != std::string::npos; p = haystack.find(needle, p + 1))
        ++n;
    return n;
}

void check_client_commands(RealServer& server) {
    auto folders = run_imapmirror(with({"folders", "--json"}, server.tls_args()));
    INFO(folders.out << "\n" << folders.err);
    REQUIRE(folders.exit_code == 0);
    for (const char* name : {"Sent\"", "Folder With Spaces\"", "Entwürfe\"", "日本語\"", "A & B\""})
        CHECK(folders.out.find(name) != std::string::npos);
    // The folder with spaces under whatever prefix and delimiter the server uses.
    std::smatch spaces;
    REQUIRE(std::regex_search(folders.out, spaces,
                              std::regex("\"name\":\"([^\"]*Folder With Spaces)\"")));
    CHECK(folders.out.find("\"name\":\"" + spaces[1].str() + "\",") != std::string::npos);

    auto inbox = run_imapmirror(with({"list", "INBOX", "--json"}, server.tls_args()));
    INFO(inbox.out << "\n" << inbox.err);
    CHECK(inbox.exit_code == 0);
    CHECK(count_of(inbox.out, "\"uid\":") >= 6u);
    auto with_spaces = run_imapmirror(with({"list", spaces[1].str(), "--json"}, server.tls_args()));
    INFO(with_spaces.out << "\n" << with_spaces.err);
    CHECK(with_spaces.exit_code == 0);
    CHECK(count_of(with_spaces.out, "\"uid\":") == 1u);

    // Seeded INBOX UIDs follow the manifest: UID 1 is the welcome message, UID 5 has attachments.
    auto on_server = server_messages(server);
    auto fetched = run_imapmirror(with({"fetch", "INBOX", "--uid", "1"}, server.tls_args()));
    INFO(fetched.err);
    CHECK(fetched.exit_code == 0);
    CHECK(fetched.out == on_server[{"INBOX", "1"}]);
    CHECK(fetched.out == read_file(source_dir() + "/tests/data/seed/01-welcome.eml"));

    auto atts =
        run_imapmirror(with({"attachments", "INBOX", "--uid", "5", "--json"}, server.tls_args()));
    INFO(atts.out << "\n" << atts.err);
    CHECK(atts.exit_code == 0);
    CHECK(count_of(atts.out, "\"part\":") == 3u);
    CHECK(atts.out.find("Grüße.txt") != std::string::npos);
}

// A folder deleted and created again with the same messages (a restore, a migration) has a
// new UIDVALIDITY: the archive re-identifies its messages by size and header hash and
// downloads nothing twice.
void check_uidvalidity_change(RealServer& server) {
    for (int i = 1; i <= 3; ++i)
        server.load("Epoch", "From: e@example.org\r\nSubject: epoch " + std::to_string(i) +
                                 "\r\nMessage-ID: <epoch-" + std::to_string(i) +
                                 "@example.org>\r\n\r\nbody " + std::to_string(i) + "\r\n");
    Export e(server);
    INFO(e.first.err);
    REQUIRE(e.first.exit_code == 0);
    const std::string db = e.out + "/index.sqlite";
    const std::string folder = "(SELECT id FROM folders WHERE name LIKE '%Epoch')";
    const std::string before = scalar(db, "SELECT uidvalidity FROM folders WHERE id = " + folder);
    REQUIRE(std::system(
                ("'" + source_dir() + "/scripts/test-server' recreate '" + server.dir() + "' Epoch")
                    .c_str()) == 0);
    auto r = run_imapmirror(with({"export", "--out", e.out, "--json"}, server.tls_args()));
    INFO(r.out << "\n" << r.err);
    REQUIRE(r.exit_code == 0);
    REQUIRE(scalar(db, "SELECT uidvalidity FROM folders WHERE id = " + folder) != before);
    CHECK(r.out.find("\"messages\":0,") != std::string::npos);
    CHECK(r.out.find("\"remapped\":3,") != std::string::npos);
    CHECK(scalar(db, "SELECT COUNT(*) FROM messages WHERE deleted_at IS NULL AND folder_id = " +
                         folder) == "3");
    CHECK(run_imapmirror(with({"verify", e.out, "--server"}, server.tls_args())).exit_code == 0);
}

// The checks a user relies on, whatever the server; each SECTION's name says the behaviour.
void check_interop(ServerKind kind) {
    RealServer& server = shared_server(kind);
    if (skipped(server))
        return;
    SECTION("export archives every seeded message byte-exact") {
        check_archives_every_message(server);
    }
    SECTION("a re-run with no change opens no folder") {
        check_no_change_opens_no_folder(server);
    }
    SECTION("one new message, one message fetched") {
        check_one_new_message_fetched(server);
    }
    SECTION("verify --server agrees with the archive") {
        check_verify_server(server);
    }
    SECTION("folders, list, fetch and attachments") {
        check_client_commands(server);
    }
    SECTION("after a UIDVALIDITY change nothing is downloaded twice") {
        check_uidvalidity_change(server);
    }
}

}  // namespace

// One test case per kind: the server starts and is seeded once (see shared_server).

TEST_CASE("interop cyrus: archive, re-runs, UIDVALIDITY change, verify --server, client commands",
          "[integration]") {
    check_interop(ServerKind::Cyrus);
}

TEST_CASE("interop courier: archive, re-runs, UIDVALIDITY change, verify --server, client commands",
          "[integration]") {
    check_interop(ServerKind::Courier);
}

TEST_CASE(
    "interop mailutils: archive, re-runs, UIDVALIDITY change, verify --server, client commands",
    "[integration]") {
    check_interop(ServerKind::Mailutils);
}
