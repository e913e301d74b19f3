// A part's Content-Transfer-Encoding undone in chunks (`attachments --part`): the same bytes
// whatever the split, quoted-printable as Python's binascii.a2b_qp reads it.

#include <catch2/catch.hpp>

#include "mime/transfer_decoder.hpp"

using imapmirror::mime::TransferDecoder;

namespace {

// Decoded whole, and split in two at every point: all must agree.
std::string decoded_every_split(const std::string& encoding, const std::string& in) {
    TransferDecoder whole(encoding);
    std::string expected;
    whole.decode(in, expected);
    whole.finish(expected);
    for (size_t cut = 0; cut <= in.size(); ++cut) {
        TransferDecoder d(encoding);
        std::string out;
        d.decode(std::string_view(in).substr(0, cut), out);
        d.decode(std::string_view(in).substr(cut), out);
        d.finish(out);
        INFO("split at " << cut);
        REQUIRE(out == expected);
    }
    return expected;
}

}  // namespace

TEST_CASE(
    "transfer decoder: quoted-printable escapes, soft line breaks and stray '=' as "
    "Python's email decodes them, split anywhere",
    "[mime][transfer]") {
    CHECK(decoded_every_split("quoted-printable", "K=F6ln") == "K\xF6ln");
    CHECK(decoded_every_split("quoted-printable", "Gr=C3=BC=c3=9fe=\r\n und=\nmehr\r\n") ==
          "Grüße und"
          "mehr\r\n");
    CHECK(decoded_every_split("quoted-printable", "a=XYb = c=4") == "a=XYb = c=4");
    CHECK(decoded_every_split("quoted-printable", "tail=") == "tail");
    CHECK(decoded_every_split("Quoted-Printable", "x=3D=3d") == "x==");
}

TEST_CASE(
    "transfer decoder: base64 across chunks, identity for 7bit, 8bit, binary and "
    "unknown names",
    "[mime][transfer]") {
    CHECK(decoded_every_split("BASE64", "R3LD\r\nvMOfZQ==\r\n") == "Grüße");
    for (const char* identity : {"7bit", "8bit", "binary", "x-unknown", ""})
        CHECK(decoded_every_split(identity, "=C3 as is\r\n") == "=C3 as is\r\n");
}
