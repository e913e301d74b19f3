#include "mime/message_parser.hpp"

#include "mime/base64_decoder.hpp"

#include <fcntl.h>
#include <gmime/gmime.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <map>
#include <memory>
#include <optional>

#include "core/attachment_rule.hpp"
#include "core/utf8.hpp"
#include "mime/glib_ptr.hpp"
#include "mime/gmime_init.hpp"
#include "mime/header_text.hpp"
#include "mime/part_range.hpp"

namespace imapmirror::mime {

using core::Result;

namespace {

std::string lower(const char* s) {
    std::string out = s ? s : "";
    for (char& c : out)
        c = static_cast<char>(g_ascii_tolower(c));
    return out;
}

std::string first_angle_token(const std::string& s) {
    size_t a = s.find('<');
    size_t b = a == std::string::npos ? std::string::npos : s.find('>', a);
    if (a == std::string::npos || b == std::string::npos)
        return s;
    return s.substr(a, b - a + 1);
}

// The parameters of a header as written (GMime's own accessors for them return C strings,
// which an encoded NUL would cut short).
Parameters raw_parameters(GMimeObject* obj, const char* name) {
    GMimeHeader* h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj), name);
    const char* raw = h ? g_mime_header_get_raw_value(h) : nullptr;
    return raw ? parse_parameters(raw) : Parameters{};
}

std::string address_list(InternetAddressList* list) {
    if (!list || internet_address_list_length(list) == 0)
        return {};
    char* s = internet_address_list_to_string(list, nullptr, FALSE);
    std::string out = s ? s : "";
    g_free(s);
    return unicode_domains(out);
}

// RFC 5322 wants a 4-digit zone; Python's email reads a shorter one as the number it is
// ("-600" is -06:00, "+530" +05:30), where GMime reads it as UTC. Padded to 4 digits.
std::string pad_short_zone(std::string date) {
    size_t end = date.find_last_not_of(" \t");
    if (end == std::string::npos)
        return date;
    size_t begin = end + 1;
    while (begin > 0 && g_ascii_isdigit(date[begin - 1]))
        --begin;
    const size_t digits = end + 1 - begin;
    if (digits == 0 || digits >= 4 || begin == 0 ||
        (date[begin - 1] != '+' && date[begin - 1] != '-') || begin < 2 || date[begin - 2] != ' ')
        return date;
    date.insert(begin, 4 - digits, '0');
    return date;
}

// A Date header as written -> ISO 8601 UTC, the way GMime reads a message's date.
std::string iso_date(const std::string& raw) {
    GCharPtr unfolded(g_mime_utils_header_unfold(raw.c_str()));
    GCharPtr text(g_mime_utils_header_decode_text(nullptr, unfolded.get()));
    const std::string padded = text ? pad_short_zone(text.get()) : std::string();
    GDateTime* dt = text ? g_mime_utils_header_decode_date(padded.c_str()) : nullptr;
    if (!dt)
        return {};
    GDateTime* utc = g_date_time_to_utc(dt);
    char* s = g_date_time_format(utc, "%Y-%m-%dT%H:%M:%SZ");
    std::string out = s ? s : "";
    g_free(s);
    g_date_time_unref(utc);
    g_date_time_unref(dt);
    return out;
}

// Every value of one header as written, in order (what follows the colon, folding included).
using RawValues = std::vector<std::string>;

// As GMime builds a message's From/To/Cc: the addresses of every such header.
std::string addresses_of(const RawValues& values) {
    GPtr<InternetAddressList> all(internet_address_list_new());
    for (const auto& value : values) {
        GPtr<InternetAddressList> one(internet_address_list_parse(nullptr, value.c_str()));
        if (one)
            internet_address_list_append(all.get(), one.get());
    }
    return address_list(all.get());
}

// A sender whatever the syntax: the addresses where one has an '@', else the decoded text
// as a person wrote it (GMime makes a bare name, even an encoded word, an address).
std::string sender_of(const RawValues& values) {
    if (std::string found = addresses_of(values); found.find('@') != std::string::npos)
        return found;
    std::string text;
    for (const auto& value : values) {
        std::string one = decode_header_text(unfold_header_value(value));
        if (!one.empty())
            text += (text.empty() ? "" : ", ") + one;
    }
    return unicode_domains(text);
}

std::string read_field(core::HeaderRead read, const RawValues& values) {
    if (values.empty())
        return {};
    switch (read) {
        case core::HeaderRead::AsWritten:
            return unfold_header_value(values.front());
        case core::HeaderRead::FirstAngleToken:
            return first_angle_token(unfold_header_value(values.front()));
        case core::HeaderRead::Text:
            return decode_header_text(unfold_header_value(values.front()));
        case core::HeaderRead::Addresses:
            return addresses_of(values);
        case core::HeaderRead::Sender:
            return sender_of(values);
        case core::HeaderRead::Date:
            return iso_date(values.back());  // GMime's rule: the last Date header counts
    }
    return {};
}

// The header fields from their values as written. The one rule for messages GMime parsed and
// for those it could not: the two differ only in where the values come from.
template <class ValuesOf>  // RawValues(const char* header_name)
core::MessageHeaders read_headers(ValuesOf values_of) {
    core::MessageHeaders headers;
    for (const auto& field : core::kHeaderFields) {
        std::string& value = headers.*field.member;
        value = read_field(field.read, values_of(field.header));
        if (field.read == core::HeaderRead::Sender && value.empty())
            value = read_field(field.read, values_of("Sender"));  // RFC 5322 3.6.2
    }
    return headers;
}

// Values as written: GMime's decoded ones read 8-bit bytes its own way.
core::MessageHeaders headers_as_written(GMimeMessage* msg) {
    GMimeHeaderList* list = g_mime_object_get_header_list(GMIME_OBJECT(msg));
    return read_headers([list](const char* name) {
        RawValues values;
        for (int i = 0, n = g_mime_header_list_get_count(list); i < n; ++i) {
            GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
            const char* raw = g_mime_header_get_raw_value(h);
            if (raw && g_ascii_strcasecmp(g_mime_header_get_name(h), name) == 0)
                values.emplace_back(raw);
        }
        return values;
    });
}

}  // namespace

core::MessageHeaders headers_of_block(std::string_view header_block) {
    const auto block = split_header_block(header_block);
    return read_headers([&block](const char* name) {
        RawValues values;
        for (const auto& [k, v] : block)
            if (g_ascii_strcasecmp(k.c_str(), name) == 0)
                values.push_back(v);
        return values;
    });
}

namespace {

// For messages GMime cannot parse: the header block from the file's first 64 KB.
core::MessageHeaders headers_from_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return {};
    std::string head(64 * 1024, '\0');
    head.resize(std::fread(head.data(), 1, head.size(), f));
    std::fclose(f);
    return headers_of_block(head);
}

// The mime layer's output boundary: every text field it hands out goes through here.
core::MessageHeaders valid_utf8(core::MessageHeaders headers) {
    for (std::string* field : headers.text_fields())
        *field = core::to_valid_utf8(*field);
    return headers;
}

AttachmentMeta valid_utf8(AttachmentMeta meta) {
    for (std::string* field : meta.text_fields())
        *field = core::to_valid_utf8(*field);
    return meta;
}

// For each delimiter line of `delimiter` in the message file (close delimiters aside), whether
// its part is empty: the line is directly followed by the next delimiter line. The file is read
// in 1 MB pieces, so memory stays flat whatever the message's size (a whole-file mapping made
// a 200 MB message cost 200 MB of resident pages). nullopt when the file cannot be read.
std::optional<std::vector<bool>> empty_parts(const std::string& path,
                                             const std::string& delimiter) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return std::nullopt;
    }
    const auto file_size = static_cast<uint64_t>(st.st_size);
    constexpr size_t kChunk = size_t{1} << 20;
    // Enough to see past a delimiter found in this piece: its line (at most 998 bytes and the
    // line break, RFC 5322) and the next delimiter with two more bytes.
    const size_t lookahead = 2 * delimiter.size() + 1004;
    std::vector<bool> empty;
    std::string buf;
    bool ok = true;
    for (off_t offset = 0;; offset += static_cast<off_t>(kChunk)) {
        // buf holds [offset - 1, offset + kChunk + lookahead): the byte before, for line starts.
        const size_t base = offset == 0 ? 0 : 1;
        // No bigger than what is left of the file: most messages are a few KB.
        const uint64_t left = file_size > static_cast<uint64_t>(offset)
                                  ? file_size - static_cast<uint64_t>(offset)
                                  : 0;
        const size_t want =
            base + static_cast<size_t>(std::min<uint64_t>(kChunk + lookahead, left));
        buf.resize(want);
        size_t got = 0;
        while (got < want) {
            ssize_t n = ::pread(fd, buf.data() + got, want - got,
                                offset - static_cast<off_t>(base) + static_cast<off_t>(got));
            if (n < 0 && errno == EINTR)
                continue;
            if (n < 0)
                ok = false;
            if (n <= 0)
                break;
            got += static_cast<size_t>(n);
        }
        buf.resize(got);
        const bool last = got < want || static_cast<uint64_t>(offset) + kChunk >= file_size;
        size_t pos = base;
        while (ok && (pos = buf.find(delimiter, pos)) != std::string::npos && pos < base + kChunk) {
            const size_t after = pos + delimiter.size();
            const bool line_start = pos == 0 || buf[pos - 1] == '\n';
            pos = after;
            if (!line_start || buf.compare(after, 2, "--") == 0)
                continue;
            const size_t eol = buf.find('\n', after);
            if (eol == std::string::npos && last)
                break;  // a delimiter line cut off by the end of the file
            if (eol == std::string::npos || eol - after > 1000) {
                empty.push_back(false);  // an overlong line: not a delimiter we can judge
                continue;
            }
            std::string_view next = std::string_view(buf).substr(eol + 1, delimiter.size() + 2);
            empty.push_back(next.substr(0, delimiter.size()) == delimiter &&
                            next.substr(delimiter.size()) != "--");
        }
        if (!ok || last)
            break;
    }
    ::close(fd);
    if (!ok)
        return std::nullopt;
    return empty;
}

// IMAP numbers (RFC 3501 6.4.5) of a multipart's children as GMime lists them. GMime drops a
// part whose delimiter line is directly followed by the next delimiter ("--b\r\n--b\r\n");
// servers (Dovecot) count it as an empty text/plain part, so later parts number one higher.
// Such parts are found by delimiter position in the file; a boundary reused by a nested
// multipart can confuse this (then GMime's own count is used).
std::vector<size_t> imap_child_numbers(const std::optional<std::vector<bool>>& empty,
                                       size_t gmime_count) {
    std::vector<size_t> numbers(gmime_count);
    for (size_t i = 0; i < gmime_count; ++i)
        numbers[i] = i + 1;
    if (!empty)
        return numbers;
    std::vector<size_t> kept;
    for (size_t k = 0; k < empty->size(); ++k)
        if (!(*empty)[k])
            kept.push_back(k + 1);
    if (kept.size() != gmime_count)
        return numbers;  // not the shape we understand
    return kept;
}

// A multipart's boundary as the message gives it, or nullptr. Not
// g_mime_multipart_get_boundary: lacking one, that makes one up and re-encodes the
// Content-Type, which for a hostile parameter list asked GMime for 2 GB (found by fuzzing).
const char* boundary_of(GMimeObject* multipart) {
    return g_mime_object_get_content_type_parameter(multipart, "boundary");
}

class Walker {
  public:
    Walker(AttachmentOutput& out, ParseLimits limits, const std::string& path)
        : m_out(out), m_limits(limits), m_path(path) {}

    Result<void> walk(GMimeObject* obj, const std::string& number,
                      const std::string& parent_subtype, size_t depth) {
        if (depth > m_limits.max_depth) {
            note("MIME nesting deeper than " + std::to_string(m_limits.max_depth) +
                 " levels; inner parts skipped");
            return {};
        }
        if (GMIME_IS_MULTIPART(obj)) {
            auto* mp = GMIME_MULTIPART(obj);
            std::string subtype =
                lower(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(obj)));
            int n = g_mime_multipart_get_count(mp);
            const char* boundary = boundary_of(obj);
            auto numbers =
                imap_child_numbers(empty_parts_of(boundary), static_cast<size_t>(std::max(n, 0)));
            m_delimiters.push_back(boundary ? std::string("--") + boundary : "");
            for (int i = 0; i < n; ++i) {
                std::string index = std::to_string(numbers[static_cast<size_t>(i)]);
                std::string child = number.empty() ? index : number + "." + index;
                IMM_TRY(walk(g_mime_multipart_get_part(mp, i), child, subtype, depth + 1));
            }
            m_delimiters.pop_back();
            return {};
        }
        if (++m_parts > m_limits.max_parts) {
            note("more than " + std::to_string(m_limits.max_parts) +
                 " MIME parts; the rest skipped");
            return {};
        }
        std::string part = number.empty() ? "1" : number;
        GMimeContentType* ct = g_mime_object_get_content_type(obj);
        std::string type = lower(ct ? g_mime_content_type_get_media_type(ct) : "application");
        std::string subtype =
            lower(ct ? g_mime_content_type_get_media_subtype(ct) : "octet-stream");
        GMimeContentDisposition* cd = g_mime_object_get_content_disposition(obj);
        std::string disposition = cd ? lower(g_mime_content_disposition_get_disposition(cd)) : "";
        std::string filename = part_file_name(raw_parameters(obj, "Content-Disposition"),
                                              raw_parameters(obj, "Content-Type"));
        if (!core::is_attachment_part(type, subtype, disposition, !filename.empty(),
                                      parent_subtype))
            return {};
        const char* charset = ct ? g_mime_content_type_get_parameter(ct, "charset") : nullptr;
        AttachmentMeta meta = valid_utf8(
            AttachmentMeta{part, filename, type + "/" + subtype, charset ? charset : ""});
        if (GMIME_IS_PART(obj))
            return write_part(GMIME_PART(obj), meta);
        if (GMIME_IS_MESSAGE_PART(obj))
            return write_message(GMIME_MESSAGE_PART(obj), meta);
        return {};
    }

    const std::string& problems() const { return m_problems; }
    size_t count() const { return m_count; }

  private:
    // empty_parts() of a boundary, read once per boundary and message.
    const std::optional<std::vector<bool>>& empty_parts_of(const char* boundary) {
        const std::string key = boundary ? boundary : "";
        auto it = m_empty_parts.find(key);
        if (it == m_empty_parts.end()) {
            std::optional<std::vector<bool>> found;
            if (!key.empty())
                found = empty_parts(m_path, "--" + key);
            it = m_empty_parts.emplace(key, std::move(found)).first;
        }
        return it->second;
    }

    void note(const std::string& problem) {
        if (m_problems.find(problem) == std::string::npos)
            m_problems += (m_problems.empty() ? "" : "; ") + problem;
    }

    // Decodes the transfer encoding chunk by chunk: memory stays bounded by the chunk size.
    Result<void> write_part(GMimePart* part, const AttachmentMeta& meta) {
        IMM_TRY(m_out.begin(meta));
        ++m_count;
        GMimeDataWrapper* content = g_mime_part_get_content(part);
        if (!content)
            return m_out.end();
        GMimeStream* encoded = g_mime_data_wrapper_get_stream(content);
        GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(content);
        g_mime_stream_reset(encoded);
        // Base64 (nearly all attachment bytes) has its own decoder; GMime's filters do the rest.
        const bool base64 = enc == GMIME_CONTENT_ENCODING_BASE64;
        GPtr<GMimeFilter> filter(enc == GMIME_CONTENT_ENCODING_DEFAULT || base64
                                     ? nullptr
                                     : g_mime_filter_basic_new(enc, FALSE));
        Base64Decoder base64_decoder;
        std::string decoded;
        char buf[64 * 1024];
        for (;;) {
            ssize_t n = g_mime_stream_read(encoded, buf, sizeof buf);
            if (n < 0) {
                // A bounded substream answers -1, not 0, once it is at its end (empty parts).
                if (!g_mime_stream_eos(encoded))
                    note("part " + meta.part + " could not be read");
                n = 0;
            }
            bool last = n == 0 || g_mime_stream_eos(encoded);
            if (base64) {
                decoded.clear();
                base64_decoder.decode(std::string_view(buf, static_cast<size_t>(n)), decoded);
                if (last)
                    base64_decoder.finish(decoded);
                if (!decoded.empty())
                    IMM_TRY(m_out.write(decoded));
            } else if (!filter) {
                if (n > 0)
                    IMM_TRY(m_out.write(std::string_view(buf, static_cast<size_t>(n))));
            } else {
                char* out = nullptr;
                size_t outlen = 0, outprespace = 0;
                if (last)
                    g_mime_filter_complete(filter.get(), buf, static_cast<size_t>(n), 0, &out,
                                           &outlen, &outprespace);
                else
                    g_mime_filter_filter(filter.get(), buf, static_cast<size_t>(n), 0, &out,
                                         &outlen, &outprespace);
                if (outlen)
                    IMM_TRY(m_out.write(std::string_view(out, outlen)));
            }
            if (last)
                break;
        }
        return m_out.end();
    }

    // An attached message (not transfer-encoded: GMime makes an encoded one a plain part, for
    // write_part) is copied from the file as it is there, which is what a server's BODY[n]
    // gives, a piece at a time. Where its bytes cannot be located with certainty, GMime's
    // serialization of it is written instead, through a temporary file.
    Result<void> write_message(GMimeMessagePart* mp, const AttachmentMeta& meta) {
        IMM_TRY(m_out.begin(meta));
        ++m_count;
        GMimeMessage* inner = g_mime_message_part_get_message(mp);
        if (!inner)
            return m_out.end();
        const int fd = ::open(m_path.c_str(), O_RDONLY | O_CLOEXEC);
        if (fd < 0) {
            note("part " + meta.part + " could not be read");
            return m_out.end();
        }
        auto range = message_range(fd, mp, inner);
        auto written = range ? copy_range(fd, *range, meta) : write_serialized(inner, meta);
        ::close(fd);
        IMM_TRY(written);
        return m_out.end();
    }

    // Where the content of `mp` is in the file, or nullopt. Anchored on GMime's header offsets:
    // a header line of the part itself (its content follows the empty line after it), else
    // the inner message's first header (where the content begins). The inner message must not
    // reuse an enclosing boundary: GMime would read that line as its own.
    std::optional<ByteRange> message_range(int fd, GMimeMessagePart* mp, GMimeMessage* inner) {
        if (std::find(m_delimiters.begin(), m_delimiters.end(), "") != m_delimiters.end())
            return std::nullopt;  // a multipart without a boundary: not a shape we can follow
        std::vector<std::string> inner_delimiters;
        collect_delimiters(GMIME_OBJECT(inner), inner_delimiters, 0);
        for (const auto& d : inner_delimiters)
            if (std::find(m_delimiters.begin(), m_delimiters.end(), d) != m_delimiters.end())
                return std::nullopt;
        const auto inner_begin = std::min(first_header_offset(GMIME_OBJECT(inner)),
                                          first_header_offset(g_mime_message_get_mime_part(inner)));
        std::optional<ByteRange> range;
        if (const int64_t own = first_header_offset(GMIME_OBJECT(mp)); own != kNoOffset)
            range = content_after_header(fd, static_cast<uint64_t>(own), m_delimiters);
        else if (inner_begin != kNoOffset)
            range = content_from(fd, static_cast<uint64_t>(inner_begin), m_delimiters);
        if (range && inner_begin != kNoOffset &&
            (static_cast<uint64_t>(inner_begin) < range->begin ||
             static_cast<uint64_t>(inner_begin) >= range->end))
            return std::nullopt;  // the inner message is not where we looked
        return range;
    }

    static constexpr int64_t kNoOffset = INT64_MAX;

    // The smallest stream offset of obj's headers, kNoOffset when it has none.
    static int64_t first_header_offset(GMimeObject* obj) {
        int64_t first = kNoOffset;
        GMimeHeaderList* list = obj ? g_mime_object_get_header_list(obj) : nullptr;
        for (int i = 0, n = list ? g_mime_header_list_get_count(list) : 0; i < n; ++i) {
            const gint64 offset =
                g_mime_header_get_offset(g_mime_header_list_get_header_at(list, i));
            if (offset >= 0)
                first = std::min<int64_t>(first, offset);
        }
        return first;
    }

    // The delimiters of every multipart inside obj, attached messages included.
    void collect_delimiters(GMimeObject* obj, std::vector<std::string>& out, size_t depth) {
        if (!obj || depth > m_limits.max_depth)
            return;
        if (GMIME_IS_MESSAGE(obj)) {
            collect_delimiters(g_mime_message_get_mime_part(GMIME_MESSAGE(obj)), out, depth + 1);
        } else if (GMIME_IS_MESSAGE_PART(obj)) {
            collect_delimiters(
                GMIME_OBJECT(g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj))), out,
                depth + 1);
        } else if (GMIME_IS_MULTIPART(obj)) {
            auto* mp = GMIME_MULTIPART(obj);
            if (const char* boundary = boundary_of(obj))
                out.push_back(std::string("--") + boundary);
            for (int i = 0, n = g_mime_multipart_get_count(mp); i < n; ++i)
                collect_delimiters(g_mime_multipart_get_part(mp, i), out, depth + 1);
        }
    }

    Result<void> copy_range(int fd, ByteRange range, const AttachmentMeta& meta) {
        char buf[64 * 1024];
        for (uint64_t at = range.begin; at < range.end;) {
            const size_t want = static_cast<size_t>(std::min<uint64_t>(sizeof buf, range.end - at));
            ssize_t n = ::pread(fd, buf, want, static_cast<off_t>(at));
            if (n < 0 && errno == EINTR)
                continue;
            if (n <= 0) {
                note("part " + meta.part + " could not be read");
                return {};
            }
            IMM_TRY(m_out.write(std::string_view(buf, static_cast<size_t>(n))));
            at += static_cast<uint64_t>(n);
        }
        return {};
    }

    Result<void> write_serialized(GMimeMessage* inner, const AttachmentMeta& meta) {
        FILE* tmp = std::tmpfile();  // 0600, already unlinked
        if (!tmp) {
            note("part " + meta.part + " could not be written: no temporary file");
            return {};
        }
        GPtr<GMimeStream> stream(g_mime_stream_file_new(tmp));  // owns tmp
        if (g_mime_object_write_to_stream(GMIME_OBJECT(inner), nullptr, stream.get()) < 0 ||
            g_mime_stream_flush(stream.get()) != 0) {
            note("part " + meta.part + " could not be written to a temporary file");
            return {};
        }
        const auto size = g_mime_stream_tell(stream.get());
        return copy_range(fileno(tmp),
                          ByteRange{0, static_cast<uint64_t>(std::max<gint64>(size, 0))}, meta);
    }

    AttachmentOutput& m_out;
    ParseLimits m_limits;
    size_t m_parts = 0;
    size_t m_count = 0;
    std::string m_problems;
    const std::string& m_path;
    std::map<std::string, std::optional<std::vector<bool>>> m_empty_parts;
    std::vector<std::string> m_delimiters;  // of the enclosing multiparts, "" for none
};

}  // namespace

core::MessageHeaders headers_of_message(GMimeMessage* message) {
    return valid_utf8(headers_as_written(message));
}

Result<ParseOutcome> parse_message_file(const std::string& path, AttachmentOutput& out,
                                        ParseLimits limits) {
    ensure_gmime();
    ParseOutcome result;
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        result.parse_error = "cannot open the archived file";
        return result;
    }
    // GMime's file stream reads 4 KB at a time, each with a seek: mapped, a message is parsed
    // without a system call. Only up to a size, as mapped pages count as resident memory.
    constexpr off_t kMapUpTo = 4 << 20;
    struct stat st {};
    const bool map = ::fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= kMapUpTo;
    GPtr<GMimeStream> stream(map ? g_mime_stream_mmap_new(fd, PROT_READ, MAP_PRIVATE)
                                 : g_mime_stream_fs_new(fd));  // owns fd
    if (!stream) {
        ::close(fd);
        result.parse_error = "cannot read the archived file";
        return result;
    }
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    // Keep part contents as ranges of the file rather than copies in memory.
    g_mime_parser_set_persist_stream(parser.get(), TRUE);
    GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    // A header block cut short by a line that is no header field: the text from there on is
    // the body, as Python's email reads it (body_text.hpp).
    std::optional<BodyText> stray_body =
        limits.body_text ? stray_line_body_text(path, limits.body) : std::nullopt;
    if (!message) {
        result.parse_error = "GMime could not parse the message";
        result.info = valid_utf8(headers_from_file(path));
        if (stray_body)
            result.body = std::move(*stray_body);
        return result;
    }
    result.info = headers_of_message(message.get());
    GMimeObject* body = g_mime_message_get_mime_part(message.get());
    if (!body) {
        result.parse_error = "the message has no body";
        if (stray_body)
            result.body = std::move(*stray_body);
        return result;
    }
    Walker walker(out, limits, path);
    IMM_TRY(walker.walk(body, "", "", 0));
    if (stray_body)
        result.body = std::move(*stray_body);
    else if (limits.body_text)
        result.body = body_text_of(body, TextFor::Index, limits.body);
    result.parse_error = walker.problems();
    result.attachments = walker.count();
    return result;
}

}  // namespace imapmirror::mime
