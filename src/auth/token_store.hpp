#pragma once
// The per-account token store: one JSON file of our own, holding the OAuth2 grant that
// `auth login` obtained (the only file that ever holds a token). Written atomically (temp
// file, fsync, rename, directory fsync) with mode 0600 in a 0700 directory; a store that
// other users could read, a link, or another user's file is refused, not used.

#include <cstdint>
#include <string>

#include "auth/oauth_client.hpp"
#include "core/error.hpp"

namespace imapmirror::auth {

struct StoredGrant {
    std::string provider;  // "microsoft", "google" or "custom"
    std::string user;      // the IMAP login the grant is for
    std::string client_id;
    std::string token_url;
    std::string scope;
    std::string refresh_token;      // secret
    std::string access_token;       // secret; may be empty
    int64_t access_expires_at = 0;  // Unix seconds
    int64_t obtained_at = 0;        // when `auth login` ran
    int64_t refreshed_at = 0;       // last refresh, 0 if none
};

// $XDG_STATE_HOME/imapmirror/tokens/NAME.json (XDG_STATE_HOME absolute), else
// $HOME/.local/state/imapmirror/tokens/NAME.json. NAME is `account` with every character
// other than letters, digits, '.', '_', '-', '@', '+' replaced by '_' (never starts with '.').
std::string default_store_path(const std::string& account);

// NotFound when the file does not exist; Usage when it is unsafe (a link, not a regular file,
// another owner, readable or writable by group or others: the message says which and how to
// fix it); Corrupt when it is not a grant we wrote. Errors name the path, never a token.
core::Result<StoredGrant> load_grant(const std::string& path);

// Writes the grant atomically with mode 0600, creating the directories (0700) as needed.
// Io/DiskFull errors name the path.
core::Result<void> save_grant(const std::string& path, const StoredGrant& grant);

// Removes the store; true when there was one.
core::Result<bool> remove_grant(const std::string& path);

}  // namespace imapmirror::auth
