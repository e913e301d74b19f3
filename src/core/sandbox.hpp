#pragma once
// Writing under a systemd sandbox (ProtectHome=read-only, ProtectSystem=strict): every path a
// unit's service writes must be in its ReadWritePaths=. The shipped units set
// IMAPMIRROR_UNIT=%n, so an error about a read-only path names the unit and the option to
// change; systemd's own MANAGERPID (1 for the system manager) says which `systemctl edit`.

#include <string>

#include "core/error.hpp"

namespace imapmirror::core {

inline constexpr const char* kEnvUnit = "IMAPMIRROR_UNIT";

// What to change so that `path` becomes writable: under a unit (IMAPMIRROR_UNIT set), "add
// ReadWritePaths=-PATH to UNIT (systemctl [--user] edit UNIT)"; otherwise a general line that
// still names ReadWritePaths= for units of the user's own.
std::string read_only_hint(const std::string& path);

// Whether `path` (or, while it does not exist, its nearest existing ancestor) lies on a
// read-only mount, asked with statvfs: nothing is written. An Io error (Run scope) whose
// message names `what` and `path` and whose hint is read_only_hint(path); other failures to
// ask are no error (the write itself will say what is wrong).
Result<void> check_not_read_only(const std::string& path, const std::string& what);

}  // namespace imapmirror::core
