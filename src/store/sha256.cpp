#include "store/sha256.hpp"

#include <glib.h>

#include <cstdio>

namespace imapmirror::store {

Sha256::Sha256() : m_checksum(g_checksum_new(G_CHECKSUM_SHA256)) {}
Sha256::~Sha256() {
    if (m_checksum)
        g_checksum_free(m_checksum);
}
Sha256::Sha256(Sha256&& o) noexcept : m_checksum(o.m_checksum) {
    o.m_checksum = nullptr;
}
Sha256& Sha256::operator=(Sha256&& o) noexcept {
    std::swap(m_checksum, o.m_checksum);
    return *this;
}

void Sha256::update(std::string_view bytes) {
    g_checksum_update(m_checksum, reinterpret_cast<const guchar*>(bytes.data()),
                      static_cast<gssize>(bytes.size()));
}

std::string Sha256::hex() {
    std::string out = g_checksum_get_string(m_checksum);
    g_checksum_reset(m_checksum);
    return out;
}

std::string sha256_of_file(const std::string& path) {
    FILE* f = std::fopen(path.c_str(), "rb");
    if (!f)
        return {};
    Sha256 h;
    char buf[65536];
    size_t n;
    while ((n = std::fread(buf, 1, sizeof buf, f)) > 0)
        h.update(std::string_view(buf, n));
    std::fclose(f);
    return h.hex();
}

}  // namespace imapmirror::store
