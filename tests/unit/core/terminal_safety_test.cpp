// Server text reaches the terminal through errors and logs: it must not carry escape
// sequences, ring the bell, or split one error into several lines.

#include <catch2/catch.hpp>

#include "cli/output.hpp"
#include "core/error.hpp"
#include "core/log.hpp"

using namespace imapmirror;

TEST_CASE("terminal: an error with ESC, BEL and CRLF from the server prints as one line",
          "[core][terminal]") {
    auto e = core::make_error(core::ErrorKind::Protocol, "EXAMINE failed");
    e.folder = "Evil\r\nimapmirror: all good";
    e.server_reply = "NO \x1b]0;pwned\x07 \x1b[2J gone";
    std::string line = e.describe();
    CHECK(line.find('\x1b') == std::string::npos);
    CHECK(line.find('\x07') == std::string::npos);
    CHECK(line.find('\r') == std::string::npos);
    CHECK(line.find('\n') == std::string::npos);
    CHECK(line.find("Evil\\r\\nimapmirror: all good") != std::string::npos);
    CHECK(line.find("\\x1b]0;pwned\\x07") != std::string::npos);
}

TEST_CASE("terminal: C1 controls and invalid UTF-8 are escaped, text is kept", "[core][terminal]") {
    CHECK(core::one_line("caf\xC3\xA9 \xE6\x97\xA5") == "caf\xC3\xA9 \xE6\x97\xA5");
    CHECK(core::one_line("a\xC2\x9B"
                         "31mb") == "a\\u009b31mb");  // U+009B is CSI
    CHECK(core::one_line("\x9B"
                         "31m") == "\\x9b31m");
    CHECK(core::one_line("tab\there\x7F") == "tab\\there\\x7f");
    CHECK(core::one_line("back\\slash") == "back\\slash");
}

TEST_CASE(
    "terminal: bidi overrides and isolates are escaped in errors and replaced in output, "
    "marks are kept",
    "[core][terminal]") {
    // "invoice\u202Efdp.exe" would show as "invoiceexe.pdf".
    const std::string rlo =
        "invoice\xE2\x80\xAE"
        "fdp.exe";
    CHECK(core::one_line(rlo) == "invoice\\u202efdp.exe");
    CHECK(cli::printable(rlo) == "invoice?fdp.exe");
    for (const char* c : {"\xE2\x80\xAA", "\xE2\x80\xAB", "\xE2\x80\xAC", "\xE2\x80\xAD",
                          "\xE2\x81\xA6", "\xE2\x81\xA7", "\xE2\x81\xA8", "\xE2\x81\xA9"}) {
        INFO(c);
        CHECK(cli::printable(std::string("a") + c + "b") == "a?b");
        CHECK(core::one_line(std::string("a") + c + "b").find("\\u20") == 1);
    }
    // Right-to-left marks reorder nothing and are common in Hebrew and Arabic subjects.
    const std::string rlm = "\xD7\xA9\xD7\x9C\xD7\x95\xD7\x9D\xE2\x80\x8F!";
    CHECK(cli::printable(rlm) == rlm);
    CHECK(core::one_line(rlm) == rlm);
}
