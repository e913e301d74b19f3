#pragma once
// Exit codes: each says what kind of failure happened (documented in `man imapmirror`, EXIT
// STATUS: doc/imapmirror.1.scd), and the one mapping from an Error's kind to its code, so that
// every command, and whatever records a run's outcome, agrees on it.

#include "core/error.hpp"

namespace imapmirror::core {

enum ExitCode : int {
    kExitOk = 0,
    kExitInternal = 1,       // internal error: a bug, please report it
    kExitUsage = 2,          // bad option, no password source, password command failed
    kExitNetwork = 3,        // cannot resolve or connect, or the server closed the connection
    kExitTimeout = 4,        // the server stopped answering for --timeout seconds
    kExitTls = 5,            // TLS handshake or certificate verification failed, or no STARTTLS
    kExitAuth = 6,           // the server refused the login
    kExitNotFound = 7,       // no such folder or message
    kExitProtocol = 8,       // the server answered NO/BAD or sent something unparseable
    kExitLocalIo = 9,        // cannot write the output (permissions, disk full)
    kExitPartial = 10,       // export finished, but some messages or folders failed (see summary)
    kExitMismatch = 11,      // verify found a difference (missing, changed or extra files; UIDs)
    kExitStale = 14,         // accounts --max-age: an account's last success is older than that
    kExitInterrupted = 130,  // interrupted (Ctrl-C or SIGTERM)
    // export: --include/--exclude selected no folder at all (never an empty success)
    kExitNothingSelected = 12,
    // another imapmirror holds the archive (export, reindex): not a usage error, it passes
    kExitLocked = 13,
};

// The documented code of an error of this kind; every ErrorKind has one (never kExitOk).
int exit_code_for(ErrorKind kind);
int exit_code_for(const Error& error);

}  // namespace imapmirror::core
