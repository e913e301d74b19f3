#pragma once
// Generated hostile input for the tests of the per-message bounds (HTML bombs, a .msg with
// thousands of attachments), shared by the unit tests and the memory-bound integration test.

#include <string>
#include <string_view>

namespace imapmirror::test {

// `piece` repeated to at least `bytes` bytes.
inline std::string repeat(std::string_view piece, size_t bytes) {
    std::string out;
    out.reserve(bytes + piece.size());
    while (out.size() < bytes)
        out += piece;
    return out;
}

// A message whose one body part is `html`; `id` is its Subject and Message-ID's local part.
inline std::string html_message(const std::string& id, const std::string& html) {
    return "From: bomb@example.org\r\nTo: a@example.org\r\nSubject: " + id + "\r\nMessage-ID: <" +
           id +
           "@example.org>\r\nMIME-Version: 1.0\r\nContent-Type: text/html; charset=utf-8\r\n\r\n" +
           html + "\r\n";
}

// A message (Message-ID <attachments@example.org>) with `n` one-byte attachments.
inline std::string with_attachments(size_t n) {
    std::string m =
        "From: bomb@example.org\r\nTo: a@example.org\r\nSubject: attachments\r\n"
        "Message-ID: <attachments@example.org>\r\nMIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"b\"\r\n\r\n--b\r\n"
        "Content-Type: text/plain\r\n\r\nbody\r\n";
    for (size_t i = 0; i < n; ++i)
        m += "--b\r\nContent-Type: application/octet-stream\r\nContent-Disposition: attachment; "
             "filename=\"f" +
             std::to_string(i) + "\"\r\n\r\nx\r\n";
    return m + "--b--\r\n";
}

}  // namespace imapmirror::test
