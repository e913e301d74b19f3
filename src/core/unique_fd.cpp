#include "core/unique_fd.hpp"

#include <unistd.h>

namespace imapmirror::core {

UniqueFd& UniqueFd::operator=(UniqueFd&& o) noexcept {
    if (this != &o) {
        if (m_fd >= 0)
            ::close(m_fd);
        m_fd = std::exchange(o.m_fd, -1);
    }
    return *this;
}

UniqueFd::~UniqueFd() {
    if (m_fd >= 0)
        ::close(m_fd);
}

}  // namespace imapmirror::core
