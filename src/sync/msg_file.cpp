#include "sync/msg_file.hpp"

#include <filesystem>

#include "outlook/msg_writer.hpp"
#include "store/atomic_file.hpp"
#include "store/sha256.hpp"

namespace imapmirror::sync {

core::Result<MsgConversion> convert_to_temp(const std::string& directory,
                                            const std::string& eml_path,
                                            const std::string& final_path) {
    MsgConversion out;
    std::error_code ec;
    if (std::filesystem::is_directory(std::filesystem::symlink_status(final_path, ec))) {
        out.refused = store::directory_in_the_way(final_path);
        return out;
    }
    IMM_ASSIGN(auto file, store::AtomicFile::create(directory));
    IMM_ASSIGN(std::string temp, file.release());
    if (auto converted = outlook::convert_eml_to_msg(eml_path, temp); !converted) {
        store::remove_tree(temp);
        out.refused = std::move(converted).error();
        return out;
    }
    MsgTemp msg;
    msg.sha256 = store::sha256_of_file(temp);
    msg.size = std::filesystem::file_size(temp, ec);
    msg.temp_path = std::move(temp);
    out.file = std::move(msg);
    return out;
}

core::Result<void> write_msg_file(const std::string& eml_path, const std::string& msg_path) {
    IMM_ASSIGN(auto file, store::AtomicFile::create(core::directory_for(msg_path)));
    IMM_TRY(outlook::convert_eml_to_msg(eml_path, file.temp_path()));
    return file.commit(msg_path);
}

}  // namespace imapmirror::sync
