#pragma once
// Incremental SHA-256 (OpenSSL's EVP, which uses the CPU's SHA/AVX2 code paths; GLib's portable
// implementation cost over half the export's CPU time), hex output.

#include <memory>
#include <string>
#include <string_view>

typedef struct evp_md_ctx_st EVP_MD_CTX;

namespace imapmirror::store {

class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(Sha256&&) noexcept;
    Sha256& operator=(Sha256&&) noexcept;
    void update(std::string_view bytes);
    // Lower-case hex digest; the object is reset afterwards.
    std::string hex();

  private:
    EVP_MD_CTX* m_ctx;
};

// SHA-256 of a whole file, read in chunks; empty string when it cannot be read.
std::string sha256_of_file(const std::string& path);

}  // namespace imapmirror::store
