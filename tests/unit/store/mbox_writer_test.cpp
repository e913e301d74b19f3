// mboxrd for `dump --format mbox`: the quoting readers undo, fed in any split, the From line
// and the line-ending convention.

#include "store/mbox_writer.hpp"

#include <catch2/catch.hpp>
#include <random>

using namespace imapmirror;

namespace {

std::string encode(std::string_view in, size_t chunk) {
    store::MboxrdEncoder encoder;
    std::string out;
    for (size_t i = 0; i < in.size(); i += chunk)
        encoder.feed(in.substr(i, chunk), out);
    encoder.finish(out);
    return out;
}

// Whole, byte by byte, and in random splits: the same text.
std::string encode_every_way(std::string_view in) {
    const std::string whole = encode(in, in.size() + 1);
    CHECK(encode(in, 1) == whole);
    std::mt19937 random(7);
    store::MboxrdEncoder encoder;
    std::string out;
    for (size_t i = 0; i < in.size();) {
        const size_t n = std::uniform_int_distribution<size_t>(1, 5)(random);
        encoder.feed(in.substr(i, n), out);
        i += n;
    }
    encoder.finish(out);
    CHECK(out == whole);
    return whole;
}

}  // namespace

TEST_CASE("mboxrd: a line matching >*From  gets one more >, in every split of the input") {
    CHECK(encode_every_way("From me\r\n") == ">From me\n");
    CHECK(encode_every_way("a\r\nFrom x\r\n>From y\r\n>>From z\r\n") ==
          "a\n>From x\n>>From y\n>>>From z\n");
    CHECK(encode_every_way("From\r\nFro\r\n>Fro\r\n> From\r\nxFrom \r\n") ==
          "From\nFro\n>Fro\n> From\nxFrom \n");
    CHECK(encode_every_way(">>>") == ">>>\n");
    CHECK(encode_every_way("a\nFrom ") == "a\n>From \n");
    CHECK(encode_every_way("a\nFro") == "a\nFro\n");
}

TEST_CASE("mboxrd: CRLF becomes LF, a lone CR stays, a message gets a final LF") {
    CHECK(encode_every_way("a\r\nb\r\n") == "a\nb\n");
    CHECK(encode_every_way("a\rb\r\n\r") == "a\rb\n\r\n");
    CHECK(encode_every_way("no break at the end") == "no break at the end\n");
    CHECK(encode_every_way("") == "");
    CHECK(encode_every_way("\r\n") == "\n");
}

TEST_CASE("mbox From line: the sender's address and INTERNALDATE in asctime form, UTC") {
    CHECK(store::mbox_from_line("Jörg Müller <joerg@example.de>", "2024-01-03T10:00:00Z") ==
          "From joerg@example.de Wed Jan  3 10:00:00 2024\n");
    CHECK(store::mbox_from_line("a@b.example", "2023-12-25T23:59:59Z") ==
          "From a@b.example Mon Dec 25 23:59:59 2023\n");
    CHECK(store::mbox_from_line("", "") == "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n");
    CHECK(store::mbox_from_line("Undisclosed recipients", "garbage") ==
          "From MAILER-DAEMON Thu Jan  1 00:00:00 1970\n");
    CHECK(store::mbox_from_line("x <a b@c>", "2024-02-29T00:00:00Z") ==
          "From MAILER-DAEMON Thu Feb 29 00:00:00 2024\n");
    CHECK(store::mbox_from_line("x <a\n@c>", "2024-02-29T00:00:00Z").find('\n') ==
          std::string("From MAILER-DAEMON Thu Feb 29 00:00:00 2024").size());
}

TEST_CASE("mbox X-Mozilla-Status: read, replied, flagged and forwarded as Thunderbird reads them") {
    CHECK(store::mozilla_status_line("") == "X-Mozilla-Status: 0000\n");
    CHECK(store::mozilla_status_line("\\Seen") == "X-Mozilla-Status: 0001\n");
    CHECK(store::mozilla_status_line("\\seen \\Answered \\Flagged $Forwarded") ==
          "X-Mozilla-Status: 1007\n");
}
