#pragma once
// Incremental SHA-256 (GLib's GChecksum), hex output.

#include <memory>
#include <string>
#include <string_view>

typedef struct _GChecksum GChecksum;

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
    GChecksum* m_checksum;
};

// SHA-256 of a whole file, read in chunks; empty string when it cannot be read.
std::string sha256_of_file(const std::string& path);

}  // namespace imapmirror::store
