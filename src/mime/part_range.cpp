#include "mime/part_range.hpp"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <string_view>

namespace imapmirror::mime {

namespace {

constexpr size_t kPiece = size_t{1} << 20;
// The bytes of a line that are looked at: plenty for a delimiter line (a boundary has at most
// 70 characters, RFC 2046) with the white space allowed after it.
constexpr size_t kLineHead = 4096;

struct Line {
    uint64_t offset = 0;
    std::string_view head;  // the line's first bytes, with its line break when they hold it all
    bool whole = false;     // head is the whole line
    size_t line_break = 0;  // 2 for CRLF, 1 for LF, 0 at the end of the file
};

// A file read forward a line at a time, a piece at a time.
class LineReader {
  public:
    LineReader(int fd, uint64_t from) : m_fd(fd), m_next(from) {
        struct stat st {};
        m_size = ::fstat(fd, &st) == 0 ? static_cast<uint64_t>(st.st_size) : UINT64_MAX;
    }

    // The next line; false at the end of the file or on a read error (failed()).
    bool next(Line& line) {
        if (!holds(m_next))
            return false;
        line.offset = m_next;
        const size_t at = static_cast<size_t>(m_next - m_start);
        size_t nl = m_buf.find('\n', at);
        const size_t head_end = nl == std::string::npos ? m_buf.size() : nl + 1;
        m_head.assign(m_buf, at, std::min(head_end - at, kLineHead));
        line.head = m_head;
        line.whole = nl != std::string::npos && m_head.size() == head_end - at;
        bool cr = nl != std::string::npos && nl > at && m_buf[nl - 1] == '\r';
        while (nl == std::string::npos) {  // a line longer than what is read: read on
            const uint64_t scanned = m_start + m_buf.size();
            const char last = m_buf.empty() ? '\0' : m_buf.back();
            if (!load(scanned))
                return false;
            if (m_buf.empty()) {  // the last line, without a line break
                line.whole = line.whole || scanned - line.offset == m_head.size();
                line.line_break = 0;
                m_next = scanned;
                return true;
            }
            nl = m_buf.find('\n');
            if (nl != std::string::npos)
                cr = nl > 0 ? m_buf[nl - 1] == '\r' : last == '\r';
        }
        line.line_break = cr ? 2 : 1;
        m_next = m_start + nl + 1;
        return true;
    }

    bool failed() const { return m_failed; }
    uint64_t position() const { return m_next; }  // after the last line read

  private:
    // Whether a line starts at `offset` and the buffer holds it, or its first kLineHead bytes.
    bool holds(uint64_t offset) {
        const uint64_t end = m_start + m_buf.size();
        const bool in_buffer = offset >= m_start && (offset + kLineHead <= end || m_to_eof);
        if (!in_buffer && !load(offset))
            return false;
        return offset < m_start + m_buf.size();
    }

    // Reads the piece at `offset`, no bigger than what the file has left (most messages are a
    // few KB); false on a read error.
    bool load(uint64_t offset) {
        m_start = offset;
        const size_t want =
            static_cast<size_t>(std::min<uint64_t>(kPiece, m_size > offset ? m_size - offset : 0));
        m_buf.resize(want);
        size_t got = 0;
        while (got < want) {
            ssize_t n =
                ::pread(m_fd, m_buf.data() + got, want - got, static_cast<off_t>(offset + got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0) {
                m_failed = true;
                m_buf.clear();
                return false;
            }
            if (n == 0)
                break;
            got += static_cast<size_t>(n);
        }
        m_buf.resize(got);
        m_to_eof = got < kPiece;
        return true;
    }

    int m_fd;
    uint64_t m_size = 0;   // the file's (UINT64_MAX when unknown)
    uint64_t m_next;       // where the next line starts
    uint64_t m_start = 0;  // file offset of m_buf[0]
    std::string m_buf, m_head;
    bool m_to_eof = false;  // m_buf reaches the end of the file
    bool m_failed = false;
};

bool is_empty_line(const Line& line) {
    return line.head == "\n" || line.head == "\r\n";
}

// "--boundary" or "--boundary--", then only white space (GMime's is_boundary).
bool is_delimiter_line(const Line& line, const std::vector<std::string>& delimiters) {
    if (!line.whole || line.head.substr(0, 2) != "--")
        return false;
    for (const auto& delimiter : delimiters) {
        if (line.head.substr(0, delimiter.size()) != delimiter)
            continue;
        std::string_view rest = line.head.substr(delimiter.size());
        if (rest.substr(0, 2) == "--")
            rest.remove_prefix(2);
        if (rest.find_first_not_of(" \t\r\n") == std::string_view::npos)
            return true;
    }
    return false;
}

// The content from `begin`, where `lines` reads next.
std::optional<ByteRange> scan_content(LineReader& lines, uint64_t begin,
                                      const std::vector<std::string>& delimiters) {
    Line line;
    size_t previous_break = 0;
    while (lines.next(line)) {
        // The line break before a delimiter line belongs to the delimiter.
        if (is_delimiter_line(line, delimiters))
            return ByteRange{begin, std::max(begin, line.offset - previous_break)};
        previous_break = line.line_break;
    }
    if (lines.failed())
        return std::nullopt;
    return ByteRange{begin, lines.position()};
}

}  // namespace

std::optional<ByteRange> content_after_header(int fd, uint64_t header_offset,
                                              const std::vector<std::string>& delimiters) {
    LineReader lines(fd, header_offset);
    Line line;
    while (lines.next(line)) {
        if (is_empty_line(line))
            return scan_content(lines, lines.position(), delimiters);
        if (is_delimiter_line(line, delimiters))
            return ByteRange{line.offset, line.offset};  // a part without content
    }
    if (lines.failed())
        return std::nullopt;
    return ByteRange{lines.position(), lines.position()};
}

std::optional<ByteRange> content_from(int fd, uint64_t begin,
                                      const std::vector<std::string>& delimiters) {
    LineReader lines(fd, begin);
    return scan_content(lines, begin, delimiters);
}

}  // namespace imapmirror::mime
