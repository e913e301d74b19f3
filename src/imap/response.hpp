#pragma once
// One complete server response, as the ResponseParser delivers it.

#include <optional>
#include <string>
#include <vector>

#include "imap/value.hpp"

namespace imapmirror::imap {

enum class ResponseKind { Tagged, Untagged, Continuation };

// A resp-text-code: "[UIDVALIDITY 3857529045]" -> name "UIDVALIDITY", args "3857529045".
struct ResponseCode {
    std::string name;  // upper-cased
    std::string args;  // raw text after the name, up to ']'
};

struct Response {
    ResponseKind kind = ResponseKind::Untagged;
    std::string tag;  // Tagged only

    // Status responses (tagged OK/NO/BAD, untagged OK/NO/BAD/PREAUTH/BYE): the upper-cased
    // status word, its optional code and human text. Empty status for data responses.
    std::string status;
    std::optional<ResponseCode> code;
    std::string text;  // also the text of a Continuation

    // Data responses: the tokens after "*", e.g. [5, EXISTS] or [3, FETCH, (...)] or
    // [LIST, (...), "/", INBOX].
    std::vector<Value> data;

    // Bytes this response held in memory while parsed (lines, kept literals, tokens); streamed
    // literals are not counted. Set by the parser; Session sums it per command.
    size_t held_bytes = 0;

    bool is_status() const { return !status.empty(); }
    // "* <n> <name> ..." -> name (upper-cased) and n; empty name otherwise.
    std::string numbered_name() const;
    std::optional<uint64_t> number() const;
    // "* <NAME> ..." -> NAME upper-cased (CAPABILITY, LIST, STATUS, SEARCH...).
    std::string data_name() const;
    // The response as one line for error messages and traces (literals abbreviated).
    std::string summary() const;
};

}  // namespace imapmirror::imap
