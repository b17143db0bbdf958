// Archives read in place, through libarchive: zip (also password-protected, the `infected`
// convention of malware collections), 7z, tar, and tar compressed with gzip, zstd, xz or bzip2.
// Nothing is extracted to disk: members are listed once (to fix the inputs' order), then read
// one after another, each whole into memory within a bound. Expansion is watched as it happens,
// not taken from the headers: an archive that expands past its limits (a zip bomb) stops being
// read, and says so.
#pragma once

#include <cstdint>
#include <expected>
#include <memory>
#include <span>
#include <string>
#include <string_view>
#include <vector>

struct archive;

namespace tansa::io {

struct ArchiveLimits {
  std::uint64_t max_member = std::uint64_t{2} << 30;  // one member's bytes, held in memory
  std::uint64_t max_total = std::uint64_t{64} << 30;  // every member of one archive together
  // Expanded bytes per byte of the archive, once past 64 MiB expanded: zip bombs reach thousands;
  // logs compress about 10 to 30 times.
  std::uint64_t max_ratio = 250;
};

struct ArchiveMember {
  std::string name;           // as the archive names it, at most 4096 bytes
  std::uint64_t size = 0;     // as its header says (0 when it does not)
  std::int64_t mtime_ns = 0;  // as its header says
  std::uint32_t ordinal = 0;  // among the archive's regular files, from 0
  bool encrypted = false;
};

// True when a file's first bytes (raw, and decompressed by gzip or zstd) are an archive tansa
// opens: zip, 7z, rar, or tar (plain or compressed). A lone gzip'd log is not an archive.
[[nodiscard]] bool looks_like_archive(std::string_view raw_head, std::string_view decompressed_head,
                                      std::string_view path);

// The archive's regular files, in the archive's order.
[[nodiscard]] std::expected<std::vector<ArchiveMember>, std::string> list_archive(
    const std::string& path, std::span<const std::string> passwords);

class ArchiveWalker {
 public:
  [[nodiscard]] static std::expected<std::unique_ptr<ArchiveWalker>, std::string> open(
      const std::string& path, std::span<const std::string> passwords, ArchiveLimits limits = {});
  // An archive already in memory (`bytes` must outlive the walker); for fuzzing and nested use.
  [[nodiscard]] static std::expected<std::unique_ptr<ArchiveWalker>, std::string> open_memory(
      std::string_view bytes, std::span<const std::string> passwords, ArchiveLimits limits = {});
  ~ArchiveWalker();
  ArchiveWalker(const ArchiveWalker&) = delete;
  ArchiveWalker& operator=(const ArchiveWalker&) = delete;

  // The next regular file: true with `m` filled, false at the end, an error when the archive's
  // structure is damaged (what was read before stays good).
  [[nodiscard]] std::expected<bool, std::string> next(ArchiveMember& m);
  // The current member's bytes, whole. Errors: a wrong or missing password, damaged data, a
  // member beyond max_member, or expansion beyond the archive's limits (then bomb() is true and
  // nothing more should be read from it).
  //
  // Several passwords: libarchive takes the first one that passes an encrypted member's check,
  // and ZipCrypto's check is one byte, so a wrong password passes it once in 256 and the member
  // then fails to decompress. An encrypted member that fails is therefore read again with each
  // password alone, from a fresh reader; it is an error only when none of them opens it.
  [[nodiscard]] std::expected<std::string, std::string> read();
  [[nodiscard]] bool bomb() const { return bomb_; }

 private:
  ArchiveWalker() = default;
  [[nodiscard]] static std::expected<std::unique_ptr<ArchiveWalker>, std::string> reopen(
      const ArchiveWalker& like, std::span<const std::string> passwords);
  [[nodiscard]] std::expected<std::string, std::string> read_with_each_password(
      const std::string& first_failure);
  ::archive* a_ = nullptr;
  // Where the archive is, to read a member again: a path, or bytes in memory.
  std::string path_;
  std::string_view bytes_;
  std::vector<std::string> passwords_;
  bool current_encrypted_ = false;
  ArchiveLimits limits_;
  std::uint64_t archive_size_ = 0, expanded_ = 0;
  std::uint32_t ordinal_ = 0;
  bool bomb_ = false;
};

}  // namespace tansa::io
