#pragma once
// The exit code of a run from its summary, and of several runs taken together (`backup`):
// the worst of them.

#include <vector>

#include "sync/restore_apply.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::run {

// The code, among `codes`, that most needs a person, as one of the documented exit codes.
// Least first: 0 success, 10 partial, 11 mismatch, 13 locked, 3 network, 4 timeout,
// 8 protocol, 7 not found, 5 TLS, 6 authentication, 12 no folder selected, 2 usage, 9 local
// I/O, 1 internal (and any code that is not documented, such as a child killed by a signal),
// 130 interrupted. A locked archive, network trouble and timeouts often pass by the next
// night; a refused login, a certificate or a config error do not; a full disk stops every
// account; an internal error is a bug. 0 for no codes.
int worst_exit_code(const std::vector<int>& codes);

// The exit code of an export (the one the exporter records in `runs`) or a restore that ended
// with `summary`: its fatal error's code, else 10 (partial) when a message or folder failed,
// else 0.
int exit_code_of(const sync::ExportSummary& summary);
int exit_code_of(const sync::RestoreSummary& summary);

}  // namespace imapmirror::run
