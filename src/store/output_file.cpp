#include "store/output_file.hpp"

#include <unistd.h>

#include "store/write_all.hpp"

namespace imapmirror::store {

core::Result<OutputFile> OutputFile::open(const std::string& path) {
    OutputFile out;
    if (path.empty())
        return out;
    IMM_ASSIGN(auto file, core::AtomicFile::create(core::directory_for(path)));
    out.m_file.emplace(std::move(file));
    out.m_path = path;
    return out;
}

core::Result<void> OutputFile::write(std::string_view bytes) {
    if (m_file)
        return m_file->write(bytes);
    return write_all(STDOUT_FILENO, bytes, "standard output");
}

core::Result<void> OutputFile::finish() {
    if (m_file)
        return m_file->commit(m_path);
    return {};
}

}  // namespace imapmirror::store
