// `imapmirror dump`: the archive opened by programs nobody here wrote (notmuch, Python's
// mailbox module), and a re-dump that follows the archive.

#include <catch2/catch.hpp>
#include <cstdio>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <sstream>

#include "scoped_temp_dir.hpp"
#include "store/maildir.hpp"
#include "test_server.hpp"

using namespace imapmirror;
using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

// Runs `command` under /bin/sh; returns its stdout. The command is the test's own text.
std::string shell(const std::string& command, int* status = nullptr) {
    std::string out;
    FILE* pipe = ::popen(command.c_str(), "r");
    REQUIRE(pipe);
    char buf[4096];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, pipe)) > 0)
        out.append(buf, n);
    const int rc = ::pclose(pipe);
    if (status)
        *status = rc;
    else
        REQUIRE(rc == 0);
    return out;
}

std::string sh_word(const std::string& s) {
    std::string out = "'";
    for (char c : s)
        out += c == '\'' ? std::string("'\\''") : std::string(1, c);
    return out + "'";
}

struct Archive {
    DovecotServer server;
    ScopedTempDir dir;
    std::string root = dir.path + "/archive";
    std::string db = root + "/index.sqlite";
    Archive() { export_now(); }
    RunResult export_now(const std::vector<std::string>& global = {}) {
        auto r = run_imapmirror(with(with(global, {"export", "--out", root}), server.tls_args()));
        INFO(r.err);
        REQUIRE(r.exit_code == 0);
        return r;
    }
    void save(const std::string& folder, const std::string& message) {
        const std::string path = server.dir() + "/new.eml";
        std::ofstream(path, std::ios::binary) << message;
        load_files(server, folder, {path});
    }
};

// Every live message of the archive as the Maildir dump must hold it: "DIR/cur/NAME" -> .eml.
std::map<std::string, std::string> expected_maildir(const Archive& a) {
    std::map<std::string, std::string> out;
    for (const auto& r :
         query(a.db,
               "SELECT f.path, m.uidvalidity, m.uid, m.flags, m.path FROM messages m JOIN "
               "folders f ON f.id = m.folder_id WHERE m.deleted_at IS NULL AND "
               "f.deleted_at IS NULL"))
        out[store::maildir_folder_path(r[0]) + "/cur/" +
            store::maildir_name(
                {static_cast<uint32_t>(std::stoul(r[1])), static_cast<uint32_t>(std::stoul(r[2]))},
                r[3])] = r[4];
    return out;
}

// The files of a dump: "DIR/cur/NAME" for each regular file in a cur/ or new/.
std::set<std::string> dumped_files(const std::string& dump) {
    std::set<std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(dump))
        if (e.is_regular_file())
            out.insert(fs::relative(e.path(), dump).string());
    return out;
}

void check_dump_matches(const Archive& a, const std::string& dump) {
    const auto expected = expected_maildir(a);
    std::set<std::string> names;
    for (const auto& [name, eml] : expected) {
        names.insert(name);
        INFO(name);
        CHECK(read_file(dump + "/" + name) == read_file(a.root + "/" + eml));
    }
    CHECK(dumped_files(dump) == names);
}

}  // namespace

TEST_CASE(
    "dump: notmuch new indexes every live message of a Maildir dump and finds each "
    "Message-ID",
    "[integration]") {
    Archive a;
    const std::string dump = a.dir.path + "/maildir";
    auto r = run_imapmirror({"dump", a.root, "--format", "maildir", "--to", dump, "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    check_dump_matches(a, dump);
    const auto live = query(a.db, "SELECT path FROM messages WHERE deleted_at IS NULL");
    REQUIRE(live.size() > 10);
    CHECK(r.out.find("\"linked\":" + std::to_string(live.size()) + ",") != std::string::npos);
    // Hard links: the dump costs no bytes.
    CHECK(fs::hard_link_count(a.root + "/" + live[0][0]) == 2);

    const std::string config = a.dir.path + "/notmuch-config";
    std::ofstream(config) << "[database]\npath=" << dump << "\n[new]\ntags=\n[user]\nname=t\n"
                          << "primary_email=t@example.org\n";
    const std::string notmuch = "NOTMUCH_CONFIG=" + sh_word(config) + " notmuch ";
    shell(notmuch + "new --quiet");
    CHECK(std::stoul(shell(notmuch + "count --output=files '*'")) == live.size());
    std::set<std::string> found;
    std::istringstream ids(shell(notmuch + "search --output=messages '*'"));
    for (std::string line; std::getline(ids, line);)
        found.insert(line);
    for (const auto& row : query(a.db,
                                 "SELECT DISTINCT message_id FROM messages WHERE "
                                 "deleted_at IS NULL AND message_id LIKE '<%>'")) {
        const std::string id = "id:" + row[0].substr(1, row[0].size() - 2);
        INFO(id);
        CHECK(found.count(id) == 1);
    }

    // The target is kept apart from the archive, either way round, with one line and exit 2.
    for (const std::string& bad : {a.root + "/dump", a.dir.path}) {
        auto refused = run_imapmirror({"dump", a.root, "--to", bad});
        CHECK(refused.exit_code == 2);
        CHECK(refused.err.find("the dump target " + bad) != std::string::npos);
        CHECK(std::count(refused.err.begin(), refused.err.end(), '\n') == 1);
    }
    CHECK_FALSE(fs::exists(a.root + "/dump"));

    // --account NAME: the archive is the account's `out`, its folders its `include`.
    const std::string accounts = a.dir.path + "/config.toml";
    std::ofstream(accounts) << "[accounts.me]\nhost = \"127.0.0.1\"\nuser = \"alice\"\nout = \""
                            << a.root << "\"\ninclude = [\"Sent\"]\n";
    auto by_account = run_imapmirror({"dump", "--account", "me", "--config", accounts, "--to",
                                      a.dir.path + "/sent-only", "--format", "mbox"});
    INFO(by_account.err);
    CHECK(by_account.exit_code == 0);
    CHECK(fs::is_regular_file(a.dir.path + "/sent-only/Sent.mbox"));
    CHECK_FALSE(fs::exists(a.dir.path + "/sent-only/INBOX.mbox"));
}

TEST_CASE(
    "dump: Python's mailbox module reads every message of an mbox dump back with the "
    "archive's bytes",
    "[integration]") {
    Archive a;
    a.save("INBOX",
           "From: q@example.org\r\nSubject: quoting\r\nMessage-ID: <quote@example.org>"
           "\r\n\r\nFrom the start of a line\r\n>From quoted once\r\n>>From twice\r\n"
           "no final line break");
    a.export_now();
    const std::string dump = a.dir.path + "/mbox";
    auto r = run_imapmirror({"dump", a.root, "--format", "mbox", "--to", dump});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    // Python reads mboxrd without undoing the quoting; the script undoes it, and compares
    // with each .eml under the line-ending convention (CRLF as LF, a final LF).
    const std::string script = R"PY(
import mailbox, re, sqlite3, sys
archive, dump = sys.argv[1], sys.argv[2]
db = sqlite3.connect('file:' + archive + '/index.sqlite?mode=ro', uri=True)
folders = db.execute("SELECT id, path FROM folders WHERE selectable AND deleted_at IS NULL").fetchall()
checked = 0
for folder_id, path in folders:
    emls = [p for (p,) in db.execute("SELECT path FROM messages WHERE folder_id = ? AND "
            "deleted_at IS NULL ORDER BY uidvalidity, uid", (folder_id,))]
    box = mailbox.mbox(dump + '/' + path + '.mbox', create=False)
    got = [re.sub(rb'(?m)^>(>*From )', rb'\1', box.get_bytes(k)) for k in box.keys()]
    want = []
    for p in emls:
        data = open(archive + '/' + p, 'rb').read().replace(b'\r\n', b'\n')
        want.append(data if data.endswith(b'\n') or not data else data + b'\n')
    if got != want:
        print('differs:', path, len(got), len(want)); sys.exit(1)
    checked += len(got)
print(checked)
)PY";
    const std::string script_path = a.dir.path + "/check.py";
    std::ofstream(script_path) << script;
    const auto live = query(a.db, "SELECT count(*) FROM messages WHERE deleted_at IS NULL");
    CHECK(shell("python3 " + sh_word(script_path) + " " + sh_word(a.root) + " " + sh_word(dump)) ==
          live[0][0] + "\n");
    const std::string inbox = read_file(dump + "/INBOX.mbox");
    CHECK(inbox.find("\n>From the start of a line\n>>From quoted once\n>>>From twice\n"
                     "no final line break\n\n") != std::string::npos);
    CHECK(inbox.find('\r') == std::string::npos);
}

TEST_CASE("dump: a re-dump after new mail, flag changes and an expunge matches the archive",
          "[integration]") {
    Archive a;
    const std::string dump = a.dir.path + "/maildir";
    REQUIRE(run_imapmirror({"dump", a.root, "--to", dump}).exit_code == 0);
    // A file of the user's in the dump is never touched.
    std::ofstream(dump + "/INBOX/cur/mine:2,S") << "kept";
    a.save("INBOX",
           "From: n@example.org\r\nSubject: new\r\nMessage-ID: <new@example.org>\r\n\r\n"
           "x\r\n");
    a.server.doveadm("flags add -u alice '\\Flagged \\Answered' mailbox INBOX uid 2");
    a.server.doveadm("flags remove -u alice '\\Seen' mailbox Sent uid 1");
    a.server.doveadm("expunge -u alice mailbox INBOX uid 1");
    // export -v says what was new in each folder, one line per folder with a change.
    const auto exported = a.export_now({"-v"});
    CHECK(exported.err.find("imapmirror: INBOX: 1 new message (") != std::string::npos);
    CHECK(exported.err.find("B), 1 flag change, 1 expunged\n") != std::string::npos);
    CHECK(exported.err.find("imapmirror: Sent: 1 flag change\n") != std::string::npos);
    CHECK(exported.err.find("imapmirror: Archive") == std::string::npos);
    auto r = run_imapmirror({"dump", a.root, "--to", dump, "--json"});
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"linked\":1,") != std::string::npos);
    CHECK(r.out.find("\"renamed\":2,") != std::string::npos);
    CHECK(r.out.find("\"removed\":1,") != std::string::npos);
    CHECK(read_file(dump + "/INBOX/cur/mine:2,S") == "kept");
    fs::remove(dump + "/INBOX/cur/mine:2,S");
    check_dump_matches(a, dump);
}
