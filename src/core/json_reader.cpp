#include "core/json_reader.hpp"

#include <cerrno>
#include <cstdlib>

#include "core/utf8.hpp"

namespace imapmirror::core {

namespace {
constexpr int kMaxDepth = 64;

bool is_digit(char c) {
    return c >= '0' && c <= '9';
}
}  // namespace

// Recursive descent over the whole text; the first error ends it.
class JsonParser {
  public:
    explicit JsonParser(std::string_view text) : m_s(text) {}

    Result<JsonValue> document() {
        JsonValue v;
        if (!value(v, 0))
            return fail();
        skip_space();
        if (m_pos != m_s.size()) {
            m_error = "text after the value";
            return fail();
        }
        return v;
    }

  private:
    Error fail() const {
        return make_error(ErrorKind::Parse,
                          "invalid JSON at byte " + std::to_string(m_pos) + ": " + m_error,
                          Scope::Run);
    }

    void skip_space() {
        while (m_pos < m_s.size() && (m_s[m_pos] == ' ' || m_s[m_pos] == '\t' ||
                                      m_s[m_pos] == '\n' || m_s[m_pos] == '\r'))
            ++m_pos;
    }

    bool literal(std::string_view word) {
        if (m_s.substr(m_pos, word.size()) != word) {
            m_error = "unexpected character";
            return false;
        }
        m_pos += word.size();
        return true;
    }

    bool value(JsonValue& out, int depth) {
        if (depth > kMaxDepth) {
            m_error = "nested deeper than " + std::to_string(kMaxDepth);
            return false;
        }
        skip_space();
        if (m_pos >= m_s.size()) {
            m_error = "unexpected end";
            return false;
        }
        switch (m_s[m_pos]) {
            case '{':
                return object(out, depth);
            case '[':
                return array(out, depth);
            case '"':
                out.m_type = JsonValue::Type::String;
                return string(out.m_text);
            case 't':
                out.m_type = JsonValue::Type::Bool;
                out.m_bool = true;
                return literal("true");
            case 'f':
                out.m_type = JsonValue::Type::Bool;
                return literal("false");
            case 'n':
                return literal("null");
            default:
                return number(out);
        }
    }

    bool object(JsonValue& out, int depth) {
        out.m_type = JsonValue::Type::Object;
        ++m_pos;  // '{'
        skip_space();
        if (m_pos < m_s.size() && m_s[m_pos] == '}') {
            ++m_pos;
            return true;
        }
        for (;;) {
            skip_space();
            JsonValue::Member member;
            if (m_pos >= m_s.size() || m_s[m_pos] != '"') {
                m_error = "expected a member name";
                return false;
            }
            if (!string(member.key))
                return false;
            skip_space();
            if (m_pos >= m_s.size() || m_s[m_pos] != ':') {
                m_error = "expected ':'";
                return false;
            }
            ++m_pos;
            if (!value(member.value, depth + 1))
                return false;
            out.m_members.push_back(std::move(member));
            skip_space();
            if (m_pos < m_s.size() && m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_s.size() && m_s[m_pos] == '}') {
                ++m_pos;
                return true;
            }
            m_error = "expected ',' or '}'";
            return false;
        }
    }

    bool array(JsonValue& out, int depth) {
        out.m_type = JsonValue::Type::Array;
        ++m_pos;  // '['
        skip_space();
        if (m_pos < m_s.size() && m_s[m_pos] == ']') {
            ++m_pos;
            return true;
        }
        for (;;) {
            JsonValue item;
            if (!value(item, depth + 1))
                return false;
            out.m_items.push_back(std::move(item));
            skip_space();
            if (m_pos < m_s.size() && m_s[m_pos] == ',') {
                ++m_pos;
                continue;
            }
            if (m_pos < m_s.size() && m_s[m_pos] == ']') {
                ++m_pos;
                return true;
            }
            m_error = "expected ',' or ']'";
            return false;
        }
    }

    bool hex4(uint32_t& out) {
        if (m_s.size() - m_pos < 4) {
            m_error = "short \\u escape";
            return false;
        }
        out = 0;
        for (int i = 0; i < 4; ++i) {
            char c = m_s[m_pos++];
            out <<= 4;
            if (is_digit(c))
                out |= static_cast<uint32_t>(c - '0');
            else if (c >= 'a' && c <= 'f')
                out |= static_cast<uint32_t>(c - 'a' + 10);
            else if (c >= 'A' && c <= 'F')
                out |= static_cast<uint32_t>(c - 'A' + 10);
            else {
                m_error = "bad \\u escape";
                return false;
            }
        }
        return true;
    }

    bool string(std::string& out) {
        ++m_pos;  // '"'
        while (m_pos < m_s.size()) {
            char c = m_s[m_pos++];
            if (c == '"')
                return true;
            if (static_cast<unsigned char>(c) < 0x20) {
                m_error = "control character in a string";
                return false;
            }
            if (c != '\\') {
                out += c;
                continue;
            }
            if (m_pos >= m_s.size())
                break;
            switch (char e = m_s[m_pos++]) {
                case '"':
                case '\\':
                case '/':
                    out += e;
                    break;
                case 'b':
                    out += '\b';
                    break;
                case 'f':
                    out += '\f';
                    break;
                case 'n':
                    out += '\n';
                    break;
                case 'r':
                    out += '\r';
                    break;
                case 't':
                    out += '\t';
                    break;
                case 'u': {
                    uint32_t cp = 0;
                    if (!hex4(cp))
                        return false;
                    // A surrogate pair is one code point; a lone surrogate becomes U+FFFD.
                    if (cp >= 0xD800 && cp <= 0xDBFF && m_s.substr(m_pos, 2) == "\\u") {
                        m_pos += 2;
                        uint32_t low = 0;
                        if (!hex4(low))
                            return false;
                        if (low >= 0xDC00 && low <= 0xDFFF) {
                            cp = 0x10000 + ((cp - 0xD800) << 10) + (low - 0xDC00);
                        } else {
                            append_utf8(out, 0xFFFD);
                            cp = low;
                        }
                    }
                    append_utf8(out, cp >= 0xD800 && cp <= 0xDFFF ? 0xFFFD : cp);
                    break;
                }
                default:
                    m_error = "bad escape";
                    return false;
            }
        }
        m_error = "unterminated string";
        return false;
    }

    bool number(JsonValue& out) {
        size_t start = m_pos;
        auto digits = [&] {
            size_t from = m_pos;
            while (m_pos < m_s.size() && is_digit(m_s[m_pos]))
                ++m_pos;
            return m_pos > from;
        };
        if (m_pos < m_s.size() && m_s[m_pos] == '-')
            ++m_pos;
        bool leading_zero = m_pos < m_s.size() && m_s[m_pos] == '0';
        if (!digits() || (leading_zero && m_pos - start > 1 + (m_s[start] == '-'))) {
            m_error = "unexpected character";
            return false;
        }
        if (m_pos < m_s.size() && m_s[m_pos] == '.') {
            ++m_pos;
            if (!digits()) {
                m_error = "digits expected after '.'";
                return false;
            }
        }
        if (m_pos < m_s.size() && (m_s[m_pos] == 'e' || m_s[m_pos] == 'E')) {
            ++m_pos;
            if (m_pos < m_s.size() && (m_s[m_pos] == '+' || m_s[m_pos] == '-'))
                ++m_pos;
            if (!digits()) {
                m_error = "digits expected in the exponent";
                return false;
            }
        }
        out.m_type = JsonValue::Type::Number;
        out.m_text = std::string(m_s.substr(start, m_pos - start));
        return true;
    }

    std::string_view m_s;
    size_t m_pos = 0;
    std::string m_error;
};

const JsonValue* JsonValue::find(std::string_view key) const {
    for (const auto& m : m_members)
        if (m.key == key)
            return &m.value;
    return nullptr;
}

std::optional<int64_t> JsonValue::as_int() const {
    if (m_type != Type::Number || m_text.find_first_of(".eE") != std::string::npos)
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    long long v = std::strtoll(m_text.c_str(), &end, 10);
    if (errno == ERANGE || *end)
        return std::nullopt;
    return static_cast<int64_t>(v);
}

std::optional<uint64_t> JsonValue::as_uint() const {
    if (m_type != Type::Number || m_text.empty() || m_text[0] == '-' ||
        m_text.find_first_of(".eE") != std::string::npos)
        return std::nullopt;
    errno = 0;
    char* end = nullptr;
    unsigned long long v = std::strtoull(m_text.c_str(), &end, 10);
    if (errno == ERANGE || *end)
        return std::nullopt;
    return static_cast<uint64_t>(v);
}

std::optional<double> JsonValue::as_double() const {
    if (m_type != Type::Number)
        return std::nullopt;
    return std::strtod(m_text.c_str(), nullptr);
}

std::optional<bool> JsonValue::as_bool() const {
    if (m_type != Type::Bool)
        return std::nullopt;
    return m_bool;
}

const std::string* JsonValue::as_string() const {
    return m_type == Type::String ? &m_text : nullptr;
}

Result<JsonValue> parse_json(std::string_view text) {
    return JsonParser(text).document();
}

void write_json(JsonWriter& w, const JsonValue& v) {
    switch (v.type()) {
        case JsonValue::Type::Null:
            w.null();
            return;
        case JsonValue::Type::Bool:
            w.value(*v.as_bool());
            return;
        case JsonValue::Type::Number:
            if (auto i = v.as_int())
                w.value(*i);
            else if (auto u = v.as_uint())
                w.value(*u);
            else
                w.value(*v.as_double());
            return;
        case JsonValue::Type::String:
            w.value(*v.as_string());
            return;
        case JsonValue::Type::Array:
            w.begin_array();
            for (const auto& item : v.items())
                write_json(w, item);
            w.end_array();
            return;
        case JsonValue::Type::Object:
            w.begin_object();
            for (const auto& m : v.members()) {
                w.key(m.key);
                write_json(w, m.value);
            }
            w.end_object();
            return;
    }
}

}  // namespace imapmirror::core
