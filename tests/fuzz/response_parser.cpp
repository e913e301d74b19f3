// Fuzz target: imap::ResponseParser, differential.
//
// Input: 8 header bytes, then server bytes. Byte 0 chooses which literals the router streams
// to a sink (bit i for the i-th literal, cycling); bytes 1-7 are the sizes (1 + byte) of the
// pieces the second run is fed in, cycling.
//
// Checked beyond "no crash": feeding the bytes in pieces gives exactly what feeding them whole
// gives (the same responses, the same literal bytes in the same sinks, the same error);
// a streamed literal's sink gets exactly literal_size bytes; a dead parser stays dead.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "fuzz_check.hpp"
#include "imap/response_parser.hpp"

using namespace imapmirror;

namespace {

constexpr size_t kHeader = 8;

struct Sink : imap::LiteralSink {
    std::vector<std::string>* literals = nullptr;
    core::Result<void> write(std::string_view chunk) override {
        literals->back().append(chunk);
        return {};
    }
    core::Result<void> finish() override { return {}; }
};

struct Run {
    std::vector<imap::Response> responses;
    std::vector<std::string> streamed;  // each streamed literal's bytes, in order
    std::optional<core::Error> error;
};

// Feeds `bytes` in pieces whose sizes cycle through `splits` (empty: whole).
Run parse(std::string_view bytes, uint8_t router_bits, std::string_view splits) {
    Run run;
    Sink sink;
    sink.literals = &run.streamed;
    size_t literal_index = 0;
    imap::ResponseParser parser;
    parser.set_literal_router([&](const imap::LiteralContext&) -> imap::LiteralSink* {
        bool stream = (router_bits >> (literal_index++ % 8)) & 1;
        if (!stream)
            return nullptr;
        run.streamed.emplace_back();
        return &sink;
    });
    auto handler = [&](imap::Response&& r) -> core::Result<void> {
        run.responses.push_back(std::move(r));
        return {};
    };
    size_t pos = 0, piece = 0;
    while (pos < bytes.size()) {
        size_t n = bytes.size() - pos;
        if (!splits.empty())
            n = std::min<size_t>(n, 1 + static_cast<uint8_t>(splits[piece++ % splits.size()]));
        auto r = parser.feed(bytes.substr(pos, n), handler);
        if (!r) {
            run.error = r.error();
            fuzz::check(!parser.feed("* OK\r\n", handler), "a dead parser accepted more bytes");
            break;
        }
        pos += n;
    }
    return run;
}

bool same_value(const imap::Value& a, const imap::Value& b) {
    if (a.type != b.type || a.text != b.text || a.literal_size != b.literal_size ||
        a.items.size() != b.items.size())
        return false;
    for (size_t i = 0; i < a.items.size(); ++i)
        if (!same_value(a.items[i], b.items[i]))
            return false;
    return true;
}

bool same_response(const imap::Response& a, const imap::Response& b) {
    if (a.kind != b.kind || a.tag != b.tag || a.status != b.status || a.text != b.text ||
        a.code.has_value() != b.code.has_value() || a.data.size() != b.data.size())
        return false;
    if (a.code && (a.code->name != b.code->name || a.code->args != b.code->args))
        return false;
    for (size_t i = 0; i < a.data.size(); ++i)
        if (!same_value(a.data[i], b.data[i]))
            return false;
    return true;
}

// Streamed values in the order the parser created them (depth-first, as on the wire).
void streamed_sizes(const imap::Value& v, std::vector<uint64_t>& out) {
    if (v.type == imap::Value::Type::Streamed)
        out.push_back(v.literal_size);
    for (const auto& item : v.items)
        streamed_sizes(item, out);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    if (size < kHeader)
        return 0;
    std::string_view in(reinterpret_cast<const char*>(data), size);
    auto router_bits = static_cast<uint8_t>(in[0]);
    std::string_view splits = in.substr(1, kHeader - 1);
    std::string_view bytes = in.substr(kHeader);

    Run whole = parse(bytes, router_bits, {});
    Run pieces = parse(bytes, router_bits, splits);

    fuzz::check(whole.responses.size() == pieces.responses.size(),
                "split feeding changed the number of responses");
    for (size_t i = 0; i < whole.responses.size(); ++i)
        fuzz::check(same_response(whole.responses[i], pieces.responses[i]),
                    "split feeding changed a response");
    fuzz::check(whole.streamed == pieces.streamed, "split feeding changed a streamed literal");
    fuzz::check(whole.error.has_value() == pieces.error.has_value(),
                "split feeding changed whether the parse fails");
    if (whole.error)
        fuzz::check(whole.error->kind == pieces.error->kind &&
                        whole.error->message == pieces.error->message,
                    "split feeding changed the error");

    // Every complete response's streamed literals got exactly their announced bytes.
    std::vector<uint64_t> sizes;
    for (const auto& r : whole.responses)
        for (const auto& v : r.data)
            streamed_sizes(v, sizes);
    fuzz::check(sizes.size() <= whole.streamed.size(), "a Streamed value without a sink");
    for (size_t i = 0; i < sizes.size(); ++i)
        fuzz::check(whole.streamed[i].size() == sizes[i],
                    "a sink got other than literal_size bytes");
    return 0;
}
