#pragma once
// A small JSON reader (RFC 8259) for documents this program writes, such as the --json summary
// a `backup` reads from each of its `export` children. Limits: nesting depth 64; the caller
// bounds the input size.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"

namespace imapmirror::core {

class JsonValue {
  public:
    enum class Type { Null, Bool, Number, String, Array, Object };
    struct Member;

    Type type() const { return m_type; }
    // The first member named `key` when this is an object that has one, else nullptr.
    const JsonValue* find(std::string_view key) const;
    // The value of a number that is an integer within int64_t / uint64_t.
    std::optional<int64_t> as_int() const;
    std::optional<uint64_t> as_uint() const;
    std::optional<double> as_double() const;  // any number
    std::optional<bool> as_bool() const;
    const std::string* as_string() const;  // nullptr unless a string
    // Elements of an array / members of an object, in order; empty for other types.
    const std::vector<JsonValue>& items() const { return m_items; }
    const std::vector<Member>& members() const { return m_members; }

  private:
    friend class JsonParser;
    Type m_type = Type::Null;
    bool m_bool = false;
    std::string m_text;  // a string's value, or a number as written
    std::vector<JsonValue> m_items;
    std::vector<Member> m_members;
};

struct JsonValue::Member {
    std::string key;
    JsonValue value;
};

// One JSON value, with only whitespace around it. Errors are Parse errors naming the byte
// offset.
Result<JsonValue> parse_json(std::string_view text);

// Writes `value` into `w` (members in their order; integers exactly, other numbers as doubles).
void write_json(JsonWriter& w, const JsonValue& value);

}  // namespace imapmirror::core
