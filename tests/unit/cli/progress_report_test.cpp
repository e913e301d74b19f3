// backup's live progress: what an export child says on stderr, what backup reads back, and
// the words a person sees.

#include "cli/progress_report.hpp"

#include <catch2/catch.hpp>

using namespace imapmirror;

TEST_CASE("progress lines: what an export child writes, backup reads back, and nothing else") {
    sync::Progress p;
    p.folders_done = 2;
    p.folders_total = 9;
    p.messages_done = 120;
    p.messages_total = 500;
    p.bytes_done = 12u << 20;
    p.folder = "Entwürfe \"x\"\x1b";
    const std::string line = cli::progress_line(p);
    CHECK(line.rfind("imapmirror-progress: {", 0) == 0);
    CHECK(line.find('\n') == std::string::npos);
    auto back = cli::parse_progress_line(line);
    REQUIRE(back);
    CHECK(back->folders_done == 2);
    CHECK(back->folders_total == 9);
    CHECK(back->messages_done == 120);
    CHECK(back->messages_total == 500);
    CHECK(back->bytes_done == (12u << 20));
    CHECK(back->folder == p.folder);
    CHECK_FALSE(cli::parse_progress_line("imapmirror: warning: progress: 1/2"));
    CHECK_FALSE(cli::parse_progress_line("imapmirror-progress: {\"messages_done\":1}"));
    CHECK_FALSE(cli::parse_progress_line("imapmirror-progress: not json"));
    CHECK_FALSE(cli::parse_progress_line(""));
}

TEST_CASE("progress words: messages, bytes, rate after a second, ETA while messages are left") {
    sync::Progress p;
    p.messages_done = 100;
    p.messages_total = 400;
    p.bytes_done = 10u << 20;
    CHECK(cli::describe_progress(p, std::chrono::seconds(10)) ==
          "100/400 messages, 10M, 1.0M/s, ETA 0:30");
    CHECK(cli::describe_progress(p, std::chrono::milliseconds(500)) ==
          "100/400 messages, 10M, ETA 0:01");
    p.messages_done = 400;
    CHECK(cli::describe_progress(p, std::chrono::seconds(100)).find("ETA") == std::string::npos);
    p.messages_done = 0;
    CHECK(cli::describe_progress(p, std::chrono::seconds(100)).find("ETA") == std::string::npos);
}

TEST_CASE("export -v per folder: new messages with bytes, flag changes, expunged, only non-zero") {
    sync::FolderChanges c;
    c.messages = 3;
    c.bytes = 12 * 1024;
    c.flags_changed = 2;
    c.expunged = 1;
    CHECK(cli::describe_folder_changes("INBOX", c) ==
          "INBOX: 3 new messages (12K), 2 flag changes, 1 expunged");
    CHECK(cli::describe_folder_changes("Sent", {1, 500, 0, 0}) == "Sent: 1 new message (500B)");
    CHECK(cli::describe_folder_changes("Trash", {0, 0, 1, 0}) == "Trash: 1 flag change");
    CHECK(cli::describe_folder_changes("Junk", {0, 0, 0, 7}) == "Junk: 7 expunged");
}
