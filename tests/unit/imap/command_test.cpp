#include <catch2/catch.hpp>

#include "imap/command.hpp"

using namespace imapmirror::imap;

TEST_CASE("command: astrings are atoms when possible, quoted otherwise", "[imap]") {
    CHECK(*quote_astring("INBOX") == "INBOX");
    CHECK(*quote_astring("Sent Items") == "\"Sent Items\"");
    CHECK(*quote_astring("a\"b\\c") == "\"a\\\"b\\\\c\"");
    CHECK(*quote_astring("") == "\"\"");
    CHECK(*quote_astring("NIL") == "\"NIL\"");
    CHECK(*quote_astring("50%") == "\"50%\"");
}

TEST_CASE("command: names that cannot be quoted become literals, NUL never goes out", "[imap]") {
    CHECK(*quote_astring("line\r\nbreak") == "{11}\r\nline\r\nbreak");
    CHECK(*quote_astring("caf\xC3\xA9") == "{5}\r\ncaf\xC3\xA9");
    CHECK(*quote_astring("caf\xC3\xA9", LiteralForm::NonSynchronizing) == "{5+}\r\ncaf\xC3\xA9");
    auto nul = quote_astring(std::string("a\0b", 3));
    REQUIRE_FALSE(nul);
    CHECK(nul.error().kind == imapmirror::core::ErrorKind::Usage);
}

TEST_CASE("command: mailbox arguments are modified UTF-7 and quoted", "[imap]") {
    CHECK(*mailbox_argument("inbox") == "INBOX");
    CHECK(*mailbox_argument("Entwürfe") == "Entw&APw-rfe");
    CHECK(*mailbox_argument("A & B") == "\"A &- B\"");
    CHECK(*mailbox_argument("日本語") == "&ZeVnLIqe-");
}

TEST_CASE("command: UID sets are compressed into ranges", "[imap]") {
    CHECK(uid_set({}) == "");
    CHECK(uid_set({7}) == "7");
    CHECK(uid_set({5, 1, 2, 3, 7, 8, 8}) == "1:3,5,7:8");
}

TEST_CASE("command: UID set chunks respect the UID count and line length", "[imap]") {
    std::vector<uint32_t> uids;
    for (uint32_t i = 1; i <= 250; ++i)
        uids.push_back(i);
    auto chunks = uid_set_chunks(uids, 100);
    REQUIRE(chunks.size() == 3);
    CHECK(chunks[0] == "1:100");
    CHECK(chunks[1] == "101:200");
    CHECK(chunks[2] == "201:250");

    std::vector<uint32_t> sparse;
    for (uint32_t i = 0; i < 1000; ++i)
        sparse.push_back(1000000 + i * 2);
    auto small = uid_set_chunks(sparse, 100000, 200);
    size_t total = 0;
    for (const auto& c : small) {
        CHECK(c.size() <= 200);
        total += static_cast<size_t>(std::count(c.begin(), c.end(), ',')) + 1;
    }
    CHECK(total == 1000);
}

TEST_CASE("command: with UTF8=ACCEPT enabled valid UTF-8 is quoted, anything else still a literal",
          "[imap]") {
    CHECK(*quote_astring("caf\xC3\xA9", LiteralForm::Synchronizing, QuotedText::Utf8) ==
          "\"caf\xC3\xA9\"");
    // Not UTF-8 (a Latin-1 byte), or a line break: no quoted form in any mode.
    CHECK(*quote_astring("caf\xE9", LiteralForm::Synchronizing, QuotedText::Utf8) ==
          "{4}\r\ncaf\xE9");
    CHECK(*quote_astring("a\r\nb", LiteralForm::Synchronizing, QuotedText::Utf8) ==
          "{4}\r\na\r\nb");
    CHECK(*mailbox_argument("Entwürfe", LiteralForm::Synchronizing, QuotedText::Utf8) ==
          "\"Entwürfe\"");
    // '&' is itself under UTF-8, not modified UTF-7's shift character.
    CHECK(*mailbox_argument("A & B", LiteralForm::Synchronizing, QuotedText::Utf8) == "\"A & B\"");
}
