#include "store/sha256.hpp"

#include <openssl/evp.h>

#include <cstdio>
#include <utility>

namespace imapmirror::store {

Sha256::Sha256() : m_ctx(EVP_MD_CTX_new()) {
    EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr);
}
Sha256::~Sha256() {
    if (m_ctx)
        EVP_MD_CTX_free(m_ctx);
}
Sha256::Sha256(Sha256&& o) noexcept : m_ctx(o.m_ctx) {
    o.m_ctx = nullptr;
}
Sha256& Sha256::operator=(Sha256&& o) noexcept {
    std::swap(m_ctx, o.m_ctx);
    return *this;
}

void Sha256::update(std::string_view bytes) {
    EVP_DigestUpdate(m_ctx, bytes.data(), bytes.size());
}

std::string Sha256::hex() {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(m_ctx, digest, &len);
    EVP_DigestInit_ex(m_ctx, EVP_sha256(), nullptr);
    static const char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(len * 2);
    for (unsigned int i = 0; i < len; ++i) {
        out += kHex[digest[i] >> 4];
        out += kHex[digest[i] & 0xF];
    }
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
