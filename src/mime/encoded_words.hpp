#pragma once
// RFC 2047 encoded words, decoded by our own code rather than GMime's
// g_mime_utils_header_decode_text: GMime 3.2.13 joins the payloads of adjacent words of one
// charset before decoding them, so a base64 word that ends in padding ends the text there
// ("=?UTF-8?B?R3LDvMOfZSA=?= =?UTF-8?B?S8O2bG4gYW0=?=" became "Grüße "; upstream
// jstedfast/gmime#133). The rules are those Python's `email` package (policy.default) reads
// real mail by, our oracle in tests/tools/email_oracle.py.

#include <string>
#include <string_view>

namespace imapmirror::mime {

// Decodes every encoded word `=?charset?B|Q?payload?=` of an unfolded header value, also one
// inside a word ("foo=?utf-8?q?x?=bar", as Python does):
//  - each word's payload is decoded on its own (B: base64, lenient about padding and stray
//    characters; Q: `_` a space, `=XX` a byte);
//  - white space between two encoded words is dropped; the bytes of adjacent words of one
//    charset (case-insensitive, an RFC 2231 `*lang` suffix ignored) are joined before the
//    charset conversion, so a character split across two words comes out whole;
//  - an unknown charset's bytes are read as UTF-8, else windows-1252.
// Text outside encoded words is returned as it is (the caller makes it valid UTF-8). The
// result is not yet checked for control characters (core::to_valid_utf8 does that).
std::string decode_encoded_words(std::string_view text);

}  // namespace imapmirror::mime
