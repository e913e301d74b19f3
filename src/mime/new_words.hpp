#pragma once
// Which words of one text another lacks: for the search index of a multipart/alternative,
// whose HTML alternative may say more than its plain one (a newsletter's "view it in your
// browser" plain part, spam's word salad). Pure.
//
// A word is a run of ASCII letters and digits and of bytes >= 0x80 (any non-ASCII letter),
// ASCII case folded: close to the full-text tokenizer's words, and never fewer of them, so a
// word FTS5 would find is never judged already seen when it is not.

#include <string>
#include <string_view>
#include <unordered_set>

namespace imapmirror::mime {

using WordSet = std::unordered_set<std::string>;

// The words of `text`.
WordSet words_of(std::string_view text);

// Whether the HTML `html` (UTF-8) may hold a word the text `plain` lacks: a quick scan over its
// bytes, tags and <head>, <script> and <style> content left out, that never says false when
// the text an HTML parser makes of it has such a word (it may say true when it has none: an
// entity inside a word, a tag between two halves of one). Lets the caller skip the parse.
// Linear, with no set built, when the HTML has the plain text's words in its order.
bool html_may_add_words(std::string_view html, std::string_view plain);

// The lines of `text` that hold a word `known` lacks, in order, joined by '\n'.
std::string lines_adding_words(std::string_view text, const WordSet& known);

}  // namespace imapmirror::mime
