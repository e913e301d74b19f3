#include "mime/html_tree.hpp"

#include <gumbo.h>
#include <time.h>

#include <algorithm>
#include <csetjmp>
#include <cstdlib>
#include <initializer_list>
#include <string>
#include <vector>

#include "core/interrupt.hpp"
#include "core/sanitizers.hpp"

namespace imapmirror::mime {

namespace {

bool is_ascii_alpha(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

bool is_tag_space(char c) {
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f';
}

char ascii_lower(char c) {
    return c >= 'A' && c <= 'Z' ? static_cast<char>(c - 'A' + 'a') : c;
}

bool one_of(std::string_view name, std::initializer_list<std::string_view> names) {
    return std::find(names.begin(), names.end(), name) != names.end();
}

// HTML5's void elements: never open, whatever the tag says.
bool is_void(std::string_view name) {
    return one_of(
        name, {"area", "base", "br", "col", "embed", "hr", "img", "input", "keygen", "link", "meta",
               "param", "source", "track", "wbr", "basefont", "bgsound", "frame", "image"});
}

// The document's own elements: gumbo opens each once, whatever the input repeats.
bool is_document_level(std::string_view name) {
    return one_of(name, {"html", "head", "body", "frameset"});
}

// Elements whose content is text up to their end tag (HTML5 raw text and RCDATA; only in HTML
// content, not inside <svg> or <math>).
bool is_raw_text(std::string_view name) {
    return one_of(name,
                  {"script", "style", "xmp", "iframe", "noembed", "noframes", "textarea", "title"});
}

// Start tags that close an open <p> (HTML5 "in body": the block elements).
bool closes_p(std::string_view name) {
    return one_of(name, {"address", "article", "aside",  "blockquote", "center",   "details",
                         "dialog",  "dir",     "div",    "dl",         "fieldset", "figcaption",
                         "figure",  "footer",  "header", "hgroup",     "main",     "menu",
                         "nav",     "ol",      "p",      "section",    "summary",  "ul",
                         "h1",      "h2",      "h3",     "h4",         "h5",       "h6",
                         "pre",     "listing", "form",   "table",      "hr",       "xmp"});
}

// The tag names an element's start tag implicitly closes (an optional end tag) and the open
// elements that stop the search for one, as HTML5's tree construction does it.
struct ImpliedEnd {
    std::initializer_list<std::string_view> closes, stops;
};

const ImpliedEnd* implied_end(std::string_view name) {
    static const ImpliedEnd kP{
        {"p"},
        {"button", "table", "td", "th", "caption", "object", "template", "applet", "marquee"}};
    static const ImpliedEnd kLi{{"li"}, {"ul", "ol", "table", "td", "th"}};
    static const ImpliedEnd kDtDd{{"dt", "dd"}, {"dl", "table", "td", "th"}};
    static const ImpliedEnd kCell{{"td", "th"}, {"tr", "table"}};
    static const ImpliedEnd kRow{{"tr"}, {"table"}};
    static const ImpliedEnd kSection{{"thead", "tbody", "tfoot", "caption", "colgroup"}, {"table"}};
    static const ImpliedEnd kOption{{"option"}, {"select", "datalist"}};
    static const ImpliedEnd kOptgroup{{"optgroup", "option"}, {"select"}};
    static const ImpliedEnd kRuby{{"rb", "rt", "rp", "rtc"}, {"ruby"}};
    if (closes_p(name))
        return &kP;
    if (name == "li")
        return &kLi;
    if (name == "dt" || name == "dd")
        return &kDtDd;
    if (name == "td" || name == "th")
        return &kCell;
    if (name == "tr")
        return &kRow;
    if (one_of(name, {"thead", "tbody", "tfoot", "caption", "colgroup"}))
        return &kSection;
    if (name == "option")
        return &kOption;
    if (name == "optgroup")
        return &kOptgroup;
    if (one_of(name, {"rb", "rt", "rp", "rtc"}))
        return &kRuby;
    return nullptr;
}

// A tag's attributes and end, from just after its name. `close` is npos when the input ends
// inside the tag (gumbo then reads no more tags either).
struct TagEnd {
    size_t close = std::string_view::npos;  // the '>'
    size_t attributes = 0;
    bool self_closing = false;
};

TagEnd scan_tag(std::string_view html, size_t at) {
    TagEnd t;
    for (;;) {
        while (at < html.size() && (is_tag_space(html[at]) || html[at] == '/'))
            ++at;
        if (at >= html.size())
            return t;
        if (html[at] == '>') {
            t.close = at;
            t.self_closing = html[at - 1] == '/';
            return t;
        }
        ++t.attributes;
        ++at;  // a name may begin with '='
        while (at < html.size() && !is_tag_space(html[at]) && html[at] != '/' && html[at] != '>' &&
               html[at] != '=')
            ++at;
        while (at < html.size() && is_tag_space(html[at]))
            ++at;
        if (at >= html.size() || html[at] != '=')
            continue;
        ++at;
        while (at < html.size() && is_tag_space(html[at]))
            ++at;
        if (at < html.size() && (html[at] == '"' || html[at] == '\'')) {
            const size_t quote = html.find(html[at], at + 1);
            if (quote == std::string_view::npos)
                return t;
            at = quote + 1;
            continue;
        }
        while (at < html.size() && !is_tag_space(html[at]) && html[at] != '>')
            ++at;
    }
}

// Where a comment that starts at `at` ("<!--") ends: after "-->" or "--!>" (so "<!-->" is a
// whole comment, as in HTML5); npos when it runs to the end.
size_t comment_end(std::string_view html, size_t at) {
    for (size_t p = at + 2;; ++p) {
        p = html.find("--", p);
        if (p == std::string_view::npos)
            return p;
        if (p + 2 < html.size() && html[p + 2] == '>')
            return p + 3;
        if (html.substr(p + 2, 2) == "!>")
            return p + 4;
    }
}

// The position of "</name" (any case) at or after `at`, npos when there is none.
size_t raw_text_end(std::string_view html, size_t at, std::string_view name) {
    for (size_t p = at;; p += 2) {
        p = html.find("</", p);
        if (p == std::string_view::npos || html.size() - p - 2 < name.size())
            return std::string_view::npos;
        bool same = true;
        for (size_t i = 0; i < name.size() && same; ++i)
            same = ascii_lower(html[p + 2 + i]) == name[i];
        if (same)
            return p;
    }
}

// The scan's model of the open elements: names, the innermost last.
class OpenElements {
  public:
    size_t depth() const { return m_names.size(); }
    bool in_foreign() const { return m_foreign > 0; }

    void push(std::string name) {
        if (name == "svg" || name == "math")
            ++m_foreign;
        m_names.push_back(std::move(name));
    }
    // An end tag closes the innermost open element it names, and what is inside it; an end tag
    // that names no open element changes nothing (HTML5 ignores it).
    void close(std::string_view name) {
        for (size_t i = m_names.size(); i > 0; --i)
            if (m_names[i - 1] == name) {
                pop_to(i - 1);
                return;
            }
    }
    // A start tag's implied end tags: the innermost open element in `closes`, unless one of
    // `stops` is open inside it.
    void close_implied(const ImpliedEnd& rule) {
        for (size_t i = m_names.size(); i > 0; --i) {
            if (one_of(m_names[i - 1], rule.closes)) {
                pop_to(i - 1);
                return;
            }
            if (one_of(m_names[i - 1], rule.stops))
                return;
        }
    }

  private:
    void pop_to(size_t size) {
        while (m_names.size() > size) {
            if (m_names.back() == "svg" || m_names.back() == "math")
                --m_foreign;
            m_names.pop_back();
        }
    }

    std::vector<std::string> m_names;
    size_t m_foreign = 0;
};

}  // namespace

// Each tag costs the scan at most a walk of its open elements (at most max_depth), so the scan
// is linear in the input.
size_t bounded_prefix(std::string_view html, const HtmlBounds& bounds) {
    constexpr auto npos = std::string_view::npos;
    OpenElements open;
    size_t at = 0;
    while ((at = html.find('<', at)) != npos) {
        const size_t tag = at;
        if (html.substr(at, 4) == "<!--") {
            at = comment_end(html, at);
            if (at == npos)
                break;
            continue;
        }
        const bool end = at + 1 < html.size() && html[at + 1] == '/';
        const size_t name_start = at + (end ? 2 : 1);
        if (name_start >= html.size())
            break;
        if (!is_ascii_alpha(html[name_start])) {
            // "<!DOCTYPE", "<?xml", "</ >": bogus comments up to '>'; "<" alone is text.
            if (end || html[name_start] == '!' || html[name_start] == '?') {
                at = html.find('>', name_start);
                if (at == npos)
                    break;
            }
            ++at;
            continue;
        }
        size_t name_end = name_start;
        std::string name;
        while (name_end < html.size() && !is_tag_space(html[name_end]) && html[name_end] != '/' &&
               html[name_end] != '>')
            name += ascii_lower(html[name_end++]);
        const TagEnd t = scan_tag(html, name_end);
        if (t.close == npos)
            break;
        if (t.attributes > bounds.max_attributes)
            return tag;
        at = t.close + 1;
        if (end) {
            open.close(name);
            continue;
        }
        if (is_void(name) || is_document_level(name) || (open.in_foreign() && t.self_closing))
            continue;
        if (name == "plaintext")
            break;  // the rest is text
        if (!open.in_foreign())
            if (const ImpliedEnd* rule = implied_end(name))
                open.close_implied(*rule);
        const bool raw = !open.in_foreign() && is_raw_text(name);
        open.push(name);
        if (open.depth() > static_cast<size_t>(bounds.max_depth))
            return tag;
        if (raw) {
            at = raw_text_end(html, at, name);
            if (at == npos)
                break;
        }
    }
    return html.size();
}

// ---- gumbo under a budget -----------------------------------------------------------------

// The CPU budget is sized for the shipped build. Under AddressSanitizer the same parse costs
// a few times the CPU, so the budget grows with it: the sanitizer build then parses as much as
// the shipped one does (without this, a unit test's 2 MB of scripts ran out of budget on a
// loaded CI machine and gave no text at all).
constexpr double kSanitizerSlowdown = core::kAddressSanitizer ? 4 : 1;

// Outside the anonymous namespace: HtmlTree::Budget, which has external linkage, holds one.
struct alignas(std::max_align_t) BlockHeader {
    BlockHeader* prev;
    BlockHeader* next;
    size_t size;
};

namespace {

double thread_cpu_seconds() {
    timespec ts{};
    ::clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

}  // namespace

struct HtmlTree::Budget {
    enum class Stop { None, Memory, Time, Interrupt };

    BlockHeader blocks{&blocks, &blocks, 0};  // every live allocation, in a ring
    size_t live = 0, peak = 0, limit = 0;
    unsigned calls = 0;
    double deadline = 0;
    Stop stop = Stop::None;
    std::jmp_buf jump{};

    ~Budget() { free_all(); }

    // Leaves gumbo for the setjmp in parse_within. Nothing between here and there has a
    // destructor: gumbo is C, and the allocator holds no objects.
    [[noreturn]] void halt(Stop why) {
        stop = why;
        std::longjmp(jump, 1);
    }

    void free_all() {
        while (blocks.next != &blocks) {
            BlockHeader* b = blocks.next;
            blocks.next = b->next;
            std::free(b);
        }
        blocks.prev = &blocks;
        live = 0;
    }
};

namespace {

void* budget_allocate(void* userdata, size_t size) {
    auto* b = static_cast<HtmlTree::Budget*>(userdata);
    using Stop = HtmlTree::Budget::Stop;
    if ((++b->calls & 255) == 0) {
        if (core::interrupted())
            b->halt(Stop::Interrupt);
        if ((b->calls & 1023) == 0 && thread_cpu_seconds() > b->deadline)
            b->halt(Stop::Time);
    }
    const size_t total = sizeof(BlockHeader) + size;
    if (size > b->limit || b->live + total > b->limit)
        b->halt(Stop::Memory);
    auto* block = static_cast<BlockHeader*>(std::malloc(total));
    if (!block)
        b->halt(Stop::Memory);
    block->size = total;
    block->prev = b->blocks.prev;
    block->next = &b->blocks;
    b->blocks.prev->next = block;
    b->blocks.prev = block;
    b->live += total;
    b->peak = std::max(b->peak, b->live);
    return block + 1;
}

void budget_free(void* userdata, void* ptr) {
    if (!ptr)
        return;
    auto* b = static_cast<HtmlTree::Budget*>(userdata);
    BlockHeader* block = static_cast<BlockHeader*>(ptr) - 1;
    block->prev->next = block->next;
    block->next->prev = block->prev;
    b->live -= block->size;
    std::free(block);
}

// gumbo's parse, or nullptr when the budget stopped it (halt() jumps back here).
GumboOutput* parse_within(HtmlTree::Budget& budget_in, const GumboOptions& options_in,
                          std::string_view html) {
    // Volatile: what is read after setjmp returns must not live in a register (-Wclobbered).
    HtmlTree::Budget* volatile budget = &budget_in;
    const GumboOptions* volatile options = &options_in;
    const char* volatile data = html.data();
    volatile size_t size = html.size();
    if (setjmp(budget->jump) != 0)
        return nullptr;
    return gumbo_parse_with_options(options, data, size);
}

}  // namespace

HtmlTree::HtmlTree(std::string_view html, const HtmlBounds& bounds)
    : m_budget(std::make_unique<Budget>()) {
    constexpr size_t kSmallestRetry = 64 << 10;
    size_t size = bounded_prefix(html, bounds);
    m_cut = size < html.size();
    GumboOptions options = kGumboDefaultOptions;
    options.allocator = budget_allocate;
    options.deallocator = budget_free;
    options.userdata = m_budget.get();
    options.max_errors = 0;  // parse errors are not used; each would copy the open elements
    m_budget->limit = bounds.max_tree_bytes;
    m_budget->deadline =
        thread_cpu_seconds() +
        kSanitizerSlowdown * (bounds.cpu_seconds_base +
                              bounds.cpu_seconds_per_mib * static_cast<double>(size) / (1 << 20));
    for (;;) {
        if (core::interrupted()) {
            m_interrupted = m_cut = true;
            return;
        }
        if (GumboOutput* out = parse_within(*m_budget, options, html.substr(0, size))) {
            m_root = out->document;
            return;
        }
        m_budget->free_all();
        m_cut = true;
        m_interrupted = m_budget->stop == Budget::Stop::Interrupt;
        if (m_budget->stop != Budget::Stop::Memory || size <= kSmallestRetry)
            return;
        size /= 4;
    }
}

HtmlTree::~HtmlTree() = default;

const GumboNode* HtmlTree::root() const {
    return m_root;
}

size_t HtmlTree::peak_bytes() const {
    return m_budget->peak;
}

}  // namespace imapmirror::mime
