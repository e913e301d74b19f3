#include <catch2/catch.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <string>

#include "mime/part_range.hpp"

using namespace imapmirror::mime;

namespace {

// The file holds `content`; deleted when done.
struct TempFile {
    std::string path = "/tmp/imapmirror-range-XXXXXX";
    int fd = -1;
    explicit TempFile(const std::string& content) {
        fd = ::mkstemp(path.data());
        REQUIRE(fd >= 0);
        REQUIRE(::write(fd, content.data(), content.size()) ==
                static_cast<ssize_t>(content.size()));
    }
    ~TempFile() {
        ::close(fd);
        ::unlink(path.c_str());
    }
};

uint64_t at(const std::string& s, const std::string& what) {
    auto pos = s.find(what);
    REQUIRE(pos != std::string::npos);
    return pos;
}

const std::vector<std::string> kOuter{"--outer"};

}  // namespace

TEST_CASE("part range: from after the part's empty line to the line break before the delimiter",
          "[mime]") {
    const std::string inner = "From: a@example.org\r\nSubject: hi\r\n\r\nbody\r\n";
    const std::string msg =
        "Content-Type: multipart/mixed; boundary=outer\r\n\r\n--outer\r\n"
        "Content-Type: message/rfc822\r\nContent-Disposition: attachment\r\n\r\n" +
        inner + "\r\n--outer--\r\n";
    TempFile f(msg);
    auto r = content_after_header(f.fd, at(msg, "Content-Disposition"), kOuter);
    REQUIRE(r);
    CHECK(msg.substr(r->begin, r->end - r->begin) == inner);
}

TEST_CASE("part range: LF line ends, white space after the delimiter, and near misses", "[mime]") {
    const std::string msg =
        "--outer\nContent-Type: message/rfc822\n\nSubject: x\n\n--outerx\n--outer-- not\n"
        "body\n--outer-- \t\n";
    TempFile f(msg);
    auto r = content_after_header(f.fd, at(msg, "Content-Type"), kOuter);
    REQUIRE(r);
    CHECK(msg.substr(r->begin, r->end - r->begin) == "Subject: x\n\n--outerx\n--outer-- not\nbody");
    CHECK(content_from(f.fd, at(msg, "Subject"), {"--other"}) ==
          ByteRange{at(msg, "Subject"), msg.size()});
}

TEST_CASE("part range: a delimiter in the header block leaves the part empty", "[mime]") {
    const std::string msg = "--outer\r\nContent-Type: message/rfc822\r\n--outer--\r\n";
    TempFile f(msg);
    auto r = content_after_header(f.fd, at(msg, "Content-Type"), kOuter);
    REQUIRE(r);
    CHECK(r->begin == r->end);
    CHECK(r->begin == at(msg, "--outer--"));
}

TEST_CASE("part range: without enclosing multipart the content runs to the end of the file",
          "[mime]") {
    const std::string msg = "Content-Type: message/rfc822\r\n\r\nSubject: x\r\n\r\nend";
    TempFile f(msg);
    auto r = content_after_header(f.fd, 0, {});
    REQUIRE(r);
    CHECK(msg.substr(r->begin) == "Subject: x\r\n\r\nend");
    CHECK(r->end == msg.size());
}

TEST_CASE("part range: lines longer than a read, and a CRLF split between two reads", "[mime]") {
    // The first line fills the 1 MB read but for its LF; a 3 MB line follows.
    const std::string first = std::string((size_t{1} << 20) - 1, 'x') + "\r\n";
    const std::string content = first + std::string(3 << 20, 'y') + "\r\nlast";
    const std::string msg = content + "\r\n--outer--\r\n";
    TempFile f(msg);
    auto r = content_from(f.fd, 0, kOuter);
    REQUIRE(r);
    CHECK(*r == ByteRange{0, content.size()});
    const std::string lf = std::string((size_t{1} << 20) - 1, 'x') + "\n--outer\n";
    TempFile g(lf);
    CHECK(content_from(g.fd, 0, kOuter) == ByteRange{0, (size_t{1} << 20) - 1});
}
