#include "store/mbox_writer.hpp"

#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <ctime>

#include "core/ascii.hpp"
#include "store/atomic_file.hpp"

namespace imapmirror::store {

using core::Result;

namespace {

constexpr std::string_view kFrom = "From ";

std::string from_address(std::string_view from_addr) {
    std::string_view address = from_addr;
    const size_t open = from_addr.rfind('<');
    if (open != std::string_view::npos) {
        const size_t close = from_addr.find('>', open);
        address = close == std::string_view::npos ? std::string_view()
                                                  : from_addr.substr(open + 1, close - open - 1);
    }
    if (address.empty() || address.find('@') == std::string_view::npos)
        return "MAILER-DAEMON";
    for (unsigned char c : address)
        if (c <= ' ' || c == 0x7f)
            return "MAILER-DAEMON";
    return std::string(address);
}

std::string asctime_utc(std::string_view iso) {
    std::tm tm{};
    int year = 0, month = 0, day = 0, hour = 0, minute = 0, second = 0;
    const std::string text(iso);
    time_t t = 0;
    if (std::sscanf(text.c_str(), "%4d-%2d-%2dT%2d:%2d:%2d", &year, &month, &day, &hour, &minute,
                    &second) == 6) {
        tm.tm_year = year - 1900;
        tm.tm_mon = month - 1;
        tm.tm_mday = day;
        tm.tm_hour = hour;
        tm.tm_min = minute;
        tm.tm_sec = second;
        t = ::timegm(&tm);
        if (t == static_cast<time_t>(-1))
            t = 0;
    }
    std::tm out{};
    ::gmtime_r(&t, &out);
    char buf[64];
    // asctime's form without the C locale's dependence: "Wed Jan  3 10:00:00 2024".
    static const char* const kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static const char* const kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                          "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    std::snprintf(buf, sizeof buf, "%s %s %2d %02d:%02d:%02d %d", kDays[out.tm_wday % 7],
                  kMonths[out.tm_mon % 12], out.tm_mday, out.tm_hour, out.tm_min, out.tm_sec,
                  out.tm_year + 1900);
    return buf;
}

bool has_flag(std::string_view flags, std::string_view flag) {
    size_t pos = 0;
    while (pos < flags.size()) {
        size_t end = flags.find(' ', pos);
        if (end == std::string_view::npos)
            end = flags.size();
        if (core::ascii_iequals(flags.substr(pos, end - pos), flag))
            return true;
        pos = end + 1;
    }
    return false;
}

}  // namespace

std::string mbox_from_line(std::string_view from_addr, std::string_view internal_date_iso) {
    return "From " + from_address(from_addr) + " " + asctime_utc(internal_date_iso) + "\n";
}

std::string mozilla_status_line(std::string_view imap_flags) {
    unsigned status = 0;
    if (has_flag(imap_flags, "\\Seen"))
        status |= 0x0001;
    if (has_flag(imap_flags, "\\Answered"))
        status |= 0x0002;
    if (has_flag(imap_flags, "\\Flagged"))
        status |= 0x0004;
    if (has_flag(imap_flags, "$Forwarded"))
        status |= 0x1000;
    char buf[40];
    std::snprintf(buf, sizeof buf, "X-Mozilla-Status: %04x\n", status);
    return buf;
}

void MboxrdEncoder::flush_prefix(std::string& out) {
    out.append(m_quotes, '>');
    out.append(kFrom.substr(0, m_matched));
    if (m_quotes + m_matched > 0)
        m_last = out.back();
    m_at_line_start = false;
    m_quotes = m_matched = 0;
}

// Quoting works on text whose line breaks are already LF.
void MboxrdEncoder::quote(char c, std::string& out) {
    if (m_at_line_start) {
        if (m_matched == 0 && c == '>') {
            ++m_quotes;
            return;
        }
        if (c == kFrom[m_matched]) {
            if (++m_matched < kFrom.size())
                return;
            out += '>';
            flush_prefix(out);
            return;
        }
        flush_prefix(out);
    }
    out += c;
    m_last = c;
    if (c == '\n')
        m_at_line_start = true;
}

void MboxrdEncoder::feed(std::string_view in, std::string& out) {
    for (char c : in) {
        if (m_pending_cr) {
            m_pending_cr = false;
            if (c != '\n')
                quote('\r', out);
        }
        if (c == '\r')
            m_pending_cr = true;
        else
            quote(c, out);
    }
}

void MboxrdEncoder::finish(std::string& out) {
    if (m_pending_cr)
        quote('\r', out);
    if (m_at_line_start && m_quotes + m_matched > 0)
        flush_prefix(out);
    if (m_last != '\n')
        out += '\n';
    *this = MboxrdEncoder();
}

Result<MboxWriter> MboxWriter::create(int dir_fd, std::string shown_dir) {
    IMM_ASSIGN(auto file, TempFileAt::create(dir_fd, std::move(shown_dir)));
    return MboxWriter(std::move(file));
}

Result<void> MboxWriter::add(const Message& message, int source_fd, const std::string& shown_source,
                             bool mozilla_status) {
    std::string out = mbox_from_line(message.from_addr, message.internal_date);
    if (mozilla_status)
        out += mozilla_status_line(message.flags);
    IMM_TRY(read_chunks(source_fd, shown_source, [&](std::string_view chunk) -> Result<void> {
        m_encoder.feed(chunk, out);
        if (out.size() < 256 * 1024)
            return {};
        auto written = m_file.write(out);
        out.clear();
        return written;
    }));
    m_encoder.finish(out);
    out += '\n';  // the empty line that ends a message
    return m_file.write(out);
}

Result<void> MboxWriter::commit(int dir_fd, const std::string& name,
                                const std::string& shown_name) {
    return m_file.commit(dir_fd, name, shown_name, TempFileAt::Replace::Allowed);
}

}  // namespace imapmirror::store
