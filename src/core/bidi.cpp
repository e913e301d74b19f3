#include "core/bidi.hpp"

namespace imapmirror::core {

bool is_bidi_control(std::string_view s, size_t i, size_t n) {
    if (n != 3 || static_cast<unsigned char>(s[i]) != 0xE2)
        return false;
    const auto b1 = static_cast<unsigned char>(s[i + 1]);
    const auto b2 = static_cast<unsigned char>(s[i + 2]);
    return (b1 == 0x80 && b2 >= 0xAA && b2 <= 0xAE) || (b1 == 0x81 && b2 >= 0xA6 && b2 <= 0xA9);
}

}  // namespace imapmirror::core
