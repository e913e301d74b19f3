#include "outlook/property_stream.hpp"

#include <cstdio>

#include "core/utf8.hpp"

namespace imapmirror::outlook {

namespace {

// MS-OXMSG 2.4.2.1: PROPATTR_READABLE | PROPATTR_WRITABLE.
constexpr uint32_t kFlags = 0x2 | 0x4;

uint32_t tag_of(uint16_t id, PropType type) {
    return (uint32_t{id} << 16) | static_cast<uint16_t>(type);
}

void put32(std::string& out, uint32_t v) {
    for (int i = 0; i < 4; ++i)
        out.push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void put64(std::string& out, uint64_t v) {
    put32(out, static_cast<uint32_t>(v));
    put32(out, static_cast<uint32_t>(v >> 32));
}

}  // namespace

std::string utf16le(std::string_view utf8) {
    std::string out;
    out.reserve(utf8.size() * 2);
    auto unit = [&](uint32_t u) {
        out.push_back(static_cast<char>(u & 0xff));
        out.push_back(static_cast<char>(u >> 8));
    };
    for (size_t i = 0; i < utf8.size();) {
        size_t n = core::utf8_sequence_length(utf8, i);
        if (n == 0) {  // not valid UTF-8 (callers promise it is): U+FFFD, go on
            unit(0xFFFD);
            ++i;
            continue;
        }
        auto b = [&](size_t k) {
            return static_cast<uint32_t>(static_cast<unsigned char>(utf8[i + k]));
        };
        uint32_t cp = n == 1   ? b(0)
                      : n == 2 ? ((b(0) & 0x1f) << 6) | (b(1) & 0x3f)
                      : n == 3 ? ((b(0) & 0x0f) << 12) | ((b(1) & 0x3f) << 6) | (b(2) & 0x3f)
                               : ((b(0) & 0x07) << 18) | ((b(1) & 0x3f) << 12) |
                                     ((b(2) & 0x3f) << 6) | (b(3) & 0x3f);
        if (cp >= 0x10000) {
            cp -= 0x10000;
            unit(0xD800 | (cp >> 10));
            unit(0xDC00 | (cp & 0x3ff));
        } else {
            unit(cp);
        }
        i += n;
    }
    return out;
}

uint64_t filetime(int64_t unix_seconds) {
    constexpr int64_t kEpochDifference = 11644473600;  // seconds from 1601 to 1970
    int64_t s = unix_seconds + kEpochDifference;
    return s < 0 ? 0 : static_cast<uint64_t>(s) * 10000000u;
}

std::string substream_name(uint16_t id, PropType type) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "__substg1.0_%08X", tag_of(id, type));
    return buf;
}

void PropertyBag::add_stream(uint16_t id, PropType type, std::string bytes, uint32_t size) {
    m_entries.push_back(Entry{tag_of(id, type), size});
    m_streams.push_back(SubStream{substream_name(id, type), std::move(bytes)});
}

void PropertyBag::add_string(uint16_t id, std::string_view utf8) {
    std::string bytes = utf16le(utf8);
    const auto size = static_cast<uint32_t>(bytes.size() + 2);  // + the UTF-16 terminator
    add_stream(id, PropType::String, std::move(bytes), size);
}

void PropertyBag::add_binary(uint16_t id, std::string bytes) {
    const auto size = static_cast<uint32_t>(bytes.size());
    add_stream(id, PropType::Binary, std::move(bytes), size);
}

void PropertyBag::add_binary_written(uint16_t id, uint32_t size) {
    m_entries.push_back(Entry{tag_of(id, PropType::Binary), size});
}

void PropertyBag::add_int32(uint16_t id, uint32_t value) {
    m_entries.push_back(Entry{tag_of(id, PropType::Integer32), value});
}

void PropertyBag::add_bool(uint16_t id, bool value) {
    m_entries.push_back(Entry{tag_of(id, PropType::Boolean), value ? 1u : 0u});
}

void PropertyBag::add_time(uint16_t id, int64_t unix_seconds) {
    m_entries.push_back(Entry{tag_of(id, PropType::Time), filetime(unix_seconds)});
}

void PropertyBag::add_object(uint16_t id) {
    // MS-OXMSG 2.4.2.2: an embedded message's entry has size 0xFFFFFFFF.
    m_entries.push_back(Entry{tag_of(id, PropType::Object), 0xFFFFFFFFu});
}

std::string PropertyBag::property_stream(PropertyOwner owner, uint32_t recipients,
                                         uint32_t attachments) const {
    std::string out;
    put64(out, 0);  // reserved
    if (owner != PropertyOwner::RecipientOrAttachment) {
        put32(out, recipients);   // next recipient id
        put32(out, attachments);  // next attachment id
        put32(out, recipients);   // recipient count
        put32(out, attachments);  // attachment count
        if (owner == PropertyOwner::TopMessage)
            put64(out, 0);  // reserved
    }
    for (const auto& e : m_entries) {
        put32(out, e.tag);
        put32(out, kFlags);
        put64(out, e.value);
    }
    return out;
}

}  // namespace imapmirror::outlook
