#include <catch2/catch.hpp>

#include "index/threading.hpp"

using namespace imapmirror::index;

namespace {
ThreadInput msg(std::string id, std::string refs = "", std::string irt = "",
                std::string subject = "s", std::string thread_index = "",
                std::string gm_thread = "") {
    return ThreadInput{std::move(id),           std::move(irt),     std::move(refs),
                       std::move(thread_index), std::move(subject), std::move(gm_thread)};
}
using Groups = std::vector<std::vector<size_t>>;
}  // namespace

TEST_CASE("threads: a reply chain is one thread whatever the arrival order", "[index]") {
    auto g = group_threads(
        {msg("<c>", "<a> <b>", "<b>"), msg("<x>"), msg("<a>"), msg("<b>", "<a>", "<a>")});
    CHECK(g == Groups{{0, 2, 3}, {1}});
}

TEST_CASE("threads: siblings whose parent was never archived still join", "[index]") {
    // Both cite the missing <root>; only the References chain links them.
    auto g = group_threads({msg("<r1>", "<root> <mid1>", "<mid1>"), msg("<r2>", "<root>", "")});
    CHECK(g == Groups{{0, 1}});
}

TEST_CASE("threads: any References entry links, not only the first", "[index]") {
    auto g = group_threads({msg("<a>"), msg("<z>", "<unknown> <a>", "")});
    CHECK(g == Groups{{0, 1}});
}

TEST_CASE("threads: reference loops do not hang or split", "[index]") {
    auto g = group_threads(
        {msg("<a>", "<b>", "<b>"), msg("<b>", "<a>", "<a>"), msg("<c>", "<c>", "<c>")});
    CHECK(g == Groups{{0, 1}, {2}});
}

TEST_CASE(
    "threads: one Message-ID on different messages keeps them apart while copies stay together",
    "[index]") {
    auto g = group_threads({msg("<dup>", "", "", "Invoice March"), msg("<dup>", "", "", "Lunch?"),
                            msg("<dup>", "", "", "Re: Invoice March")});
    CHECK(g == Groups{{0, 2}, {1}});
}

TEST_CASE("threads: Outlook Thread-Index joins messages that carry no references", "[index]") {
    // The 22-byte conversation prefix is shared; the child adds a 6-byte block.
    const std::string parent = "AdPnz6Y5rJkpgn2fQm6u3m0Nsw1rqg==";         // 22 bytes
    const std::string child = "AdPnz6Y5rJkpgn2fQm6u3m0Nsw1rqgAAAAAAAA==";  // 22 + 6 bytes
    const std::string other = "AdPn0000rJkpgn2fQm6u3m0Nsw1rqg==";
    auto g = group_threads({msg("<p>", "", "", "Budget", parent),
                            msg("<c>", "", "", "RE: Budget", child),
                            msg("<o>", "", "", "Budget", other)});
    CHECK(g == Groups{{0, 1}, {2}});
}

TEST_CASE("threads: messages without any identifier are threads of their own", "[index]") {
    auto g = group_threads({msg(""), msg(""), msg("<a>")});
    CHECK(g == Groups{{0}, {1}, {2}});
}

TEST_CASE("threads: reply prefixes in several languages are ignored when comparing subjects",
          "[index]") {
    CHECK(normalize_subject("Re: Fwd: AW:  Topic ") == "topic");
    CHECK(normalize_subject("SV: VS: WG: topic") == "topic");
    CHECK(normalize_subject("Reply: not a prefix") == "reply: not a prefix");
}

TEST_CASE("threads: Gmail's X-GM-THRID joins a conversation that no header links",
          "[index][gmail]") {
    auto g = group_threads({msg("<a>", "", "", "lunch?", "", "9001"), msg("<x>"),
                            msg("<b>", "", "", "re: plans", "", "9001"),
                            msg("<c>", "", "", "other", "", "9002")});
    CHECK(g == Groups{{0, 2}, {1}, {3}});
}
