#pragma once
// INTERNALDATE (RFC 3501 date-time: "17-Jul-1996 02:44:25 -0700") to Unix time.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace imapmirror::imap {

// Seconds since the epoch (UTC), or nullopt for a malformed date. The day may be space-padded.
std::optional<int64_t> parse_internal_date(std::string_view s);

// Unix time -> "1996-07-17T09:44:25Z".
std::string iso8601_utc(int64_t t);

}  // namespace imapmirror::imap
