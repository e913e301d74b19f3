#include "outlook/property_stream.hpp"

#include <catch2/catch.hpp>

#include <cstring>

using namespace imapmirror::outlook;

namespace {

uint32_t u32(const std::string& s, size_t at) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i)
        v = (v << 8) | static_cast<unsigned char>(s[at + i]);
    return v;
}

}  // namespace

TEST_CASE("msg property stream: headers are 32, 24 and 8 bytes as MS-OXMSG 2.4.1 says",
          "[outlook]") {
    PropertyBag empty;
    CHECK(empty.property_stream(PropertyOwner::TopMessage, 2, 3).size() == 32);
    CHECK(empty.property_stream(PropertyOwner::EmbeddedMessage, 2, 3).size() == 24);
    CHECK(empty.property_stream(PropertyOwner::RecipientOrAttachment).size() == 8);
    const std::string top = empty.property_stream(PropertyOwner::TopMessage, 2, 3);
    CHECK(u32(top, 8) == 2);   // next recipient id
    CHECK(u32(top, 12) == 3);  // next attachment id
    CHECK(u32(top, 16) == 2);  // recipient count
    CHECK(u32(top, 20) == 3);  // attachment count
}

TEST_CASE("msg property stream: a string's entry counts its UTF-16 terminator, its stream has none",
          "[outlook]") {
    PropertyBag bag;
    bag.add_string(0x0037, "Grüße");
    const std::string s = bag.property_stream(PropertyOwner::RecipientOrAttachment);
    REQUIRE(s.size() == 8 + 16);
    CHECK(u32(s, 8) == 0x0037001F);
    CHECK(u32(s, 16) == 5 * 2 + 2);
    REQUIRE(bag.streams().size() == 1);
    CHECK(bag.streams()[0].name == "__substg1.0_0037001F");
    CHECK(bag.streams()[0].bytes.size() == 10);
}

TEST_CASE("msg property stream: an embedded message's entry has size 0xFFFFFFFF and no stream",
          "[outlook]") {
    PropertyBag bag;
    bag.add_object(0x3701);
    const std::string s = bag.property_stream(PropertyOwner::RecipientOrAttachment);
    CHECK(u32(s, 8) == 0x3701000D);
    CHECK(u32(s, 16) == 0xFFFFFFFFu);
    CHECK(bag.streams().empty());
}

TEST_CASE("msg property stream: characters beyond the BMP become UTF-16 surrogate pairs",
          "[outlook]") {
    // U+1F4CE PAPERCLIP -> D83D DCCE
    CHECK(utf16le("\xF0\x9F\x93\x8E") == std::string("\x3D\xD8\xCE\xDC", 4));
    CHECK(utf16le("A\xC3\xA9") == std::string("A\0\xE9\0", 4));
}

TEST_CASE("msg property stream: times are FILETIME, 100 ns ticks since 1601", "[outlook]") {
    CHECK(filetime(0) == 116444736000000000ull);
    PropertyBag bag;
    bag.add_time(0x0039, 1);
    const std::string s = bag.property_stream(PropertyOwner::RecipientOrAttachment);
    uint64_t v = u32(s, 16) | (uint64_t{u32(s, 20)} << 32);
    CHECK(v == 116444736010000000ull);
}
