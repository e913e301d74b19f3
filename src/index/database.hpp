#pragma once
// SQLite behind RAII: a connection and prepared statements. SQL text is only ever built from
// constants (a column list at most); every value goes through a bind.

#include <sqlite3.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>

#include "core/error.hpp"

namespace imapmirror::index {

class Statement {
  public:
    Statement() = default;
    Statement(sqlite3* db, sqlite3_stmt* stmt) : m_db(db), m_stmt(stmt) {}

    // Binds by 1-based position.
    Statement& bind(int i, int64_t v);
    Statement& bind(int i, std::string_view v);
    Statement& bind_null(int i);
    // The index of named parameter `name` (":name"), 0 when the statement has none.
    int parameter_index(const char* name) const;
    // An optional integer or string: nullopt binds NULL. Unsigned values are stored as SQLite's
    // signed 64-bit integers, as every other bind of ours does.
    template <class T>
    Statement& bind(int i, const std::optional<T>& v) {
        static_assert(!std::is_same_v<T, char>, "bind a char as a one-character string");
        if (!v)
            return bind_null(i);
        if constexpr (std::is_integral_v<T>)
            return bind(i, static_cast<int64_t>(*v));
        else
            return bind(i, std::string_view(*v));
    }
    // Optional text: "" binds NULL.
    Statement& bind_text_or_null(int i, std::string_view v);

    // Steps once: true when a row is available, false when done.
    core::Result<bool> step();
    // Steps to completion (for INSERT/UPDATE); resets for reuse.
    core::Result<void> run();
    void reset();

    int64_t column_int(int i) const;
    double column_double(int i) const;
    std::optional<int64_t> column_opt_int(int i) const;
    std::string column_text(int i) const;  // NULL -> ""
    bool column_is_null(int i) const;

  private:
    struct Finalize {
        void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
    };
    sqlite3* m_db = nullptr;
    std::unique_ptr<sqlite3_stmt, Finalize> m_stmt;
};

// NotFound, with a hint, when there is no index file at `path`: the directory is no archive.
core::Result<void> require_index(const std::string& path);

class Database {
  public:
    // Opens (creating if needed, mode 0600) with WAL journaling, foreign keys and a busy
    // timeout. Refuses when the file or its -wal/-shm/-journal is a symbolic link; tightens an
    // existing file of ours to 0600 (SQLite gives the -wal and -shm files the same mode).
    static core::Result<Database> open(const std::string& path);
    // Opens an existing index read-only: nothing is created, migrated or written. A missing
    // file is NotFound; links are refused as by open().
    static core::Result<Database> open_read_only(const std::string& path);

    core::Result<Statement> prepare(std::string_view sql);
    core::Result<void> exec(std::string_view sql);  // constant SQL only
    int64_t last_insert_id() const { return sqlite3_last_insert_rowid(m_db.get()); }
    int changes() const { return sqlite3_changes(m_db.get()); }
    sqlite3* handle() const { return m_db.get(); }

  private:
    struct Close {
        void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
    };
    std::unique_ptr<sqlite3, Close> m_db;
};

// BEGIN IMMEDIATE ... COMMIT; rolls back on destruction unless committed.
class Transaction {
  public:
    static core::Result<Transaction> begin(Database& db);
    Transaction(Transaction&& o) noexcept : m_db(o.m_db) { o.m_db = nullptr; }
    ~Transaction();
    core::Result<void> commit();

  private:
    explicit Transaction(Database* db) : m_db(db) {}
    Database* m_db;
};

core::Error sqlite_error(sqlite3* db, std::string_view what);

}  // namespace imapmirror::index
