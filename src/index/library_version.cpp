#include "index/library_version.hpp"

#include <sqlite3.h>

namespace imapmirror::index {

std::string sqlite_runtime_version() {
    return sqlite3_libversion();
}

}  // namespace imapmirror::index
