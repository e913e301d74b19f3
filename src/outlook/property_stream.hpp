#pragma once
// One MS-OXMSG property object (message, recipient, attachment): its properties, serialised as
// the __properties_version1.0 stream (MS-OXMSG 2.4) and the __substg1.0_TTTTTTTT streams that
// hold variable-length values (MS-OXMSG 2.1.3). Pure: no file, no libgsf.

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace imapmirror::outlook {

// Property types, MS-OXCDATA 2.11.1.
enum class PropType : uint16_t {
    Integer32 = 0x0003,
    Boolean = 0x000B,
    Object = 0x000D,
    String = 0x001F,  // PtypString: UTF-16LE
    Time = 0x0040,    // PtypTime: FILETIME
    Binary = 0x0102,
};

// Which header the property stream starts with (MS-OXMSG 2.4.1).
enum class PropertyOwner { TopMessage, EmbeddedMessage, RecipientOrAttachment };

struct SubStream {
    std::string name;  // "__substg1.0_0037001F"
    std::string bytes;
};

class PropertyBag {
  public:
    // `utf8` must be valid UTF-8; stored as UTF-16LE without a terminator (the entry's size
    // counts one, as MS-OXMSG 2.4.2.2 says).
    void add_string(uint16_t id, std::string_view utf8);
    void add_binary(uint16_t id, std::string bytes);
    // A binary value of `size` bytes whose stream the caller writes itself (a large
    // attachment, streamed): the entry only, no entry in streams().
    void add_binary_written(uint16_t id, uint32_t size);
    void add_int32(uint16_t id, uint32_t value);
    void add_bool(uint16_t id, bool value);
    void add_time(uint16_t id, int64_t unix_seconds);
    // An embedded message (PtypObject): the entry only; its storage is written by the caller.
    void add_object(uint16_t id);

    // The property stream: the owner's header, then one 16-byte entry per property in the
    // order added. Counts and next ids are for a message's header (0 otherwise).
    std::string property_stream(PropertyOwner owner, uint32_t recipients = 0,
                                uint32_t attachments = 0) const;
    // The value streams, in the order added.
    const std::vector<SubStream>& streams() const { return m_streams; }

  private:
    struct Entry {
        uint32_t tag;
        uint64_t value;  // fixed value, or the size field for a variable-length one
    };
    void add_stream(uint16_t id, PropType type, std::string bytes, uint32_t size);

    std::vector<Entry> m_entries;
    std::vector<SubStream> m_streams;
};

// UTF-8 (valid) -> UTF-16LE bytes.
std::string utf16le(std::string_view utf8);
// Unix seconds -> FILETIME (100 ns ticks since 1601-01-01 UTC).
uint64_t filetime(int64_t unix_seconds);
// "__substg1.0_" + tag in 8 upper-case hex digits.
std::string substream_name(uint16_t id, PropType type);

}  // namespace imapmirror::outlook
