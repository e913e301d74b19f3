#include "mime/body_text.hpp"

#include <fcntl.h>
#include <gmime/gmime.h>
#include <gumbo.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <memory>
#include <vector>

#include "core/attachment_rule.hpp"
#include "core/interrupt.hpp"
#include "core/utf8.hpp"
#include "mime/charset.hpp"
#include "mime/glib_ptr.hpp"
#include "mime/gmime_init.hpp"
#include "mime/header_text.hpp"
#include "mime/html_tree.hpp"
#include "mime/message_parser.hpp"
#include "mime/new_words.hpp"
#include "mime/transfer_decoder.hpp"

namespace imapmirror::mime {

using core::Result;

std::string_view origin_name(BodyOrigin origin) {
    switch (origin) {
        case BodyOrigin::Plain:
            return "plain";
        case BodyOrigin::Html:
            return "html";
        case BodyOrigin::None:
            break;
    }
    return "none";
}

namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = static_cast<char>(g_ascii_tolower(c));
    return out;
}

// Cuts `s` to at most `max` bytes without splitting a UTF-8 sequence; true when it cut.
bool cut_utf8(std::string& s, size_t max) {
    if (s.size() <= max)
        return false;
    size_t cut = max;
    while (cut > 0 && (static_cast<unsigned char>(s[cut]) & 0xC0) == 0x80)
        --cut;
    s.resize(cut);
    return true;
}

// Valid UTF-8 keeping line breaks: core::to_valid_utf8 line by line (it makes every control
// character, '\n' included, U+FFFD). CR is dropped: lines end in '\n' alone.
std::string repair_lines(std::string_view bytes) {
    std::string out;
    out.reserve(bytes.size());
    while (!bytes.empty()) {
        size_t nl = bytes.find('\n');
        std::string_view line = bytes.substr(0, nl);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        out += core::to_valid_utf8(line);
        if (nl == std::string_view::npos)
            break;
        out += '\n';
        bytes.remove_prefix(nl + 1);
    }
    return out;
}

// ---- HTML -> text -------------------------------------------------------------------------

// Collects text with block structure: at most one blank line in a row, no spaces at line ends
// or starts, white space collapsed where the HTML says so.
class TextBuilder {
  public:
    explicit TextBuilder(size_t max) : m_max(max) {}

    bool full() const { return m_out.size() > m_max; }

    // Text of a text node; `pre` keeps its white space.
    void text(std::string_view s, bool pre) {
        if (pre) {
            for (char c : s) {
                if (c == '\n')
                    line_break();
                else if (c != '\r')
                    put_char(c == '\t' ? ' ' : c);
            }
            return;
        }
        for (char c : s) {
            if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f') {
                m_space = true;
                continue;
            }
            put_char(c);
        }
    }

    // A break before/after a block: the next text starts a line; `blank` asks for an empty
    // line between (paragraphs, headings).
    void block(bool blank) {
        m_want_lines = std::max(m_want_lines, blank ? 2 : 1);
        m_space = false;
    }
    // <br>: a new line, and a second one in a row an empty line.
    void line_break() {
        m_want_lines = std::min(2, m_want_lines + 1);
        m_space = false;
    }
    // Text put right away, not collapsed (list markers, link targets).
    void literal(std::string_view s) {
        for (char c : s)
            put_char(c);
    }
    void space() { m_space = true; }
    // Two spaces before the next text on this line (between table cells).
    void gap() { m_gap = true; }

    std::string finish(bool& truncated) {
        truncated = cut_utf8(m_out, m_max);
        while (!m_out.empty() && (m_out.back() == ' ' || m_out.back() == '\n'))
            m_out.pop_back();
        return std::move(m_out);
    }

  private:
    void put_char(char c) {
        if (m_want_lines > 0) {
            if (!m_out.empty()) {
                while (!m_out.empty() && m_out.back() == ' ')
                    m_out.pop_back();
                // Count the line breaks already there so blocks never add up to more.
                int have = 0;
                for (size_t i = m_out.size(); i > 0 && m_out[i - 1] == '\n' && have < 2; --i)
                    ++have;
                for (int i = have; i < m_want_lines; ++i)
                    m_out += '\n';
            }
            m_want_lines = 0;
            m_gap = false;
        } else if ((m_space || m_gap) && !m_out.empty() && m_out.back() != '\n') {
            // Text of only spaces so far (a <pre>'s) is dropped, not read past its start.
            while (!m_out.empty() && m_out.back() == ' ')
                m_out.pop_back();
            if (!m_out.empty())
                m_out += m_gap ? "  " : " ";
        }
        m_space = false;
        m_gap = false;
        m_out += c;
    }

    std::string m_out;
    size_t m_max;
    int m_want_lines = 0;
    bool m_space = false;
    bool m_gap = false;
};

bool is_dropped(GumboTag tag) {
    switch (tag) {
        case GUMBO_TAG_HEAD:
        case GUMBO_TAG_SCRIPT:
        case GUMBO_TAG_STYLE:
        case GUMBO_TAG_TEMPLATE:
        case GUMBO_TAG_NOSCRIPT:
        case GUMBO_TAG_TITLE:
        case GUMBO_TAG_OBJECT:
        case GUMBO_TAG_IFRAME:
        case GUMBO_TAG_SVG:
        case GUMBO_TAG_MATH:
            return true;
        default:
            return false;
    }
}

// Paragraph-like blocks get an empty line around them, other blocks a line break.
enum class Block { Inline, Line, Paragraph };

Block block_of(GumboTag tag) {
    switch (tag) {
        case GUMBO_TAG_P:
        case GUMBO_TAG_H1:
        case GUMBO_TAG_H2:
        case GUMBO_TAG_H3:
        case GUMBO_TAG_H4:
        case GUMBO_TAG_H5:
        case GUMBO_TAG_H6:
        case GUMBO_TAG_BLOCKQUOTE:
        case GUMBO_TAG_PRE:
        case GUMBO_TAG_TABLE:
        case GUMBO_TAG_UL:
        case GUMBO_TAG_OL:
        case GUMBO_TAG_DL:
            return Block::Paragraph;
        case GUMBO_TAG_DIV:
        case GUMBO_TAG_LI:
        case GUMBO_TAG_TR:
        case GUMBO_TAG_DT:
        case GUMBO_TAG_DD:
        case GUMBO_TAG_HR:
        case GUMBO_TAG_SECTION:
        case GUMBO_TAG_ARTICLE:
        case GUMBO_TAG_HEADER:
        case GUMBO_TAG_FOOTER:
        case GUMBO_TAG_NAV:
        case GUMBO_TAG_ASIDE:
        case GUMBO_TAG_ADDRESS:
        case GUMBO_TAG_FIGURE:
        case GUMBO_TAG_FORM:
        case GUMBO_TAG_CENTER:
        case GUMBO_TAG_CAPTION:
        case GUMBO_TAG_BODY:
        case GUMBO_TAG_MAIN:
        case GUMBO_TAG_FIELDSET:
        case GUMBO_TAG_TBODY:
        case GUMBO_TAG_THEAD:
        case GUMBO_TAG_TFOOT:
            return Block::Line;
        default:
            return Block::Inline;
    }
}

const char* attribute(const GumboElement& e, const char* name) {
    const GumboAttribute* a = gumbo_get_attribute(&e.attributes, name);
    return a ? a->value : nullptr;
}

// `hidden`, aria-hidden="true", or an inline style with display:none / visibility:hidden
// (how mail hides preheaders and tracking text).
bool is_hidden(const GumboElement& e) {
    if (attribute(e, "hidden"))
        return true;
    if (const char* aria = attribute(e, "aria-hidden"); aria && lower(aria) == "true")
        return true;
    const char* style = attribute(e, "style");
    if (!style)
        return false;
    std::string compact;
    for (const char* p = style; *p; ++p)
        if (!g_ascii_isspace(*p))
            compact += static_cast<char>(g_ascii_tolower(*p));
    return compact.find("display:none") != std::string::npos ||
           compact.find("visibility:hidden") != std::string::npos;
}

// A link target worth keeping after its text: http(s) and mailto, not when the text says it.
std::string link_target(const GumboElement& e) {
    const char* href = attribute(e, "href");
    if (!href)
        return {};
    std::string h = href;
    while (!h.empty() && g_ascii_isspace(h.back()))
        h.pop_back();
    size_t start = 0;
    while (start < h.size() && g_ascii_isspace(h[start]))
        ++start;
    h.erase(0, start);
    const std::string l = lower(h.substr(0, 8));
    if (l.rfind("http://", 0) != 0 && l.rfind("https://", 0) != 0 && l.rfind("mailto:", 0) != 0)
        return {};
    return h;
}

// The text content of a node, for comparing a link's text with its target.
void collect_text(const GumboNode* node, std::string& out, size_t max) {
    if (out.size() > max)
        return;
    if (node->type == GUMBO_NODE_TEXT || node->type == GUMBO_NODE_WHITESPACE) {
        out += node->v.text.text;
        return;
    }
    if (node->type != GUMBO_NODE_ELEMENT)
        return;
    const GumboVector& children = node->v.element.children;
    for (unsigned i = 0; i < children.length; ++i)
        collect_text(static_cast<const GumboNode*>(children.data[i]), out, max);
}

std::string trimmed(std::string s) {
    size_t a = 0;
    while (a < s.size() && g_ascii_isspace(s[a]))
        ++a;
    size_t b = s.size();
    while (b > a && g_ascii_isspace(s[b - 1]))
        --b;
    return s.substr(a, b - a);
}

// Walks the tree without recursion (hostile nesting cannot exhaust the stack): each frame is
// an element and the next child to visit; leaving an element closes its block.
class HtmlWalker {
  public:
    explicit HtmlWalker(TextBuilder& out) : m_out(out) {}

    void run(const GumboNode* root) {
        enter(root);
        while (!m_stack.empty() && !m_out.full() && !core::interrupted()) {
            Frame& f = m_stack.back();
            const GumboVector& children = f.node->v.element.children;
            if (f.next >= children.length) {
                leave(f);
                m_stack.pop_back();
                continue;
            }
            enter(static_cast<const GumboNode*>(children.data[f.next++]));
        }
    }

  private:
    struct Frame {
        explicit Frame(const GumboNode* n) : node(n) {}
        const GumboNode* node;
        unsigned next = 0;
        std::string link;     // target to write after the element's text
        int list_number = 0;  // for <ol>: the next item's number; 0 for <ul>
    };

    void enter(const GumboNode* node) {
        switch (node->type) {
            case GUMBO_NODE_TEXT:
            case GUMBO_NODE_CDATA:
            case GUMBO_NODE_WHITESPACE:
                m_out.text(node->v.text.text, m_pre > 0);
                return;
            case GUMBO_NODE_ELEMENT:
            case GUMBO_NODE_TEMPLATE:
            case GUMBO_NODE_DOCUMENT:
                break;
            default:
                return;  // comments
        }
        if (node->type == GUMBO_NODE_DOCUMENT) {
            m_stack.push_back(Frame{node});
            return;
        }
        const GumboElement& e = node->v.element;
        if (is_dropped(e.tag) || is_hidden(e))
            return;
        Frame frame{node};
        switch (e.tag) {
            case GUMBO_TAG_BR:
                m_out.line_break();
                return;
            case GUMBO_TAG_IMG:
                if (const char* alt = attribute(e, "alt"); alt && !trimmed(alt).empty()) {
                    m_out.space();
                    m_out.literal("[" + trimmed(alt) + "]");
                    m_out.space();
                }
                return;
            case GUMBO_TAG_TD:
            case GUMBO_TAG_TH:
                m_out.gap();
                break;
            case GUMBO_TAG_PRE:
                ++m_pre;
                break;
            case GUMBO_TAG_OL:
                frame.list_number = 1;
                break;
            case GUMBO_TAG_A:
                frame.link = link_target(e);
                break;
            default:
                break;
        }
        const Block block = block_of(e.tag);
        if (block != Block::Inline)
            m_out.block(block == Block::Paragraph);
        if (e.tag == GUMBO_TAG_LI)
            m_out.literal(list_marker());
        m_stack.push_back(std::move(frame));
    }

    void leave(Frame& f) {
        if (f.node->type == GUMBO_NODE_DOCUMENT)
            return;
        const GumboElement& e = f.node->v.element;
        if (e.tag == GUMBO_TAG_PRE)
            --m_pre;
        if (!f.link.empty()) {
            std::string text;
            collect_text(f.node, text, 4096);
            text = trimmed(text);
            std::string bare = f.link;
            if (lower(bare).rfind("mailto:", 0) == 0)
                bare = bare.substr(7);
            if (text != f.link && text != bare) {
                m_out.space();
                m_out.literal("<" + f.link + ">");
            }
        }
        const Block block = block_of(e.tag);
        if (block != Block::Inline)
            m_out.block(block == Block::Paragraph);
        if (e.tag == GUMBO_TAG_TD || e.tag == GUMBO_TAG_TH)
            m_out.space();
    }

    // "- " in a <ul>, "3. " in an <ol>: the innermost list decides.
    std::string list_marker() {
        for (auto it = m_stack.rbegin(); it != m_stack.rend(); ++it) {
            if (it->node->type != GUMBO_NODE_ELEMENT)
                continue;
            const GumboTag tag = it->node->v.element.tag;
            if (tag == GUMBO_TAG_OL)
                return std::to_string(it->list_number++) + ". ";
            if (tag == GUMBO_TAG_UL)
                break;
        }
        return "- ";
    }

    TextBuilder& m_out;
    std::vector<Frame> m_stack;
    int m_pre = 0;
};

// ---- MIME parts -> UTF-8 ------------------------------------------------------------------

// A charset an HTML document declares in its first 2 KB (<meta charset=...> or the
// http-equiv Content-Type form), "" when none.
std::string sniff_meta_charset(std::string_view html) {
    const std::string head = lower(html.substr(0, 2048));
    size_t at = head.find("charset=");
    if (at == std::string::npos)
        return {};
    at += 8;
    while (at < head.size() && (head[at] == '"' || head[at] == '\'' || head[at] == ' '))
        ++at;
    size_t end = at;
    while (end < head.size() && (g_ascii_isalnum(head[end]) || head[end] == '-' ||
                                 head[end] == '_' || head[end] == ':' || head[end] == '.'))
        ++end;
    return head.substr(at, end - at);
}

struct DecodedPart {
    std::string bytes;  // transfer-decoded, at most max bytes
    bool cut = false;   // there was more
};

// The transfer-decoded content of `part`, read 64 KB at a time up to `max` bytes.
DecodedPart transfer_decoded(GMimePart* part, size_t max) {
    DecodedPart out;
    GMimeDataWrapper* content = g_mime_part_get_content(part);
    if (!content)
        return out;
    GMimeStream* encoded = g_mime_data_wrapper_get_stream(content);
    g_mime_stream_reset(encoded);
    GPtr<GMimeStream> filtered(g_mime_stream_filter_new(encoded));
    const GMimeContentEncoding enc = g_mime_data_wrapper_get_encoding(content);
    if (enc != GMIME_CONTENT_ENCODING_DEFAULT) {
        GPtr<GMimeFilter> decoder(g_mime_filter_basic_new(enc, FALSE));
        g_mime_stream_filter_add(GMIME_STREAM_FILTER(filtered.get()), decoder.get());
    }
    std::vector<char> buf(64 * 1024);
    for (;;) {
        // A bounded substream answers -1, not 0, at its end (see message_parser.cpp).
        const ssize_t n = g_mime_stream_read(filtered.get(), buf.data(), buf.size());
        if (n <= 0)
            break;
        const size_t room = max - out.bytes.size();
        if (static_cast<size_t>(n) > room) {
            out.bytes.append(buf.data(), room);
            out.cut = true;
            break;
        }
        out.bytes.append(buf.data(), static_cast<size_t>(n));
    }
    return out;
}

std::string declared_charset(GMimeObject* obj) {
    const char* cs = g_mime_object_get_content_type_parameter(obj, "charset");
    return cs ? lower(cs) : std::string();
}

bool is_utf8_name(const std::string& charset) {
    return charset.empty() || charset == "utf-8" || charset == "utf8" || charset == "us-ascii" ||
           charset == "ascii";
}

// UTF-8 text of a text part: decoded from its declared charset (for HTML also one its <meta>
// declares); an unknown or missing charset is read as UTF-8, else windows-1252.
std::string part_utf8(GMimeObject* obj, std::string bytes, bool html) {
    std::string charset = declared_charset(obj);
    if (charset.empty() && html)
        charset = sniff_meta_charset(bytes);
    // As browsers do (WHATWG Encoding): mail labelled Latin-1 is written in windows-1252.
    if (charset == "iso-8859-1" || charset == "iso8859-1" || charset == "latin1")
        charset = "windows-1252";
    if (!is_utf8_name(charset))
        if (auto converted = to_utf8(bytes, charset))
            return std::move(*converted);
    return bytes;
}

// Whether the part's Content-Type is syntactically invalid (no "type/subtype": "text",
// "text plain", "BINARY"), which RFC 2045 5.2 says to read as text/plain and GMime reads as
// application/octet-stream.
bool invalid_content_type(GMimeObject* obj) {
    const char* raw = g_mime_object_get_header(obj, "Content-Type");
    if (!raw)
        return false;
    std::string_view value(raw);
    value = value.substr(0, value.find(';'));
    return value.find_first_not_of(" \t\r\n") != std::string_view::npos &&
           value.find('/') == std::string_view::npos;
}

// Picks the body parts (see the header) and appends their text.
class BodyCollector {
  public:
    BodyCollector(TextFor reader, const BodyLimits& limits) : m_reader(reader), m_limits(limits) {}

    void collect(GMimeObject* obj, const std::string& parent_subtype, size_t depth) {
        constexpr size_t kMaxDepth = 64;
        if (!obj || depth > kMaxDepth || full())
            return;
        GMimeContentType* ct = g_mime_object_get_content_type(obj);
        std::string type = lower(ct ? g_mime_content_type_get_media_type(ct) : "text");
        std::string subtype = lower(ct ? g_mime_content_type_get_media_subtype(ct) : "plain");
        if (GMIME_IS_MULTIPART(obj)) {
            auto* mp = GMIME_MULTIPART(obj);
            const int n = g_mime_multipart_get_count(mp);
            if (n == 0) {
                collect_unsplit(obj);
                return;
            }
            if (subtype == "alternative") {
                collect_alternative(mp, n, depth);
                return;
            }
            for (int i = 0; i < n && !full(); ++i)
                collect(g_mime_multipart_get_part(mp, i), subtype, depth + 1);
            return;
        }
        if (GMIME_IS_MESSAGE_PART(obj)) {
            collect_attached_message(GMIME_MESSAGE_PART(obj), depth);
            return;
        }
        if ((type == "text" && subtype.empty()) || invalid_content_type(obj)) {
            type = "text";
            subtype = "plain";
        }  // RFC 2045 5.2: an invalid type is text/plain
        if (!GMIME_IS_PART(obj) || type != "text" || (subtype != "plain" && subtype != "html"))
            return;
        GMimeContentDisposition* cd = g_mime_object_get_content_disposition(obj);
        const std::string disposition =
            cd ? lower(g_mime_content_disposition_get_disposition(cd)) : "";
        const char* filename = g_mime_part_get_filename(GMIME_PART(obj));
        const bool first_text = !m_seen_text;
        m_seen_text = true;
        // The first text part is the body even when it carries a file name, unless it is
        // declared an attachment (Python's email: get_body).
        const bool body_despite_name = first_text && disposition != "attachment";
        if (!body_despite_name && core::is_attachment_part(type, subtype, disposition,
                                                           filename && *filename, parent_subtype))
            return;
        append_part(obj, subtype == "html");
    }

    BodyText finish() {
        m_result.truncated = cut_utf8(m_result.text, m_limits.max_text) || m_result.truncated;
        return std::move(m_result);
    }

  private:
    bool full() const { return m_result.text.size() >= m_limits.max_text; }

    // The plain text child, else (or when it gives no text) the last child that gives text.
    // For the index, also the lines of the HTML child that hold words the plain one lacks.
    void collect_alternative(GMimeMultipart* mp, int n, size_t depth) {
        const size_t before = m_result.text.size();
        for (int i = 0; i < n; ++i) {
            GMimeObject* child = g_mime_multipart_get_part(mp, i);
            if (is_text_leaf(child, "plain")) {
                collect(child, "alternative", depth + 1);
                break;
            }
        }
        if (m_result.text.size() != before) {
            if (m_reader == TextFor::Index)
                add_html_only_lines(mp, n, before);
            return;
        }
        for (int i = n - 1; i >= 0; --i) {
            collect(g_mime_multipart_get_part(mp, i), "alternative", depth + 1);
            if (m_result.text.size() != before)
                return;
        }
    }

    static bool is_text_leaf(GMimeObject* obj, std::string_view subtype) {
        GMimeContentType* ct = g_mime_object_get_content_type(obj);
        return GMIME_IS_PART(obj) && ct &&
               lower(g_mime_content_type_get_media_type(ct)) == "text" &&
               lower(g_mime_content_type_get_media_subtype(ct)) == subtype;
    }

    // After an alternative's plain text (from `plain_start` on), the lines of its last HTML
    // child that hold a word the plain text lacks: a search finds what the reader saw in
    // a mail program, which shows the HTML. Words the plain text has are not indexed twice,
    // and the HTML is parsed only when a quick scan says it may add one (new_words.hpp).
    void add_html_only_lines(GMimeMultipart* mp, int n, size_t plain_start) {
        GMimeObject* html = nullptr;
        for (int i = n - 1; i >= 0 && !html; --i)
            if (GMimeObject* child = g_mime_multipart_get_part(mp, i); is_text_leaf(child, "html"))
                html = child;
        if (!html || full())
            return;
        DecodedPart decoded = transfer_decoded(GMIME_PART(html), m_limits.max_html);
        const std::string utf8 = part_utf8(html, std::move(decoded.bytes), true);
        const std::string_view plain = std::string_view(m_result.text).substr(plain_start);
        if (!html_may_add_words(utf8, plain))
            return;
        BodyText converted = html_to_text(utf8, m_limits.max_text - m_result.text.size());
        append_text(lines_adding_words(converted.text, words_of(plain)), BodyOrigin::Html,
                    converted.truncated || decoded.cut);
    }

    // A multipart in which GMime found no part (a boundary it does not match: one of some
    // thousands of characters, where RFC 2046 allows 70) holds the whole content as its
    // prologue: the text of each part there, its header lines left out, rather than no text.
    void collect_unsplit(GMimeObject* obj) {
        const char* prologue = g_mime_multipart_get_prologue(GMIME_MULTIPART(obj));
        const char* boundary = g_mime_object_get_content_type_parameter(obj, "boundary");
        if (!prologue || !boundary || !*boundary)
            return;
        const std::string delimiter = std::string("--") + boundary;
        std::string text;
        enum { Preamble, Headers, Content } at = Preamble;
        std::string_view rest(prologue);
        while (!rest.empty()) {
            const size_t nl = std::min(rest.find('\n'), rest.size());
            std::string_view line = rest.substr(0, nl);
            rest.remove_prefix(std::min(nl + 1, rest.size()));
            if (!line.empty() && line.back() == '\r')
                line.remove_suffix(1);
            if (line.substr(0, delimiter.size()) == delimiter)
                at = Headers;
            else if (at == Headers && line.empty())
                at = Content;
            else if (at == Content)
                text.append(line).push_back('\n');
        }
        text = repair_lines(text);
        while (!text.empty() && (text.back() == '\n' || text.back() == ' '))
            text.pop_back();
        append_text(text, BodyOrigin::Plain, false);
    }

    // An attached message is searched with its parent: its header fields and its own body,
    // after the parent's text (labelled for a reader, values alone for the index: TextFor).
    void collect_attached_message(GMimeMessagePart* part, size_t depth) {
        GMimeMessage* inner = g_mime_message_part_get_message(part);
        if (!inner)
            return;
        const core::MessageHeaders h = headers_of_message(inner);
        const bool labelled = m_reader == TextFor::Reader;
        std::string block = labelled ? "---------- Attached message ----------" : "";
        for (const auto& [name, value] :
             {std::pair{"From", &h.from}, std::pair{"To", &h.to}, std::pair{"Cc", &h.cc},
              std::pair{"Date", &h.date}, std::pair{"Subject", &h.subject}}) {
            if (value->empty() || (!labelled && value == &h.date))
                continue;
            if (!block.empty())
                block += '\n';
            block += labelled ? std::string(name) + ": " + *value : *value;
        }
        append_text(block, BodyOrigin::Plain, false);
        m_seen_text = false;  // its first text part is its body
        collect(g_mime_message_get_mime_part(inner), "", depth + 1);
    }

    void append_part(GMimeObject* obj, bool html) {
        const size_t room = m_limits.max_text - m_result.text.size();
        DecodedPart decoded =
            transfer_decoded(GMIME_PART(obj), html ? m_limits.max_html : room + 4);
        std::string utf8 = part_utf8(obj, std::move(decoded.bytes), html);
        BodyText part;
        if (html) {
            part = html_to_text(utf8, room);
            part.truncated = part.truncated || decoded.cut;
        } else {
            part.text = repair_lines(utf8);
            while (!part.text.empty() && (part.text.back() == '\n' || part.text.back() == ' '))
                part.text.pop_back();
            part.truncated = decoded.cut || cut_utf8(part.text, room);
        }
        append_text(part.text, html ? BodyOrigin::Html : BodyOrigin::Plain, part.truncated);
    }

    void append_text(const std::string& text, BodyOrigin origin, bool truncated) {
        if (text.empty())
            return;
        if (!m_result.text.empty())
            m_result.text += "\n\n";
        m_result.text += text;
        m_result.truncated = m_result.truncated || truncated;
        if (origin == BodyOrigin::Html || m_result.origin == BodyOrigin::None)
            m_result.origin = origin;
    }

    const TextFor m_reader;
    const BodyLimits& m_limits;
    BodyText m_result;
    bool m_seen_text = false;  // a text/plain or text/html leaf was met
};

// The first text/html leaf that is not an attachment, depth first.
GMimePart* first_html_part(GMimeObject* obj, const std::string& parent_subtype, size_t depth) {
    if (!obj || depth > 64)
        return nullptr;
    GMimeContentType* ct = g_mime_object_get_content_type(obj);
    const std::string subtype = lower(ct ? g_mime_content_type_get_media_subtype(ct) : "");
    if (GMIME_IS_MULTIPART(obj)) {
        auto* mp = GMIME_MULTIPART(obj);
        for (int i = 0, n = g_mime_multipart_get_count(mp); i < n; ++i)
            if (GMimePart* found =
                    first_html_part(g_mime_multipart_get_part(mp, i), subtype, depth + 1))
                return found;
        return nullptr;
    }
    if (!GMIME_IS_PART(obj) || !ct || lower(g_mime_content_type_get_media_type(ct)) != "text" ||
        subtype != "html")
        return nullptr;
    GMimeContentDisposition* cd = g_mime_object_get_content_disposition(obj);
    const std::string disposition = cd ? lower(g_mime_content_disposition_get_disposition(cd)) : "";
    const char* filename = g_mime_part_get_filename(GMIME_PART(obj));
    if (core::is_attachment_part("text", "html", disposition, filename && *filename,
                                 parent_subtype))
        return nullptr;
    return GMIME_PART(obj);
}

// A message file parsed the way message_parser.cpp does it: mapped up to 4 MB, contents kept
// as ranges of the file.
struct ParsedFile {
    GPtr<GMimeStream> stream;
    GPtr<GMimeParser> parser;
    GPtr<GMimeMessage> message;
};

Result<ParsedFile> parse_file(const std::string& path) {
    ensure_gmime();
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        auto e = core::make_error(core::ErrorKind::Io,
                                  "cannot open " + path + ": " + std::strerror(errno),
                                  core::Scope::Message);
        return e;
    }
    constexpr off_t kMapUpTo = 4 << 20;
    struct stat st {};
    const bool map = ::fstat(fd, &st) == 0 && st.st_size > 0 && st.st_size <= kMapUpTo;
    ParsedFile f;
    f.stream.reset(map ? g_mime_stream_mmap_new(fd, PROT_READ, MAP_PRIVATE)
                       : g_mime_stream_fs_new(fd));  // owns fd
    if (!f.stream) {
        ::close(fd);
        return core::make_error(core::ErrorKind::Io, "cannot read " + path, core::Scope::Message);
    }
    f.parser.reset(g_mime_parser_new_with_stream(f.stream.get()));
    g_mime_parser_set_persist_stream(f.parser.get(), TRUE);
    f.message.reset(g_mime_parser_construct_message(f.parser.get(), nullptr));
    return f;
}

}  // namespace

BodyText html_to_text(std::string_view html, size_t max_text) {
    const HtmlTree tree(html);
    TextBuilder out(max_text);
    BodyText result;
    result.origin = BodyOrigin::Html;
    if (tree.root()) {
        HtmlWalker walker(out);
        walker.run(tree.root());
    }
    // gumbo gives UTF-8 (invalid input bytes become U+FFFD); control characters other than
    // line breaks still have to go.
    result.text = repair_lines(out.finish(result.truncated));
    result.truncated = result.truncated || tree.cut() || core::interrupted();
    return result;
}

std::optional<size_t> stray_body_start(std::string_view head) {
    size_t at = 0;
    for (bool first = true; at < head.size(); first = false) {
        const size_t nl = head.find('\n', at);
        if (nl == std::string_view::npos)
            return std::nullopt;  // the scan ends inside the header block
        std::string_view line = head.substr(at, nl - at);
        if (!line.empty() && line.back() == '\r')
            line.remove_suffix(1);
        if (line.empty())
            return std::nullopt;  // the blank line: a proper header block
        // Python's headerRE: '^(From |[\041-\071\073-\176]*:|[\t ])'.
        const size_t name_end = line.find_first_not_of(
            "!\"#$%&'()*+,-./0123456789;<=>?@ABCDEFGHIJKLMNOPQRSTUVWXYZ[\\]^_`"
            "abcdefghijklmnopqrstuvwxyz{|}~");
        const bool header = line[0] == ' ' || line[0] == '\t' ||
                            (first && line.substr(0, 5) == "From ") ||
                            (name_end != std::string_view::npos && line[name_end] == ':');
        if (!header)
            return at;
        at = nl + 1;
    }
    return std::nullopt;
}

std::optional<BodyText> stray_line_body_text(const std::string& path, const BodyLimits& limits) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0)
        return std::nullopt;
    std::string head(64 * 1024, '\0');
    const ssize_t got = ::read(fd, head.data(), head.size());
    head.resize(got > 0 ? static_cast<size_t>(got) : 0);
    const auto start = stray_body_start(head);
    if (!start) {
        ::close(fd);
        return std::nullopt;
    }
    // A Content-Type among the fields after the stray line declares the MIME structure GMime
    // reads (Python would read its parts as text, encoded and all): GMime's reading is kept.
    for (const auto& [name, value] : split_header_block(head.substr(*start))) {
        (void)value;
        if (g_ascii_strcasecmp(name.c_str(), "Content-Type") == 0) {
            ::close(fd);
            return std::nullopt;
        }
    }
    // The body is read as the header fields before the stray line declare it; a multipart
    // is left to GMime, whose boundaries find its parts whatever the header block.
    const auto fields = parse_header_block(head.substr(0, *start) + "\r\n");
    GPtr<GMimeContentType> type(
        g_mime_content_type_parse(nullptr, header_value(fields, "Content-Type").c_str()));
    const std::string media = type ? lower(g_mime_content_type_get_media_type(type.get())) : "";
    const std::string subtype =
        type ? lower(g_mime_content_type_get_media_subtype(type.get())) : "";
    if (media == "multipart" || media == "message") {
        ::close(fd);
        return std::nullopt;
    }
    TransferDecoder decoder(header_value(fields, "Content-Transfer-Encoding"));
    const size_t want = (subtype == "html" ? limits.max_html : limits.max_text) + 4;
    std::string bytes;
    std::string chunk = head.substr(*start);
    bool more = head.size() == 64 * 1024;
    for (;;) {
        decoder.decode(chunk, bytes);
        if (bytes.size() >= want || !more)
            break;
        chunk.resize(64 * 1024);
        const ssize_t n = ::read(fd, chunk.data(), chunk.size());
        chunk.resize(n > 0 ? static_cast<size_t>(n) : 0);
        more = n > 0;
    }
    ::close(fd);
    decoder.finish(bytes);
    const bool cut = bytes.size() >= want;
    const char* declared =
        type ? g_mime_content_type_get_parameter(type.get(), "charset") : nullptr;
    std::string charset = declared ? lower(declared) : "";
    if (charset == "iso-8859-1" || charset == "iso8859-1" || charset == "latin1")
        charset = "windows-1252";
    if (!is_utf8_name(charset))
        if (auto converted = to_utf8(bytes, charset))
            bytes = std::move(*converted);
    if (subtype == "html")
        return html_to_text(bytes, limits.max_text);
    BodyText out;
    out.origin = BodyOrigin::Plain;
    out.text = repair_lines(bytes);
    while (!out.text.empty() && (out.text.back() == '\n' || out.text.back() == ' '))
        out.text.pop_back();
    out.truncated = cut_utf8(out.text, limits.max_text) || cut;
    return out;
}

BodyText body_text_of(GMimeObject* body, TextFor reader, const BodyLimits& limits) {
    BodyCollector collector(reader, limits);
    collector.collect(body, "", 0);
    return collector.finish();
}

Result<BodyText> read_body_text(const std::string& path, TextFor reader, const BodyLimits& limits) {
    if (auto stray = stray_line_body_text(path, limits))
        return std::move(*stray);
    IMM_ASSIGN(auto file, parse_file(path));
    if (!file.message)
        return BodyText{};
    return body_text_of(g_mime_message_get_mime_part(file.message.get()), reader, limits);
}

Result<HtmlPart> read_html_part(const std::string& path, size_t max_bytes) {
    IMM_ASSIGN(auto file, parse_file(path));
    GMimePart* part = file.message
                          ? first_html_part(g_mime_message_get_mime_part(file.message.get()), "", 0)
                          : nullptr;
    if (!part)
        return core::make_error(core::ErrorKind::NotFound, "the message has no HTML body",
                                core::Scope::Message);
    HtmlPart out;
    out.html = transfer_decoded(part, max_bytes).bytes;
    out.charset = declared_charset(GMIME_OBJECT(part));
    return out;
}

}  // namespace imapmirror::mime
