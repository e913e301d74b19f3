#pragma once
// Whose archive it is (schema/009): the account the first export recorded, so that an export of
// another account into the same directory is refused instead of merged.

#include <cstdint>
#include <optional>
#include <string>

#include "core/error.hpp"
#include "index/database.hpp"

namespace imapmirror::index {

struct AccountIdentity {
    std::string host;
    uint16_t port = 0;  // the port connected to (never 0 once recorded)
    std::string user;
    std::string account;  // the config file's account name; "" when none
};

// The same account: host and user equal without regard to ASCII case, and the same port. The
// config account name is a label, not part of the identity (renaming it changes nothing).
bool same_account(const AccountIdentity& a, const AccountIdentity& b);

// "alice@imap.example.org:993 (account work)", control characters escaped: safe on a terminal.
std::string describe(const AccountIdentity& id);

// The recorded identity; nullopt when none is (a new archive, or one made before schema 9).
// Works on a read-only connection, and on an index older than schema 9 (which has no table).
core::Result<std::optional<AccountIdentity>> read_account_identity(Database& db);

// Records `id` as the archive's identity, replacing any.
core::Result<void> write_account_identity(Database& db, const AccountIdentity& id);

// read_account_identity on DIR's index opened read-only (nothing created, migrated or written;
// no link followed), for `accounts`. NotFound when there is no index.
core::Result<std::optional<AccountIdentity>> read_account_identity(const std::string& index_path);

}  // namespace imapmirror::index
