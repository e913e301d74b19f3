#pragma once
// Feeds canned server bytes to a ResponseParser in different splits, so every test checks that
// the result does not depend on how the bytes arrive.

#include <random>
#include <string>
#include <vector>

#include "imap/response_parser.hpp"

namespace imapmirror::test {

enum class Split { Whole, ByteAtATime, Random };

inline const Split kAllSplits[] = {Split::Whole, Split::ByteAtATime, Split::Random};

inline const char* split_name(Split s) {
    return s == Split::Whole ? "whole" : s == Split::ByteAtATime ? "byte-at-a-time" : "random";
}

// A sink that collects a streamed literal in memory, for assertions.
struct CollectingSink : imap::LiteralSink {
    std::vector<std::string> literals;
    std::string current;
    size_t chunks = 0;
    core::Result<void> write(std::string_view c) override {
        current.append(c);
        ++chunks;
        return {};
    }
    core::Result<void> finish() override {
        literals.push_back(std::move(current));
        current.clear();
        return {};
    }
};

struct ParseOutcome {
    std::vector<imap::Response> responses;
    std::optional<core::Error> error;
};

inline ParseOutcome parse_all(imap::ResponseParser& parser, const std::string& bytes, Split split,
                              unsigned seed = 1) {
    ParseOutcome out;
    auto handler = [&](imap::Response&& r) -> core::Result<void> {
        out.responses.push_back(std::move(r));
        return {};
    };
    std::mt19937 rng(seed);
    size_t pos = 0;
    while (pos < bytes.size()) {
        size_t n = bytes.size() - pos;
        if (split == Split::ByteAtATime)
            n = 1;
        if (split == Split::Random)
            n = std::min<size_t>(n, 1 + rng() % 17);
        auto r = parser.feed(std::string_view(bytes).substr(pos, n), handler);
        if (!r) {
            out.error = r.error();
            return out;
        }
        pos += n;
    }
    return out;
}

inline ParseOutcome parse_all(const std::string& bytes, Split split,
                              imap::ParserLimits limits = {}) {
    imap::ResponseParser parser(limits);
    return parse_all(parser, bytes, split);
}

}  // namespace imapmirror::test
