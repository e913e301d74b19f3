#pragma once
// Diagnostics to stderr. Level is set once by the CLI (-v, -vv, --quiet); callers must never
// pass secrets (transport/ redacts its wire trace before it gets here).

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

}  // namespace imapmirror::core
