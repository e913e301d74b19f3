#pragma once
// How a command reports the error that ends it. The codes themselves and which error kind gets
// which are core's (core/exit_code.hpp); the names are brought into `cli`, where every command
// returns them.

#include "core/error.hpp"
#include "core/exit_code.hpp"

namespace imapmirror::cli {

using core::exit_code_for;
using core::ExitCode;
using core::kExitAuth;
using core::kExitInternal;
using core::kExitInterrupted;
using core::kExitLocalIo;
using core::kExitLocked;
using core::kExitMismatch;
using core::kExitNetwork;
using core::kExitNotFound;
using core::kExitNothingSelected;
using core::kExitOk;
using core::kExitPartial;
using core::kExitProtocol;
using core::kExitStale;
using core::kExitTimeout;
using core::kExitTls;
using core::kExitUsage;

// Prints the error as one line on stderr ("imapmirror: error: ..."), and as a JSON object on
// stdout when `json`; returns its exit code.
int report_error(const core::Error& error, bool json);

// A command's exit code from what its run returned: the value, or the error reported as
// report_error does. Commands write their steps with IMM_TRY/IMM_ASSIGN and end here.
inline int exit_code_or_error(const core::Result<int>& run, bool json) {
    return run ? *run : report_error(run.error(), json);
}

}  // namespace imapmirror::cli
