// A run's connect function: nothing is resolved before the first connection, the password
// once for every later one, and a failed resolution is tried again.

#include "connect/connector.hpp"

#include <catch2/catch.hpp>
#include <cstdlib>

using namespace imapmirror;

namespace {

// Nothing listens on port 1 of the loopback: a connection is refused at once.
connect::ConnectionSettings unreachable() {
    connect::ConnectionSettings s;
    s.host = "127.0.0.1";
    s.port = 1;
    s.tls = "none";
    s.user = "me";
    s.connect_timeout_s = 5;
    return s;
}

// A connect function to unreachable() whose password prompt counts its calls in `asked` and
// answers `answer`; no password comes from the environment.
std::function<core::Result<std::unique_ptr<imap::Client>>()> counted(
    int& asked, core::Result<std::string> answer) {
    ::unsetenv("IMAPMIRROR_PASSWORD");
    ::unsetenv("IMAPMIRROR_OAUTH2_TOKEN");
    return connect::lazy_connector(unreachable(),
                                   [&asked, answer](const std::string&, const std::string&) {
                                       ++asked;
                                       return answer;
                                   });
}

}  // namespace

TEST_CASE("lazy connector: the password is asked for at the first connection, and only then",
          "[connect]") {
    int asked = 0;
    auto connect = counted(asked, std::string("secret"));
    CHECK(asked == 0);
    auto copy = connect;  // what a run hands its threads
    CHECK_FALSE(connect());
    CHECK(asked == 1);
    CHECK_FALSE(copy());
    CHECK_FALSE(connect());
    CHECK(asked == 1);
}

TEST_CASE("lazy connector: a failed resolution is the call's error, and the next call tries again",
          "[connect]") {
    int asked = 0;
    auto connect = counted(asked, core::make_error(core::ErrorKind::Usage, "no password entered"));
    auto first = connect();
    REQUIRE_FALSE(first);
    CHECK(first.error().message == "no password entered");
    CHECK_FALSE(connect());
    CHECK(asked == 2);
}
