// A stream of bytes from a file or standard input, decompressed on the fly when it is gzip or
// zstd (detected by magic number, not by name), in bounded memory. Readers of line-oriented
// formats take their input from here, so a `.log.gz` is read like a `.log`.
#pragma once

#include <cstddef>
#include <cstdint>
#include <expected>
#include <functional>
#include <memory>
#include <span>
#include <string>
#include <string_view>

namespace tansa::io {

class ByteSource {
 public:
  enum class Compression : std::uint8_t { None, Gzip, Zstd };

  // Opens `path` ("-" is standard input). `prefix`: bytes of the raw stream already consumed
  // (standard input's sniffed head), which come first.
  [[nodiscard]] static std::expected<std::unique_ptr<ByteSource>, std::string> open(
      const std::string& path, std::string_view prefix = {});
  // Bytes in memory that outlive the source (an archive member), decompressed when they are gzip
  // or zstd.
  [[nodiscard]] static std::unique_ptr<ByteSource> from_memory(std::string_view bytes);
  virtual ~ByteSource() = default;

  // Fills `out` with up to out.size() decompressed bytes; 0 at the end. An error (corrupt or
  // truncated compressed data) names the compressed offset.
  [[nodiscard]] virtual std::expected<std::size_t, std::string> read(std::span<char> out) = 0;
  [[nodiscard]] virtual Compression compression() const = 0;
  // Compressed bytes consumed so far (progress).
  [[nodiscard]] virtual std::uint64_t consumed() const = 0;
};

// The kind of compression raw bytes start with.
ByteSource::Compression sniff_compression(std::string_view head);

// Up to `max` decompressed bytes from the start of `path` (for format detection).
std::string read_head(const std::string& path, std::size_t max = 65536);
// The same for bytes already in memory (standard input's raw head).
std::string decompress_head(std::string_view raw, std::size_t max = 65536);

// Lines of a ByteSource, without their "\n" or "\r\n", numbered from 1. A line longer than
// `max_line` is cut there; the rest of it is skipped and `on_long` is told once per such line.
class LineReader {
 public:
  explicit LineReader(ByteSource& src, std::size_t max_line = 1 << 20);
  // Next line into `line` (valid until the next call); false at the end or on error.
  bool next(std::string_view& line);
  [[nodiscard]] std::uint64_t line_number() const { return line_no_; }
  // Set when reading stopped on a decompression error.
  [[nodiscard]] const std::string& error() const { return error_; }
  std::function<void(std::uint64_t line)> on_long;

 private:
  bool fill();
  ByteSource& src_;
  std::size_t max_;
  std::string buf_;
  std::size_t begin_ = 0, end_ = 0;
  bool eof_ = false;
  bool skipping_ = false;  // inside the rest of an over-long line
  std::uint64_t line_no_ = 0;
  std::string error_;
};

// Reads everything (decompressed) up to `limit` bytes; an error past it.
[[nodiscard]] std::expected<std::string, std::string> read_all(ByteSource& src, std::size_t limit);

}  // namespace tansa::io
