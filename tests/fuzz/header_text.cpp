// Fuzz target: header text and MIME parameter decoding (RFC 2047 encoded-words, RFC 2231
// parameters, raw 8-bit text) through GMime.
//
// Input: a raw header block. Each field's value is decoded as header text; the parameters of
// each value are parsed as a Content-Type / Content-Disposition would be, and every one of
// them decoded, as is the file name a mail client would show. The whole input is also decoded
// as one header text, so the fuzzer needs no "Name:" to reach the decoder.
//
// Checked beyond "no crash": every decoded string is valid UTF-8 without control characters
// (the header's contract, which the index relies on); parameter names are lower-cased.

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuzz_check.hpp"
#include "mime/header_text.hpp"

using namespace imapmirror;
using fuzz::check;

namespace {

void check_text(const std::string& s, const char* what) {
    check(fuzz::is_clean_text(s), what);
}

void decode_value(std::string_view value) {
    check_text(mime::decode_header_text(value), "decode_header_text gave unclean text");
    auto params = mime::parse_parameters(value);
    for (const auto& [name, raw] : params) {
        for (char c : name)
            check(!(c >= 'A' && c <= 'Z'), "a parameter name not lower-cased");
        check_text(mime::decode_parameter(params, name), "decode_parameter gave unclean text");
    }
    check_text(mime::part_file_name(params, {}), "part_file_name gave unclean text");
    check_text(mime::part_file_name({}, params), "part_file_name gave unclean text");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view in(reinterpret_cast<const char*>(data), size);
    check_text(mime::decode_header_text(in), "decode_header_text gave unclean text");
    auto headers = mime::parse_header_block(in);
    for (const auto& [name, value] : headers)
        decode_value(value);
    (void)mime::header_value(headers, "content-type");
    return 0;
}
