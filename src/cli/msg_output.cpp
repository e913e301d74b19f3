#include "cli/msg_output.hpp"

#include "outlook/msg_writer.hpp"
#include "store/atomic_file.hpp"

namespace imapmirror::cli {

core::Result<void> write_msg_file(const std::string& eml_path, const std::string& msg_path) {
    const size_t slash = msg_path.rfind('/');
    const std::string directory = slash == std::string::npos ? "."
                                  : slash == 0               ? "/"
                                                             : msg_path.substr(0, slash);
    IMM_ASSIGN(auto file, store::AtomicFile::create(directory));
    IMM_TRY(outlook::convert_eml_to_msg(eml_path, file.temp_path()));
    return file.commit(msg_path);
}

}  // namespace imapmirror::cli
