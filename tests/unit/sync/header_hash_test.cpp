#include "sync/header_hash.hpp"

#include <catch2/catch.hpp>
#include <string>

using imapmirror::sync::header_sha256;
using imapmirror::sync::HeaderHasher;

namespace {

// The hash of `message` streamed in pieces of `step` bytes, as MessageSink sees it.
std::string streamed(const std::string& message, size_t step) {
    HeaderHasher h;
    for (size_t i = 0; i < message.size(); i += step)
        h.update(std::string_view(message).substr(i, step));
    return h.hex();
}

}  // namespace

TEST_CASE("header hash: the streamed message equals Dovecot's header answer, at every split",
          "[unit]") {
    const std::string message = "From: a@b\r\nSubject: hi\r\n\r\nbody\r\n\r\nmore\r\n";
    const std::string dovecot_header = "From: a@b\r\nSubject: hi\r\n\r\n";
    for (size_t step = 1; step <= message.size(); ++step)
        CHECK(streamed(message, step) == header_sha256(dovecot_header));
}

TEST_CASE(
    "header hash: a message with no blank line equals Courier's header answer without the "
    "last line break",
    "[unit]") {
    const std::string message = "From: a@b\r\nSubject: no body\r\n";
    const std::string courier_header = "From: a@b\r\nSubject: no body";
    for (size_t step = 1; step <= message.size(); ++step)
        CHECK(streamed(message, step) == header_sha256(courier_header));
    CHECK(header_sha256(message) == header_sha256(courier_header));
}

TEST_CASE("header hash: line breaks inside the header still count", "[unit]") {
    CHECK(header_sha256("A: 1\r\nB: 2\r\n\r\n") != header_sha256("A: 1B: 2\r\n\r\n"));
    CHECK(header_sha256("A: 1\r\n folded\r\n\r\n") != header_sha256("A: 1\r\n\r\n folded"));
}

TEST_CASE("header hash: bytes after the empty line are not part of it", "[unit]") {
    CHECK(header_sha256("A: 1\r\n\r\nbody one") == header_sha256("A: 1\r\n\r\nbody two"));
    CHECK(header_sha256("A: 1\n\nbody") == header_sha256("A: 1\r\n\r\n"));
}
