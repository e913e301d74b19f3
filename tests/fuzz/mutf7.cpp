// Fuzz target: modified UTF-7 mailbox names (RFC 3501 §5.1.3), both directions.
//
// Checked beyond "no crash":
// - decoding: whatever decodes is valid UTF-8, encodes back, and that encoding decodes to the
//   same text again (decode(encode(decode(x))) == decode(x));
// - encoding: valid UTF-8 always encodes, to printable ASCII only, and decodes back exactly;
//   invalid UTF-8 never encodes.

#include <cstddef>
#include <cstdint>
#include <string_view>

#include "fuzz_check.hpp"
#include "imap/mutf7.hpp"

using namespace imapmirror;
using fuzz::check;

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);

    if (auto decoded = imap::mutf7_decode(in)) {
        check(fuzz::is_valid_utf8(*decoded), "mutf7_decode gave invalid UTF-8");
        auto encoded = imap::mutf7_encode(*decoded);
        check(encoded.ok(), "a decoded name does not encode");
        auto again = imap::mutf7_decode(*encoded);
        check(again.ok() && *again == *decoded, "decode(encode(decode(x))) != decode(x)");
    }

    auto encoded = imap::mutf7_encode(in);
    check(encoded.ok() == fuzz::is_valid_utf8(in), "mutf7_encode disagrees on valid UTF-8");
    if (encoded) {
        for (char c : *encoded)
            check(c >= 0x20 && c <= 0x7E, "mutf7_encode gave a non-printable byte");
        auto back = imap::mutf7_decode(*encoded);
        check(back.ok() && *back == in, "decode(encode(x)) != x");
    }
    return 0;
}
