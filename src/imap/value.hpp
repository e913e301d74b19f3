#pragma once
// The generic token tree of one IMAP response (RFC 3501 §4): atoms, strings, NIL, lists, and
// literals that were streamed to a sink instead of being kept.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imapmirror::imap {

struct Value {
    enum class Type {
        Atom,      // as written, including bracketed sections: BODY[HEADER.FIELDS (FROM)]<0>
        String,    // a quoted string or a literal small enough to keep (text holds the bytes)
        Nil,       // the atom NIL
        List,      // (...)
        Streamed,  // a literal whose bytes went to a LiteralSink; literal_size says how many
    };
    Type type = Type::Atom;
    std::string text;
    std::vector<Value> items;
    uint64_t literal_size = 0;

    static Value atom(std::string s) { return Value{Type::Atom, std::move(s), {}, 0}; }
    static Value string(std::string s) { return Value{Type::String, std::move(s), {}, 0}; }

    bool is_atom() const { return type == Type::Atom; }
    bool is_list() const { return type == Type::List; }
    bool is_nil() const { return type == Type::Nil; }
    bool is_string() const { return type == Type::String; }
    // An atom equal to `name`, ignoring ASCII case.
    bool is_atom(std::string_view name) const;
    // atom or string (astring); NIL is not text.
    bool is_text() const { return type == Type::Atom || type == Type::String; }
    // A non-negative decimal number (atom of digits, fits in 64 bits).
    std::optional<uint64_t> number() const;
    // Text of an nstring (NIL -> nullopt).
    std::optional<std::string> nstring() const;
};

// ASCII case-insensitive comparison, for IMAP keywords.
bool iequals(std::string_view a, std::string_view b);
std::string ascii_upper(std::string_view s);
std::string ascii_lower(std::string_view s);

}  // namespace imapmirror::imap
