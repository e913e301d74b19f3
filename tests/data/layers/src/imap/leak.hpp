#pragma once
// For ctest "layers: ...": scripts/check-layers must refuse this include (imap never sees store).
#include "store/atomic_file.hpp"
