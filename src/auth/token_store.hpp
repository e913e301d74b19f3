#pragma once
// The per-account token store: one JSON file of our own, holding the OAuth2 grant that
// `auth login` obtained (the only file that ever holds a token). Written atomically (temp
// file, fsync, rename, directory fsync) with mode 0600 in a 0700 directory; a store that
// other users could read, a link, or another user's file is refused, not used.

#include <chrono>
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
// another owner, readable or writable by group or others, or in a directory that another user
// owns or others may write: the message says which and how to fix it); Corrupt when it is not a
// grant we wrote. Errors name the path, never a token.
core::Result<StoredGrant> load_grant(const std::string& path);

// Writes the grant atomically with mode 0600, creating the directories (0700) as needed.
// Io/DiskFull errors name the path; a directory another user owns is refused (Usage).
core::Result<void> save_grant(const std::string& path, const StoredGrant& grant);

// Proves, before a refresh, that the store can be replaced: creates its directories as needed,
// then a temporary file beside `path`, and removes it. An Io error (exit 9) names the directory
// and what to change (core::read_only_hint: the unit's ReadWritePaths=); nothing is spent.
core::Result<void> check_store_writable(const std::string& path);

// An exclusive lock on PATH.lock (0600, beside the store, never replaced, so every process
// locks the same file), held while a grant is refreshed: two processes never spend one
// refresh token twice. Released when destroyed.
class StoreLock {
  public:
    StoreLock(StoreLock&& o) noexcept;
    StoreLock& operator=(StoreLock&&) = delete;
    ~StoreLock();

  private:
    friend core::Result<StoreLock> lock_store(const std::string&, std::chrono::milliseconds);
    explicit StoreLock(int fd) : m_fd(fd) {}
    int m_fd = -1;
};

// Waits up to `wait` for the lock (Ctrl-C ends the wait); an Io error names the lock file.
core::Result<StoreLock> lock_store(const std::string& path, std::chrono::milliseconds wait);

// Removes the store; true when there was one.
core::Result<bool> remove_grant(const std::string& path);

}  // namespace imapmirror::auth
