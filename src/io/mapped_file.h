// Read-only memory-mapped files: readers see a whole file as bytes without loading it, and the
// kernel pages it in and out, so memory stays bounded whatever the file size.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <span>
#include <string>

namespace tansa::io {

class MappedFile {
 public:
  [[nodiscard]] static std::expected<MappedFile, std::string> open(const std::string& path);

  MappedFile() = default;
  MappedFile(MappedFile&& o) noexcept;
  MappedFile& operator=(MappedFile&& o) noexcept;
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;
  ~MappedFile();

  [[nodiscard]] std::span<const std::uint8_t> bytes() const { return {data_, size_}; }
  [[nodiscard]] std::size_t size() const { return size_; }
  // Tells the kernel the file will be read front to back (or in parallel chunks), once.
  void advise_sequential() const;

 private:
  const std::uint8_t* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace tansa::io
