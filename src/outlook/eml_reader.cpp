#include "outlook/eml_reader.hpp"

#include <fcntl.h>
#include <gmime/gmime.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <functional>
#include <memory>

#include "core/attachment_rule.hpp"
#include "core/utf8.hpp"
#include "mime/body_text.hpp"
#include "mime/glib_ptr.hpp"
#include "mime/gmime_init.hpp"
#include "mime/header_text.hpp"
#include "outlook/outlook_fields.hpp"

namespace imapmirror::outlook {

using core::Result;
using mime::GPtr;

namespace {

using GString_ = mime::GCharPtr;

// One-line values (subject, names, addresses): control characters become U+FFFD.
std::string text_of(const char* s) {
    return s ? core::to_valid_utf8(s) : std::string();
}

// Multi-line text (bodies, header blocks): line breaks and tabs kept, invalid UTF-8 and NUL
// (which would end the string for a reader) replaced by U+FFFD.
std::string multiline_text(std::string_view bytes) {
    std::string no_nul;
    no_nul.reserve(bytes.size());
    for (char c : bytes) {
        if (c == '\0')
            no_nul += "\xEF\xBF\xBD";
        else
            no_nul.push_back(c);
    }
    GString_ valid(g_utf8_make_valid(no_nul.data(), static_cast<gssize>(no_nul.size())));
    return valid.get();
}

std::string lower(const char* s) {
    std::string out = s ? s : "";
    for (char& c : out)
        c = static_cast<char>(g_ascii_tolower(c));
    return out;
}

core::Error message_error(core::ErrorKind kind, const std::string& path, std::string what) {
    auto e = core::make_error(kind, path + ": " + std::move(what), core::Scope::Message);
    return e;
}

// Mailboxes of an address list, group members included, in order.
void append_mailboxes(InternetAddressList* list, std::vector<Mailbox>& out) {
    if (!list)
        return;
    for (int i = 0, n = internet_address_list_length(list); i < n; ++i) {
        InternetAddress* a = internet_address_list_get_address(list, i);
        if (INTERNET_ADDRESS_IS_GROUP(a)) {
            append_mailboxes(internet_address_group_get_members(INTERNET_ADDRESS_GROUP(a)), out);
        } else if (INTERNET_ADDRESS_IS_MAILBOX(a)) {
            out.push_back(
                Mailbox{text_of(internet_address_get_name(a)),
                        text_of(internet_address_mailbox_get_addr(INTERNET_ADDRESS_MAILBOX(a)))});
        }
    }
}

std::optional<int64_t> date_of(const char* header_text) {
    if (!header_text)
        return std::nullopt;
    GDateTime* dt = g_mime_utils_header_decode_date(header_text);
    if (!dt)
        return std::nullopt;
    int64_t t = g_date_time_to_unix(dt);
    g_date_time_unref(dt);
    return t;
}

// RFC 5322 section 3.6.7: a Received field ends with "; date-time". The first such header is
// the newest (each hop prepends its own).
std::optional<int64_t> received_date(GMimeObject* obj) {
    GMimeHeaderList* list = g_mime_object_get_header_list(obj);
    for (int i = 0, n = g_mime_header_list_get_count(list); i < n; ++i) {
        GMimeHeader* h = g_mime_header_list_get_header_at(list, i);
        if (g_ascii_strcasecmp(g_mime_header_get_name(h), "Received") != 0)
            continue;
        const char* raw = g_mime_header_get_raw_value(h);
        const char* semi = raw ? std::strrchr(raw, ';') : nullptr;
        GString_ unfolded(semi ? g_mime_utils_header_unfold(semi + 1) : nullptr);
        if (auto t = date_of(unfolded.get()))
            return t;
    }
    return std::nullopt;
}

std::string unfolded_header(GMimeObject* obj, const char* name) {
    const char* v = g_mime_object_get_header(obj, name);
    GString_ unfolded(v ? g_mime_utils_header_unfold(v) : nullptr);
    return text_of(unfolded.get());
}

// The header block with its values as written (GMime keeps them raw), folding included, with
// CRLF line ends (as Outlook stores it; a file's LF-only or mixed ends would otherwise leave
// readers such as msgconvert guessing where a line ends).
std::string raw_header_block(GMimeObject* obj) {
    GMimeHeaderList* list = g_mime_object_get_header_list(obj);
    GString_ s(g_mime_header_list_to_string(list, nullptr));
    std::string crlf;
    for (const char* p = s ? s.get() : ""; *p; ++p) {
        if (*p == '\r' && p[1] == '\n')
            continue;  // the \n that follows writes the line end
        if (*p == '\n' || *p == '\r')
            crlf += "\r\n";
        else
            crlf.push_back(*p);
    }
    return multiline_text(crlf);
}

// Streams the part's decoded bytes to `write` a piece at a time; returns how many, or stops at
// the first `write` that returns false.
uint64_t stream_decoded(GMimePart* part, bool in_multipart,
                        const std::function<bool(std::string_view)>& write) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    GMimeStream* encoded = content ? g_mime_data_wrapper_get_stream(content) : nullptr;
    if (!encoded)
        return 0;
    g_mime_stream_reset(encoded);
    GPtr<GMimeStream> decoded(g_mime_stream_filter_new(encoded));
    const GMimeContentEncoding encoding_of_content = g_mime_data_wrapper_get_encoding(content);
    if (encoding_of_content != GMIME_CONTENT_ENCODING_DEFAULT) {
        GPtr<GMimeFilter> decoder(g_mime_filter_basic_new(encoding_of_content, FALSE));
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(decoded.get()), decoder.get());
    }
    // RFC 2046 5.1.1: the CRLF before a boundary belongs to the boundary. When the boundary
    // line itself ends in a bare LF, GMime takes only the LF and leaves the CR in the content:
    // a CR at the end of a piece is held back until the next piece shows it was not the last.
    const auto encoding = g_mime_part_get_content_encoding(part);
    const bool identity =
        encoding == GMIME_CONTENT_ENCODING_DEFAULT || encoding == GMIME_CONTENT_ENCODING_7BIT ||
        encoding == GMIME_CONTENT_ENCODING_8BIT || encoding == GMIME_CONTENT_ENCODING_BINARY;
    const bool drop_final_cr = identity && in_multipart;
    uint64_t total = 0;
    bool held_cr = false;
    char buf[64 * 1024];
    for (;;) {
        // A bounded substream answers -1, not 0, at its end (see mime/message_parser.cpp).
        const ssize_t n = g_mime_stream_read(decoded.get(), buf, sizeof buf);
        if (n <= 0)
            break;
        std::string_view piece(buf, static_cast<size_t>(n));
        if (held_cr) {
            if (!write("\r"))
                return total;
            ++total;
            held_cr = false;
        }
        if (drop_final_cr && piece.back() == '\r') {
            piece.remove_suffix(1);
            held_cr = true;
        }
        if (!piece.empty() && !write(piece))
            return total;
        total += piece.size();
    }
    return total;
}

std::string decoded_bytes(GMimePart* part, bool in_multipart) {
    std::string out;
    stream_decoded(part, in_multipart, [&out](std::string_view piece) {
        out.append(piece);
        return true;
    });
    return out;
}

// An attachment's bytes, decoded from the .eml when the .msg writer asks for them (the parser
// keeps part contents on the file: nothing of the attachment is held until then).
class PartSource : public AttachmentSource {
  public:
    PartSource(GMimePart* part, bool in_multipart)
        : m_part(GMIME_PART(g_object_ref(part))), m_in_multipart(in_multipart) {}
    core::Result<uint64_t> copy_to(const std::function<bool(std::string_view)>& write) override {
        return stream_decoded(m_part.get(), m_in_multipart, write);
    }

  private:
    GPtr<GMimePart> m_part;
    bool m_in_multipart;
};

// The part's text in UTF-8: GMime converts from the declared charset (or guesses).
std::string decoded_text(GMimePart* part, bool in_multipart) {
    if (GMIME_IS_TEXT_PART(part)) {
        GString_ text(g_mime_text_part_get_text(GMIME_TEXT_PART(part)));
        if (text)
            return multiline_text(text.get());
    }
    return multiline_text(decoded_bytes(part, in_multipart));
}

// A header's value as written (folded, encoded words undecoded), "" when absent.
std::string raw_header(GMimeObject* obj, const char* name) {
    GMimeHeader* h = g_mime_header_list_get_header(g_mime_object_get_header_list(obj), name);
    const char* raw = h ? g_mime_header_get_raw_value(h) : nullptr;
    return raw ? raw : "";
}

// The name the index gives the part (mime::part_file_name over the raw parameters), so that
// an encoded NUL does not cut the .msg's name short where GMime's C strings would.
std::string file_name_of(GMimeObject* obj) {
    return mime::part_file_name(mime::parse_parameters(raw_header(obj, "Content-Disposition")),
                                mime::parse_parameters(raw_header(obj, "Content-Type")));
}

// The first <message-id> of a header value, "" when none.
std::string first_message_id(const std::string& value) {
    const size_t a = value.find('<');
    const size_t b = a == std::string::npos ? a : value.find('>', a);
    return b == std::string::npos ? "" : value.substr(a, b - a + 1);
}

// The message class (outlook_fields.hpp) of a message whose MIME tree starts at `body`.
std::string message_class_of_tree(GMimeObject* body) {
    if (!body)
        return "IPM.Note";
    GMimeContentType* ct = g_mime_object_get_content_type(body);
    const std::string type = lower(g_mime_content_type_get_media_type(ct));
    const std::string subtype = lower(g_mime_content_type_get_media_subtype(ct));
    const char* report_type = g_mime_content_type_get_parameter(ct, "report-type");
    std::string fields;
    if (GMIME_IS_MULTIPART(body)) {
        GMimeMultipart* mp = GMIME_MULTIPART(body);
        for (int i = 0, n = g_mime_multipart_get_count(mp); i < n; ++i) {
            GMimeObject* part = g_mime_multipart_get_part(mp, i);
            GMimeContentType* pt = g_mime_object_get_content_type(part);
            const std::string sub = lower(g_mime_content_type_get_media_subtype(pt));
            if (GMIME_IS_PART(part) &&
                (sub == "delivery-status" || sub == "disposition-notification" ||
                 sub == "global-delivery-status" || sub == "global-disposition-notification")) {
                constexpr size_t kMaxFields = 64 * 1024;  // the fields are a few lines
                stream_decoded(GMIME_PART(part), true, [&fields](std::string_view piece) {
                    fields.append(piece.substr(0, kMaxFields - fields.size()));
                    return fields.size() < kMaxFields;
                });
                break;
            }
        }
    }
    return message_class_of(type, subtype, report_type ? report_type : "", fields);
}

class Reader {
  public:
    Reader(const std::string& path, const ReadLimits& limits) : m_path(path), m_limits(limits) {}

    Result<MailContent> message(GMimeMessage* msg, size_t depth);

  private:
    Result<void> walk(GMimeObject* obj, const std::string& parent_subtype, size_t depth,
                      MailContent& out);
    Result<void> leaf(GMimePart* part, const std::string& parent_subtype, MailContent& out);

    // A Limit error for a body (text or HTML) part larger than the cap: bodies are held in
    // memory, twice (UTF-8, then UTF-16 in the property stream).
    Result<void> check_body_size(GMimePart* part);
    // One more storage (an attachment or a recipient) in the .msg; a Limit error past the cap.
    Result<void> count_storages(size_t n);

    const std::string& m_path;
    const ReadLimits& m_limits;
    size_t m_storages = 0;
};

Result<void> Reader::check_body_size(GMimePart* part) {
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    GMimeStream* encoded = content ? g_mime_data_wrapper_get_stream(content) : nullptr;
    const gint64 size = encoded ? g_mime_stream_length(encoded) : 0;
    if (size <= 0 || static_cast<uint64_t>(size) <= m_limits.max_body_bytes)
        return {};
    return message_error(core::ErrorKind::Limit, m_path,
                         "a body part of " + std::to_string(size) +
                             " bytes; a .msg body holds at most " +
                             std::to_string(m_limits.max_body_bytes));
}

Result<void> Reader::count_storages(size_t n) {
    m_storages += n;
    if (m_storages <= m_limits.max_storages)
        return {};
    return message_error(core::ErrorKind::Limit, m_path,
                         "more than " + std::to_string(m_limits.max_storages) +
                             " attachments and recipients; a .msg is written for at most that "
                             "many");
}

Result<MailContent> Reader::message(GMimeMessage* msg, size_t depth) {
    if (depth > m_limits.max_depth)
        return message_error(core::ErrorKind::Limit, m_path,
                             "MIME nesting deeper than " + std::to_string(m_limits.max_depth));
    GMimeObject* obj = GMIME_OBJECT(msg);
    MailContent c;
    c.subject = mime::decode_header_text(mime::unfold_header_value(raw_header(obj, "Subject")));
    std::vector<Mailbox> from;
    append_mailboxes(g_mime_message_get_from(msg), from);
    if (!from.empty())
        c.from = from.front();
    const std::pair<GMimeAddressType, RecipientKind> kinds[] = {
        {GMIME_ADDRESS_TYPE_TO, RecipientKind::To},
        {GMIME_ADDRESS_TYPE_CC, RecipientKind::Cc},
        {GMIME_ADDRESS_TYPE_BCC, RecipientKind::Bcc}};
    for (const auto& [type, kind] : kinds) {
        std::vector<Mailbox> boxes;
        append_mailboxes(g_mime_message_get_addresses(msg, type), boxes);
        for (auto& b : boxes)
            c.recipients.push_back(Recipient{kind, std::move(b)});
    }
    IMM_TRY(count_storages(c.recipients.size()));
    if (GDateTime* dt = g_mime_message_get_date(msg))
        c.sent = g_date_time_to_unix(dt);
    c.received = received_date(obj);
    if (!c.received)
        c.received = c.sent;
    if (const char* id = g_mime_message_get_message_id(msg))
        c.message_id = "<" + text_of(id) + ">";
    c.in_reply_to = unfolded_header(obj, "In-Reply-To");
    c.references = unfolded_header(obj, "References");
    append_mailboxes(g_mime_message_get_reply_to(msg), c.reply_to);
    c.importance =
        importance_of(unfolded_header(obj, "Importance"), unfolded_header(obj, "X-Priority"),
                      unfolded_header(obj, "Priority"));
    c.priority = priority_of(unfolded_header(obj, "Priority"), c.importance);
    std::string root = first_message_id(c.references);
    if (root.empty())
        root = first_message_id(c.in_reply_to);
    if (root.empty())
        root = c.message_id;
    c.conversation_index = conversation_index(unfolded_header(obj, "Thread-Index"), root, c.sent);
    c.transport_headers = raw_header_block(obj);
    GMimeObject* body = g_mime_message_get_mime_part(msg);
    c.message_class = message_class_of_tree(body);
    if (body)
        IMM_TRY(walk(body, "", depth + 1, c));
    // HTML-only mail: the plain body Outlook shows beside it is the HTML's text.
    if (c.body_text.empty() && !c.body_html.empty())
        c.body_text = mime::html_to_text(c.body_html).text;
    return c;
}

Result<void> Reader::walk(GMimeObject* obj, const std::string& parent_subtype, size_t depth,
                          MailContent& out) {
    if (depth > m_limits.max_depth)
        return message_error(core::ErrorKind::Limit, m_path,
                             "MIME nesting deeper than " + std::to_string(m_limits.max_depth));
    if (GMIME_IS_MULTIPART(obj)) {
        GMimeMultipart* mp = GMIME_MULTIPART(obj);
        std::string subtype =
            lower(g_mime_content_type_get_media_subtype(g_mime_object_get_content_type(obj)));
        for (int i = 0, n = g_mime_multipart_get_count(mp); i < n; ++i)
            IMM_TRY(walk(g_mime_multipart_get_part(mp, i), subtype, depth + 1, out));
        return {};
    }
    if (GMIME_IS_MESSAGE_PART(obj)) {
        GMimeMessage* inner = g_mime_message_part_get_message(GMIME_MESSAGE_PART(obj));
        MailAttachment a;
        a.mime_type = "message/rfc822";
        a.filename = file_name_of(obj);
        IMM_TRY(count_storages(1));
        if (inner) {
            IMM_ASSIGN(auto content, message(inner, depth + 1));
            a.message = std::make_shared<MailContent>(std::move(content));
        }
        out.attachments.push_back(std::move(a));
        return {};
    }
    if (GMIME_IS_PART(obj))
        return leaf(GMIME_PART(obj), parent_subtype, out);
    return {};
}

Result<void> Reader::leaf(GMimePart* part, const std::string& parent_subtype, MailContent& out) {
    GMimeObject* obj = GMIME_OBJECT(part);
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    const std::string type = lower(g_mime_content_type_get_media_type(ct));
    const std::string subtype = lower(g_mime_content_type_get_media_subtype(ct));
    GMimeContentDisposition* cd = g_mime_object_get_content_disposition(obj);
    const std::string disposition = lower(cd ? g_mime_content_disposition_get_disposition(cd) : "");
    const std::string filename = file_name_of(obj);
    const bool attachment =
        core::is_attachment_part(type, subtype, disposition, !filename.empty(), parent_subtype);
    const bool plain_body =
        !attachment && type == "text" && subtype == "plain" && out.body_text.empty();
    const bool html_body =
        !attachment && type == "text" && subtype == "html" && out.body_html.empty();
    if (plain_body || html_body) {
        IMM_TRY(check_body_size(part));
        (plain_body ? out.body_text : out.body_html) = decoded_text(part, !parent_subtype.empty());
        return {};
    }
    IMM_TRY(count_storages(1));
    MailAttachment a;
    a.filename = filename;
    a.mime_type = type + "/" + subtype;
    a.content_id = text_of(g_mime_object_get_content_id(obj));
    a.is_inline = disposition == "inline" || (!a.content_id.empty() && parent_subtype == "related");
    a.source = std::make_shared<PartSource>(part, !parent_subtype.empty());
    out.attachments.push_back(std::move(a));
    return {};
}

}  // namespace

Result<MailContent> read_eml(const std::string& path, ReadLimits limits) {
    mime::ensure_gmime();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    struct stat st {};
    if (fd < 0 || ::fstat(fd, &st) != 0) {
        auto e = core::make_error(core::ErrorKind::Io,
                                  "cannot open " + path + ": " + std::strerror(errno),
                                  core::Scope::Message);
        if (fd >= 0)
            ::close(fd);
        return e;
    }
    // The parser keeps part contents on the file (GMime's persistent stream, which owns fd):
    // headers are read into memory, attachments only when the writer streams them.
    GPtr<GMimeStream> stream(g_mime_stream_fs_new(fd));
    const auto size = static_cast<uint64_t>(st.st_size);
    if (size > limits.max_bytes)
        return message_error(core::ErrorKind::Limit, path,
                             "the message is " + std::to_string(size) +
                                 " bytes; .msg conversion reads at most " +
                                 std::to_string(limits.max_bytes));
    GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    GPtr<GMimeMessage> msg(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!msg)
        return message_error(core::ErrorKind::Parse, path,
                             "GMime cannot read this file as a message (no header block?)");
    Reader reader(path, limits);
    return reader.message(msg.get(), 0);
}

}  // namespace imapmirror::outlook
