#include "watch/follow_evtx.h"

#include <fcntl.h>
#include <fmt/format.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>
#include <vector>

#include "evtx/reader.h"

namespace tansa::watch {

namespace {

constexpr std::size_t kSaidMax = 1000;  // distinct problems said per file

std::uint64_t le64(const std::uint8_t* p) {
  std::uint64_t v = 0;
  for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
  return v;
}

// A chunk's place and the record ids its header claims (first exact; last possibly stale while
// Windows fills the chunk).
struct ChunkHead {
  std::uint64_t offset, first, last;
};

// pread(2) of exactly `n` bytes at `at`; false when fewer could be read.
bool read_at(int fd, std::uint8_t* out, std::size_t n, std::uint64_t at) {
  std::size_t got = 0;
  while (got < n) {
    const ssize_t r = ::pread(fd, out + got, n - got, static_cast<off_t>(at + got));
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return false;
    got += static_cast<std::size_t>(r);
  }
  return true;
}

class Fd {
 public:
  explicit Fd(int fd) : fd_(fd) {}
  ~Fd() {
    if (fd_ >= 0) ::close(fd_);
  }
  Fd(const Fd&) = delete;
  Fd& operator=(const Fd&) = delete;
  [[nodiscard]] int get() const { return fd_; }

 private:
  int fd_;
};

}  // namespace

EvtxFollower::EvtxFollower(std::string path, std::optional<FilePosition> start, bool from_end,
                           NoteFn note)
    : path_(std::move(path)),
      note_(note ? std::move(note) : NoteFn([](const std::string&) {})),
      from_end_(from_end) {
  if (start) {
    pos_ = *start;
    started_ = true;
  }
}

std::string EvtxFollower::identity() const {
  return fmt::format("e:{}:{}", path_, pos_.generation);
}

std::size_t EvtxFollower::poll(const std::function<void(const Event&)>& on_event,
                               std::uint32_t file_index, std::size_t max_chunks) {
  struct stat st {};
  if (::stat(path_.c_str(), &st) != 0) {
    if (!missing_noted_) note_(path_ + ": not there (yet); waiting for it");
    missing_noted_ = true;
    return 0;
  }
  missing_noted_ = false;
  const std::int64_t mtime = std::int64_t{st.st_mtim.tv_sec} * 1'000'000'000 + st.st_mtim.tv_nsec;
  const auto size = static_cast<std::uint64_t>(st.st_size);
  if (!more_ && size == last_size_ && mtime == last_mtime_ns_ && st.st_ino == last_ino_) return 0;
  last_size_ = size;
  last_mtime_ns_ = mtime;
  last_ino_ = st.st_ino;
  more_ = false;

  const Fd fd(::open(path_.c_str(), O_RDONLY | O_CLOEXEC));
  if (fd.get() < 0) {
    note_(fmt::format("{}: {}; tried again when it changes", path_, std::strerror(errno)));
    return 0;
  }
  std::array<std::uint8_t, 8> magic{};
  if (!read_at(fd.get(), magic.data(), magic.size(), 0) ||
      std::memcmp(magic.data(), "ElfFile", 8) != 0) {
    if (!not_evtx_) note_(path_ + ": not an EVTX file (no ElfFile signature); not read");
    not_evtx_ = true;
    return 0;
  }
  not_evtx_ = false;
  if (pos_.ino == 0) {  // what it was first: a copy replacing it is the same log
    pos_.dev = st.st_dev;
    pos_.ino = st.st_ino;
  }

  // Every whole chunk's header; a chunk still being extended is read when it is whole.
  std::vector<ChunkHead> heads;
  for (std::uint64_t at = evtx::kFileHeaderSize; at + evtx::kChunkSize <= size;
       at += evtx::kChunkSize) {
    std::array<std::uint8_t, 40> h{};
    if (!read_at(fd.get(), h.data(), h.size(), at)) break;
    if (std::memcmp(h.data(), "ElfChnk", 8) != 0) continue;  // never written, or wiped
    heads.push_back({at, le64(h.data() + 24), le64(h.data() + 32)});
  }
  if (heads.empty()) return 0;
  std::sort(heads.begin(), heads.end(),
            [](const ChunkHead& a, const ChunkHead& b) { return a.first < b.first; });
  const ChunkHead newest = heads.back();

  std::vector<std::uint8_t> chunk(evtx::kChunkSize);
  evtx::ReadOptions opt;
  opt.threads = 1;
  opt.file_index = file_index;
  bool in_newest = false;
  evtx::ReadCallbacks cb;
  cb.on_diagnostic = [&](const Diagnostic& d) {
    ++diagnostics_;
    // The newest chunk is being written: a half-written record is read whole next time.
    if (in_newest) return;
    if (said_.size() < kSaidMax && said_.emplace(d.position, d.reason).second)
      note_(fmt::format("{}: offset {:#x}: {}", path_, d.position, d.reason));
  };
  // The newest record id the newest chunk holds (its header may lag behind it).
  const auto newest_id = [&]() {
    std::uint64_t top = std::max(newest.first, newest.last);
    if (!read_at(fd.get(), chunk.data(), chunk.size(), newest.offset)) return top;
    evtx::ReadCallbacks peek = cb;
    peek.on_event = [&](const Event& e) { top = std::max(top, e.source.position); };
    in_newest = true;
    (void)evtx::read_chunk(chunk, path_, newest.offset, opt, peek);
    in_newest = false;
    return top;
  };

  if (!started_) {
    started_ = true;
    if (from_end_) {
      pos_.offset = newest_id() + 1;
      return 0;
    }
  }
  // Ids lower than what was read: the log was cleared, or another took its name.
  if (pos_.offset > 1 && std::max(newest.first, newest.last) + 1 < pos_.offset &&
      newest_id() + 1 < pos_.offset) {
    note_(
        fmt::format("{}: its newest record is older than the last one read (record {}): the log "
                    "was cleared or replaced; reading it from its first record",
                    path_, pos_.offset - 1));
    ++pos_.generation;
    pos_.offset = 0;
    more_ = true;  // read next poll, under the new generation's identity
    return 1;
  }

  std::size_t delivered = 0, decoded = 0;
  cb.on_event = [&](const Event& e) {
    if (e.source.position < pos_.offset) return;
    on_event(e);
    pos_.offset = e.source.position + 1;
    ++delivered;
  };
  for (const ChunkHead& c : heads) {
    const bool is_newest = c.offset == newest.offset;
    if (!is_newest && c.last < pos_.offset) continue;  // nothing new in it
    if (decoded == max_chunks) {
      more_ = true;
      break;
    }
    if (!read_at(fd.get(), chunk.data(), chunk.size(), c.offset)) break;
    in_newest = is_newest;
    (void)evtx::read_chunk(chunk, path_, c.offset, opt, cb);
    in_newest = false;
    ++decoded;
  }
  return delivered + (more_ ? 1 : 0);
}

}  // namespace tansa::watch
