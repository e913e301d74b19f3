// Gmail-shaped exports: the daily byte budget (--max-bytes).

#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <catch2/catch.hpp>
#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <thread>

#include "test_server.hpp"

using namespace imapmirror::test;
namespace fs = std::filesystem;

namespace {

std::string scalar(const std::string& db, const std::string& sql) {
    return query(db, sql).at(0).at(0);
}

// The number after "key": in a --json summary.
uint64_t json_number(const std::string& json, const std::string& key) {
    const std::string needle = "\"" + key + "\":";
    const size_t p = json.find(needle);
    REQUIRE(p != std::string::npos);
    return std::stoull(json.substr(p + needle.size()));
}

void save(const RealServer& server, const std::string& folder, const std::string& message) {
    std::string path = server.dir() + "/new.eml";
    std::ofstream(path, std::ios::binary) << message;
    REQUIRE(std::system(("echo '" + path + "' | '" + source_dir() + "/scripts/test-server' load '" +
                         server.dir() + "' '" + folder + "'")
                            .c_str()) == 0);
}

std::string message(int n, size_t body_bytes) {
    return "From: n@example.org\r\nSubject: big " + std::to_string(n) + "\r\nMessage-ID: <big-" +
           std::to_string(n) + "@example.org>\r\n\r\n" + std::string(body_bytes, 'x') + "\r\n";
}

// Bodies (BODY[] answers) Dovecot sent since `offset` in its log, once every connection of the
// run has logged out (the count stops changing).
uint64_t bodies_sent(const RealServer& server, size_t offset) {
    uint64_t last = UINT64_MAX;
    for (int i = 0; i < 20; ++i) {
        uint64_t now = dovecot_bodies_since(server.dir() + "/dovecot.log", offset);
        if (now == last)
            return now;
        last = now;
        std::this_thread::sleep_for(std::chrono::milliseconds(200));
    }
    return last;
}

// Every message (folder, UID, bytes, path) and every file of an archive.
std::vector<std::string> fingerprint(const std::string& root) {
    std::vector<std::string> out;
    for (const auto& r : query(root + "/index.sqlite",
                               "SELECT f.name || ' ' || m.uid || ' ' || m.sha256 || ' ' || m.path "
                               "FROM messages m JOIN folders f ON f.id = m.folder_id ORDER BY 1"))
        out.push_back(r[0]);
    std::vector<std::string> files;
    for (const auto& e : fs::recursive_directory_iterator(root)) {
        std::string rel = fs::relative(e.path(), root).string();
        if (rel.rfind("index.sqlite", 0) == 0 || rel == ".imapmirror.lock")
            continue;
        files.push_back(rel);
    }
    std::sort(files.begin(), files.end());
    out.insert(out.end(), files.begin(), files.end());
    return out;
}

}  // namespace

TEST_CASE(
    "max-bytes: a budget smaller than the account stops there, later runs finish it with "
    "nothing fetched twice",
    "[integration]") {
    DovecotServer server;
    constexpr size_t kBody = 40'000;
    for (int n = 1; n <= 8; ++n)
        save(server, n % 2 ? "INBOX" : "Archive/2024", message(n, kBody));

    // The whole account in one run: what the budgeted runs must add up to.
    const std::string full = make_temp_dir();
    auto whole = run_imapmirror(with({"export", "--out", full, "--json"}, server.tls_args()));
    INFO(whole.err);
    REQUIRE(whole.exit_code == 0);
    const uint64_t account_bytes = json_number(whole.out, "bytes");
    const uint64_t messages = json_number(whole.out, "messages");  // the seeded ones, and 8
    REQUIRE(messages > 8);

    // 100K of ~330K: each run stops at the budget; three connections share it.
    const uint64_t budget = 100 * 1024;
    const std::string out = make_temp_dir();
    uint64_t fetched_bytes = 0, fetched_messages = 0, bodies = 0;
    int runs = 0;
    for (bool more = true; more; ++runs) {
        REQUIRE(runs < 10);
        const size_t offset = read_file(server.dir() + "/dovecot.log").size();
        auto r = run_imapmirror(
            with({"export", "--out", out, "--json", "--max-bytes", "100K", "--connections", "3"},
                 server.tls_args()));
        INFO(r.out << r.err);
        REQUIRE(r.exit_code == 0);  // a budget reached is not a failure: cron stays quiet
        const uint64_t bytes = json_number(r.out, "bytes");
        CHECK(bytes <= budget);  // sizes are reserved before the bodies are asked for
        more = r.out.find("\"budget_reached\":true") != std::string::npos;
        if (more) {
            CHECK(bytes + kBody + 200 > budget);  // stopped near it, not early
            CHECK(json_number(r.out, "messages_deferred") > 0);
        }
        fetched_bytes += bytes;
        fetched_messages += json_number(r.out, "messages");
        bodies += bodies_sent(server, offset);
    }
    CHECK(runs >= 3);
    CHECK(fetched_bytes == account_bytes);
    CHECK(fetched_messages == messages);
    CHECK(bodies == messages);  // counted at the server: nothing downloaded twice
    CHECK(fingerprint(out) == fingerprint(full));
    CHECK(run_imapmirror({"verify", out}).exit_code == 0);
    std::system(("rm -rf '" + out + "' '" + full + "'").c_str());
}

TEST_CASE("max-bytes: the text summary says the rest follows on the next run", "[integration]") {
    DovecotServer server;
    const std::string out = make_temp_dir();
    auto r = run_imapmirror(with({"export", "--out", out, "--max-bytes", "1"}, server.tls_args()));
    INFO(r.out << r.err);
    CHECK(r.exit_code == 0);
    CHECK(r.out.find("Budget of --max-bytes 1 reached: ") != std::string::npos);
    CHECK(r.out.find("messages follow on the next run") != std::string::npos);
    // The first message is taken even when it alone is over the budget: the account moves on.
    CHECK(scalar(out + "/index.sqlite", "SELECT COUNT(*) FROM messages") == "1");
    auto bad =
        run_imapmirror(with({"export", "--out", out, "--max-bytes", "2X"}, server.tls_args()));
    CHECK(bad.exit_code == 2);
    std::system(("rm -rf '" + out + "'").c_str());
}
