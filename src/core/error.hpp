#pragma once
// Error and Result<T>: how every fallible call below cli/ reports failure.

#include <cstdint>
#include <optional>
#include <string>
#include <utility>
#include <variant>

namespace imapmirror::core {

// What went wrong. Each kind maps to one documented exit code (core/exit_code.hpp).
enum class ErrorKind {
    Usage,      // the user asked for something impossible (bad option, missing password)
    Network,    // DNS, connect refused, connection dropped
    Timeout,    // a deadline passed while waiting for the server
    Tls,        // handshake or certificate verification failed
    Auth,       // the server refused the credentials
    Protocol,   // the server said NO/BAD or broke the IMAP grammar
    Parse,      // a response or message we could not parse
    Limit,      // input exceeded a configured limit (line length, nesting, literal size)
    NotFound,   // no such folder or message
    Io,         // a local file operation failed
    DiskFull,   // ENOSPC / EDQUOT
    Corrupt,    // on-disk state disagrees with itself
    Cancelled,  // interrupted by the user
    // --include/--exclude left no folder to archive: a run that would back up nothing
    NothingSelected,
    // another process holds the archive's lock (an export or reindex still running)
    Locked,
};

// How much of the work an error spoils; the engine acts on it (see STYLE.md "Errors").
enum class Scope { Message, Folder, Session, Run };

const char* to_string(ErrorKind kind);

struct Error {
    ErrorKind kind = ErrorKind::Protocol;
    Scope scope = Scope::Session;
    bool retryable = false;
    // The server asked us to slow down (IMAP THROTTLED/OVERQUOTA, a backoff hint, "too many
    // connections"): retry later and with fewer connections, not at once.
    bool throttled = false;
    std::string message;  // what happened, one line, no secrets
    std::string hint;     // what the user can do about it (may be empty)
    std::string folder;   // context: folder being worked on
    std::optional<uint32_t> uid;
    std::string server_reply;  // context: the server's words, redacted

    // One line for a human: "<message> [folder X, UID n] (server said: ...): <hint>", with
    // control characters escaped (core::one_line): safe to print to a terminal.
    std::string describe() const;

    Error&& with_folder(std::string f) && {
        if (folder.empty())
            folder = std::move(f);
        return std::move(*this);
    }
};

Error make_error(ErrorKind kind, std::string message, Scope scope = Scope::Session);

// A value or an Error. Access to the wrong alternative is a programmer error (asserts).
template <class T>
class [[nodiscard]] Result {
  public:
    Result(T value) : m_v(std::in_place_index<0>, std::move(value)) {}
    Result(Error error) : m_v(std::in_place_index<1>, std::move(error)) {}

    bool ok() const { return m_v.index() == 0; }
    explicit operator bool() const { return ok(); }
    T& value() & { return std::get<0>(m_v); }
    const T& value() const& { return std::get<0>(m_v); }
    T&& value() && { return std::get<0>(std::move(m_v)); }
    T& operator*() & { return value(); }
    const T& operator*() const& { return value(); }
    T&& operator*() && { return std::move(*this).value(); }
    T* operator->() { return &value(); }
    const T* operator->() const { return &value(); }
    const Error& error() const& { return std::get<1>(m_v); }
    Error&& error() && { return std::get<1>(std::move(m_v)); }

  private:
    std::variant<T, Error> m_v;
};

template <>
class [[nodiscard]] Result<void> {
  public:
    Result() = default;
    Result(Error error) : m_error(std::move(error)) {}

    bool ok() const { return !m_error.has_value(); }
    explicit operator bool() const { return ok(); }
    const Error& error() const& { return *m_error; }
    Error&& error() && { return std::move(*m_error); }

  private:
    std::optional<Error> m_error;
};

}  // namespace imapmirror::core

// Propagate an error from an expression returning Result<...>.
#define IMM_TRY(expr)                                  \
    do {                                               \
        auto imm_try_result_ = (expr);                 \
        if (!imm_try_result_)                          \
            return std::move(imm_try_result_).error(); \
    } while (0)

#define IMM_CONCAT_INNER(a, b) a##b
#define IMM_CONCAT(a, b) IMM_CONCAT_INNER(a, b)
// Declare or assign `lhs` from the value of a Result, or return its error. Expands to several
// statements: wrap it in braces under an if.
#define IMM_ASSIGN(lhs, expr) IMM_ASSIGN_IMPL(IMM_CONCAT(imm_assign_, __LINE__), lhs, expr)
#define IMM_ASSIGN_IMPL(tmp, lhs, expr) \
    auto tmp = (expr);                  \
    if (!tmp)                           \
        return std::move(tmp).error();  \
    lhs = std::move(tmp).value()
