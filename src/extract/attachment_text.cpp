#include "extract/attachment_text.hpp"

#include <gmime/gmime.h>

#include <array>

#include "core/ascii.hpp"
#include "core/utf8.hpp"
#include "mime/body_text.hpp"
#include "mime/charset.hpp"
#include "mime/glib_ptr.hpp"
#include "mime/gmime_init.hpp"
#include "mime/header_text.hpp"
#include "mime/message_parser.hpp"

namespace imapmirror::extract {

namespace {

constexpr std::array<std::pair<TextKind, std::string_view>, 7> kKindNames = {{
    {TextKind::None, "none"},
    {TextKind::Plain, "plain"},
    {TextKind::Html, "html"},
    {TextKind::Message, "message"},
    {TextKind::Pdf, "pdf"},
    {TextKind::Ooxml, "ooxml"},
    {TextKind::Odf, "odf"},
}};

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// `bytes` as text in its declared charset; without one (or an unknown one) the bytes as they
// are: append_capped reads what is not valid UTF-8 as windows-1252 (core::to_valid_utf8).
std::string decoded(std::string_view bytes, const std::string& charset) {
    if (!charset.empty())
        if (auto text = mime::to_utf8(bytes, charset))
            return std::move(*text);
    return std::string(bytes);
}

// Valid UTF-8 with '\n' line breaks: CR before LF dropped, other control characters as
// core::to_valid_utf8 makes them (TAB a space, the rest U+FFFD), line by line.
std::string valid_text(std::string_view piece) {
    std::string clean;
    clean.reserve(piece.size());
    for (;;) {
        const size_t nl = piece.find('\n');
        std::string_view line = piece.substr(0, nl);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        clean += core::to_valid_utf8(line);
        if (nl == std::string_view::npos)
            return clean;
        clean += '\n';
        piece.remove_prefix(nl + 1);
    }
}

}  // namespace

std::string_view kind_name(TextKind kind) {
    for (const auto& [k, name] : kKindNames)
        if (k == kind)
            return name;
    return "none";
}

TextKind kind_from_name(std::string_view name) {
    for (const auto& [k, n] : kKindNames)
        if (n == name)
            return k;
    return TextKind::None;
}

TextKind text_kind(std::string_view content_type, std::string_view filename) {
    const std::string type = core::ascii_lower(content_type);
    const std::string name = core::ascii_lower(filename);
    if (type == "text/html" || ends_with(name, ".html") || ends_with(name, ".htm"))
        return TextKind::Html;
    if (type == "message/rfc822" || ends_with(name, ".eml"))
        return TextKind::Message;
    if (type == "application/pdf" || ends_with(name, ".pdf"))
        return TextKind::Pdf;
    if (starts_with(type, "application/vnd.openxmlformats-officedocument.") ||
        starts_with(type, "application/vnd.ms-word.document.macroenabled") ||
        starts_with(type, "application/vnd.ms-excel.sheet.macroenabled") ||
        starts_with(type, "application/vnd.ms-powerpoint.presentation.macroenabled"))
        return TextKind::Ooxml;
    for (std::string_view ext : {".docx", ".docm", ".xlsx", ".xlsm", ".pptx", ".pptm"})
        if (ends_with(name, ext))
            return TextKind::Ooxml;
    if (starts_with(type, "application/vnd.oasis.opendocument."))
        return TextKind::Odf;
    for (std::string_view ext : {".odt", ".ods", ".odp"})
        if (ends_with(name, ext))
            return TextKind::Odf;
    if (starts_with(type, "text/"))
        return TextKind::Plain;
    for (std::string_view ext : {".txt", ".csv", ".md", ".log"})
        if (ends_with(name, ext))
            return TextKind::Plain;
    return TextKind::None;
}

bool is_document(TextKind kind) {
    return kind == TextKind::Pdf || kind == TextKind::Ooxml || kind == TextKind::Odf;
}

bool append_capped(ExtractedText& out, std::string_view piece, const ExtractLimits& limits) {
    if (out.text.size() >= limits.max_text) {
        if (!piece.empty())
            out.status = "truncated";
        return false;
    }
    const std::string clean = valid_text(piece);
    const size_t room = limits.max_text - out.text.size();
    if (clean.size() <= room) {
        out.text += clean;
        return true;
    }
    size_t cut = room;
    while (cut > 0 && (static_cast<unsigned char>(clean[cut]) & 0xC0) == 0x80)
        --cut;
    out.text.append(clean, 0, cut);
    out.status = "truncated";
    return false;
}

ExtractedText plain_text(std::string_view bytes, const std::string& charset,
                         const ExtractLimits& limits) {
    ExtractedText out;
    append_capped(out, decoded(bytes, charset), limits);
    return out;
}

ExtractedText html_text(std::string_view bytes, const std::string& charset,
                        const ExtractLimits& limits) {
    auto body = mime::html_to_text(valid_text(decoded(bytes, charset)), limits.max_text);
    ExtractedText out;
    append_capped(out, body.text, limits);
    if (body.truncated)
        out.status = "truncated";
    return out;
}

ExtractedText message_text(std::string_view bytes, const ExtractLimits& limits) {
    mime::ensure_gmime();
    ExtractedText out;
    mime::GPtr<GMimeStream> stream(g_mime_stream_mem_new_with_buffer(bytes.data(), bytes.size()));
    mime::GPtr<GMimeParser> parser(g_mime_parser_new_with_stream(stream.get()));
    mime::GPtr<GMimeMessage> message(g_mime_parser_construct_message(parser.get(), nullptr));
    if (!message) {
        out.status = "failed:not a message";
        return out;
    }
    const core::MessageHeaders h = mime::headers_of_message(message.get());
    // The Date as written ("Thu, 11 Apr 1996 01:10:30 -0500"), unfolded: that is what a reader
    // of the attached message sees and types; the index's UTC form is for sorting.
    std::string date = h.date;
    if (const char* raw = g_mime_object_get_header(GMIME_OBJECT(message.get()), "Date"))
        date = valid_text(mime::unfold_header_value(raw));
    // Values alone, no "Subject:" labels, as mime::TextFor::Index has it: a label's word would
    // match every message that attaches one.
    for (const std::string* value :
         {&h.subject, &h.from, &h.to, &h.cc, static_cast<const std::string*>(&date)})
        if (!value->empty())
            append_capped(out, *value + "\n", limits);
    mime::BodyLimits body_limits;
    body_limits.max_text = limits.max_text;
    auto body = mime::body_text_of(g_mime_message_get_mime_part(message.get()),
                                   mime::TextFor::Index, body_limits);
    append_capped(out, "\n" + body.text, limits);
    if (body.truncated)
        out.status = "truncated";
    return out;
}

ExtractedText extract_text(TextKind kind, std::string_view bytes, const std::string& charset,
                           const ExtractLimits& limits) {
    if (bytes.size() > limits.max_input)
        return ExtractedText{
            "", "skipped:larger than " + std::to_string(limits.max_input >> 20) + " MiB"};
    switch (kind) {
        case TextKind::Plain:
            return plain_text(bytes, charset, limits);
        case TextKind::Html:
            return html_text(bytes, charset, limits);
        case TextKind::Message:
            return message_text(bytes, limits);
        case TextKind::Pdf:
        case TextKind::Ooxml:
        case TextKind::Odf:
            return ExtractedText{"", "skipped:read by the extraction program only"};
        case TextKind::None:
            break;
    }
    return ExtractedText{"", "skipped:no text in this type"};
}

}  // namespace imapmirror::extract
