#pragma once
// GMime must be initialised once per process before any other call.

namespace imapmirror::mime {

// Idempotent and thread-safe.
void ensure_gmime();

}  // namespace imapmirror::mime
