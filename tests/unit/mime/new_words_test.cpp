#include <catch2/catch.hpp>

#include "mime/new_words.hpp"

using namespace imapmirror::mime;

TEST_CASE("new words: words fold ASCII case and keep non-ASCII letters whole", "[mime][body]") {
    const WordSet w = words_of("Grüße, World! e-mail 10:30");
    CHECK(w == WordSet{"grüße", "world", "e", "mail", "10", "30"});
}

TEST_CASE("new words: HTML saying what the plain text says adds nothing", "[mime][body]") {
    const std::string known = "Hello Bob,\nthe meeting is at ten. Don't be late.";
    CHECK_FALSE(html_may_add_words(
        "<html><head><title>Newsletter title</title><style>p{color:red}</style></head>"
        "<body><p>Hello <b>Bob</b>,</p><p>the&nbsp;meeting is at ten.<br>Don't be late.</p>"
        "<!-- tracking comment --><script>var tracker=1;</script></body></html>",
        known));
}

TEST_CASE("new words: a word only the HTML has is found, in text, alt and across tags",
          "[mime][body]") {
    const std::string known = "hello bob";
    CHECK(html_may_add_words("<p>hello bob periwinkle</p>", known));
    CHECK(html_may_add_words("<p>hello <img src=x alt=\"periwinkle\"> bob</p>", known));
    // Inline tags join the halves of a word, as the parser's text does.
    CHECK(html_may_add_words("<p>hel<b>lo</b> bob</p>", "hel lo bob"));
    // Block tags end a word, as the parser's text puts them on lines of their own.
    CHECK_FALSE(html_may_add_words("<p>hello</p><p>bob</p>", known));
    CHECK_FALSE(html_may_add_words("hello<br>bob<div>bob</div>", known));
    // An entity that may be a letter makes the word new rather than missed.
    CHECK(html_may_add_words("<p>caf&eacute; bob</p>", "caf bob"));
    // Text after an unclosed <script> is never read as text.
    CHECK_FALSE(html_may_add_words("<p>hello</p><script>periwinkle", known));
    // A '<' that opens no tag is text.
    CHECK(html_may_add_words("hello < periwinkle", known));
    // Words out of the plain text's order are known all the same.
    CHECK_FALSE(html_may_add_words("<p>bob</p><p>Hello</p>", known));
}

TEST_CASE("new words: only the lines with a word the plain text lacks are kept", "[mime][body]") {
    const WordSet known = words_of("one two three");
    CHECK(lines_adding_words("one two\nthree four\n\nONE\nfive", known) == "three four\nfive");
    CHECK(lines_adding_words("Two three one", known).empty());
}
