#include "io/byte_source.h"

#include <fcntl.h>
#include <unistd.h>
#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <utility>
#include <vector>

namespace tansa::io {

namespace {

// Raw bytes from a descriptor, after an optional prefix already read from it.
class Raw {
 public:
  Raw(int fd, bool owned, std::string prefix)
      : fd_(fd), owned_(owned), prefix_(std::move(prefix)) {}
  // Bytes in memory the caller keeps alive (an archive member).
  explicit Raw(std::string_view memory) : fd_(-1), owned_(false), memory_(memory) {}
  Raw(Raw&& o) noexcept
      : fd_(std::exchange(o.fd_, -1)),
        owned_(std::exchange(o.owned_, false)),
        prefix_(std::move(o.prefix_)),
        memory_(o.memory_),
        pos_(o.pos_),
        consumed_(o.consumed_) {}
  Raw(const Raw&) = delete;
  Raw& operator=(const Raw&) = delete;
  Raw& operator=(Raw&&) = delete;
  ~Raw() {
    if (owned_ && fd_ >= 0) ::close(fd_);
  }
  std::expected<std::size_t, std::string> read(char* out, std::size_t n) {
    if (pos_ < prefix_.size()) {
      const std::size_t k = std::min(n, prefix_.size() - pos_);
      std::memcpy(out, prefix_.data() + pos_, k);
      pos_ += k;
      consumed_ += k;
      return k;
    }
    if (fd_ < 0) {  // an in-memory head, or bytes in memory
      const std::size_t at = pos_ - prefix_.size();
      const std::size_t k = std::min(n, memory_.size() - std::min(at, memory_.size()));
      if (k) std::memcpy(out, memory_.data() + at, k);
      pos_ += k;
      consumed_ += k;
      return k;
    }
    while (true) {
      const ssize_t r = ::read(fd_, out, n);
      if (r < 0 && errno == EINTR) continue;
      if (r < 0) return std::unexpected(std::string(std::strerror(errno)));
      consumed_ += static_cast<std::size_t>(r);
      return static_cast<std::size_t>(r);
    }
  }
  std::uint64_t consumed() const { return consumed_; }

 private:
  int fd_;
  bool owned_;
  std::string prefix_;
  std::string_view memory_;
  std::size_t pos_ = 0;
  std::uint64_t consumed_ = 0;
};

class Plain final : public ByteSource {
 public:
  explicit Plain(Raw raw) : raw_(std::move(raw)) {}
  std::expected<std::size_t, std::string> read(std::span<char> out) override {
    return raw_.read(out.data(), out.size());
  }
  Compression compression() const override { return Compression::None; }
  std::uint64_t consumed() const override { return raw_.consumed(); }

 private:
  Raw raw_;
};

// gzip, including files of several members one after another (as `cat a.gz b.gz` makes).
class Gzip final : public ByteSource {
 public:
  explicit Gzip(Raw raw) : raw_(std::move(raw)), in_(1 << 16) {
    std::memset(&z_, 0, sizeof z_);
    inflateInit2(&z_, 16 + MAX_WBITS);
  }
  ~Gzip() override { inflateEnd(&z_); }
  std::expected<std::size_t, std::string> read(std::span<char> out) override {
    if (done_ || out.empty()) return 0;
    z_.next_out = reinterpret_cast<Bytef*>(out.data());
    z_.avail_out = static_cast<uInt>(std::min<std::size_t>(out.size(), UINT32_MAX));
    while (z_.avail_out == out.size()) {
      if (z_.avail_in == 0) {
        auto n = raw_.read(in_.data(), in_.size());
        if (!n) return std::unexpected(*n.error().c_str() ? n.error() : "read error");
        if (*n == 0) {
          done_ = true;
          if (in_member_)
            return std::unexpected("gzip data truncated at offset " +
                                   std::to_string(raw_.consumed()));
          break;
        }
        z_.next_in = reinterpret_cast<Bytef*>(in_.data());
        z_.avail_in = static_cast<uInt>(*n);
      }
      in_member_ = true;
      const int rc = inflate(&z_, Z_NO_FLUSH);
      if (rc == Z_STREAM_END) {
        in_member_ = false;
        inflateReset(&z_);  // another member may follow
      } else if (rc != Z_OK && rc != Z_BUF_ERROR) {
        done_ = true;
        return std::unexpected("corrupt gzip data near offset " +
                               std::to_string(raw_.consumed() - z_.avail_in) + ": " +
                               (z_.msg ? z_.msg : "inflate error"));
      }
    }
    return out.size() - z_.avail_out;
  }
  Compression compression() const override { return Compression::Gzip; }
  std::uint64_t consumed() const override { return raw_.consumed(); }

 private:
  Raw raw_;
  std::vector<char> in_;
  z_stream z_;
  bool done_ = false;
  bool in_member_ = false;
};

class Zstd final : public ByteSource {
 public:
  explicit Zstd(Raw raw)
      : raw_(std::move(raw)), in_(ZSTD_DStreamInSize()), ds_(ZSTD_createDStream()) {
    ZSTD_initDStream(ds_);
  }
  ~Zstd() override { ZSTD_freeDStream(ds_); }
  std::expected<std::size_t, std::string> read(std::span<char> out) override {
    if (done_ || out.empty()) return 0;
    ZSTD_outBuffer o{out.data(), out.size(), 0};
    while (o.pos == 0) {
      if (ib_.pos == ib_.size) {
        auto n = raw_.read(in_.data(), in_.size());
        if (!n) return std::unexpected(n.error());
        if (*n == 0) {
          done_ = true;
          if (pending_)
            return std::unexpected("zstd data truncated at offset " +
                                   std::to_string(raw_.consumed()));
          break;
        }
        ib_ = ZSTD_inBuffer{in_.data(), *n, 0};
      }
      const std::size_t rc = ZSTD_decompressStream(ds_, &o, &ib_);
      if (ZSTD_isError(rc)) {
        done_ = true;
        return std::unexpected("corrupt zstd data near offset " +
                               std::to_string(raw_.consumed() - (ib_.size - ib_.pos)) + ": " +
                               ZSTD_getErrorName(rc));
      }
      pending_ = rc != 0;
    }
    return o.pos;
  }
  Compression compression() const override { return Compression::Zstd; }
  std::uint64_t consumed() const override { return raw_.consumed(); }

 private:
  Raw raw_;
  std::vector<char> in_;
  ZSTD_DStream* ds_;
  ZSTD_inBuffer ib_{nullptr, 0, 0};
  bool done_ = false;
  bool pending_ = false;
};

}  // namespace

namespace {
// The source that decompresses `raw` as `c` says.
std::unique_ptr<ByteSource> wrap(Raw raw, ByteSource::Compression c) {
  switch (c) {
    case ByteSource::Compression::Gzip:
      return std::make_unique<Gzip>(std::move(raw));
    case ByteSource::Compression::Zstd:
      return std::make_unique<Zstd>(std::move(raw));
    case ByteSource::Compression::None:
      break;
  }
  return std::make_unique<Plain>(std::move(raw));
}
}  // namespace

ByteSource::Compression sniff_compression(std::string_view head) {
  if (head.size() >= 2 && static_cast<unsigned char>(head[0]) == 0x1f &&
      static_cast<unsigned char>(head[1]) == 0x8b)
    return ByteSource::Compression::Gzip;
  if (head.size() >= 4 && head.substr(0, 4) == std::string_view("\x28\xb5\x2f\xfd", 4))
    return ByteSource::Compression::Zstd;
  return ByteSource::Compression::None;
}

std::expected<std::unique_ptr<ByteSource>, std::string> ByteSource::open(const std::string& path,
                                                                         std::string_view prefix) {
  int fd = STDIN_FILENO;
  bool owned = false;
  if (path != "-") {
    fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return std::unexpected(std::string(std::strerror(errno)));
    owned = true;
  }
  // Peek at the magic number: a prefix already holds it for standard input; for files, read
  // four bytes and hand them back as the prefix.
  std::string head(prefix);
  if (head.size() < 4) {
    char b[4];
    std::size_t got = 0;
    while (got < sizeof b - head.size()) {
      const ssize_t n = ::read(fd, b + got, sizeof b - head.size() - got);
      if (n < 0 && errno == EINTR) continue;
      if (n <= 0) break;
      got += static_cast<std::size_t>(n);
    }
    head.append(b, got);
  }
  const Compression c = sniff_compression(head);
  return wrap(Raw(fd, owned, std::move(head)), c);
}

std::unique_ptr<ByteSource> ByteSource::from_memory(std::string_view bytes) {
  return wrap(Raw(bytes), sniff_compression(bytes));
}

std::string decompress_head(std::string_view raw, std::size_t max) {
  if (sniff_compression(raw) == ByteSource::Compression::None)
    return std::string(raw.substr(0, max));
  // Decompress what the raw head holds; a truncation error at its end is expected.
  std::string out;
  std::unique_ptr<ByteSource> src = ByteSource::from_memory(raw);
  std::vector<char> buf(65536);
  while (out.size() < max) {
    auto n = src->read(std::span<char>(buf.data(), std::min(buf.size(), max - out.size())));
    if (!n || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

std::string read_head(const std::string& path, std::size_t max) {
  auto src = ByteSource::open(path);
  if (!src) return {};
  std::string out;
  std::vector<char> buf(65536);
  while (out.size() < max) {
    auto n = (*src)->read(std::span<char>(buf.data(), std::min(buf.size(), max - out.size())));
    if (!n || *n == 0) break;
    out.append(buf.data(), *n);
  }
  return out;
}

LineReader::LineReader(ByteSource& src, std::size_t max_line) : src_(src), max_(max_line) {
  buf_.resize(std::max<std::size_t>(max_line + 1, 1 << 16) * 2);
}

bool LineReader::fill() {
  if (eof_) return false;
  if (begin_ > 0) {
    std::memmove(buf_.data(), buf_.data() + begin_, end_ - begin_);
    end_ -= begin_;
    begin_ = 0;
  }
  if (end_ == buf_.size()) return true;
  auto n = src_.read(std::span<char>(buf_.data() + end_, buf_.size() - end_));
  if (!n) {
    error_ = n.error();
    eof_ = true;
    return false;
  }
  if (*n == 0) {
    eof_ = true;
    return false;
  }
  end_ += *n;
  return true;
}

bool LineReader::next(std::string_view& line) {
  while (true) {
    const char* start = buf_.data() + begin_;
    const void* nl = std::memchr(start, '\n', end_ - begin_);
    if (nl) {
      const std::size_t len = static_cast<std::size_t>(static_cast<const char*>(nl) - start);
      begin_ += len + 1;
      if (skipping_) {  // the end of a line already returned cut
        skipping_ = false;
        continue;
      }
      ++line_no_;
      line = std::string_view(start, len);
      if (len > max_) {
        if (on_long) on_long(line_no_);
        line = line.substr(0, max_);
      }
      if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
      return true;
    }
    if (skipping_) {
      begin_ = end_;
    } else if (end_ - begin_ > max_) {
      // No newline within max_ bytes: hand out the cut line and skip the rest of it.
      ++line_no_;
      if (on_long) on_long(line_no_);
      line = std::string_view(start, max_);
      begin_ = end_;
      skipping_ = true;
      return true;
    }
    if (!fill()) {
      if (!skipping_ && end_ > begin_) {
        ++line_no_;
        line = std::string_view(buf_.data() + begin_, end_ - begin_);
        begin_ = end_;
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        return true;
      }
      return false;
    }
  }
}

std::expected<std::string, std::string> read_all(ByteSource& src, std::size_t limit) {
  std::string out;
  std::vector<char> buf(1 << 16);
  while (true) {
    auto n = src.read(buf);
    if (!n) return std::unexpected(n.error());
    if (*n == 0) return out;
    if (out.size() + *n > limit)
      return std::unexpected("larger than " + std::to_string(limit >> 20) +
                             " MiB once decompressed");
    out.append(buf.data(), *n);
  }
}

}  // namespace tansa::io
