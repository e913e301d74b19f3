// backup's live progress as a person sees it: the words for a progress and a folder's changes.

#include "cli/progress_report.hpp"

#include <catch2/catch.hpp>

using namespace imapmirror;

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
