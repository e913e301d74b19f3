#pragma once
// Whether an export may write into an archive that records another account: decided once, for
// the export (which then records it) and for `export --dry-run` (which only says it).

#include <optional>
#include <string>

#include "core/error.hpp"
#include "index/account_identity.hpp"
#include "sync/run_types.hpp"

namespace imapmirror::sync {

// Whether an export of `current` may go into an archive that records `recorded` (none: a new
// archive, or one made before schema 9, which `had_content` tells apart), and what it changes.
// Another account is a Usage error naming both, unless `repoint`. Pure: writes nothing.
core::Result<IdentityChange> decide_identity(const std::optional<index::AccountIdentity>& recorded,
                                             const index::AccountIdentity& current, bool repoint,
                                             bool had_content, const std::string& root);

}  // namespace imapmirror::sync
