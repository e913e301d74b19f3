#pragma once
// Exit codes: each says what kind of failure happened (documented in README "Exit codes").

#include "core/error.hpp"

namespace imapmirror::cli {

enum ExitCode : int {
    kExitOk = 0,
    kExitInternal = 1,  // a bug: please report it
    kExitUsage = 2,     // bad options or arguments, missing password
    kExitNetwork = 3,   // cannot resolve/connect, connection lost
    kExitTimeout = 4,   // the server stalled past --timeout
    kExitTls = 5,       // TLS handshake or certificate verification failed
    kExitAuth = 6,      // login refused
    kExitNotFound = 7,  // no such folder or message
    kExitProtocol = 8,  // the server said NO/BAD or sent something unparseable
    kExitLocalIo = 9,   // cannot write output (permissions, disk full)
    kExitPartial = 10,
    kExitMismatch = 11,  // verify found a difference (missing, changed or extra files; UIDs)  //
                         // export finished, but some messages or folders failed (see summary)
    kExitInterrupted = 130,
};

int exit_code_for(const core::Error& error);

// Prints the error as one line on stderr ("imapmirror: error: ..."), and as a JSON object on
// stdout when `json`; returns its exit code.
int report_error(const core::Error& error, bool json);

}  // namespace imapmirror::cli
