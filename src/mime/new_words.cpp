#include "mime/new_words.hpp"

#include <algorithm>
#include <array>
#include <cstring>
#include <optional>

namespace imapmirror::mime {

namespace {

bool word_byte(unsigned char c) {
    return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c >= 0x80;
}

char fold(unsigned char c) {
    return static_cast<char>(c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c);
}

bool starts_with_nocase(std::string_view s, size_t at, std::string_view prefix) {
    if (s.size() - at < prefix.size())
        return false;
    for (size_t i = 0; i < prefix.size(); ++i)
        if (fold(static_cast<unsigned char>(s[at + i])) != prefix[i])
            return false;
    return true;
}

// Calls `word(std::string)` for each word of `text` (see the header).
template <class Word>
void for_each_word(std::string_view text, Word&& word) {
    std::string current;
    for (char ch : text) {
        const auto c = static_cast<unsigned char>(ch);
        if (word_byte(c)) {
            current += fold(c);
        } else if (!current.empty()) {
            word(current);
            current.clear();
        }
    }
    if (!current.empty())
        word(current);
}

// Entities that are white space or punctuation, so a separator to the tokenizer as the
// character they stand for is. Any other entity may be a letter: it is kept in the word as a
// byte no word of plain text ends with, so the word counts as new.
bool separator_entity(std::string_view name) {
    static constexpr std::array<std::string_view, 24> kSeparators = {
        "nbsp", "#160", "#xa0", "amp",   "#38",   "lt",     "gt",    "quot",
        "#34",  "apos", "#39",  "ensp",  "emsp",  "thinsp", "mdash", "ndash",
        "bull", "copy", "reg",  "trade", "lsquo", "rsquo",  "ldquo", "rdquo"};
    for (std::string_view s : kSeparators)
        if (s.size() == name.size() && starts_with_nocase(name, 0, s))
            return true;
    return false;
}

// Whether words are known: first by walking the plain text's words in order alongside the
// HTML's (an HTML alternative made from the same text has the same words in the same order,
// so no set is built), and from the first word that walk does not find on, by the set of all
// the plain text's words.
class KnownWords {
  public:
    explicit KnownWords(std::string_view plain) : m_plain(plain) {}

    bool has(const std::string& word) {
        if (m_set)
            return m_set->count(word) != 0;
        while (m_at < m_plain.size()) {
            while (m_at < m_plain.size() && !word_byte(static_cast<unsigned char>(m_plain[m_at])))
                ++m_at;
            size_t end = m_at;
            while (end < m_plain.size() && word_byte(static_cast<unsigned char>(m_plain[end])))
                ++end;
            const std::string_view next = m_plain.substr(m_at, end - m_at);
            m_at = end;
            if (next.size() == word.size() && starts_with_nocase(next, 0, word))
                return true;
        }
        m_set = words_of(m_plain);
        return m_set->count(word) != 0;
    }

  private:
    std::string_view m_plain;
    size_t m_at = 0;
    std::optional<WordSet> m_set;
};

// The scan of html_may_add_words: words of the text between tags and of alt attributes.
class HtmlWordScan {
  public:
    HtmlWordScan(std::string_view html, std::string_view plain) : m_html(html), m_known(plain) {}

    bool finds_new_word() {
        while (m_at < m_html.size() && !m_found) {
            const char c = m_html[m_at];
            if (c == '<' && m_at + 1 < m_html.size() && opens_markup(m_html[m_at + 1]))
                markup();
            else if (c == '&')
                entity();
            else
                text_byte(static_cast<unsigned char>(c));
        }
        end_word();
        return m_found;
    }

  private:
    static bool opens_markup(char next) {
        const auto c = static_cast<unsigned char>(next);
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || next == '/' || next == '!' ||
               next == '?';
    }

    void text_byte(unsigned char c) {
        if (word_byte(c))
            m_word += fold(c);
        else
            end_word();
        ++m_at;
    }

    void end_word() {
        if (!m_word.empty() && !m_known.has(m_word))
            m_found = true;
        m_word.clear();
    }

    void entity() {
        size_t end = m_at + 1;
        while (end < m_html.size() && end - m_at <= 32 &&
               (word_byte(static_cast<unsigned char>(m_html[end])) || m_html[end] == '#'))
            ++end;
        const std::string_view name = m_html.substr(m_at + 1, end - m_at - 1);
        if (separator_entity(name))
            end_word();
        else
            m_word += '\x01';
        m_at = end < m_html.size() && m_html[end] == ';' ? end + 1 : end;
    }

    // A tag, comment or declaration. A tag does not end a word (inline tags join text); the
    // content of head, script, style and template, which parsers leave out of the text, is
    // skipped; alt attributes are scanned, as the text gives them.
    void markup() {
        if (starts_with_nocase(m_html, m_at, "<!--")) {
            const size_t end = m_html.find("-->", m_at + 4);
            m_at = end == std::string_view::npos ? m_html.size() : end + 3;
            return;
        }
        size_t end = m_html.find('>', m_at);
        if (end == std::string_view::npos)
            end = m_html.size();
        const std::string_view tag = m_html.substr(m_at, end - m_at);
        if (block_tag(tag))
            end_word();
        scan_alt(tag);
        m_at = std::min(end + 1, m_html.size());
        for (std::string_view hidden : {"head", "script", "style", "template"})
            if (starts_with_nocase(tag, 1, hidden) &&
                (tag.size() == hidden.size() + 1 ||
                 !word_byte(static_cast<unsigned char>(tag[hidden.size() + 1])))) {
                skip_to_end_tag(hidden);
                return;
            }
    }

    // A tag after which the parser's text starts a new line (or, for img, gives the alt text
    // apart), so a word ends there; other tags, inline ones and unknown ones, join text.
    static bool block_tag(std::string_view tag) {
        static constexpr std::array<std::string_view, 31> kBlocks = {
            "p",     "div",     "br",   "li",     "td",    "th",      "tr",     "table",
            "tbody", "thead",   "ul",   "ol",     "dl",    "dt",      "dd",     "blockquote",
            "pre",   "hr",      "h1",   "h2",     "h3",    "h4",      "h5",     "h6",
            "img",   "section", "body", "center", "title", "article", "address"};
        size_t start = tag.size() > 1 && tag[1] == '/' ? 2 : 1;
        size_t end = start;
        while (end < tag.size() && word_byte(static_cast<unsigned char>(tag[end])))
            ++end;
        const std::string_view name = tag.substr(start, end - start);
        for (std::string_view block : kBlocks)
            if (block.size() == name.size() && starts_with_nocase(name, 0, block))
                return true;
        return false;
    }

    void skip_to_end_tag(std::string_view name) {
        const std::string close = "</" + std::string(name);
        while (m_at < m_html.size()) {
            const size_t lt = m_html.find('<', m_at);
            if (lt == std::string_view::npos) {
                m_at = m_html.size();
                return;
            }
            m_at = lt + 1;
            if (starts_with_nocase(m_html, lt, close)) {
                const size_t gt = m_html.find('>', lt);
                m_at = gt == std::string_view::npos ? m_html.size() : gt + 1;
                return;
            }
        }
    }

    void scan_alt(std::string_view tag) {
        for (size_t at = 1; at + 4 < tag.size(); ++at) {
            if (!starts_with_nocase(tag, at, "alt") ||
                word_byte(static_cast<unsigned char>(tag[at - 1])))
                continue;
            size_t v = at + 3;
            while (v < tag.size() && (tag[v] == ' ' || tag[v] == '\t' || tag[v] == '\n'))
                ++v;
            if (v >= tag.size() || tag[v] != '=')
                continue;
            ++v;
            while (v < tag.size() && (tag[v] == ' ' || tag[v] == '\t' || tag[v] == '\n'))
                ++v;
            const char quote = v < tag.size() && (tag[v] == '"' || tag[v] == '\'') ? tag[v] : ' ';
            const size_t start = quote == ' ' ? v : v + 1;
            size_t stop = tag.find(quote, start);
            if (stop == std::string_view::npos)
                stop = tag.size();
            // Entities in the value are taken as letters: the value is read crudely, and a
            // word it holds is then new rather than missed.
            for_each_word(tag.substr(start, stop - start), [&](const std::string& w) {
                if (!m_known.has(w))
                    m_found = true;
            });
        }
    }

    std::string_view m_html;
    KnownWords m_known;
    size_t m_at = 0;
    std::string m_word;
    bool m_found = false;
};

}  // namespace

WordSet words_of(std::string_view text) {
    WordSet out;
    for_each_word(text, [&](const std::string& w) { out.insert(w); });
    return out;
}

bool html_may_add_words(std::string_view html, std::string_view plain) {
    return HtmlWordScan(html, plain).finds_new_word();
}

std::string lines_adding_words(std::string_view text, const WordSet& known) {
    std::string out;
    while (!text.empty()) {
        const size_t nl = std::min(text.find('\n'), text.size());
        const std::string_view line = text.substr(0, nl);
        text.remove_prefix(std::min(nl + 1, text.size()));
        bool adds = false;
        for_each_word(line, [&](const std::string& w) { adds = adds || !known.count(w); });
        if (!adds)
            continue;
        if (!out.empty())
            out += '\n';
        out += line;
    }
    return out;
}

}  // namespace imapmirror::mime
