// What an export child says on stderr about its progress, and what backup reads back.

#include "run/progress_lines.hpp"

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
    const std::string line = run::progress_line(p);
    CHECK(line.rfind("imapmirror-progress: {", 0) == 0);
    CHECK(line.find('\n') == std::string::npos);
    auto back = run::parse_progress_line(line);
    REQUIRE(back);
    CHECK(back->folders_done == 2);
    CHECK(back->folders_total == 9);
    CHECK(back->messages_done == 120);
    CHECK(back->messages_total == 500);
    CHECK(back->bytes_done == (12u << 20));
    CHECK(back->folder == p.folder);
    CHECK_FALSE(run::parse_progress_line("imapmirror: warning: progress: 1/2"));
    CHECK_FALSE(run::parse_progress_line("imapmirror-progress: {\"messages_done\":1}"));
    CHECK_FALSE(run::parse_progress_line("imapmirror-progress: not json"));
    CHECK_FALSE(run::parse_progress_line(""));
}

TEST_CASE("progress lines: a progress line with a field that is not a number is not progress") {
    CHECK_FALSE(run::parse_progress_line(
        "imapmirror-progress: {\"folders_done\":1,\"folders_total\":2,\"messages_done\":\"x\","
        "\"messages_total\":3,\"bytes_done\":4}"));
    CHECK_FALSE(run::parse_progress_line("imapmirror-progress: [1,2,3]"));
    CHECK_FALSE(run::parse_progress_line(" imapmirror-progress: {}"));
}

TEST_CASE("progress lines: the folder is optional, the numbers are not") {
    auto p = run::parse_progress_line(
        "imapmirror-progress: {\"folders_done\":1,\"folders_total\":2,\"messages_done\":3,"
        "\"messages_total\":4,\"bytes_done\":5}");
    REQUIRE(p);
    CHECK(p->folder.empty());
    CHECK(p->bytes_done == 5);
}
