#include "core/json.hpp"

#include <cassert>
#include <cstdio>

#include "core/utf8.hpp"

namespace imapmirror::core {

void append_json_string(std::string& out, std::string_view s) {
    out += '"';
    for (size_t i = 0; i < s.size();) {
        auto c = static_cast<unsigned char>(s[i]);
        if (c >= 0x80) {
            size_t n = utf8_sequence_length(s, i);
            if (n == 0) {
                out += kReplacementChar;
                ++i;
            } else {
                out.append(s.substr(i, n));
                i += n;
            }
            continue;
        }
        switch (c) {
            case '"':
                out += "\\\"";
                break;
            case '\\':
                out += "\\\\";
                break;
            case '\n':
                out += "\\n";
                break;
            case '\r':
                out += "\\r";
                break;
            case '\t':
                out += "\\t";
                break;
            default:
                if (c < 0x20 || c == 0x7F) {
                    char buf[8];
                    std::snprintf(buf, sizeof buf, "\\u%04x", c);
                    out += buf;
                } else {
                    out += static_cast<char>(c);
                }
        }
        ++i;
    }
    out += '"';
}

void JsonWriter::before_value() {
    if (m_after_key) {
        m_after_key = false;
        return;
    }
    if (!m_first.empty()) {
        if (!m_first.back())
            m_out += ',';
        m_first.back() = false;
    }
}

JsonWriter& JsonWriter::begin_object() {
    before_value();
    m_out += '{';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_object() {
    assert(!m_first.empty());
    m_first.pop_back();
    m_out += '}';
    return *this;
}

JsonWriter& JsonWriter::begin_array() {
    before_value();
    m_out += '[';
    m_first.push_back(true);
    return *this;
}

JsonWriter& JsonWriter::end_array() {
    assert(!m_first.empty());
    m_first.pop_back();
    m_out += ']';
    return *this;
}

JsonWriter& JsonWriter::key(std::string_view k) {
    before_value();
    append_json_string(m_out, k);
    m_out += ':';
    m_after_key = true;
    return *this;
}

JsonWriter& JsonWriter::value(std::string_view s) {
    before_value();
    append_json_string(m_out, s);
    return *this;
}

JsonWriter& JsonWriter::value(int64_t n) {
    before_value();
    m_out += std::to_string(n);
    return *this;
}

JsonWriter& JsonWriter::value(uint64_t n) {
    before_value();
    m_out += std::to_string(n);
    return *this;
}

JsonWriter& JsonWriter::value(bool b) {
    before_value();
    m_out += b ? "true" : "false";
    return *this;
}

JsonWriter& JsonWriter::value(double d) {
    before_value();
    char buf[64];
    std::snprintf(buf, sizeof buf, "%.3f", d);
    m_out += buf;
    return *this;
}

JsonWriter& JsonWriter::null() {
    before_value();
    m_out += "null";
    return *this;
}

}  // namespace imapmirror::core
