#include "index/database.hpp"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace imapmirror::index {

using core::ErrorKind;
using core::Result;

core::Error sqlite_error(sqlite3* db, std::string_view what) {
    int code = db ? sqlite3_errcode(db) : SQLITE_ERROR;
    // SQLite says "disk I/O error"; the errno behind it says what to do about it.
    int sys = db ? sqlite3_system_errno(db) : 0;
    bool full = code == SQLITE_FULL || sys == ENOSPC || sys == EDQUOT || sys == EFBIG;
    auto e = core::make_error(full ? ErrorKind::DiskFull
                              : code == SQLITE_CORRUPT || code == SQLITE_NOTADB ? ErrorKind::Corrupt
                                                                                : ErrorKind::Io,
                              std::string("index: ") + std::string(what) + ": " +
                                  (db ? sqlite3_errmsg(db) : "cannot open") +
                                  (sys ? std::string(" (") + std::strerror(sys) + ")" : ""),
                              core::Scope::Run);
    if (full)
        e.hint = "free some space and run again; the index is unchanged since the last batch";
    else if ((code & 0xff) == SQLITE_IOERR)
        e.hint =
            "check that the disk has free space and is writable; the index is unchanged since the "
            "last batch";
    return e;
}

Statement& Statement::bind(int i, int64_t v) {
    sqlite3_bind_int64(m_stmt.get(), i, v);
    return *this;
}
Statement& Statement::bind(int i, std::string_view v) {
    sqlite3_bind_text(m_stmt.get(), i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
}
int Statement::parameter_index(const char* name) const {
    return sqlite3_bind_parameter_index(m_stmt.get(), name);
}

Statement& Statement::bind_null(int i) {
    sqlite3_bind_null(m_stmt.get(), i);
    return *this;
}
Statement& Statement::bind_text_or_null(int i, std::string_view v) {
    return v.empty() ? bind_null(i) : bind(i, v);
}

Result<bool> Statement::step() {
    int rc = sqlite3_step(m_stmt.get());
    if (rc == SQLITE_ROW)
        return true;
    if (rc == SQLITE_DONE)
        return false;
    auto e = sqlite_error(m_db, "query failed");
    sqlite3_reset(m_stmt.get());
    return e;
}

Result<void> Statement::run() {
    for (;;) {
        IMM_ASSIGN(bool row, step());
        if (!row)
            break;
    }
    reset();
    return {};
}

void Statement::reset() {
    sqlite3_reset(m_stmt.get());
    sqlite3_clear_bindings(m_stmt.get());
}

int64_t Statement::column_int(int i) const {
    return sqlite3_column_int64(m_stmt.get(), i);
}

double Statement::column_double(int i) const {
    return sqlite3_column_double(m_stmt.get(), i);
}
std::optional<int64_t> Statement::column_opt_int(int i) const {
    if (column_is_null(i))
        return std::nullopt;
    return column_int(i);
}
std::string Statement::column_text(int i) const {
    auto* p = sqlite3_column_text(m_stmt.get(), i);
    int n = sqlite3_column_bytes(m_stmt.get(), i);
    return p ? std::string(reinterpret_cast<const char*>(p), static_cast<size_t>(n))
             : std::string();
}
bool Statement::column_is_null(int i) const {
    return sqlite3_column_type(m_stmt.get(), i) == SQLITE_NULL;
}

namespace {

// Neither the index nor the -wal/-shm/-journal files SQLite makes beside it is ever a link
// written through or read through.
Result<void> refuse_links(const std::string& path) {
    for (const char* suffix : {"", "-wal", "-shm", "-journal"}) {
        struct stat st {};
        const std::string p = path + suffix;
        if (::lstat(p.c_str(), &st) == 0 && S_ISLNK(st.st_mode)) {
            auto e = core::make_error(ErrorKind::Io,
                                      "index: \"" + p +
                                          "\" is a symbolic link: imapmirror never follows links "
                                          "inside the archive",
                                      core::Scope::Run);
            e.hint = "move it away; the archive's own directories and files must not be links";
            return e;
        }
    }
    return {};
}

// The index holds every subject and address: it and the -wal/-shm files SQLite makes beside it
// (with the database file's mode) are private.
Result<void> prepare_private_file(const std::string& path) {
    if (path.empty() || path == ":memory:")
        return {};
    IMM_TRY(refuse_links(path));
    int fd = ::open(path.c_str(), O_RDONLY | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0600);
    if (fd < 0)
        return {};  // e.g. a read-only directory: SQLite reports what it can or cannot open
    struct stat st {};
    if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && (st.st_mode & 077) != 0 &&
        st.st_uid == ::geteuid())
        (void)::fchmod(fd, 0600);  // made 0644 by an earlier version
    ::close(fd);
    return {};
}

}  // namespace

Result<Database> Database::open(const std::string& path) {
    IMM_TRY(prepare_private_file(path));
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db;
    db.m_db.reset(raw);
    if (rc != SQLITE_OK)
        return sqlite_error(raw, "cannot open " + path);
    sqlite3_busy_timeout(raw, 10'000);
    sqlite3_extended_result_codes(raw, 1);
    // WAL: readers (sqlite3, verify) never block the exporter; synchronous=NORMAL is durable at
    // each checkpoint and never corrupts (the files are synced before their rows commit).
    IMM_TRY(db.exec("PRAGMA journal_mode=WAL"));
    IMM_TRY(db.exec("PRAGMA synchronous=NORMAL"));
    IMM_TRY(db.exec("PRAGMA foreign_keys=ON"));
    return db;
}

Result<void> require_index(const std::string& path) {
    if (::access(path.c_str(), F_OK) == 0)
        return {};
    auto e = core::make_error(ErrorKind::NotFound, "no archive index at " + path, core::Scope::Run);
    e.hint = "give the directory an `imapmirror export --out DIR` wrote";
    return e;
}

Result<Database> Database::open_read_only(const std::string& path) {
    IMM_TRY(require_index(path));
    IMM_TRY(refuse_links(path));
    sqlite3* raw = nullptr;
    int rc =
        sqlite3_open_v2(path.c_str(), &raw,
                        SQLITE_OPEN_READONLY | SQLITE_OPEN_NOFOLLOW | SQLITE_OPEN_NOMUTEX, nullptr);
    Database db;
    db.m_db.reset(raw);
    if (rc != SQLITE_OK)
        return sqlite_error(raw, "cannot open " + path + " read-only");
    // An export writing at the same moment holds its lock only briefly (WAL).
    sqlite3_busy_timeout(raw, 10'000);
    sqlite3_extended_result_codes(raw, 1);
    return db;
}

Result<Statement> Database::prepare(std::string_view sql) {
    sqlite3_stmt* stmt = nullptr;
    if (sqlite3_prepare_v2(m_db.get(), sql.data(), static_cast<int>(sql.size()), &stmt, nullptr) !=
        SQLITE_OK)
        return sqlite_error(m_db.get(), "cannot prepare a statement");
    return Statement(m_db.get(), stmt);
}

Result<void> Database::exec(std::string_view sql) {
    std::string s(sql);
    char* err = nullptr;
    if (sqlite3_exec(m_db.get(), s.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
        sqlite3_free(err);
        return sqlite_error(m_db.get(), "statement failed");
    }
    return {};
}

Result<Transaction> Transaction::begin(Database& db) {
    IMM_TRY(db.exec("BEGIN IMMEDIATE"));
    return Transaction(&db);
}

Transaction::~Transaction() {
    if (m_db)
        (void)m_db->exec("ROLLBACK");
}

Result<void> Transaction::commit() {
    Database* db = m_db;
    m_db = nullptr;
    auto r = db->exec("COMMIT");
    if (!r)
        (void)db->exec("ROLLBACK");
    return r;
}

}  // namespace imapmirror::index
