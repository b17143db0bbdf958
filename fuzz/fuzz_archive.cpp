// The archive reader (io/archive.h) on arbitrary bytes: listing and reading every member within
// small limits must never crash, hang or allocate beyond them, whatever the archive claims.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "io/archive.h"
#include "io/byte_source.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view bytes(reinterpret_cast<const char*>(data), size);
  (void)tansa::io::looks_like_archive(bytes, tansa::io::decompress_head(bytes, 4096), "x.tar.xz");
  tansa::io::ArchiveLimits limits;
  limits.max_member = 1 << 20;
  limits.max_total = 8 << 20;
  limits.max_ratio = 100;
  const std::string passwords[] = {"infected"};
  auto w = tansa::io::ArchiveWalker::open_memory(bytes, passwords, limits);
  if (!w) return 0;
  tansa::io::ArchiveMember m;
  for (int i = 0; i < 64; ++i) {
    auto more = (*w)->next(m);
    if (!more || !*more) break;
    auto member = (*w)->read();
    if (!member && (*w)->bomb()) break;
  }
  return 0;
}
