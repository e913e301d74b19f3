#include "sync/identity_decision.hpp"

namespace imapmirror::sync {

using core::ErrorKind;
using core::Result;
using core::Scope;

Result<IdentityChange> decide_identity(const std::optional<index::AccountIdentity>& recorded,
                                       const index::AccountIdentity& current, bool repoint,
                                       bool had_content, const std::string& root) {
    if (!recorded)
        return had_content ? IdentityChange::Adopted : IdentityChange::Recorded;
    if (index::same_account(*recorded, current))
        return IdentityChange::None;
    if (repoint)
        return IdentityChange::Repointed;
    auto e = core::make_error(ErrorKind::Usage,
                              root + " is the archive of " + index::describe(*recorded) +
                                  ", not of " + index::describe(current) +
                                  "; refusing to mix two accounts in one archive",
                              Scope::Run);
    e.hint =
        "give this account its own --out; if the server really moved, run once with "
        "--repoint-archive";
    return e;
}

}  // namespace imapmirror::sync
