#pragma once
// Human output helpers. Everything from the server passes through printable() before it
// reaches a terminal: a Subject must not be able to send escape sequences.

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/error.hpp"
#include "core/json.hpp"
#include "index/account_identity.hpp"

namespace imapmirror::cli {

// `key`: {"host", "port", "user", "account" (null when none)}, as every --json output shows
// an archive's account; `key`: null when there is none.
void write_identity(core::JsonWriter& w, const char* key,
                    const std::optional<index::AccountIdentity>& id);

// Control characters (C0, DEL, C1) replaced by '?', invalid UTF-8 bytes by U+FFFD.
std::string printable(std::string_view s);

// Cuts to at most `columns` code points (approximating terminal width), adding "…" when cut,
// and pads with spaces to exactly `columns` when `pad`.
std::string fit(std::string_view utf8, size_t columns, bool pad = true);

// 1536 -> "1.5K", 3000000 -> "2.9M".
std::string human_size(uint64_t bytes);

// A size as a user writes it: digits with an optional unit K, M, G or T (powers of 1024, as
// human_size shows them; "KB"/"MB"/... and lower case accepted too), e.g. "2G", "500M",
// "1048576". Empty, not a whole number, an unknown unit, zero, or past 2^64: nullopt.
std::optional<uint64_t> parse_size(std::string_view text);

// Unix time -> "2024-03-01 10:00" in local time.
std::string local_time(int64_t t);

// An index date ("2024-01-03T10:00:00Z") as "2024-01-03 11:00", in local time or UTC; "(no
// date)" for "", and anything else as it is. The one rule of `search` and `show`.
std::string shown_date(const std::string& iso, bool utc);

// The zone shown_date uses, said once beside the dates: "UTC", or "local time (CET,
// UTC+0100)" (the offset of now).
std::string zone_statement(bool utc);

// Terminal columns `utf8` takes (as fit() counts them).
size_t display_width(std::string_view utf8);

// Rows of cells (the first row a header) as aligned text, two spaces between columns, one
// line per row; columns whose `right_aligned` entry is true are right-aligned. The cells must
// already be printable(). The last column is not padded.
std::string format_table(const std::vector<std::vector<std::string>>& rows,
                         const std::vector<bool>& right_aligned);

std::string join(const std::vector<std::string>& parts, std::string_view sep);

// "message", "folder", "session", "run": an error's scope as the summaries print it.
const char* to_string(core::Scope s);

// An error as a summary's --json lists it: {"kind", "scope", "message", "folder"?, "uid"?}.
void write_error(core::JsonWriter& w, const core::Error& e);

// Ends a --json summary object: its "errors" (write_error, the fatal one last) and
// "exit_code", then prints it on stdout.
void print_json_summary_end(core::JsonWriter& w, const std::vector<core::Error>& errors,
                            const std::optional<core::Error>& fatal, int exit_code);

// A run's errors on stderr, one line each ("imapmirror: message error: ..."), then the one that
// ended it ("imapmirror: error: ...").
void print_errors(const std::vector<core::Error>& errors, const std::optional<core::Error>& fatal);

// "TITLE (n):" and the items below it (printable, indented by `indent` plus two spaces), at
// most 20 of them and a line saying how many more --json lists. Nothing when empty.
void print_list(const char* title, const std::vector<std::string>& items,
                std::string_view indent = "");

}  // namespace imapmirror::cli
