#pragma once
// What `backup` says about one account, from its child's outcome and its `export --json`
// summary: messages, bytes, errors and the one line that says why it failed.

#include <cstdint>
#include <optional>
#include <string>

#include "core/json_reader.hpp"
#include "run/child_runner.hpp"

namespace imapmirror::run {

struct AccountReport {
    const ChildOutcome* child = nullptr;
    std::optional<core::JsonValue> summary;  // the child's --json object
    std::optional<uint64_t> messages, bytes;
    size_t errors = 0;
    std::string error;  // one line: why it failed, or its first error; "" when none
};

// `partial_code` is the exit code of an export that finished with some errors: its first
// error says the most; after any other failure, the last (the one that stopped it).
AccountReport report_of(const ChildOutcome& child, int partial_code);

}  // namespace imapmirror::run
