#pragma once
// Ctrl-C (SIGINT) and SIGTERM during a long run: the first one asks the run to stop at the next
// safe point (what is complete gets committed); a second one kills the process as usual.

#include "core/error.hpp"

namespace imapmirror::core {

// Installs the handlers (without SA_RESTART, so a blocking poll wakes up).
void install_interrupt_handler();

// True once SIGINT or SIGTERM arrived. Async-signal-safe to set, cheap to read.
bool interrupted();

// The error a run stops with when interrupted (Cancelled, Run scope, "run again" hint).
Error interrupted_error();

}  // namespace imapmirror::core
