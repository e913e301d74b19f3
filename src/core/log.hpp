#pragma once
// Diagnostics to stderr. Level is set once by the CLI (-v, -vv, --quiet); callers must never
// pass secrets (transport/ redacts its wire trace before it gets here).

#include <string>
#include <string_view>

namespace imapmirror::core {

enum class LogLevel { Quiet = 0, Normal = 1, Verbose = 2, Trace = 3 };

void set_log_level(LogLevel level);
LogLevel log_level();

// Printed when the level is at least `level`, prefixed "imapmirror: ".
void log(LogLevel level, std::string_view message);
// A wire-trace line ("C: ..." / "S: ..."), printed at Trace level only.
void trace(std::string_view direction, std::string_view line);
// Always printed (even with --quiet): warnings the user must see, e.g. --insecure.
void warn(std::string_view message);

// `text` made safe for one line of a terminal: C0 controls (ESC, BEL, CR, LF, TAB...), DEL,
// C1 controls (U+0080..U+009F) and bytes that are not UTF-8 become visible escapes ("\x1b",
// "\r", "\n", "\u009b"); a backslash stays as it is. Everything log() and warn() print
// passes through it, and so does Error::describe(): server text cannot move the cursor, ring
// the bell or break one error into two lines.
std::string one_line(std::string_view text);

}  // namespace imapmirror::core
