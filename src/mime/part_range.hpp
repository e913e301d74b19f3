#pragma once
// Where a MIME part's content lies in a message file, by the rules of RFC 2046 section 5.1.1
// as GMime's parser applies them: the content begins after the empty line that ends the part's
// header block and ends before the line break that precedes the next delimiter line of an
// enclosing multipart ("--boundary" or "--boundary--", then only white space), or at the end of
// the file. Used to copy an attached message out byte for byte. The file is read in 1 MB
// pieces: memory stays flat whatever its size.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

namespace imapmirror::mime {

struct ByteRange {
    uint64_t begin = 0, end = 0;  // [begin, end) in the file
    bool operator==(const ByteRange&) const = default;
};

// `delimiters` are the enclosing multiparts' "--boundary" strings, any order. nullopt when the
// file cannot be read.

// The content of the part whose header block holds a header line starting at `header_offset`.
// A delimiter line met before the empty line ends the part there, empty.
std::optional<ByteRange> content_after_header(int fd, uint64_t header_offset,
                                              const std::vector<std::string>& delimiters);

// The content that begins at `begin` (the start of a line).
std::optional<ByteRange> content_from(int fd, uint64_t begin,
                                      const std::vector<std::string>& delimiters);

}  // namespace imapmirror::mime
