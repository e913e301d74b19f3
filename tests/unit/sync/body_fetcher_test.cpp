// BodyFetcher on a scripted server and a temporary archive: a refused batch is narrowed down
// to the message the server will not send, the byte budget defers what does not fit, and
// what arrives is archived with its index row. Each case takes milliseconds.

#include "sync/body_fetcher.hpp"

#include <catch2/catch.hpp>

#include <sys/stat.h>

#include <filesystem>
#include <fstream>

#include "cli/exit_codes.hpp"
#include "inbox_index.hpp"
#include "scripted_mailbox.hpp"
#include "store/mirror_layout.hpp"
#include "sync/shared_run.hpp"
#include "sync/stale_temporaries.hpp"
#include "unit/core/faulty_file_system.hpp"

using namespace imapmirror;
using test::ScriptedMailbox;
using test::uids_in;

namespace {

std::string message(uint32_t uid) {
    return "From: a@example.org\r\nSubject: message " + std::to_string(uid) + "\r\n\r\nbody " +
           std::to_string(uid) + "\r\n";
}

// Answers body and size fetches with message(uid) for UIDs 1..`count`; a body fetch whose set
// holds a UID in `refused` gets a NO.
ScriptedMailbox mailbox(uint32_t count, std::vector<uint32_t> refused) {
    ScriptedMailbox server;
    server.custom = [count, refused](const std::string& command, const std::string& tag) {
        if (command.rfind("UID FETCH ", 0) != 0)
            return std::string();
        const std::string set = command.substr(10, command.find(' ', 10) - 10);
        const bool bodies = command.find("BODY.PEEK[]") != std::string::npos;
        std::string out;
        for (uint32_t uid : uids_in(set)) {
            if (uid > count)
                continue;
            if (bodies && std::find(refused.begin(), refused.end(), uid) != refused.end())
                return tag + " NO cannot send that message\r\n";  // no code: narrowed at once
            const std::string m = message(uid);
            const std::string u = std::to_string(uid);
            out += "* " + u + " FETCH (UID " + u + " RFC822.SIZE " + std::to_string(m.size());
            if (bodies)
                out += " FLAGS (\\Seen) INTERNALDATE \"01-Jan-2024 10:00:00 +0000\" BODY[] {" +
                       std::to_string(m.size()) + "}\r\n" + m;
            out += ")\r\n";
        }
        return out + tag + " OK done\r\n";
    };
    return server;
}

// A temporary archive with one folder, INBOX, and the run's shared state over its index.
struct Archive : test::InboxIndex {
    sync::ExportOptions options;

    Archive() {
        REQUIRE(::mkdir((dir.dir + "/INBOX").c_str(), 0700) == 0);
        options.root = dir.dir;
        options.uids_per_fetch = 100;
    }
    // Fetches `uids` with a budget of `max_bytes`; returns the failures.
    size_t fetch(ScriptedMailbox& server, const std::vector<uint32_t>& uids,
                 std::optional<uint64_t> max_bytes = std::nullopt, size_t* deferred = nullptr) {
        options.max_bytes = max_bytes;
        auto client = server.client();
        sync::SharedRun run(*ix, summary, nullptr, max_bytes);
        sync::BodyFetcher fetcher(*client, run, options, folder, 7, [] { return false; });
        auto failed = fetcher.fetch(uids);
        REQUIRE(failed);
        if (deferred)
            *deferred = fetcher.deferred();
        return *failed;
    }
    // Fetches `uids` writing through `fs`; the fetch's own result.
    core::Result<size_t> fetch_through(ScriptedMailbox& server, const std::vector<uint32_t>& uids,
                                       core::FileSystem& fs) {
        auto client = server.client();
        sync::SharedRun run(*ix, summary, nullptr, std::nullopt);
        sync::BodyFetcher fetcher(
            *client, run, options, folder, 7, [] { return false; }, fs);
        return fetcher.fetch(uids);
    }
    // The names in INBOX's directory.
    std::vector<std::string> files() {
        std::vector<std::string> names;
        for (const auto& e : std::filesystem::directory_iterator(dir.dir + "/INBOX"))
            names.push_back(e.path().filename().string());
        std::sort(names.begin(), names.end());
        return names;
    }
    std::string contents(const std::string& name) {
        std::ifstream in(dir.dir + "/INBOX/" + name, std::ios::binary);
        return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    }
    std::vector<uint32_t> archived() {
        auto live = ix->live_uids(folder.id, 7);
        REQUIRE(live);
        return *live;
    }
};

}  // namespace

TEST_CASE("body fetcher: a refused batch is narrowed to the one message the server refuses",
          "[sync][fetch]") {
    Archive archive;
    auto server = mailbox(4, {2});
    CHECK(archive.fetch(server, {1, 2, 3, 4}) == 1);
    CHECK(archive.archived() == std::vector<uint32_t>{1, 3, 4});
    REQUIRE(archive.summary.errors.size() == 1);
    CHECK(archive.summary.errors[0].uid == 2u);
    CHECK(archive.summary.errors[0].scope == core::Scope::Message);
    CHECK(archive.summary.messages == 3);
    // 1:4, then its halves, then the half with 2 split again: every other message was asked for.
    CHECK(server.sent("UID FETCH 1:4 "));
    CHECK(server.sent("UID FETCH 3:4 "));
    CHECK(server.sent("UID FETCH 2 "));
}

TEST_CASE("body fetcher: the byte budget defers what does not fit, without error",
          "[sync][fetch][budget]") {
    Archive archive;
    auto server = mailbox(4, {});
    const uint64_t two = message(1).size() + message(2).size();
    size_t deferred = 0;
    CHECK(archive.fetch(server, {1, 2, 3, 4}, two, &deferred) == 0);
    CHECK(deferred == 2);
    CHECK(archive.archived() == std::vector<uint32_t>{1, 2});
    CHECK(archive.summary.budget_reached);
    CHECK(archive.summary.deferred == 2);
    CHECK(archive.summary.errors.empty());
    CHECK_FALSE(server.sent("UID FETCH 3:4 (UID FLAGS"));
}

TEST_CASE("body fetcher: a file already at a message's name is kept, the message goes beside it",
          "[sync][fetch][conflict]") {
    // What a crash between rename and index commit leaves, or a file put there by hand: the
    // name the message gets is learnt from a first archive, then taken in a second one.
    std::string name;
    {
        Archive first;
        auto server = mailbox(1, {});
        REQUIRE(first.fetch(server, {1}) == 0);
        for (const auto& e : std::filesystem::directory_iterator(first.dir.dir + "/INBOX"))
            name = e.path().filename().string();
    }
    REQUIRE_FALSE(name.empty());
    Archive archive;
    const std::string path = archive.dir.dir + "/INBOX/" + name;
    std::ofstream(path, std::ios::binary) << "other bytes";
    auto server = mailbox(1, {});
    REQUIRE(archive.fetch(server, {1}) == 0);
    CHECK(archive.archived() == std::vector<uint32_t>{1});
    std::ifstream in(path, std::ios::binary);
    std::string kept((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    CHECK(kept == "other bytes");
    size_t files = 0;
    for ([[maybe_unused]] const auto& e :
         std::filesystem::directory_iterator(archive.dir.dir + "/INBOX"))
        ++files;
    CHECK(files == 2);
}

// The local disk under the export (tests/unit/core/faulty_file_system.hpp): a message is at its
// final name whole and indexed, or not there at all.

TEST_CASE(
    "body fetcher: an ENOSPC while writing a message leaves no file at its final name and no "
    "index row, and reports the path as disk full (exit 9)",
    "[sync][fetch][file-faults]") {
    Archive archive;
    auto server = mailbox(3, {});
    test::FaultyFileSystem faulty;
    faulty.fail_write(2, ENOSPC);  // the second message's bytes
    auto fetched = archive.fetch_through(server, {1, 2, 3}, faulty);
    REQUIRE_FALSE(fetched);
    const core::Error& e = fetched.error();
    CHECK(e.kind == core::ErrorKind::DiskFull);
    CHECK(e.message.find(archive.dir.dir + "/INBOX/" + store::kTempPrefix) != std::string::npos);
    CHECK(cli::exit_code_for(e) == 9);
    // What arrived complete before the disk filled is archived; the rest is not, in any part.
    const auto archived = archive.archived();
    for (uint32_t uid : archived)
        CHECK(archive.contents("7-" + std::to_string(uid) + ".eml") == message(uid));
    CHECK(std::find(archived.begin(), archived.end(), 2u) == archived.end());
    for (const auto& name : archive.files()) {
        CHECK(name != "7-2.eml");
        CHECK(name.rfind(store::kTempPrefix, 0) != 0);  // the temporaries went with the fetch
    }
}

TEST_CASE("body fetcher: short writes and EINTR while writing messages still archive every byte",
          "[sync][fetch][file-faults]") {
    Archive archive;
    auto server = mailbox(3, {});
    test::FaultyFileSystem faulty;
    SECTION("a short write") {
        faulty.short_write(2, 7);
    }
    SECTION("an EINTR") {
        faulty.fail_write(2, EINTR);
    }
    auto fetched = archive.fetch_through(server, {1, 2, 3}, faulty);
    REQUIRE(fetched);
    CHECK(*fetched == 0);
    CHECK(faulty.writes() == 4);  // one write per message, one of them twice
    CHECK(archive.archived() == std::vector<uint32_t>{1, 2, 3});
    CHECK(archive.files() == std::vector<std::string>{"7-1.eml", "7-2.eml", "7-3.eml"});
    for (uint32_t uid : {1u, 2u, 3u})
        CHECK(archive.contents("7-" + std::to_string(uid) + ".eml") == message(uid));
}

TEST_CASE(
    "body fetcher: a crash before the batch's renames leaves no message at its final name and "
    "no index row, and the next run's stale-temporaries cleanup removes what it left",
    "[sync][fetch][file-faults]") {
    Archive archive;
    auto server = mailbox(2, {});
    test::FaultyFileSystem faulty;
    faulty.crash_before_rename();
    CHECK_FALSE(archive.fetch_through(server, {1, 2}, faulty));
    CHECK(faulty.crashed());
    CHECK(archive.archived().empty());
    const auto left = archive.files();
    CHECK(left.size() == 2);  // both messages, whole, under temporary names
    for (const auto& name : left)
        CHECK(name.rfind(store::kTempPrefix, 0) == 0);
    // The restart: the cleanup that runs under the archive's lock before anything is written.
    auto root = store::ArchiveRoot::open(archive.dir.dir);
    REQUIRE(root);
    auto removed = sync::remove_stale_temporaries(*root, *archive.ix);
    REQUIRE(removed);
    CHECK(*removed == 2);
    CHECK(archive.files().empty());
}
