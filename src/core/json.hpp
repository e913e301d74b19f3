#pragma once
// A minimal streaming JSON writer for --json output. Strings are escaped per RFC 8259; bytes
// that are not valid UTF-8 are replaced with U+FFFD so the output always parses.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace imapmirror::core {

class JsonWriter {
  public:
    JsonWriter& begin_object();
    JsonWriter& end_object();
    JsonWriter& begin_array();
    JsonWriter& end_array();
    JsonWriter& key(std::string_view k);
    JsonWriter& value(std::string_view s);
    JsonWriter& value(const char* s) { return value(std::string_view(s)); }
    JsonWriter& value(int64_t n);
    JsonWriter& value(uint64_t n);
    JsonWriter& value(uint32_t n) { return value(static_cast<uint64_t>(n)); }
    JsonWriter& value(int n) { return value(static_cast<int64_t>(n)); }
    JsonWriter& value(bool b);
    JsonWriter& value(double d);  // fixed, 3 decimals
    JsonWriter& null();
    // A missing value is null.
    template <typename T>
    JsonWriter& value(const std::optional<T>& v) {
        return v ? value(*v) : null();
    }
    // For text fields where "" means "none": null then.
    JsonWriter& text_or_null(std::string_view s) { return s.empty() ? null() : value(s); }

    // The document so far; complete once every begin_* has its end_*.
    const std::string& str() const { return m_out; }

  private:
    void before_value();
    std::string m_out;
    std::vector<bool> m_first;  // per open container: no element written yet
    bool m_after_key = false;
};

// Appends `s` as a quoted JSON string to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace imapmirror::core
