#include <catch2/catch.hpp>

#include <gmime/gmime.h>

#include <random>

#include "mime/base64_decoder.hpp"

using imapmirror::mime::Base64Decoder;

namespace {

std::string gmime_encode(const std::string& data) {
    std::string out(data.size() * 4 / 3 + data.size() / 38 * 2 + 16, '\0');
    int state = 0;
    guint32 save = 0;
    auto in = reinterpret_cast<const unsigned char*>(data.data());
    auto w = reinterpret_cast<unsigned char*>(out.data());
    size_t n = g_mime_encoding_base64_encode_close(in, data.size(), w, &state, &save);
    out.resize(n);
    return out;
}

std::string decode_in_pieces(const std::string& encoded, size_t piece) {
    Base64Decoder d;
    std::string out;
    for (size_t i = 0; i < encoded.size(); i += piece)
        d.decode(std::string_view(encoded).substr(i, piece), out);
    d.finish(out);
    return out;
}

std::string decode(const std::string& encoded) {
    return decode_in_pieces(encoded, encoded.size() + 1);
}

}  // namespace

TEST_CASE("base64: decodes what GMime encodes, byte-exact, however the input is split", "[mime]") {
    std::mt19937 rng(7);
    for (size_t size : {0, 1, 2, 3, 4, 56, 57, 58, 1000, 65537}) {
        std::string data(size, '\0');
        for (auto& c : data)
            c = static_cast<char>(rng());
        const std::string encoded = gmime_encode(data);  // 76-character lines, '=' padding
        INFO("size " << size);
        CHECK(decode(encoded) == data);
        for (size_t piece : {1, 2, 3, 5, 7, 77, 4096})
            CHECK(decode_in_pieces(encoded, piece) == data);
    }
}

TEST_CASE("base64: CRLF line breaks, spaces and stray characters are skipped", "[mime]") {
    CHECK(decode("aGVs\r\nbG8g\r\n d29y bGQ=\r\n") == "hello world");
    CHECK(decode("aGVs*bG8#") == "hello");
}

TEST_CASE("base64: a tail without padding still yields its bytes", "[mime]") {
    CHECK(decode("aGVsbG8") == "hello");  // 7 characters: 5 bytes
    CHECK(decode("aGk") == "hi");
    CHECK(decode("a") == "");  // 6 bits are no byte
}

TEST_CASE("base64: padding ends a group, and a second encoding after it decodes too", "[mime]") {
    CHECK(decode("aGk=") == "hi");
    CHECK(decode("aA==") == "h");
    CHECK(decode("aGk=aGk=") == "hihi");
    CHECK(decode_in_pieces("aGk=\r\naA==", 1) == "hih");
}
