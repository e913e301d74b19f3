// `export --dry-run` and `backup --dry-run` against a real Dovecot: the preview names what the
// export then does, and writes nothing.

#include <sys/stat.h>

#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <regex>

#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

// Every file of an archive with its bytes, but SQLite's shared-memory index (-shm) and an empty
// write-ahead log, which a reader of a WAL database opens (creating them if needed): a preview
// must leave everything else as it was.
std::map<std::string, std::string> files_of(const std::string& root) {
    std::map<std::string, std::string> out;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        const std::string rel = fs::relative(e.path(), root).string();
        if (rel == "index.sqlite-shm" || (rel == "index.sqlite-wal" && fs::file_size(e) == 0))
            continue;
        out[rel] = e.is_regular_file() ? read_file(e.path().string()) : "<dir>";
    }
    return out;
}

// The number after "KEY": in a JSON text, from `from` on; -1 when absent.
long long json_number(const std::string& json, const std::string& key, size_t from = 0) {
    std::smatch m;
    const std::string tail = json.substr(from);
    if (!std::regex_search(tail, m, std::regex("\"" + key + "\":([0-9]+)")))
        return -1;
    return std::stoll(m[1]);
}

// The folder object of a preview, as text ("" when the folder is not listed).
std::string folder_entry(const std::string& json, const std::string& name) {
    const size_t at = json.find("{\"name\":\"" + name + "\"");
    if (at == std::string::npos)
        return "";
    return json.substr(at, json.find('}', at) - at + 1);
}

void save(const DovecotServer& server, const std::string& folder, const std::string& message) {
    const std::string path = server.dir() + "/new.eml";
    std::ofstream(path, std::ios::binary) << message;
    REQUIRE(std::system(("echo '" + path + "' | '" + source_dir() + "/scripts/test-server' load '" +
                         server.dir() + "' '" + folder + "'")
                            .c_str()) == 0);
}

}  // namespace

TEST_CASE("dry-run: into a new directory it creates nothing and counts what the export fetches",
          "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir() + "/archive";
    auto preview =
        run_imapmirror(with({"export", "--out", out, "--dry-run", "--json"}, server.tls_args()));
    INFO(preview.err);
    REQUIRE(preview.exit_code == 0);
    CHECK_FALSE(fs::exists(out));
    CHECK(preview.out.find("\"archive_exists\":false") != std::string::npos);
    CHECK(folder_entry(preview.out, "INBOX").find("\"change\":\"new folder\"") !=
          std::string::npos);

    auto done = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    REQUIRE(done.exit_code == 0);
    CHECK(json_number(preview.out, "messages") == json_number(done.out, "messages"));
    CHECK(json_number(preview.out, "bytes") == json_number(done.out, "bytes"));
    CHECK(json_number(preview.out, "messages") > 0);
}

TEST_CASE(
    "dry-run: new mail, an expunge, a UIDVALIDITY change and a deleted folder are previewed as "
    "the export then finds them, and the archive is left as it was",
    "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);

    const std::string first = "From: a@example.org\r\nSubject: one\r\n\r\nbody one\r\n";
    const std::string second =
        "From: b@example.org\r\nSubject: two\r\n\r\n" + std::string(1000, 'x') + "\r\n";
    save(server, "INBOX", first);
    save(server, "INBOX", second);
    server.doveadm("expunge -u alice mailbox Sent uid 1");
    server.doveadm("mailbox update -u alice --uid-validity 4242 'A & B'");
    server.doveadm("mailbox delete -u alice -r 'Archive/2024/Q1'");
    const auto before = files_of(out);

    auto preview =
        run_imapmirror(with({"export", "--out", out, "-n", "--json"}, server.tls_args()));
    INFO(preview.out);
    INFO(preview.err);
    REQUIRE(preview.exit_code == 0);
    CHECK(files_of(out) == before);

    const std::string inbox = folder_entry(preview.out, "INBOX");
    CHECK(inbox.find("\"change\":\"changed\"") != std::string::npos);
    CHECK(json_number(inbox, "messages") == 2);
    CHECK(json_number(inbox, "bytes") == static_cast<long long>(first.size() + second.size()));
    const std::string sent = folder_entry(preview.out, "Sent");
    CHECK(json_number(sent, "expunged") == 1);
    CHECK(json_number(sent, "messages") == 0);
    CHECK(folder_entry(preview.out, "A & B").find("UIDVALIDITY changed") != std::string::npos);
    CHECK(folder_entry(preview.out, "Archive/2024/Q1").find("gone from the server") !=
          std::string::npos);
    CHECK(json_number(preview.out, "messages") >= 2);

    // The text form says the same in a table and one line.
    auto text = run_imapmirror(with({"export", "--out", out, "--dry-run"}, server.tls_args()));
    CHECK(text.out.find("Dry run, nothing written:") != std::string::npos);
    CHECK(text.out.find("gone from the server") != std::string::npos);

    auto done = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(done.out);
    REQUIRE(done.exit_code == 0);
    CHECK(json_number(done.out, "messages") == 2);  // A & B re-identified, not downloaded
    CHECK(json_number(done.out, "expunged") == 1);
    CHECK(json_number(done.out, "folders_deleted") == 1);

    // And once done, there is nothing left to do.
    auto after = run_imapmirror(with({"export", "--out", out, "-n", "--json"}, server.tls_args()));
    CHECK(json_number(after.out, "messages") == 0);
    CHECK(after.out.find("\"folders\":[]") != std::string::npos);
}

TEST_CASE("dry-run: backup --dry-run previews every account and creates no archive",
          "[integration]") {
    DovecotServer server;
    const std::string sandbox = make_temp_dir();
    const std::string config = sandbox + "/config.toml";
    std::ofstream(config) << "[defaults]\nhost = \"127.0.0.1\"\nport = " << server.tls_port()
                          << "\nuser = \"" << server.user() << "\"\nca_file = \""
                          << server.ca_file() << "\"\npassword_file = \"" << server.password_file()
                          << "\"\nout = \"archives/{account}\"\n\n[accounts.inbox]\n"
                             "include = [\"INBOX\"]\n\n[accounts.all]\n";
    ::chmod(config.c_str(), 0600);

    auto r = run_imapmirror({"backup", "--config", config, "--dry-run", "--json"});
    INFO(r.out);
    INFO(r.err);
    REQUIRE(r.exit_code == 0);
    CHECK(r.out.find("\"dry_run\":true") != std::string::npos);
    CHECK_FALSE(fs::exists(sandbox + "/archives"));
    const size_t inbox = r.out.find("\"account\":\"inbox\"");
    const size_t all = r.out.find("\"account\":\"all\"");
    REQUIRE(inbox != std::string::npos);
    REQUIRE(all != std::string::npos);
    CHECK(json_number(r.out, "messages", inbox) > 0);
    CHECK(json_number(r.out, "messages", all) > json_number(r.out, "messages", inbox));

    auto table = run_imapmirror({"backup", "--config", config, "-n"});
    CHECK(table.out.find("TO FETCH") != std::string::npos);
    CHECK(table.out.find("2 of 2 accounts checked (dry run, nothing written)") !=
          std::string::npos);
}

TEST_CASE(
    "dry-run: messages missing below the last UIDNEXT, which the export re-lists the folder "
    "for, are counted by the preview too",
    "[integration]") {
    // The index lost two rows of a folder recorded as synced (a row deleted by hand, a restore
    // of an older index): the export's reconciliation lists the folder from UID 1 and fetches
    // them; the preview must count what the export then fetches.
    DovecotServer server;
    const std::string out = make_temp_dir();
    REQUIRE(run_imapmirror(with({"export", "--out", out}, server.tls_args())).exit_code == 0);
    const std::string db = out + "/index.sqlite";
    REQUIRE(std::system(("sqlite3 '" + db +
                         "' \"DELETE FROM messages WHERE folder_id = (SELECT id FROM folders WHERE "
                         "name = 'INBOX') AND uid IN (1, 2)\"")
                            .c_str()) == 0);
    save(server, "INBOX", "From: c@example.org\r\nSubject: three\r\n\r\nbody three\r\n");

    auto preview =
        run_imapmirror(with({"export", "--out", out, "--dry-run", "--json"}, server.tls_args()));
    INFO(preview.out);
    INFO(preview.err);
    REQUIRE(preview.exit_code == 0);
    auto done = run_imapmirror(with({"export", "--out", out, "--json"}, server.tls_args()));
    INFO(done.out);
    REQUIRE(done.exit_code == 0);
    CHECK(json_number(done.out, "messages") == 3);
    CHECK(json_number(folder_entry(preview.out, "INBOX"), "messages") == 3);
    CHECK(json_number(preview.out, "messages") == json_number(done.out, "messages"));
    CHECK(json_number(preview.out, "bytes") == json_number(done.out, "bytes"));
}
